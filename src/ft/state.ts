/**
 * Shared state and helpers of the fault-tolerance module (docs/FT.md).
 */
import type { Hal } from '../hal.js';
import type { Net, NetFrame } from '../net/net.js';
import { InvariantError, assert } from '../util/assert.js';
import { Sha256 } from '../util/sha256.js';
import { utf8Encode } from '../util/utf8.js';
import type { ByteWriter } from './bytes.js';
import { Detector } from './detector.js';
import { FT_EVENT, emitFtEvent, phaseEvent } from './events.js';
import type { FtPhaseEventName } from './events.js';
import { FtFrame, Role } from './frames.js';
import type { RecPlan, RecState } from './frames.js';
import { Image } from './image.js';
import type { FtOptions, ResolvedFtOptions } from './options.js';
import { resolveFtOptions } from './options.js';
import type { Plan } from './plan.js';
import type { FtRun, FtRunHost } from './run.js';
import type { RecvStatus, StreamReceiver, StreamSender } from './stream.js';
import { FF_FRAMES_OUT, FF_MALFORMED, FF_PEAK_BYTES, FF_RETRIES, FF_ROUND_PEAK_MULTIPLE, FF_STALE, newFtFigures } from './figures.js';
import type { FtFigures } from './figures.js';
import { FS_CHANGES, FS_COUNT, FS_INCARNATION, FS_VERSION_HASH, FS_COMMITTED_PROGRESS, FS_COMPUTE_AT, FS_EPOCH, FS_FURTHEST_HEARD, FS_HOLD_TIMER, FS_ISOLATED, FS_JOIN_TARGET, FS_LAST_JOIN_AT, FS_LAST_TICK, FS_MAX_EPOCH_SEEN, FS_PUMP_TIMER, FS_RECOVERY_STARTED_AT, FS_RELAYED_ABORTED, FS_RELAYED_COMMITTED, FS_REQUEST_TARGET, FS_RETRY_TIMER, FS_RUNNING_TOLD_EPOCH, FS_STOP_IS_DOMAIN, FS_TICK_TIMER, FS_VIEW_COORD } from './state-numbers.js';
import type { FtPhase, FtRecoveryFigures } from './types.js';
import { FtError } from './types.js';
import { membersOf } from './view.js';
import { NODE_ID_MAX } from '../wire/ids.js';

/**
 * What the module needs from the network: the Net contract, and giving a node up. FT drops a
 * board from its view (or gives up a spare) only once it is sure the board is gone, and then
 * what end-to-end delivery still holds for it will never arrive: `abandon` (NetLayer, src/net/
 * e2e.ts) ends it now, as undeliverable, instead of resending it until e2eGiveUpMs.
 */
export interface FtNet extends Net {
  abandon(node: number): void;
  /**
   * Changes whenever this node sends `node` a new unicast frame of the layers above
   * (NetLayer.sentMark). Optional: without it every heartbeat is sent.
   */
  sentMark?(node: number): number;
  /** Send frames of these types behind all others on each link (NetLayer.lowPriority). */
  lowPriority(first: number, last: number): void;
  /** Whether a frame of `type` with `bytes` of payload to `dst` would be taken now (NetLayer.ready). */
  ready(dst: number, type: number, bytes: number): boolean;
}

/**
 * What became of one send: the network took it, refused it for now (no route yet, a full
 * queue: try again), or can never take it (it threw: a frame FT should not have built, e.g.
 * larger than the network carries).
 */
export type SendResult = 'sent' | 'busy' | 'failed';

/** What the module needs from the HAL. */
export type FtHal = Pick<Hal, 'now' | 'setTimer' | 'clearTimer' | 'event' | 'log' | 'random' | 'bytes'>;

/**
 * Steps of the upper parts that the data path triggers (FaultTolerance's methods, not
 * closures): the fate of a ward's previous round learnt from its new delta, and a recovery
 * copy installed.
 */
export interface FtHooks {
  applyCommit(round: number): void;
  copyInstalled(): void;
  /** A round's delta stream ended (OutStream.done null). */
  deltaDone(o: OutStream, status: 'stored' | 'unsendable' | RecvStatus): void;
  /** A frame this board sent itself (FtState.trySend), in a later turn: as one from the network. */
  ownFrame(f: NetFrame): void;
}

/** Who starts each run (at start, after every recovery) and hears once if the module stops for good. */
export interface FtListener {
  startRun(run: FtRun): void;
  ftStopped(reason: string): void;
}


