// The app of test/sim/unhandled-rejection.test.ts on Moddable-lin boards: rank 0's promise rejects
// with nobody to handle it and XS aborts the board ("unhandled rejection", exit 8) once a
// collection finds the promise garbage; the run ends naming it. The simulated XS and V8 boards
// end the same way (rank 0 halted on an unhandled rejection, no result from it), earlier: at
// the end of the turn, with the error's message and line, which Moddable's release build lacks.
import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulate } from '../../host-sim/api/index.js';
import { moddableSdkOrReport } from './helpers.js';
import { REJECTION_APP } from '../sim/fixtures/rejection-app.js';

if (moddableSdkOrReport(test) !== null) {
  test('rank 0 leaves a rejection unhandled: the Moddable board aborts (unhandled rejection), the run ends naming it', async (t) => {
    t.timeout(8 * 60_000);
    const dir = mkdtempSync(join(tmpdir(), 'mcdsm-rejection-'));
    writeFileSync(join(dir, 'app.ts'), REJECTION_APP);
    const s = await simulate({ app: './app.ts', args: ['sleep'], cwd: dir, boards: 2, engine: 'moddable', maxVirtual: '120s' });
    t.false(s.ok);
    t.is(s.app.results[0], undefined, 'rank 0 did not go on to return');
    t.is(s.boards[0]!.state, 'halted');
    t.regex(s.boards[0]!.haltReason ?? '', /XS abort \(unhandled rejection\)/);
    t.regex(s.reason, /board 0 \(moddable\): board process ended \(XS abort \(unhandled rejection\)\)/);
  });
}
