/**
 * What FT's heartbeat tick costs on XS (docs/PERFORMANCE.md "Round 9: 16 boards"): its node
 * lists (members, watched boards, the heartbeat ring) are sorted with a typed array's native
 * sort, not a comparator called per comparison (a tick on 16 boards: ~25k -> ~14k XS units with
 * the peers no longer sorted for them; 330 ticks in a Laplace run).
 */
import test from 'ava';
import { rollup } from 'rollup';
import { fileURLToPath } from 'node:url';
import { XsWorker } from '../../host-sim/xsnap/worker.js';

async function bundle(): Promise<string> {
  const b = await rollup({
    input: fileURLToPath(new URL('./fixtures/xs-nodes-main.js', import.meta.url)),
    onwarn: (w) => {
      throw new Error(`rollup: ${w.message}`);
    },
  });
  const { output } = await b.generate({ format: 'iife', strict: true });
  await b.close();
  return output[0].code;
}

test('the tick\'s node lists sort natively on XS: under 3/4 of the units of a comparator sort (0.61 measured)', async (t) => {
  const w = new XsWorker({ name: 'ft-nodes', stdout: 'ignore' });
  try {
    await w.evaluate(await bundle());
    const r = await w.evaluate('new TextEncoder().encode(globalThis.check()).buffer');
    t.deepEqual(JSON.parse(Buffer.from(r.reply).toString('utf8')), {
      members: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
      big: [1, 2, 300],
      sink: true,
    });
    const native = (await w.evaluate('nodeLists()')).meter.compute;
    const comparator = (await w.evaluate('comparatorLists()')).meter.compute;
    t.log(`16 nodes, 200 lists: ${native} units sorted natively, ${comparator} with a comparator`);
    t.true(native < comparator * 0.75, `${native} units, ${comparator} with a comparator`);
  } finally {
    await w.kill();
  }
});