/** Port used by FT frames (both ends). */
export const FT_PORT = 0;
/** Control frames the network refused wait here for another try. */
export const MAX_RETRY_QUEUE = 256;
export const RETRY_MS = 10;

/** How a stream ended: stored, refused by its receiver, or `unsendable` (its frames cannot be sent: `FtState.sendError`). */
export type StreamDone = (status: 'stored' | 'unsendable' | RecvStatus) => void;

export interface OutStream {
  s: StreamSender;
  /** How it ended goes here; null: a round's delta, whose end FtHooks.deltaDone handles (no closure per round). */
  done: StreamDone | null;
  /** The round a delta belongs to (done === null). */
  entry?: RankRound;
  /** A background round's delta: sent only while the app computes (transfer.ts computeGate). */
  compute?: boolean;
}

/**
 * One rank's part in a checkpoint round on this board. Its rank is its run's (`run.rank`); its
 * base, progress, size and changed bytes are its data's (the image's `pending`, held while the
 * round is open): not copies here, each a slot for the round (docs/FOOTPRINT.md "Round 15:
 * Laplace slots").
 */
export interface RankRound {
  run: FtRun;
  round: number;
  startedAt: number;
  /**
   * Buddies still to store the data; ROUND_STORED once every buddy holds it (CKPT_STORED sent).
   * One field for both: every property is an XS slot of every open round (docs/FOOTPRINT.md
   * "Round 21: the round peaks").
   */
  waiting: number;
  /** Its deltas still streaming: one that was stored leaves (its sender is garbage), its bytes counted in `sent`. */
  streams: OutStream[];
  /** Payload bytes of the deltas stored so far (retransmissions included). */
  sent: number;
  /**
   * A blocking round (`roundBlocking`): `resolve` settles the app's call at the decision, an
   * abort with a rejected promise (the call adopts it), so the round keeps one resolving
   * function, not two (~5 XS slots; docs/FOOTPRINT.md "Round 19"). A background round (the
   * app's call resolved at capture): `resolve` settles `settled`, the decision as a promise,
   * made only when someone waits for it (the rank's next checkpoint call, `settled()`): a
   * background round holds no promise, resolving functions or closures while it streams (~40
   * XS slots, docs/FOOTPRINT.md "Round 16: DSM calls without promises"). Which kind it is
   * follows from the two (roundBlocking), not a field of its own.
   */
  resolve: ((value?: Promise<void>) => void) | null;
  settled: Promise<void> | null;
}

/** RankRound.waiting once every buddy holds the round's data. */
export const ROUND_STORED = -1;

/** A rank's open round as its checkpoint call makes it (capture): no buddy asked yet. */
export function newRankRound(run: FtRun, round: number, startedAt: number, resolve: ((value?: Promise<void>) => void) | null): RankRound {
  return { run, round, startedAt, waiting: 0, streams: [], sent: 0, resolve, settled: null };
}

/**
 * A blocking round: made with the app call's `resolve` and never with a `settled` promise. A
 * background round has no `resolve` until someone waits for its decision, and then `settled`
 * too (decidedOf).
 */
export function roundBlocking(e: RankRound): boolean {
  return e.resolve !== null && e.settled === null;
}

/** Tally.ranks bits: the rank called (CKPT_START), its data is stored with its buddies (CKPT_STORED). */
export const TALLY_STARTED = 1;
export const TALLY_STORED = 2;

/** The coordinator's tally of one round. */
export interface Tally {
  round: number;
  /**
   * Per rank of the view, TALLY_* bits: one Array (1 XS slot, its items in the chunk heap), not
   * two Sets (their slots) per round, nor a typed array (7 slots).
   */
  ranks: number[];
  /** Ranks with TALLY_STORED. */
  stored: number;
  decided: boolean;
  timer: number;
  firstAt: number;
}

/** The coordinator's side of a recovery. */
export interface RecCoord {
  epoch: number;
  phase: 'collect' | 'transfer' | 'done';
  participants: number[];
  states: Map<number, RecState>;
  ready: Set<number>;
  plan: Plan | null;
  bytes: number;
  timer: number;
  lastSend: number;
}

/** A participant's side of a recovery. */
export interface RecPart {
  epoch: number;
  coord: number;
  participants: number[];
  plan: RecPlan | null;
  /** Ranks whose image this board is to receive, and from which node. */
  expecting: Map<number, number>;
  sending: number;
  bytesIn: number;
  ready: boolean;
}

