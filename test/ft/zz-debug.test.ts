import test from 'ava';
import { Cluster } from './cluster.js';
import type { AppSpec } from './cluster.js';
const SPEC: AppSpec = { size: 6000, iters: 40, every: 4, frac: 0.05, iterMs: 25, lend: true };
test('debug', async (t) => {
  const c = new Cluster({ boards: 4, spares: 2, seed: 20233, topology: 'ring', ft: { buddies: 1 } });
  c.spec = SPEC;
  await c.runUntil(() => c.now >= 771, 771);
  c.crash(1);
  c.net.loop.schedule(c.now + 50, () => c.reboot(1));
  await c.runUntil(() => c.now >= 964, 964);
  c.crash(5);
  await c.runUntil(() => c.finished(), 12_000);
  for (const l of c.logs) t.log(l);
  t.log(c.events.filter((e) => !e.name.startsWith('ckpt')).map((e) => `${e.at} n${e.node} ${e.name}=${e.value} ${e.detail}`).join('\n'));
  t.log(c.live().map((f) => `${f.node} ${f.phase} e${f.epoch} ${f.rankMap()}`));
  t.pass();
});
