import test from 'ava';
import { runConformance } from '../../examples/conformance/app.js';
import { makeNodes } from './loopnet.js';

test('one', async (t) => {
  const { hub, nodes } = makeNodes(Number(process.env.BOARDS ?? 2));
  const logs: string[] = [];
  const ctxs = nodes.map((mcapi, rank) => ({
    domain: 1, node: rank + 1, rank, boards: nodes.length, args: [], mcapi, nodeOfRank: (r: number) => r + 1,
    now: () => hub.clock.now(), sleep: (ms: number) => hub.sleep(ms),
    log: (l: string, m: string) => { logs.push(m); }, event: () => undefined, random: () => 0.5,
    dsm: () => Promise.reject(new Error('no DSM in the MCAPI tests')),
  }));
  const filter = process.env.CASE ?? '';
  const r = await hub.run(Promise.all(ctxs.map((c) => runConformance(c, { filter, caseTimeoutMs: 5000 }))));
  t.log(JSON.stringify(r[0], null, 1));
  t.is(r[0]!.failed, 0);
});
