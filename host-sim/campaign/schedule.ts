/**
 * A campaign's randomized fault schedules: each run gets its own seed, derived from the
 * campaign seed, and from it one crash on a random board at a random virtual time or at a
 * random protocol phase. Reproduce any run with its seed alone.
 */
import { Prng } from '../../src/util/prng.js';

export const PHASES = ['ckpt-send', 'ckpt-commit', 'recovery-transfer'] as const;

export interface RunPlan {
  index: number;
  seed: number;
  /** The --fault spec of this run. */
  fault: string;
}

export function runSeed(campaignSeed: number, index: number): number {
  return (Math.imul(campaignSeed >>> 0, 0x9e3779b1) + index * 7919 + 1) >>> 0;
}

/**
 * @param totalBoards working boards + spares (any of them may be the one that crashes)
 * @param horizonMs virtual length of the fault-free run: crash times are drawn inside it
 * @param iterations iterations of the app, for `iter=N` triggers
 */
export function planRun(campaignSeed: number, index: number, totalBoards: number, horizonMs: number, iterations: number): RunPlan {
  const seed = runSeed(campaignSeed, index);
  const rng = new Prng(seed);
  const board = rng.below(totalBoards);
  const kind = rng.below(3);
  let trigger: string;
  if (kind === 0) trigger = `${Math.max(1, Math.round(rng.random() * horizonMs))}ms`;
  else if (kind === 1 && iterations > 0) trigger = `iter=${1 + rng.below(iterations)}`;
  else trigger = PHASES[rng.below(PHASES.length)]!;
  return { index, seed, fault: `crash:${board}@${trigger}` };
}
