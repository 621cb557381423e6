/**
 * Seeded fault campaigns: random crashes, restarts and hangs at random moments or on protocol
 * events (`ckpt-send`, `ckpt-commit`, `recovery-transfer`, `suspect`). Every run must end with
 * the fault-free result or a clean stop — never a wrong result, never stuck — and the runs that
 * stop are exactly the ones expected, each for a reason that makes it unrecoverable by design.
 * With two buddies on a full mesh every double failure must recover. (Larger sweeps of the same
 * code found no failure in 2,200 runs after the last fix; raise the counts here to explore.)
 */
import test from 'ava';
import { Cluster } from './cluster.js';
import type { AppSpec } from './cluster.js';
import { Prng } from '../../src/util/prng.js';
import type { WireModel } from '../net/harness.js';

const SPEC: AppSpec = { size: 6000, iters: 40, every: 4, frac: 0.05, iterMs: 25 };
const EVENTS = ['ckpt-send', 'ckpt-commit', 'recovery-transfer', 'suspect'];

type FaultKind = 'crash' | 'reboot' | 'hang' | 'crash-on';

/** One fault: at a virtual time, or (crash-on) the first time the node reports `event`. */
interface PlannedFault {
  at: number;
  node: number;
  kind: FaultKind;
  event?: string;
}

interface PlannedRun {
  seed: number;
  buddies: number;
  topology: 'full' | 'ring';
  faults: PlannedFault[];
}

interface Campaign {
  seeds: [number, number];
  buddies?: number;
  spares: number;
  topology?: 'full' | 'ring';
  wire?: WireModel;
}

/** A run drawn from its seed: buddies and topology unless the campaign fixes them, one or two faults. */
function drawRun(seed: number, k: Campaign): PlannedRun {
  const rng = new Prng(seed);
  const buddies = k.buddies ?? 1 + rng.below(2);
  const topology = k.topology ?? (rng.below(2) === 0 ? 'full' : 'ring');
  const kinds: FaultKind[] = ['crash', 'crash', 'reboot', 'hang', 'crash-on', 'crash-on'];
  const faults = Array.from({ length: 1 + rng.below(2) }, (): PlannedFault => {
    const at = 100 + rng.below(1500);
    const node = rng.below(6);
    const kind = kinds[rng.below(kinds.length)]!;
    return kind === 'crash-on' ? { at, node, kind, event: EVENTS[rng.below(EVENTS.length)]! } : { at, node, kind };
  });
  faults.sort((a, b) => a.at - b.at);
  return { seed, buddies, topology, faults };
}

interface Outcome {
  /** Runs that stopped cleanly, with the reason FT gave. */
  stops: { seed: number; reason: string }[];
  bad: string[];
}

async function campaign(t: import('ava').ExecutionContext, k: Campaign, runs: PlannedRun[] = seedRange(k)): Promise<Outcome> {
  const bad: string[] = [];
  const stops: Outcome['stops'] = [];
  for (const run of runs) {
    const { seed, buddies, topology } = run;
    const c = new Cluster({
      boards: 4, spares: k.spares, seed, topology, ft: { buddies },
      ...(k.wire !== undefined ? { kind: 'stream' as const, wire: k.wire } : {}),
    });
    // Half the runs lend their state to FT (CheckpointContent.release) instead of having it copied.
    c.spec = { ...SPEC, lend: seed % 2 === 1 };
    const faults: string[] = [];
    for (const p of run.faults) {
      await c.runUntil(() => c.now >= p.at, p.at);
      if (c.dead.has(p.node)) continue;
      if (p.kind === 'crash') {
        c.crash(p.node);
        faults.push(`crash ${p.node}@${p.at}`);
      } else if (p.kind === 'reboot') {
        c.crash(p.node);
        const n = p.node;
        c.net.loop.schedule(c.now + 50, () => c.reboot(n));
        faults.push(`reboot ${p.node}@${p.at}`);
      } else if (p.kind === 'hang') {
        c.hang(p.node, 1500);
        faults.push(`hang ${p.node}@${p.at}`);
      } else {
        c.crashOn(p.node, p.event!);
        faults.push(`crash ${p.node}@${p.event!}`);
      }
    }
    const finished = await c.runUntil(() => c.finished(), 120_000);
    const desc = `seed ${seed}, ${buddies} buddies, ${topology}: ${faults.join(', ')}`;
    if (!finished) bad.push(`${desc}: stuck (${[...c.ft.values()].map((f) => `${f.node}:${f.phase}`).join(' ')})`);
    else if (c.results.size === 4) {
      const wrong = c.wrong(SPEC);
      if (wrong.length > 0) bad.push(`${desc}: WRONG ${wrong.join('; ')}`);
    } else {
      stops.push({ seed, reason: [...c.ft.values()].map((f) => f.stopReason).find((r) => r !== '') ?? '' });
      t.log(`stopped: ${desc}: ${stops[stops.length - 1]!.reason}`);
    }
    if (c.errors.length > 0) bad.push(`${desc}: app errors ${c.errors.join('; ')}`);
  }
  t.log(`${runs.length} runs; stopped cleanly: ${stops.map((x) => `seed ${x.seed}`).join(', ') || 'none'}`);
  return { stops, bad };
}

