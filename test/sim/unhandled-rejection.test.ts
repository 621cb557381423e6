// A promise of the app's that rejects with nobody to handle it (a callback the runtime calls from a
// promise job throws, an async function nobody awaits fails) aborts a Moddable board (XS exit 8,
// "unhandled rejection"). A simulated XS board printed `Unhandled exception ...` on stderr and went
// on (the app returned as if nothing had happened); a V8 board ended the whole simulator. Now the
// board halts naming the error and the app's line, on XS and V8 alike, and the run ends on it.
import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulate } from '../../host-sim/api/index.js';
import { summaryText } from '../../host-sim/sim/status-view.js';
import { REJECTION_APP, REJECTION_CASES } from './fixtures/rejection-app.js';

/** Building the app's XS bundle takes a loaded 2-core host a minute or more. */
const TEST_TIMEOUT_MS = 6 * 60_000;

const dir = mkdtempSync(join(tmpdir(), 'mcdsm-rejection-'));
writeFileSync(join(dir, 'app.ts'), REJECTION_APP);

for (const engine of ['xs', 'node'] as const) {
  for (const c of REJECTION_CASES) {
    test(`${engine}: ${c.name}: board 0 halts with the error and its line, the run ends on it`, async (t) => {
      t.timeout(TEST_TIMEOUT_MS);
      const s = await simulate({ app: './app.ts', args: [c.arg], cwd: dir, boards: 2, engine, maxVirtual: '60s' });
      t.false(s.ok, 'the run does not pass');
      t.is(s.app.results[0], undefined, 'rank 0 did not go on to return');
      t.is(s.boards[0]!.state, 'halted');
      const line = `app\\.ts:${c.line}`;
      t.regex(s.boards[0]!.haltReason ?? '', new RegExp(`^unhandled rejection \\(a Moddable board aborts here\\): Error: ${c.message} \\(at ${line}[:,)]`));
      t.regex(s.reason, new RegExp(`^board 0 \\(${engine}\\) halted: unhandled rejection .*Error: ${c.message} \\(at ${line}`));
      t.true(s.virtualMs < 1000, `ended at the halt (${s.virtualMs} ms), not at --max-virtual`);
    });
  }

  test(`${engine}: a rejection the app handles halts nothing`, async (t) => {
    t.timeout(TEST_TIMEOUT_MS);
    const s = await simulate({ app: './app.ts', args: ['handled'], cwd: dir, boards: 2, engine, maxVirtual: '60s' });
    t.true(s.ok, s.reason);
    t.deepEqual(s.app.results, { 0: 'handled', 1: 'fine' });
  });
}

test('node, a spare: the run goes on past the halt, and its summary names the halt when the run ends for another reason', async (t) => {
  t.timeout(TEST_TIMEOUT_MS);
  const s = await simulate({ app: './app.ts', args: ['sleep'], cwd: dir, boards: 2, spares: 1, engine: 'node', maxVirtual: '120s' });
  t.false(s.ok);
  t.notRegex(s.reason, /unhandled rejection/, `another reason ends the run (${s.reason})`);
  t.regex(summaryText(s), /\nhalted: board 0 \(node\): unhandled rejection \(a Moddable board aborts here\): Error: late sleep failed \(at app\.ts:9/);
});