export interface RequestWaiter {
  after: number;
  resolve: (r: { generation: number; progress: number }) => void;
  reject: (e: Error) => void;
  timer: number;
}

export function never<T>(): Promise<T> {
  return new Promise<T>(() => undefined);
}

export function hash32(text: string): number {
  const d = new Sha256().update(utf8Encode(text)).digest();
  return ((d[0] as number) | ((d[1] as number) << 8) | ((d[2] as number) << 16) | ((d[3] as number) << 24)) >>> 0;
}

/** A phase announced and to be carried out (FtState.announce). */
interface Announced<A> {
  ft: FtState;
  /** FtState.changes when it was announced: a later change cancels it. */
  ch: number;
  effect: (this: void, ft: FtState, arg: A) => void;
  arg: A;
}

function runAnnounced<A>(a: Announced<A>): void {
  const ft = a.ft;
  if (a.ch === ft.figs[FS_CHANGES] && ft.phaseV !== 'stopped') a.effect(ft, a.arg);
}

/** An effect that is a closure (rare phases: a recovery's copies) for FtState.announce. */
export function runEffect(_ft: FtState, effect: () => void): void {
  effect();
}

/**
 * A frame this board sends itself (the coordinator's own CKPT_START and CKPT_STORED every
 * round), delivered from a zero-delay timer: handlers must not re-enter their caller, as the
 * net's loopback guarantees. Not through the net's loopback: its queue and deadline, made by
 * the first such frame, are held all run by the coordinator alone (~15 XS slots of board 0's
 * level over board 1's; docs/FOOTPRINT.md "Round 20").
 */
function deliverOwn(f: NetFrame & { ft: FtState }): void {
  const ft = f.ft;
  // As the loopback: a frame of an older epoch than the board's now is stale.
  if (f.epoch < (ft.net.epoch & 0xffff)) ft.staleFrame();
  else ft.host.ownFrame(f);
}

/** The retry timer's callback: a module-level function with the state as its argument, not a closure per timer. */
function flushRetriesOf(ft: FtState): void {
  ft.flushRetries();
}

/**
 * The state of one board's fault-tolerance module, shared by its parts (membership.ts,
 * checkpoint.ts, transfer.ts, recovery.ts: functions over this object), with the small helpers
 * they all use: sending with retry, announcing a phase, images, memory figures.
 */
export class FtState {
  /** Checkpoint figures, counters, memory peaks (FF_*, figures.ts), then the state's own numbers and flags (FS_*, state-numbers.ts). */
  readonly figs: FtFigures = newFtFigures(FS_COUNT);
  readonly node: number;
  readonly options: ResolvedFtOptions;
  readonly net: FtNet;
  readonly hal: FtHal;
  readonly detector: Detector;
  /**
   * Where data frames are built for a net without `sendBuilt` (the network copies what it
   * sends); made at the first such frame: a net that frames in place never needs its
   * frameBytes of chunks and ~10 XS slots (docs/FOOTPRINT.md "Round 20, merged").
   */
  scratch: ByteWriter | null = null;

  // Membership.
  phaseV: FtPhase = 'joining';
  /** The node of each rank in the current view (during a recovery: the view being replaced). */
  map: number[];
  stopReasonV = '';
  /** Members heard running (a member heartbeat with progress) in this epoch: a JOIN from one means it lost its run. */
  readonly seenRunning = new Set<number>();
  /** Boards refused (another app version): null until the first, a Set is ~6 XS slots a board holds all run (docs/FOOTPRINT.md "Round 14: FT archive and slots"). */
  refused: Set<number> | null = null;

  // Images and runs.
  readonly images = new Map<number, Image>();
  readonly runs = new Map<number, FtRun>();
  /** Who starts the runs and hears of the stop (FaultTolerance.listen). */
  listener: FtListener | null = null;

  // Checkpoints.
  readonly rounds = new Map<number, RankRound>();
  tally: Tally | null = null;
  readonly waiters: RequestWaiter[] = [];

  // Data streams.
  outs: OutStream[] = [];
  readonly receivers = new Map<string, StreamReceiver>();

  // Start and recovery.
  startup: Set<number> | null = null;
  rec: RecCoord | null = null;
  part: RecPart | null = null;

  // Sending.
  /** Why the last send that could never succeed failed (for the reason a round is refused with). */
  sendError = '';
  readonly retryQueue: { dst: number; type: number; payload: Uint8Array; changes: number; until: number }[] = [];

