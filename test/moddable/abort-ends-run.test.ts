// A Moddable-lin board that aborts mid-run while the other board finishes: the run ends at once
// naming the abort and its cause as the board itself told it (its `ABORT` line). Before, the
// done board kept retransmitting to the dead one, so the run went on until --max-virtual: ten
// minutes of wall time (issue #9, "nothing hangs"); and the cause was only XS's word for the
// abort (`XS abort (JavaScript stack overflow)`), not which stack, its size or the function.
import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulate } from '../../host-sim/api/index.js';
import { STACK_SLOTS } from '../../host-sim/firmware/creation.js';
import { moddableSdkOrReport } from './helpers.js';

/**
 * Rank 1 aborts: `overflow` recurses without end (JavaScript stack overflow), `memory` asks for
 * the largest ArrayBuffer XS accepts (2 GiB - 1: its chunk size overflows, XS aborts "not enough
 * memory" as a chip does when its chunk heap cannot grow), `rejects` leaves the rejection of a
 * named async function unhandled. One app, one firmware build.
 */
const ABORT_APP = `import type { App } from 'mcdsm';

function deep(n: number): number {
  return n === -1 ? 0 : deep(n + 1) + 1;
}

async function failLater(sleep: (ms: number) => Promise<void>): Promise<void> {
  await sleep(5);
  throw new Error('named failure');
}

export const app: App = {
  name: 'aborts',
  async main(ctx) {
    await ctx.sleep(50);
    if (ctx.rank !== 1) return ctx.rank;
    if (ctx.args[0] === 'memory') return new ArrayBuffer(0x7fffffff).byteLength;
    if (ctx.args[0] !== 'rejects') return deep(0);
    void failLater((ms) => ctx.sleep(ms));
    // XS reports the rejection once a collection finds the promise garbage: allocate until then.
    let junk: number[] = [];
    for (let i = 0; i < 300; i++) {
      junk = new Array<number>(200).fill(i);
      await ctx.sleep(10);
    }
    return junk.length;
  },
};
`;

const ENDS = /every board is done or halted, and no rank's result can still come: board 1 \(moddable\): board process ended /;

if (moddableSdkOrReport(test) !== null) {
  const dir = mkdtempSync(join(tmpdir(), 'mcdsm-abort-'));
  writeFileSync(join(dir, 'app.ts'), ABORT_APP);

  test.serial('rank 1 aborts (JS stack overflow), rank 0 is done: the run stops with the stack, its size and the function, well before --max-virtual', async (t) => {
    t.timeout(8 * 60_000);
    const started = Date.now();
    const s = await simulate({ app: './app.ts', args: ['overflow'], cwd: dir, boards: 2, engine: 'moddable', maxVirtual: '300s' });
    const wallMs = Date.now() - started;
    t.false(s.ok);
    t.regex(s.reason, new RegExp(`${ENDS.source}\\(XS abort \\(JavaScript stack overflow\\)\\): the JavaScript stack \\(${STACK_SLOTS} slots\\) is full, \\d+ frames deep, in deep x \\d+`));
    t.deepEqual(s.app.results[0], 0);
    t.true(s.wallMs < 120_000, `ended after ${s.wallMs} ms of the run (${wallMs} ms with the build)`);
  });

  test.serial('rank 1 runs out of memory: the run names the heap that could not grow and its size', async (t) => {
    t.timeout(8 * 60_000);
    const s = await simulate({ app: './app.ts', args: ['memory'], cwd: dir, boards: 2, engine: 'moddable', maxVirtual: '300s' });
    t.false(s.ok);
    t.regex(s.reason, new RegExp(`${ENDS.source}\\(XS abort \\(not enough memory\\)\\): the chunk heap could not grow: chunk heap \\d+ B \\(\\d+ B used\\); slot heap \\d+ slots \\(\\d+ live\\)$`));
    t.is(s.boards[1]!.state, 'halted');
    t.deepEqual(s.app.results[0], 0);
  });

  test.serial('rank 1 leaves the rejection of a named function unhandled: the run names the error and the function', async (t) => {
    t.timeout(8 * 60_000);
    const s = await simulate({ app: './app.ts', args: ['rejects'], cwd: dir, boards: 2, engine: 'moddable', maxVirtual: '300s' });
    t.false(s.ok);
    t.regex(s.reason, new RegExp(`${ENDS.source}\\(XS abort \\(unhandled rejection\\)\\): Error: named failure \\(at failLater\\)$`));
    t.deepEqual(s.app.results[0], 0);
  });
}
