/**
 * The figures and counters a board's FT module keeps: one Array of numbers indexed by the FF_*
 * constants below, not two objects of 12 and 10 properties and five number fields. An XS
 * board keeps an object's every property in a slot of its slot heap and an Array's items in
 * its chunk heap; the slot heap is what a Laplace + FT board runs short of (docs/FOOTPRINT.md
 * "Round 12: Laplace slots"). A plain Array, not a Float64Array: 2 XS slots, not 7 (Round 19).
 * `FaultTolerance.stats()` builds the public objects.
 */
import type { FtCheckpointFigures } from './types.js';
import { namedFigures, zeros } from '../util/figures.js';

export type FtFigures = number[];

// Checkpoint figures (FtCheckpointFigures, in its order; `lastAbort` is a string: FtState.lastAbort).
export const FF_COUNT = 0;
export const FF_ABORTED = 1;
export const FF_GENERATION = 2;
export const FF_PROGRESS = 3;
export const FF_LAST_MS = 4;
export const FF_BYTES_SENT = 5;
export const FF_CHANGED_BYTES = 6;
export const FF_FULL_IMAGE_BYTES = 7;
export const FF_LAST_BYTES_SENT = 8;
export const FF_LAST_CHANGED_BYTES = 9;
export const FF_LAST_FULL_IMAGE_BYTES = 10;
// Counters (FtStats' own, in its order).
export const FF_HEARTBEATS_SENT = 11;
export const FF_HEARTBEATS_SKIPPED = 12;
export const FF_HEARTBEATS_RECEIVED = 13;
export const FF_SUSPICIONS = 14;
export const FF_NO_QUORUM = 15;
export const FF_FRAMES_IN = 16;
export const FF_FRAMES_OUT = 17;
export const FF_MALFORMED = 18;
export const FF_STALE = 19;
export const FF_RETRIES = 20;
// Memory and recovery figures.
/** The largest checkpoint memory this board held (FtMemoryFigures.peakBytes). */
export const FF_PEAK_BYTES = 21;
/** The largest multiple of its own state during the current round, and during the last committed one. */
export const FF_ROUND_PEAK_MULTIPLE = 22;
export const FF_LAST_PEAK_MULTIPLE = 23;
/** The most checkpoint payload bytes one stream had unacknowledged (bounded by options.windowBytes). */
export const FF_PEAK_IN_FLIGHT = 24;
/** Recoveries this board took part in, all of them. */
export const FF_RECOVERY_COUNT = 25;
/** Figures kept; FtState keeps its own numbers after them in the same array (state.ts, FS_*). */
export const FF_SIZE = 26;

/** The numeric FtCheckpointFigures fields in the order of their indices (module-level: in flash on a preloaded firmware). */
const CHECKPOINT_KEYS: readonly Exclude<keyof FtCheckpointFigures, 'lastAbort'>[] = Object.freeze([
  'count', 'aborted', 'generation', 'progress', 'lastMs', 'bytesSent', 'changedBytes', 'fullImageBytes',
  'lastBytesSent', 'lastChangedBytes', 'lastFullImageBytes',
] as const);

/** FtStats' counters in the order of their indices, from FF_HEARTBEATS_SENT. */
export const FT_COUNTER_KEYS = Object.freeze([
  'heartbeatsSent', 'heartbeatsSkipped', 'heartbeatsReceived', 'suspicions', 'noQuorum', 'framesIn', 'framesOut', 'malformed', 'stale', 'retries',
] as const);

export type FtCounters = { [K in (typeof FT_COUNTER_KEYS)[number]]: number };

/** Figures of a module that has done nothing yet, as kept, and `extra` numbers of its state after them. */
export function newFtFigures(extra = 0): FtFigures {
  return zeros(FF_SIZE + extra);
}

/** The public checkpoint figures of `f`. */
export function checkpointFigures(f: FtFigures, lastAbort: string): FtCheckpointFigures {
  const o: Record<string, number | string> = {};
  for (let i = 0; i < CHECKPOINT_KEYS.length; i++) o[CHECKPOINT_KEYS[i]!] = f[FF_COUNT + i]!;
  o['lastAbort'] = lastAbort;
  return o as unknown as FtCheckpointFigures;
}

/** The public counters of `f`. */
export function ftCounters(f: FtFigures): FtCounters {
  return namedFigures(FT_COUNTER_KEYS, f, FF_HEARTBEATS_SENT) as FtCounters;
}