  // Figures.
  /** Last reason a checkpoint was aborted ('' if none): FtCheckpointFigures.lastAbort. */
  lastAbort = '';
  /** The last RECOVERIES_KEPT recoveries' figures (a board lives through any number of them). */
  readonly recoveries: FtRecoveryFigures[] = [];

  constructor(net: FtNet, hal: FtHal, options: FtOptions, readonly host: FtRunHost & FtHooks) {
    const resolved = resolveFtOptions(options);
    this.node = net.node;
    this.options = resolved;
    this.net = net;
    this.hal = hal;
    const f = this.figs;
    f[FS_VERSION_HASH] = hash32(resolved.version);
    f[FS_INCARNATION] = Math.floor(hal.random() * 0xffffffff) >>> 0;
    // Timers and targets: -1 is none.
    f[FS_TICK_TIMER] = f[FS_LAST_TICK] = f[FS_JOIN_TARGET] = f[FS_RUNNING_TOLD_EPOCH] = f[FS_REQUEST_TARGET] = -1;
    f[FS_PUMP_TIMER] = f[FS_COMPUTE_AT] = f[FS_HOLD_TIMER] = f[FS_RECOVERY_STARTED_AT] = f[FS_RETRY_TIMER] = -1;
    f[FS_LAST_JOIN_AT] = -Infinity;
    this.detector = new Detector(this.node, this.options.timeoutMs, this.options.startGraceMs, 3 * this.options.timeoutMs, this.options.routeLagMs);
    this.map = this.options.initialMap.slice();
    this.figs[FS_VIEW_COORD] = Math.min(...this.map);
  }


  /** Whether `node` was refused (membership.refuse). */
  isRefused(node: number): boolean {
    return this.refused !== null && this.refused.has(node);
  }

  /** Forget a `ckpt now` waiter (it timed out). */
  dropWaiter(w: RequestWaiter): void {
    const i = this.waiters.indexOf(w);
    if (i >= 0) this.waiters.splice(i, 1);
  }

  // ---- figures -----------------------------------------------------------------------------------

  /** Checkpoint RAM of this board: own committed images, wards' committed images, tentative data; and its own state's size. */
  memoryParts(): { own: number; ward: number; pending: number; lent: number; state: number } {
    // A rank is this board's own when the running view maps it here (ranksOf), asked per image:
    // no Set of them per call (memoryTotal runs at every frame of checkpoint data).
    const running = this.phaseV === 'running';
    let own = 0;
    let ward = 0;
    let pending = 0;
    let lent = 0;
    let state = 0;
    for (const img of this.images.values()) {
      if (running && this.map[img.rank] === this.node) {
        own += img.committedBytes;
        state += img.pending !== null ? img.pending.size : img.committedBytes;
      } else ward += img.committedBytes;
      pending += img.pendingBytes;
      lent += img.pending?.lentBytes ?? 0;
    }
    for (const rx of this.receivers.values()) if (rx.pending.replica) pending += rx.pending.bytes;
    return { own, ward, pending, lent, state };
  }

  /**
   * memoryParts' own + ward + pending, without its record: asked at every frame of checkpoint
   * data a board receives (a record, ~6 XS slots, live in the job that receives the frame).
   */
  memoryTotal(): number {
    let total = 0;
    for (const img of this.images.values()) total += img.committedBytes + img.pendingBytes;
    for (const rx of this.receivers.values()) if (rx.pending.replica) total += rx.pending.bytes;
    return total;
  }

  /** Record the memory peak (tentative data just arrived or was built). */
  notePeak(): void {
    const m = this.memoryParts();
    const total = m.own + m.ward + m.pending;
    const f = this.figs;
    if (total > f[FF_PEAK_BYTES]!) f[FF_PEAK_BYTES] = total;
    if (m.state > 0) f[FF_ROUND_PEAK_MULTIPLE] = Math.max(f[FF_ROUND_PEAK_MULTIPLE]!, total / m.state);
  }

  // ---- sending -----------------------------------------------------------------------------------

  /**
   * Send a control frame; if the network refuses it for now, retry for a while. One it can
   * never take is logged (trySend) and not retried: it would fail the same way.
   */
  sendCtl(dst: number, type: number, payload: Uint8Array): void {
    if (dst < 0 || dst > NODE_ID_MAX) return;
    if (this.trySend(dst, type, payload) !== 'busy') return;
    this.retryLater(dst, type, payload);
  }

