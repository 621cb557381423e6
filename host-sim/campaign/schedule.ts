/**
 * A campaign's randomized fault schedules: each run gets its own seed, derived from the
 * campaign seed, and from it one fault of a kind from `--faults` on a board and at a moment
 * where it can fire. Reproduce any run with its seed and its --fault list (the replay line).
 *
 * Only faults that can fire are scheduled (issue 11, defect 6): an iteration or checkpoint
 * trigger goes to a member (spares do not iterate or checkpoint), `recovery-transfer` only as
 * the second crash, on the board that must send the failed rank's copy, after a first crash
 * that follows a committed checkpoint (generation 0 has nothing to transfer), and times fall
 * inside the fault-free run (a partition's heal included).
 *
 * Each plan also says whether its faults are recoverable by design, and if not, why: the
 * campaign then expects a clean stop there, not the fault-free result.
 */
import { Prng } from '../../src/util/prng.js';
import { buddiesOf } from '../../src/ft/view.js';

export const FAULT_KINDS = ['crash', 'reboot', 'hang', 'partition'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export const PHASES = ['ckpt-send', 'ckpt-commit'] as const;

/** The first checkpoint of a run that checkpoints every K iterations commits after iteration K. */
const FIRST_SAFE_ITER_MARGIN = 2;
/** Outages (hang, partition) drawn from this range (ms): below and above the FT timeout (2 s). */
const OUTAGE_MS: [number, number] = [200, 4000];
/** Share of crash runs that are two crashes, the second during the recovery from the first. */
const DOUBLE_CRASH_SHARE = 0.25;

export interface RunPlan {
  index: number;
  seed: number;
  kind: FaultKind | 'crash2';
  /** The --fault specs of this run, in the order given to the simulator. */
  faults: string[];
  /** Null when the faults are recoverable by design; else why the run may stop instead. */
  notRecoverable: string | null;
}

export interface ScheduleContext {
  boards: number;
  spares: number;
  /** Board pairs wired together (the topology). */
  edges: readonly { a: number; b: number }[];
  /** Virtual length of the fault-free run (ms). */
  horizonMs: number;
  /** Iterations of the app (0: unknown, no iteration triggers). */
  iterations: number;
  /** The app checkpoints every this many iterations (0: unknown or never). */
  ckptEvery: number;
  kinds: readonly FaultKind[];
}

export function runSeed(campaignSeed: number, index: number): number {
  return (Math.imul(campaignSeed >>> 0, 0x9e3779b1) + index * 7919 + 1) >>> 0;
}

/** Parse `--faults crash,reboot,...`; throws naming the bad kind. */
export function parseFaultKinds(text: string): FaultKind[] {
  const out: FaultKind[] = [];
  for (const raw of text.split(',').map((s) => s.trim()).filter((s) => s.length > 0)) {
    if (!(FAULT_KINDS as readonly string[]).includes(raw)) throw new Error(`--faults: unknown fault kind "${raw}" (${FAULT_KINDS.join(', ')})`);
    if (!out.includes(raw as FaultKind)) out.push(raw as FaultKind);
  }
  if (out.length === 0) throw new Error(`--faults: name at least one of ${FAULT_KINDS.join(', ')}`);
  return out;
}

/** True when the boards left after `dead` fail are still connected to each other. */
export function connectedWithout(total: number, edges: readonly { a: number; b: number }[], dead: readonly number[]): boolean {
  const alive = Array.from({ length: total }, (_, n) => n).filter((n) => !dead.includes(n));
  if (alive.length <= 1) return true;
  const seen = new Set<number>([alive[0]!]);
  const todo = [alive[0]!];
  while (todo.length > 0) {
    const n = todo.pop()!;
    for (const e of edges) {
      const m = e.a === n ? e.b : e.b === n ? e.a : -1;
      if (m >= 0 && !dead.includes(m) && !seen.has(m)) {
        seen.add(m);
        todo.push(m);
      }
    }
  }
  return alive.every((n) => seen.has(n));
}

export function planRun(campaignSeed: number, index: number, c: ScheduleContext): RunPlan {
  const seed = runSeed(campaignSeed, index);
  const rng = new Prng(seed);
  const total = c.boards + c.spares;
  const kind = c.kinds[rng.below(c.kinds.length)]!;
  const at = (): string => `${Math.max(1, Math.round((0.05 + 0.85 * rng.random()) * c.horizonMs))}ms`;
  const outage = (): number => OUTAGE_MS[0] + rng.below(OUTAGE_MS[1] - OUTAGE_MS[0]);
  const firstSafeIter = c.ckptEvery > 0 ? c.ckptEvery + FIRST_SAFE_ITER_MARGIN : 0;
  if (kind === 'crash' || kind === 'reboot') {
    const double = kind === 'crash' && c.spares > 0 && c.iterations > firstSafeIter + 2 && firstSafeIter > 0 && rng.random() < DOUBLE_CRASH_SHARE;
    if (double) {
      // Crash a member after the first checkpoint, then the board that sends its rank's copy
      // to the spare, as it starts sending: with one buddy that copy was the last one.
      const rank = rng.below(c.boards);
      const iter = firstSafeIter + rng.below(c.iterations - firstSafeIter - 1);
      const map = Array.from({ length: c.boards }, (_, r) => r);
      const holder = buddiesOf(map, rank, 1)[0] ?? rank;
      return {
        index, seed, kind: 'crash2',
        faults: [`crash:${rank}@iter=${iter}`, `crash:${holder}@recovery-transfer`],
        notRecoverable: 'two crashes: the second kills the last copy of the first one\'s checkpoint (one buddy) — a clean stop by design ("unrecoverable", or "no quorum" when the two crashes cut a ring in halves)',
      };
    }
    // Members: a time, an iteration or a checkpoint phase. Spares: a time (they neither iterate nor checkpoint).
    const board = rng.below(total);
    let trigger: string;
    const pick = rng.below(3);
    if (board >= c.boards || pick === 0) trigger = at();
    else if (pick === 1 && c.iterations > 0) trigger = `iter=${1 + rng.below(c.iterations)}`;
    else if (c.ckptEvery > 0 && c.iterations >= c.ckptEvery) trigger = PHASES[rng.below(PHASES.length)]!;
    else trigger = at();
    const cut = kind === 'crash' && !connectedWithout(total, c.edges, [board]);
    return {
      index, seed, kind, faults: [`${kind}:${board}@${trigger}`],
      notRecoverable: cut ? `the crash of board ${board} cuts the network in two` : null,
    };
  }
  if (kind === 'hang') {
    const board = rng.below(total);
    return {
      index, seed, kind, faults: [`hang:${board}@${at()}:${outage()}ms`],
      notRecoverable: null,
    };
  }
  // A link partition between two wired boards, both directions, healed after the outage —
  // the heal too inside the fault-free run, or a run that was not slowed down ends before it.
  const e = c.edges[rng.below(c.edges.length)]!;
  const d = Math.min(outage(), Math.round(c.horizonMs * 0.6));
  const t0 = Math.max(1, Math.round(c.horizonMs * 0.05 + rng.random() * Math.max(0, c.horizonMs * 0.85 - d)));
  const t1 = t0 + d;
  return {
    index, seed, kind,
    faults: [`partition:${e.a}@${t0}ms:${e.b}`, `partition:${e.b}@${t0}ms:${e.a}`, `heal:${e.a}@${t1}ms`, `heal:${e.b}@${t1}ms`],
    notRecoverable: null,
  };
}