function seedRange(k: Campaign): PlannedRun[] {
  return Array.from({ length: k.seeds[1] - k.seeds[0] }, (_, i) => drawRun(k.seeds[0] + i, k));
}

/**
 * The stops a campaign may have: a rank whose board and only buddy both failed, or no spare
 * left that the survivors can reach (a ring cut on both sides of it). Anything else is a bug.
 */
const UNRECOVERABLE = /^(unrecoverable: checkpoint of rank \d+ lost \(node \d+ and its buddy node \d+ failed\)|rank \d+ \(node \d+\) failed and no spare is available)/;

test.serial('random faults, one or two buddies, ring or mesh: right result or a clean stop', async (t) => {
  const r = await campaign(t, { seeds: [1000, 1040], spares: 2 });
  t.deepEqual(r.bad, []);
  // Runs are deterministic from their seed: exactly these two stop, each for a reason by design
  // (1011: spare 5 and then node 3 crash on the ring, cutting off spare 4; 1032: node 2 and its
  // only buddy, node 3). A change in which runs stop is a change in behaviour to look at.
  t.deepEqual(r.stops.map((x) => x.seed), [1011, 1032]);
  for (const x of r.stops) t.regex(x.reason, UNRECOVERABLE, `seed ${x.seed}`);
});

test.serial('random faults over lossy UART links', async (t) => {
  const r = await campaign(t, { seeds: [9000, 9020], spares: 2, wire: { loss: 0.03, bytesPerMs: 92, chunkMax: 100_000, latencyMs: 2 } });
  t.deepEqual(r.bad, []);
  // One stop, by design: node 1 hangs and its ward node 0 reboots (one buddy).
  t.deepEqual(r.stops.map((x) => x.seed), [9001]);
  for (const x of r.stops) t.regex(x.reason, UNRECOVERABLE, `seed ${x.seed}`);
});

test.serial('two buddies on a full mesh: every single or double failure recovers', async (t) => {
  const r = await campaign(t, { seeds: [5000, 5040], spares: 3, buddies: 2, topology: 'full' });
  t.deepEqual(r.bad, []);
  t.deepEqual(r.stops, []);
});

test.serial('regressions: seeds that once failed (a START/STORED lost when routes changed after a crash)', async (t) => {
  // The fault plans these seeds drew when they failed (before the harness took the boards' Prng);
  // the cluster seed still drives the network's own randomness.
  const runs: PlannedRun[] = [
    { seed: 20233, buddies: 1, topology: 'ring', faults: [{ at: 771, node: 1, kind: 'reboot' }, { at: 964, node: 5, kind: 'crash' }] },
    { seed: 20263, buddies: 1, topology: 'ring', faults: [{ at: 241, node: 2, kind: 'crash' }, { at: 1203, node: 5, kind: 'reboot' }] },
  ];
  const r = await campaign(t, { seeds: [0, 0], spares: 2 }, runs);
  t.deepEqual(r.bad, []);
  t.deepEqual(r.stops, []);
});