  /** A control frame the network refused for now: tried again for a while (sendCtl). */
  retryLater(dst: number, type: number, payload: Uint8Array): void {
    if (this.retryQueue.length >= MAX_RETRY_QUEUE) this.retryQueue.shift();
    // Steps that need an answer are repeated by the protocol anyway; this only bridges a full queue.
    this.retryQueue.push({ dst, type, payload: payload.slice(), changes: this.figs[FS_CHANGES]!, until: this.hal.now() + this.options.timeoutMs });
    if (this.figs[FS_RETRY_TIMER]! < 0) this.figs[FS_RETRY_TIMER] = this.hal.setTimer(RETRY_MS, flushRetriesOf, this);
  }

  /**
   * Send once. A throw from the network is not a send: the frame is reported `failed` (logged,
   * the reason kept in `sendError`) and the caller gives up what needed it. An InvariantError is
   * this runtime's own bug: nothing catches it.
   */
  trySend(dst: number, type: number, payload: Uint8Array): SendResult {
    if (dst === this.node) {
      // The frame is the timer's argument: one record, no closure. Its payload is not copied
      // (the loopback copied it: a Uint8Array and its buffer, 7 XS slots held to the next turn):
      // a control frame's payload is a fresh encoding that nothing writes after. Only a stream's
      // CKPT_DATA is built in FT's scratch, and it goes to buddies, never to this board.
      assert(type !== FtFrame.CKPT_DATA, 'ft: checkpoint data sent to its own board');
      const f = { ft: this, type, src: dst, dst, srcPort: FT_PORT, dstPort: FT_PORT, epoch: this.net.epoch & 0xffff, payload };
      this.hal.setTimer(0, deliverOwn, f);
      this.figs[FF_FRAMES_OUT]!++;
      return 'sent';
    }
    let ok: boolean;
    try {
      ok = this.net.send({ type, dst, srcPort: FT_PORT, dstPort: FT_PORT, payload });
    } catch (e) {
      if (e instanceof InvariantError) throw e;
      this.sendError = e instanceof Error ? e.message : String(e);
      this.hal.log('error', `ft: frame 0x${type.toString(16)} to node ${dst} cannot be sent: ${this.sendError}`);
      return 'failed';
    }
    if (!ok) return 'busy';
    this.figs[FF_FRAMES_OUT]!++;
    return 'sent';
  }

  flushRetries(): void {
    this.figs[FS_RETRY_TIMER] = -1;
    const n = this.retryQueue.length;
    for (let i = 0; i < n; i++) {
      const r = this.retryQueue.shift();
      if (r === undefined) break;
      if (r.changes !== this.figs[FS_CHANGES] || this.hal.now() > r.until) continue;
      this.figs[FF_RETRIES]!++;
      if (this.trySend(r.dst, r.type, r.payload) === 'busy') {
        this.retryQueue.push(r);
      }
    }
    if (this.retryQueue.length > 0) this.figs[FS_RETRY_TIMER] = this.hal.setTimer(RETRY_MS, flushRetriesOf, this);
  }

  sendToAll(nodes: readonly number[], type: number, payload: Uint8Array): void {
    for (const n of nodes) this.sendCtl(n, type, payload);
  }

  /**
   * Announce a phase, then carry it out (`effect(this, arg)`, a module-level function) from a
   * zero-delay timer unless the state moved on. The timer carries one small record, not two
   * closures and their environments per phase (docs/FOOTPRINT.md "Round 12: Laplace slots").
   */
  announce<A>(name: FtPhaseEventName, value: number, effect: (this: void, ft: FtState, arg: A) => void, arg: A): void {
    emitFtEvent(this.hal, phaseEvent(name, value));
    const a: Announced<A> = { ft: this, ch: this.figs[FS_CHANGES]!, effect, arg };
    this.hal.setTimer(0, runAnnounced, a);
  }

  // ---- images ------------------------------------------------------------------------------------

  imageOf(rank: number): Image {
    let img = this.images.get(rank);
    if (img === undefined) {
      img = new Image(rank);
      this.images.set(rank, img);
    }
    return img;
  }

  /** Checkpoint RAM now, as a multiple of this board's own state. */
  currentMultiple(): number {
    const m = this.memoryParts();
    return m.state > 0 ? (m.own + m.ward + m.pending) / m.state : 0;
  }

  // ---- roles -------------------------------------------------------------------------------------

  /** This board coordinates the current view's checkpoints. */
  isCoordinator(): boolean {
    return this.phaseV === 'running' && this.figs[FS_VIEW_COORD] === this.node;
  }

