import test from 'ava';
import { Cluster } from './cluster.js';
import { Rng } from '../net/harness.js';
import type { AppSpec } from './cluster.js';

const SPEC: AppSpec = { size: 6000, iters: 40, every: 4, frac: 0.05, iterMs: 25 };

test('campaign', async (t) => {
  const bad: string[] = [];
  const N = Number(process.env.CAMPAIGN ?? 40);
  const base = Number(process.env.CAMPAIGN_BASE ?? 1000);
  let stopped = 0;
  for (let seed = base; seed < base + N; seed++) {
    const rng = new Rng(seed);
    const buddies = process.env.BUDDIES ? Number(process.env.BUDDIES) : 1 + rng.int(2);
    const c = new Cluster({ boards: 4, spares: Number(process.env.SPARES ?? 2), seed, kind: process.env.LOSS ? 'stream' : 'datagram', wire: process.env.LOSS ? { loss: Number(process.env.LOSS), bytesPerMs: 92, chunkMax: 100000, latencyMs: 2 } : {}, topology: process.env.TOPO === 'full' ? 'full' : rng.int(2) === 0 ? 'full' : 'ring', ft: { buddies } });
    c.spec = SPEC;
    const faults: string[] = [];
    const nf = 1 + rng.int(2);
    const plan: { at: number; node: number; kind: number }[] = [];
    for (let i = 0; i < nf; i++) plan.push({ at: 100 + rng.int(1500), node: rng.int(6), kind: rng.int(6) });
    const topo = process.env.TOPO;
    plan.sort((a, b) => a.at - b.at);
    for (const p of plan) {
      await c.runUntil(() => c.now >= p.at, p.at);
      if (c.dead.has(p.node)) continue;
      if (p.kind === 0 || p.kind === 1) { c.crash(p.node); faults.push(`crash ${p.node}@${p.at}`); }
      else if (p.kind === 4 || p.kind === 5) {
        const ev = ['ckpt-send', 'ckpt-commit', 'recovery-transfer', 'suspect'][rng.int(4)]!;
        c.crashOn(p.node, ev);
        faults.push(`crash ${p.node}@${ev}`);
      }
      else if (p.kind === 2) { c.crash(p.node); faults.push(`reboot ${p.node}@${p.at}`); const n = p.node; c.net.loop.schedule(c.now + 50, () => c.reboot(n)); }
      else { c.hang(p.node, 1500); faults.push(`hang ${p.node}@${p.at}`); }
    }
    const ok = await c.runUntil(() => c.finished(), 120_000);
    const wrong = c.results.size === 4 ? c.wrong(SPEC) : [];
    const desc = `seed ${seed} buddies ${buddies} ${c.o.topology} ${faults.join(', ')}`;
    if (!ok) bad.push(`${desc}: not finished; phases ${c.ft.size && [...c.ft.values()].map((f) => `${f.node}:${f.phase}:e${f.epoch}`).join(' ')}`);
    else if (wrong.length > 0) bad.push(`${desc}: WRONG ${wrong.join('; ')}`);
    else if (c.results.size < 4) { stopped++; t.log(`${desc}: stopped: ${[...new Set(c.stops.values())].join(' | ')}`); }
    if (c.errors.length > 0) bad.push(`${desc}: errors ${c.errors.join('; ')}`);
  }
  t.log(`stopped ${stopped} of ${N}`);
  for (const b of bad) t.log(b);
  t.deepEqual(bad, []);
});
