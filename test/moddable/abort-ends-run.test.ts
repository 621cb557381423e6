// A Moddable-lin board that aborts mid-run (XS: JavaScript stack overflow) while the other board
// finishes: the run ends at once naming the abort. Before, the done board kept retransmitting to
// the dead one, so the run went on until --max-virtual: ten minutes of wall time (issue #9,
// "nothing hangs").
import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulate } from '../../host-sim/api/index.js';
import { moddableSdkOrReport } from './helpers.js';

const OVERFLOW_APP = `import type { App } from 'mcdsm';

function deep(n: number): number {
  return n === -1 ? 0 : deep(n + 1) + 1;
}

export const app: App = {
  name: 'overflow',
  async main(ctx) {
    await ctx.sleep(50);
    return ctx.rank === 1 ? deep(0) : ctx.rank;
  },
};
`;

if (moddableSdkOrReport(test) !== null) {
  test('rank 1 aborts (JS stack overflow), rank 0 is done: the run stops with the cause, well before --max-virtual', async (t) => {
    t.timeout(8 * 60_000);
    const dir = mkdtempSync(join(tmpdir(), 'mcdsm-abort-'));
    writeFileSync(join(dir, 'app.ts'), OVERFLOW_APP);
    const started = Date.now();
    const s = await simulate({ app: './app.ts', cwd: dir, boards: 2, engine: 'moddable', maxVirtual: '300s' });
    const wallMs = Date.now() - started;
    t.false(s.ok);
    t.regex(s.reason, /every board is done or halted, and no rank's result can still come: board 1 \(moddable\): board process ended \(XS abort \(JavaScript stack overflow\)\)/);
    t.deepEqual(s.app.results[0], 0);
    t.true(s.wallMs < 120_000, `ended after ${s.wallMs} ms of the run (${wallMs} ms with the build)`);
  });
}