  /** Count a frame dropped as malformed. */
  malformed(): void {
    this.figs[FF_MALFORMED]!++;
  }

  /** Count a frame dropped as belonging to another epoch or phase. */
  staleFrame(): void {
    this.figs[FF_STALE]!++;
  }

  /** The role heartbeats announce. */
  role(): number {
    switch (this.phaseV) {
      case 'joining': return Role.JOINING;
      case 'recovering': return Role.RECOVERING;
      case 'stopped': return Role.STOPPED;
      default: return this.map.includes(this.node) ? Role.MEMBER : Role.SPARE;
    }
  }

  /** The furthest progress of this board's runs (or of its last checkpoint). */
  progressNow(): number {
    let p = this.figs[FS_COMMITTED_PROGRESS]!;
    for (const r of this.runs.values()) if (r.active && r.lastProgress > p) p = r.lastProgress;
    return p;
  }

  /** Who should coordinate: the lowest member this board does not suspect (itself if none). */
  candidate(): number {
    for (const n of membersOf(this.map)) if (n === this.node || !this.detector.isSuspected(n)) return n;
    return this.node;
  }

  /** This board holds complete tentative data of `round`. */
  hasPending(round: number): boolean {
    for (const img of this.images.values()) if (img.pending !== null && img.pending.round === round && img.pending.complete) return true;
    return false;
  }

  /** This board coordinates something: the start, a recovery, or the current view. */
  coordinating(): boolean {
    return this.startup !== null || this.rec !== null || this.isCoordinator();
  }

  /** Move to `epoch` (never down): the network drops older frames from now on. */
  setEpoch(epoch: number): void {
    // Epochs fence the past: going back would let frames of a superseded view through.
    assert(epoch >= this.figs[FS_EPOCH]!, 'ft: the epoch went back');
    if (epoch !== this.figs[FS_EPOCH]) {
      this.seenRunning.clear();
      this.figs[FS_FURTHEST_HEARD] = 0;
      this.figs[FS_RELAYED_COMMITTED] = 0;
      this.figs[FS_RELAYED_ABORTED] = 0;
    }
    this.figs[FS_EPOCH] = epoch;
    this.net.epoch = epoch;
    if (epoch > this.figs[FS_MAX_EPOCH_SEEN]!) this.figs[FS_MAX_EPOCH_SEEN] = epoch;
  }

  // ---- phases ------------------------------------------------------------------------------------

  /** Leave whatever this board was doing: runs, rounds, streams, coordination. Images stay. */
  enterPhase(phase: FtPhase): void {
    this.figs[FS_CHANGES]!++;
    this.phaseV = phase;
    if (phase !== 'joining') this.figs[FS_ISOLATED] = 0;
    this.revokeRuns();
    // Promises of the revoked runs' rounds are left unsettled: their main has stopped for good.
    this.rounds.clear();
    if (this.tally !== null) this.hal.clearTimer(this.tally.timer);
    this.tally = null;
    this.outs = [];
    this.receivers.clear();
    this.figs[FS_REQUEST_TARGET] = -1;
    this.startup = null;
    if (this.rec !== null) this.hal.clearTimer(this.rec.timer);
    this.rec = null;
    this.part = null;
    for (const img of this.images.values()) {
      // Tentative data of an undecided round stays until a recovery plan decides it; a
      // half-received stream is worthless.
      if (img.pending !== null && !img.pending.complete) img.discard();
    }
  }

  revokeRuns(): void {
    const runs = [...this.runs.values()];
    this.runs.clear();
    for (const r of runs) {
      try {
        r.revoke();
      } catch (e) {
        this.hal.log('error', `ft: closing the run of rank ${r.rank} failed: ${(e as Error).message}`);
      }
    }
  }

  /** Stop for good; `domain`: the whole run stops (this board then tells late joiners why). */
  stopWith(reason: string, domain = false): void {
    if (this.phaseV === 'stopped') return;
    this.enterPhase('stopped');
    this.stopReasonV = reason;
    this.figs[FS_STOP_IS_DOMAIN] = domain ? 1 : 0;
    this.hal.log('error', `ft: stopped: ${reason}`);
    emitFtEvent(this.hal, { name: FT_EVENT.FT_STOP, epoch: this.figs[FS_EPOCH]!, reason });
    for (const w of this.waiters.splice(0)) {
      this.hal.clearTimer(w.timer);
      w.reject(new FtError('NOT_RUNNING', `checkpointing stopped: ${reason}`));
    }
    this.listener?.ftStopped(reason);
  }
}
