/**
 * Fault-tolerance options, defaults and validation. Every limit the module enforces is here
 * so it can be configured (board config `options.ft`), reported and written down (docs/FT.md).
 */
import { overDefaults } from '../net/over-defaults.js';
import { DEFAULT_MAX_PAYLOAD } from '../wire/frame.js';
import { FtError } from './types.js';

export interface FtOptions {
  /** Number of ranks (working boards). */
  boards: number;
  /** Node of each rank at start. Default: rank r on node r. */
  initialMap?: readonly number[];
  /**
   * What must be identical on every board of the run (app name, arguments, bundle hash): its
   * hash is checked in the join handshake, so a spare built from other code is refused.
   */
  version?: string;
  /** Buddy copies of each rank's checkpoint (1..3). Default 1. */
  buddies?: number;
  /** Heartbeat period (ms). Default 250. */
  heartbeatMs?: number;
  /** Silence after which a board is suspected (ms, >= 2 heartbeats). Default 2000. */
  timeoutMs?: number;
  /** Silence allowed before a board is first heard from (boot, network convergence). Default 10000. */
  startGraceMs?: number;
  /**
   * How long the network keeps a route to a board that stopped (its links' deadMs): a board
   * this one does not exchange heartbeats with is taken as silent from that long before its
   * route went away (docs/FT.md §6). Default 0 (the board host passes the network's deadMs).
   */
  routeLagMs?: number;
  /** How long the coordinator waits for every rank to store a checkpoint before it aborts it (ms). Default 30000. */
  checkpointTimeoutMs?: number;
  /** How long a recovery phase may take before the coordinator starts over without the silent boards (ms). Default 30000. */
  recoveryTimeoutMs?: number;
  /** A board cut off from the majority of its view (no quorum) halts itself after this long (ms). Default 30000. */
  quorumWaitMs?: number;
  /** Take a checkpoint at every `checkpointEvery`-th opportunity (0: only when asked). Default 0. */
  checkpointEvery?: number;
  /** `ckpt now`: checkpoint at the opportunity this far past the furthest board's progress. Default 2. */
  requestMargin?: number;
  /** Checkpoint data frames in flight per stream (1..32). Default 4. */
  window?: number;
  /**
   * Checkpoint payload bytes a stream keeps unacknowledged (at least one frame always goes).
   * Every byte in flight is held two or three times on the sender (the network's copy for
   * resending, the link's encoding, the target's transmit queue) until the buddy acknowledges
   * it: this, not `window`, is what bounds that memory. Default 16 MiB (the frame window rules).
   */
  windowBytes?: number;
  /**
   * Largest checkpoint data frame payload (at most `maxPayload`). Smaller frames are smaller
   * blocks for the board's heap to find while a checkpoint streams. Default `maxPayload`.
   */
  frameBytes?: number;
  /** No acknowledgement progress for this long resends a stream's window (ms). Default 3000. */
  rtoMs?: number;
  /** Largest frame payload (the network's maxPayload). Default 4200. */
  maxPayload?: number;
  /** Limit on checkpoint RAM (own + buddy images + tentative data), bytes. Default 1 MiB. */
  maxStoreBytes?: number;
  /**
   * Unchanged bytes between two changed spans below which the spans are sent as one. Default 32:
   * a run is a header of 9 bytes on the wire but, while a round holds it, an object and a view
   * (~10-12 XS slots, ~180 B on a chip) on each side, so short gaps go along (a grid's rows are
   * 16 equal boundary bytes apart: docs/FOOTPRINT.md "Round 9: Laplace slots").
   */
  mergeGap?: number;
  /**
   * List every captured segment in a delta, unchanged ones too (the format before CARRY META,
   * docs/FT.md §5). Default false: a delta lists only the segments that changed; the others
   * are carried over from the base generation.
   */
  listAll?: boolean;
  /**
   * A background checkpoint's data frames start only while the app computes: within 1.5 x the
   * usual time between its `yield` calls after the last one (or once it has not yielded for
   * COMPUTE_HOLD_MS). A UART frame cannot be interrupted, so a halo or barrier frame would
   * otherwise wait behind up to `maxPayload` bytes. Default true; false sends whenever the
   * link is free.
   */
  streamWhileComputing?: boolean;
  /** Without a spare, let a surviving board take a failed rank (one board then holds two ranks). Default false. */
  shrink?: boolean;
  /**
   * Node ids of the domain's spares, from the configuration. A recovery asks them for their
   * state even before their first heartbeat arrived (a member may fail in the first
   * heartbeat period), and a plan that finds no spare says whether spares were unreachable.
   * Default none (spares are then only learned from their heartbeats and joins).
   */
  spares?: readonly number[];
}

/**
 * Checkpoint bytes in flight per stream by default: not bounded beyond `window` frames. An
 * 8 KiB window of 2 KiB frames was measured as the default and dropped: bench ft's Laplace
 * N=256 overhead went from 3.81 % to 7.48 % (udp) and 6.39 % to 21.83 % (uart), as background
 * deltas then move too little per compute gap; and on 2 Moddable boards it did not lower the
 * Laplace peak beyond the run-to-run spread (docs/FOOTPRINT.md "Round 7: Laplace memory").
 */
export const DEFAULT_WINDOW_BYTES = 1 << 24;
/** FtOptions.mergeGap's default (why: there). */
export const DEFAULT_MERGE_GAP = 32;

export type ResolvedFtOptions = Required<FtOptions> & { initialMap: readonly number[] };

function bad(field: string, rule: string, v: unknown): never {
  throw new FtError('BAD_ARG', `ft option ${field}: ${rule}, got ${JSON.stringify(v)}`);
}

