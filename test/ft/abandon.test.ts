/**
 * A board that fault tolerance drops from its view is given up end to end at once (issue 11,
 * leftover): what the network still held for it — checkpoint data to a buddy that died
 * mid-stream — ends as undeliverable when the new view forms, instead of being resent until
 * the network's own e2eGiveUpMs (30 s) and holding end-to-end memory meanwhile.
 */
import test from 'ava';
import { Cluster } from './cluster.js';
import type { AppSpec } from './cluster.js';

const SPEC: AppSpec = { size: 32768, iters: 40, every: 5, frac: 0.5, iterMs: 20 };

test('frames held for a member that failed are given up when the new view forms', async (t) => {
  const c = new Cluster({ boards: 4, spares: 1, seed: 31, topology: 'full' });
  c.spec = SPEC;
  const lost: { by: number; node: number; frames: number; at: number }[] = [];
  for (const n of c.nodes) c.net.node(n).onUndeliverable = (node, frames) => lost.push({ by: n, node, frames, at: c.now });
  // Rank 1 (node 1) starts streaming its second checkpoint to its buddy, node 2, which dies then.
  let crashAt = -1;
  c.on((e) => {
    if (crashAt < 0 && e.node === 1 && e.name === 'ckpt-send' && e.value === 2) {
      crashAt = c.now;
      c.crash(2);
    }
  });
  t.true(await c.runUntil(() => c.finished(), 60_000));
  t.deepEqual(c.wrong(SPEC), []);
  t.deepEqual(c.errors, []);
  t.true(crashAt > 0, 'node 2 crashed as rank 1 started sending to it');
  const recovery = c.ofName('recovery', 1)[0];
  t.truthy(recovery, 'node 1 took part in the recovery');
  const given = lost.filter((l) => l.by === 1 && l.node === 2);
  t.true(given.length > 0, `node 1 gave up what it held for node 2 (undeliverable reports: ${JSON.stringify(lost)})`);
  t.true(given[0]!.frames > 0);
  // At the new view, not 30 s of silence later (the run ends long before that).
  t.true(given[0]!.at <= recovery!.at, `given up at ${given[0]!.at} ms, the new view formed at ${recovery!.at} ms`);
  t.true(given[0]!.at - crashAt < 5000);
  // Nothing is held any more for the dead board. Node 1 holds at most its last heartbeat to
  // each live ring neighbour (unicast, acknowledged end to end by the neighbour's next frame).
  await c.run(500);
  const held = (n: number): number => (c.net.node(1).net as unknown as { e2e: { tx: Map<number, { held: unknown[] }> } }).e2e.tx.get(n)?.held.length ?? 0;
  t.is(held(2), 0);
  t.true(c.net.node(1).net.unacknowledged() <= 2, `node 1 holds ${c.net.node(1).net.unacknowledged()} frames`);
  // The spare that took rank 2 was never given up, nor was any live board.
  t.deepEqual(lost.filter((l) => l.node !== 2), []);
});
