import test from 'ava';
import { Cluster } from './cluster.js';
import type { AppSpec } from './cluster.js';
const SPEC: AppSpec = { size: 8192, iters: 40, every: 5, frac: 0.03, iterMs: 20 };
test('debug', async (t) => {
  const c = new Cluster({ boards: 4, spares: 2, seed: 27 });
  c.spec = SPEC;
  await c.runUntil(() => c.ofName('ckpt-commit', 1).length >= 2, 10_000);
  let armed = true;
  c.on((e) => {
    if (armed && e.name === 'recovery-transfer' && e.value === 2) { armed = false; c.crash(4); }
  });
  c.crash(2);
  const ok = await c.runUntil(() => c.finished(), 20_000);
  for (const l of c.logs) t.log(l);
  t.log(c.events.filter((e) => !e.name.startsWith('ckpt')).map((e) => `${e.at} n${e.node} ${e.name}=${e.value} ${e.detail}`).join('\n'));
  t.log([...c.stops]);
  t.log(c.live().map((f) => `${f.node} ${f.phase} e${f.epoch} ${f.rankMap()}`));
  t.log(c.results);
  t.pass();
});