function int(o: FtOptions, field: keyof FtOptions, dflt: number, min: number, max: number): number {
  const v = o[field] ?? dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) bad(field, `expected an integer from ${min} to ${max}`, v);
  return v as number;
}

/** No node ids (the default initial map before `boards` is known, and no spares): frozen, shared. */
const NO_NODES: readonly number[] = Object.freeze([]);

/**
 * Every option at its default. Resolved options inherit from it and hold only what differs
 * (src/net/over-defaults.ts): module-level and frozen, so a preloaded Moddable firmware keeps
 * it in flash and a board's resolved options cost a slot per option it changes instead of one
 * per option, 27 (docs/FOOTPRINT.md "Round 12: Laplace slots").
 */
const FT_DEFAULTS: Readonly<ResolvedFtOptions> = Object.freeze({
  boards: 0, initialMap: NO_NODES, version: '', buddies: 1, heartbeatMs: 250, timeoutMs: 2000, startGraceMs: 10_000,
  routeLagMs: 0, checkpointTimeoutMs: 30_000, recoveryTimeoutMs: 30_000, quorumWaitMs: 30_000, checkpointEvery: 0,
  requestMargin: 2, window: 4, rtoMs: 3000, maxPayload: DEFAULT_MAX_PAYLOAD, windowBytes: DEFAULT_WINDOW_BYTES,
  frameBytes: DEFAULT_MAX_PAYLOAD, maxStoreBytes: 1 << 20, mergeGap: DEFAULT_MERGE_GAP, listAll: false,
  streamWhileComputing: true, shrink: false, spares: NO_NODES,
});

export function resolveFtOptions(o: FtOptions): ResolvedFtOptions {
  if (typeof o !== 'object' || o === null) throw new FtError('BAD_ARG', 'ft options: expected an object');
  const d = FT_DEFAULTS;
  const boards = int(o, 'boards', d.boards, 1, 254);
  const map = o.initialMap ?? Array.from({ length: boards }, (_, r) => r);
  if (!Array.isArray(map) || map.length !== boards) bad('initialMap', `expected ${boards} node ids`, map);
  for (const n of map) if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 254) bad('initialMap', 'node ids are integers 0..254', map);
  const heartbeatMs = int(o, 'heartbeatMs', d.heartbeatMs, 1, 600_000);
  const timeoutMs = int(o, 'timeoutMs', d.timeoutMs, 2 * heartbeatMs, 3_600_000);
  const version = o.version ?? d.version;
  if (typeof version !== 'string') bad('version', 'expected a string', version);
  if (o.shrink !== undefined && typeof o.shrink !== 'boolean') bad('shrink', 'expected true or false', o.shrink);
  if (o.listAll !== undefined && typeof o.listAll !== 'boolean') bad('listAll', 'expected true or false', o.listAll);
  if (o.streamWhileComputing !== undefined && typeof o.streamWhileComputing !== 'boolean') bad('streamWhileComputing', 'expected true or false', o.streamWhileComputing);
  const maxPayload = int(o, 'maxPayload', d.maxPayload, 264, 65535);
  const full: ResolvedFtOptions = {
    boards,
    initialMap: map.slice(),
    version,
    buddies: int(o, 'buddies', d.buddies, 1, 3),
    heartbeatMs,
    timeoutMs,
    startGraceMs: int(o, 'startGraceMs', d.startGraceMs, 0, 3_600_000),
    routeLagMs: int(o, 'routeLagMs', d.routeLagMs, 0, 3_600_000),
    checkpointTimeoutMs: int(o, 'checkpointTimeoutMs', d.checkpointTimeoutMs, 1, 3_600_000),
    recoveryTimeoutMs: int(o, 'recoveryTimeoutMs', d.recoveryTimeoutMs, 1, 3_600_000),
    quorumWaitMs: int(o, 'quorumWaitMs', d.quorumWaitMs, 1, 3_600_000),
    checkpointEvery: int(o, 'checkpointEvery', d.checkpointEvery, 0, 1_000_000_000),
    requestMargin: int(o, 'requestMargin', d.requestMargin, 1, 1_000_000),
    window: int(o, 'window', d.window, 1, 32),
    rtoMs: int(o, 'rtoMs', d.rtoMs, 1, 600_000),
    maxPayload,
    windowBytes: int(o, 'windowBytes', d.windowBytes, 264, 1 << 24),
    frameBytes: Math.min(maxPayload, int(o, 'frameBytes', maxPayload, 264, 65535)),
    maxStoreBytes: int(o, 'maxStoreBytes', d.maxStoreBytes, 1024, 2 ** 31),
    mergeGap: int(o, 'mergeGap', d.mergeGap, 0, 4096),
    listAll: o.listAll ?? d.listAll,
    streamWhileComputing: o.streamWhileComputing ?? d.streamWhileComputing,
    shrink: o.shrink ?? d.shrink,
    spares: resolveSpares(o.spares, map),
  };
  return overDefaults(full, d);
}

function resolveSpares(v: unknown, map: readonly number[]): readonly number[] {
  if (v === undefined) return NO_NODES;
  if (!Array.isArray(v)) bad('spares', 'expected an array of node ids', v);
  const out: number[] = [];
  for (const n of v as unknown[]) {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 254) bad('spares', 'node ids are integers 0..254', v);
    if (map.includes(n)) bad('spares', `node ${n} is a member of the initial map`, v);
    if (!out.includes(n)) out.push(n);
  }
  return out.length === 0 ? NO_NODES : out.sort((a, b) => a - b);
}
