/**
 * The fault-tolerance module of one board: membership (join handshake, views at epochs),
 * heartbeat failure detection, coordinated checkpoints with a two-phase commit whose data
 * lives in buddy boards' RAM, and recovery (roll everyone back to the last committed
 * checkpoint, a spare takes the failed rank, lost copies are rebuilt). docs/FT.md is the
 * description; this file wires the pure parts (detector, images, streams, plan) to the
 * network, the clock and the board's events.
 *
 * Everything runs from network callbacks and timers. A phase that a fault scenario wants to
 * interrupt (`ckpt-send`, `ckpt-commit`, `recovery-transfer`) is announced with Hal.event
 * first and carried out from a zero-delay timer, so a crash triggered by the event lands
 * before the phase has any effect.
 */
import type { Hal } from '../hal.js';
import type { Net, NetFrame } from '../net/net.js';
import { FrameType } from '../wire/frame-types.js';
import { Sha256 } from '../util/sha256.js';
import { utf8Encode } from '../util/utf8.js';
import type { AppState } from './app-state.js';
import { encodeAppState } from './app-state.js';
import { ByteWriter } from './bytes.js';
import { Detector } from './detector.js';
import {
  AckStatus, FtFrame, ImageKind, NO_NODE, Role,
  decodeCkptAbort, decodeCkptAck, decodeCkptAt, decodeCkptStart, decodeCkptStored, decodeHeartbeat, decodeJoin,
  decodeReason, decodeRecBegin, decodeRecPlan, decodeRecReady, decodeRecResume, decodeRecState, decodeRound, decodeSuspect, decodeView,
  encodeCkptAbort, encodeCkptAck, encodeCkptAt, encodeCkptStart, encodeCkptStored, encodeHeartbeat, encodeJoin,
  encodeReason, encodeRecBegin, encodeRecPlan, encodeRecReady, encodeRecResume, encodeRecState, encodeRound, encodeSuspect, encodeView,
} from './frames.js';
import type { HeldImage, RecPlan, RecResume, RecState } from './frames.js';
import { Image, Pending, buildPending } from './image.js';
import type { FtOptions, ResolvedFtOptions } from './options.js';
import { resolveFtOptions } from './options.js';
import { planRecovery } from './plan.js';
import { APP_SEGMENT, FtRun } from './run.js';
import type { FtRunHost } from './run.js';
import { FLAG_LAST, FLAG_REPLICA, StreamReceiver, StreamSender, readDataHeader, sourceOfImage, sourceOfPending } from './stream.js';
import type { RecvStatus, StreamSource } from './stream.js';
import type { FtCheckpointFigures, FtPhase, FtRecoveryFigures, FtStats, Segment } from './types.js';
import { FtError } from './types.js';
import { buddiesOf, membersOf, ranksOf, wardsOf } from './view.js';

/** What the module needs from the HAL. */
export type FtHal = Pick<Hal, 'now' | 'setTimer' | 'clearTimer' | 'event' | 'log' | 'random'>;

/** Port used by FT frames (both ends). */
const FT_PORT = 0;
/** Control frames the network refused wait here for another try. */
const MAX_RETRY_QUEUE = 256;
const RETRY_MS = 10;

type StreamDone = (status: 'stored' | RecvStatus) => void;

interface OutStream {
  s: StreamSender;
  done: StreamDone;
}

/** One rank's part in a checkpoint round on this board. */
interface RankRound {
  run: FtRun;
  rank: number;
  round: number;
  startedAt: number;
  waiting: number;
  streams: OutStream[];
  fullBytes: number;
  changed: number;
  resolve: () => void;
  reject: (e: Error) => void;
}

/** The coordinator's tally of one round. */
interface Tally {
  round: number;
  started: Set<number>;
  stored: Set<number>;
  decided: boolean;
  timer: number;
  firstAt: number;
}

/** The coordinator's side of a recovery. */
interface RecCoord {
  epoch: number;
  phase: 'collect' | 'transfer' | 'done';
  participants: number[];
  states: Map<number, RecState>;
  ready: Set<number>;
  plan: ReturnType<typeof planRecovery> | null;
  bytes: number;
  timer: number;
  lastSend: number;
}

/** A participant's side of a recovery. */
interface RecPart {
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

interface RequestWaiter {
  after: number;
  resolve: (r: { generation: number; progress: number }) => void;
  reject: (e: Error) => void;
  timer: number;
}

function never<T>(): Promise<T> {
  return new Promise<T>(() => undefined);
}

function hash32(text: string): number {
  const d = new Sha256().update(utf8Encode(text)).digest();
  return ((d[0] as number) | ((d[1] as number) << 8) | ((d[2] as number) << 16) | ((d[3] as number) << 24)) >>> 0;
}

export class FaultTolerance implements FtRunHost {
  readonly node: number;
  readonly options: ResolvedFtOptions;
  /** Hash of options.version, compared in the join handshake. */
  readonly versionHash: number;
  readonly incarnation: number;

  private readonly net: Net;
  private readonly hal: FtHal;
  private readonly detector: Detector;
  private readonly scratch: ByteWriter;

  private phaseV: FtPhase = 'joining';
  private epochV = 0;
  private maxEpochSeen = 0;
  private map: number[];
  private viewCoord: number;
  /** Incarnation of every member when the current view formed: a different one later means it restarted. */
  private viewIncarnations = new Map<number, number>();
  private stopReasonV = '';
  /** The stop is the domain's (a recovery found the run cannot go on), not just this board's. */
  private stopIsDomain = false;
  /** Bumped at every change of epoch or phase; deferred effects of an older state do nothing. */
  private changes = 0;
  private started = false;
  private tickTimer = -1;
  private lastTick = -1;
  private lastJoinAt = -Infinity;
  private joinTarget = -1;
  private readonly refused = new Set<number>();

  private readonly images = new Map<number, Image>();
  private readonly runs = new Map<number, FtRun>();
  private runListener: ((run: FtRun) => void) | null = null;
  private stopListener: ((reason: string) => void) | null = null;

  private lastCommitted = 0;
  private lastAborted = 0;
  private committedProgress = 0;
  private readonly rounds = new Map<number, RankRound>();
  private requestTarget = -1;
  private tally: Tally | null = null;
  private readonly waiters: RequestWaiter[] = [];

  private outs: OutStream[] = [];
  private readonly receivers = new Map<string, StreamReceiver>();
  private pumpTimer = -1;

  private startup: Set<number> | null = null;
  private rec: RecCoord | null = null;
  private part: RecPart | null = null;
  private recoveryStartedAt = -1;
  /** Progress the runs had made when the recovery revoked them. */
  private recoveryProgress = 0;

  private readonly retryQueue: { dst: number; type: number; payload: Uint8Array; changes: number; until: number }[] = [];
  private retryTimer = -1;

  private readonly figures: FtCheckpointFigures = {
    count: 0, aborted: 0, generation: 0, progress: 0, lastMs: 0, bytesSent: 0, changedBytes: 0, fullImageBytes: 0,
    lastBytesSent: 0, lastChangedBytes: 0, lastFullImageBytes: 0, lastAbort: '',
  };
  private readonly recoveries: FtRecoveryFigures[] = [];
  private readonly counters = {
    heartbeatsSent: 0, heartbeatsReceived: 0, suspicions: 0, framesIn: 0, framesOut: 0, malformed: 0, stale: 0, retries: 0,
  };
  private peakBytes = 0;
  private roundPeakMultiple = 0;
  private lastPeakMultiple = 0;

  constructor(net: Net, hal: FtHal, options: FtOptions) {
    this.options = resolveFtOptions(options);
    this.net = net;
    this.hal = hal;
    this.node = net.node;
    this.versionHash = hash32(this.options.version);
    this.incarnation = Math.floor(hal.random() * 0xffffffff) >>> 0;
    this.detector = new Detector(this.node, this.options.timeoutMs, this.options.startGraceMs);
    this.scratch = new ByteWriter(this.options.maxPayload);
    this.map = this.options.initialMap.slice();
    this.viewCoord = Math.min(...this.map);
  }

  // ---- the board's side ------------------------------------------------------------------------

  /** Called with each run to start: the first one once admitted, then after every recovery. */
  onRun(listener: (run: FtRun) => void): void {
    this.runListener = listener;
  }

  /** Called once if the module stops for good (refused, unrecoverable). */
  onStop(listener: (reason: string) => void): void {
    this.stopListener = listener;
  }

  /** Register with the network and start the join handshake and heartbeats. */
  start(): void {
    if (this.started) return;
    this.started = true;
    const now = this.hal.now();
    for (const n of membersOf(this.map)) this.detector.watch(n, now);
    // Any frame of the layers above the network is a sign of life (heartbeats are one of them).
    this.net.register(FrameType.MCAPI_FIRST, FrameType.DSM_LAST, (f) => this.detector.heard(f.src, this.hal.now()));
    this.net.register(FrameType.FT_FIRST, FrameType.FT_LAST, (f) => this.onFrame(f));
    this.tick();
  }

  /** Stop timers (the board is going away). */
  stop(): void {
    this.started = false;
    if (this.tickTimer >= 0) this.hal.clearTimer(this.tickTimer);
    this.tickTimer = -1;
  }

  get phase(): FtPhase {
    return this.phaseV;
  }

  get epoch(): number {
    return this.epochV;
  }

  /** Node of each rank in the current view. */
  rankMap(): number[] {
    return this.map.slice();
  }

  /** Ranks this board runs now. */
  hostedRanks(): number[] {
    return this.phaseV === 'running' ? ranksOf(this.map, this.node) : [];
  }

  get generation(): number {
    return this.lastCommitted;
  }

  get stopReason(): string {
    return this.stopReasonV;
  }

  // ---- runs (FtRunHost) --------------------------------------------------------------------------

  checkpointRun(run: FtRun, state: AppState, progress: number): Promise<void> {
    if (!run.active) return never();
    run.releaseRestored();
    if (this.phaseV !== 'running') return Promise.reject(new FtError('NOT_RUNNING', `checkpoint: the board is ${this.phaseV}`));
    const rank = run.rank;
    if (this.rounds.has(rank)) return Promise.reject(new FtError('BUSY', `checkpoint: rank ${rank} already has a checkpoint in progress`));
    if (typeof progress !== 'number' || !Number.isInteger(progress) || progress < 0 || progress > 0xffffffff) {
      return Promise.reject(new FtError('BAD_ARG', `checkpoint progress: expected an integer >= 0, got ${String(progress)}`));
    }
    this.progressRun(run, progress);
    const round = Math.max(this.lastCommitted, this.lastAborted) + 1;
    const refuse = (e: unknown): Promise<void> => {
      const err = e instanceof FtError ? e : new FtError('BAD_ARG', `checkpoint: ${(e as Error).message ?? String(e)}`);
      // The others would otherwise wait for this rank until the round times out.
      this.sendCtl(this.viewCoord, FtFrame.CKPT_REFUSE, encodeCkptAbort({ round, rank, reason: err.message }));
      return Promise.reject(err);
    };
    let pending: Pending;
    const image = this.imageOf(rank);
    try {
      const segs: Segment[] = [{ name: APP_SEGMENT, bytes: encodeAppState(state) }];
      for (const c of run.contents) {
        for (const s of c.capture()) {
          if (s.name !== c.prefix && !s.name.startsWith(c.prefix + '/')) {
            throw new FtError('BAD_ARG', `checkpoint content "${c.prefix}" captured segment "${s.name}" outside its prefix`);
          }
          segs.push(s);
        }
      }
      pending = buildPending(image, segs, round, progress, this.options.mergeGap);
    } catch (e) {
      return refuse(e);
    }
    const limit = this.options.maxStoreBytes;
    if (this.memoryTotal() + pending.bytes > limit) {
      return refuse(new FtError('MEM_LIMIT', `checkpoint of rank ${rank} needs ${pending.bytes} more bytes; checkpoint memory would exceed its limit of ${limit} bytes`));
    }
    image.pending = pending;
    this.notePeak();
    return new Promise<void>((resolve, reject) => {
      const entry: RankRound = {
        run, rank, round, startedAt: this.hal.now(), waiting: 0, streams: [], fullBytes: pending.size, changed: pending.changed, resolve, reject,
      };
      this.rounds.set(rank, entry);
      this.sendCtl(this.viewCoord, FtFrame.CKPT_START, encodeCkptStart({ round, rank, base: pending.base, progress }));
      this.announce('ckpt-send', round, () => {
        if (this.rounds.get(rank) !== entry) return;
        const buddies = buddiesOf(this.map, rank, this.options.buddies);
        const src = sourceOfPending(pending);
        entry.waiting = buddies.length;
        for (const b of buddies) this.sendDelta(entry, b, src, pending.base);
        if (buddies.length === 0) this.rankStored(entry);
      });
    });
  }

  opportunityRun(run: FtRun, progress: number, state: () => AppState): Promise<boolean> {
    if (!run.active) return never();
    this.progressRun(run, progress);
    const every = this.options.checkpointEvery;
    const due = (every > 0 && progress > 0 && progress % every === 0) || progress === this.requestTarget;
    if (!due || this.phaseV !== 'running') return Promise.resolve(false);
    let s: AppState;
    try {
      s = state();
    } catch (e) {
      return Promise.reject(e);
    }
    return this.checkpointRun(run, s, progress).then(
      () => true,
      (e: unknown) => {
        if (e instanceof FtError && (e.code === 'ABORTED' || e.code === 'TIMEOUT' || e.code === 'NOT_RUNNING')) {
          this.hal.log('warn', `ft: checkpoint at ${progress} not taken: ${e.message}`);
          return false;
        }
        throw e;
      },
    );
  }

  yieldRun(run: FtRun): Promise<void> {
    if (!run.active) return never();
    return new Promise<void>((resolve) => {
      this.hal.setTimer(0, () => {
        if (run.active) resolve();
      });
    });
  }

  progressRun(run: FtRun, progress: number): void {
    if (run.active && progress > run.lastProgress) run.lastProgress = progress;
  }

  /**
   * `ckpt now`: ask every rank to checkpoint at its next opportunity; resolves when a
   * checkpoint commits after the request (or rejects on abort / timeout).
   */
  requestCheckpoint(): Promise<{ generation: number; progress: number }> {
    if (this.phaseV === 'stopped') return Promise.reject(new FtError('NOT_RUNNING', `checkpointing stopped: ${this.stopReasonV}`));
    const ms = 2 * this.options.checkpointTimeoutMs;
    return new Promise((resolve, reject) => {
      const w: RequestWaiter = {
        after: this.lastCommitted,
        resolve,
        reject,
        timer: this.hal.setTimer(ms, () => {
          this.dropWaiter(w);
          reject(new FtError('TIMEOUT', `no checkpoint committed within ${ms} ms (does the app call opportunity() or checkpoint()?)`));
        }),
      };
      this.waiters.push(w);
      this.sendCtl(this.phaseV === 'running' ? this.viewCoord : this.candidate(), FtFrame.CKPT_REQUEST, encodeCkptAt({ target: 0, node: this.node, token: 0 }));
    });
  }

  private dropWaiter(w: RequestWaiter): void {
    const i = this.waiters.indexOf(w);
    if (i >= 0) this.waiters.splice(i, 1);
  }

  // ---- figures -----------------------------------------------------------------------------------

  private memoryParts(): { own: number; ward: number; pending: number; state: number } {
    const mine = new Set(this.phaseV === 'running' ? ranksOf(this.map, this.node) : []);
    let own = 0;
    let ward = 0;
    let pending = 0;
    let state = 0;
    for (const img of this.images.values()) {
      if (mine.has(img.rank)) {
        own += img.committedBytes;
        state += img.pending !== null ? img.pending.size : img.committedBytes;
      } else ward += img.committedBytes;
      pending += img.pendingBytes;
    }
    for (const rx of this.receivers.values()) if (rx.replica) pending += rx.pending.bytes;
    return { own, ward, pending, state };
  }

  private memoryTotal(): number {
    const m = this.memoryParts();
    return m.own + m.ward + m.pending;
  }

  private notePeak(): void {
    const m = this.memoryParts();
    const total = m.own + m.ward + m.pending;
    if (total > this.peakBytes) this.peakBytes = total;
    if (m.state > 0) this.roundPeakMultiple = Math.max(this.roundPeakMultiple, total / m.state);
  }

  stats(): FtStats {
    const m = this.memoryParts();
    const total = m.own + m.ward + m.pending;
    const mine = this.hostedRanks();
    const buddies = new Set<number>();
    for (const r of mine) for (const b of buddiesOf(this.map, r, this.options.buddies)) buddies.add(b);
    return {
      phase: this.phaseV,
      epoch: this.epochV,
      rankMap: this.map.slice(),
      ranks: mine,
      coordinator: this.viewCoord,
      buddies: [...buddies].sort((a, b) => a - b),
      wards: this.phaseV === 'running' ? wardsOf(this.map, this.node, this.options.buddies) : [],
      checkpoints: { ...this.figures },
      memory: {
        ownBytes: m.own,
        wardBytes: m.ward,
        pendingBytes: m.pending,
        totalBytes: total,
        peakBytes: this.peakBytes,
        stateBytes: m.state,
        multiple: m.state > 0 ? total / m.state : 0,
        peakMultiple: this.lastPeakMultiple,
        limit: this.options.maxStoreBytes,
      },
      recoveries: this.recoveries.map((r) => ({ ...r, failed: r.failed.slice(), ranks: r.ranks.slice(), replacements: r.replacements.slice() })),
      ...this.counters,
      stopReason: this.stopReasonV,
    };
  }

  // ---- sending -----------------------------------------------------------------------------------

  private sendCtl(dst: number, type: number, payload: Uint8Array): void {
    if (dst < 0 || dst > 254) return;
    if (this.trySend(dst, type, payload)) return;
    if (this.retryQueue.length >= MAX_RETRY_QUEUE) this.retryQueue.shift();
    // Steps that need an answer are repeated by the protocol anyway; this only bridges a full queue.
    this.retryQueue.push({ dst, type, payload: payload.slice(), changes: this.changes, until: this.hal.now() + this.options.timeoutMs });
    if (this.retryTimer < 0) this.retryTimer = this.hal.setTimer(RETRY_MS, () => this.flushRetries());
  }

  private trySend(dst: number, type: number, payload: Uint8Array): boolean {
    let ok = false;
    try {
      ok = this.net.send({ type, dst, srcPort: FT_PORT, dstPort: FT_PORT, payload });
    } catch (e) {
      this.hal.log('error', `ft: send to ${dst} failed: ${(e as Error).message}`);
      return true;
    }
    if (ok) this.counters.framesOut++;
    return ok;
  }

  private flushRetries(): void {
    this.retryTimer = -1;
    const n = this.retryQueue.length;
    for (let i = 0; i < n; i++) {
      const r = this.retryQueue.shift();
      if (r === undefined) break;
      if (r.changes !== this.changes || this.hal.now() > r.until) continue;
      this.counters.retries++;
      if (!this.trySend(r.dst, r.type, r.payload)) {
        this.retryQueue.push(r);
      }
    }
    if (this.retryQueue.length > 0) this.retryTimer = this.hal.setTimer(RETRY_MS, () => this.flushRetries());
  }

  private sendToAll(nodes: readonly number[], type: number, payload: Uint8Array): void {
    for (const n of nodes) this.sendCtl(n, type, payload);
  }

  /** Announce a phase, then carry it out from a zero-delay timer unless the state moved on. */
  private announce(name: string, value: number, effect: () => void): void {
    const ch = this.changes;
    this.hal.event(name, value);
    this.hal.setTimer(0, () => {
      if (ch === this.changes && this.phaseV !== 'stopped') effect();
    });
  }

  // ---- streams -----------------------------------------------------------------------------------

  private startStream(dst: number, rank: number, round: number, base: number, replica: boolean, src: StreamSource, done: StreamDone): void {
    const s = new StreamSender(dst, rank, round, base, replica, src, this.options.window, this.hal.now());
    this.outs.push({ s, done });
    this.pump();
  }

  private pump(): void {
    for (const o of this.outs) {
      const s = o.s;
      while (s.wants()) {
        const payload = s.build(this.scratch, this.options.maxPayload);
        if (!this.trySend(s.dst, FtFrame.CKPT_DATA, payload)) {
          if (this.pumpTimer < 0) {
            this.pumpTimer = this.hal.setTimer(RETRY_MS, () => {
              this.pumpTimer = -1;
              this.pump();
            });
          }
          break;
        }
        s.sent(payload.length);
      }
    }
  }

  private stopStreams(filter: (o: OutStream) => boolean = () => true): void {
    this.outs = this.outs.filter((o) => !filter(o));
  }

  private onAck(f: NetFrame): void {
    const a = decodeCkptAck(f.payload);
    if (a === null) return this.malformed();
    const o = this.outs.find((x) => x.s.dst === f.src && x.s.rank === a.rank && x.s.round === a.round && x.s.replica === a.replica);
    if (o === undefined) return this.staleFrame();
    const s = o.s;
    if (a.status === AckStatus.OK || a.status === AckStatus.STORED) {
      if (s.onAck(a.next, this.hal.now()) || a.next === s.acked) {
        if (s.complete) {
          this.outs.splice(this.outs.indexOf(o), 1);
          o.done('stored');
        } else this.pump();
      }
      return;
    }
    this.outs.splice(this.outs.indexOf(o), 1);
    o.done(a.status === AckStatus.NEED_FULL ? 'need-full' : a.status === AckStatus.NO_MEMORY ? 'nomem' : 'malformed');
  }

  private sendAck(dst: number, rank: number, round: number, replica: boolean, next: number, status: number): void {
    this.sendCtl(dst, FtFrame.CKPT_ACK, encodeCkptAck({ round, rank, replica, next, status, info: this.options.maxStoreBytes }));
  }

  private onData(f: NetFrame): void {
    const h = readDataHeader(f.payload);
    if (h === null) return this.malformed();
    if (f.epoch !== this.epochV) return this.staleFrame();
    if ((h.flags & FLAG_REPLICA) !== 0) this.onReplicaData(f, h.rank, h.round, h.seq, (h.flags & FLAG_LAST) !== 0);
    else this.onDeltaData(f, h.rank, h.round, h.base, h.seq, (h.flags & FLAG_LAST) !== 0);
  }

  private onDeltaData(f: NetFrame, rank: number, round: number, base: number, seq: number, last: boolean): void {
    if (this.phaseV !== 'running' || this.map[rank] !== f.src || !buddiesOf(this.map, rank, this.options.buddies).includes(this.node)) {
      return this.staleFrame();
    }
    const key = `${f.src}/${rank}`;
    let rx = this.receivers.get(key);
    const img = this.imageOf(rank);
    if (seq === 0 && (rx === undefined || rx.round !== round || rx.replica)) {
      const old = img.pending;
      if (old !== null && old.round !== round) {
        // The ward moved on, so its previous round was decided: committed if it is now its base.
        if (base === old.round) this.applyCommit(old.round);
        else img.discard();
      }
      if (round <= Math.max(this.lastCommitted, this.lastAborted) || (img.pending !== null && img.pending.round === round)) {
        // A round already decided, or a resend of one whose stream this board already has.
        if (rx === undefined || rx.round !== round) return this.staleFrame();
      } else {
        if (img.gen !== base) {
          this.sendAck(f.src, rank, round, false, 0, AckStatus.NEED_FULL);
          return;
        }
        const pending = new Pending(round, base, false, 0);
        img.pending = pending;
        rx = new StreamReceiver(f.src, rank, round, false, pending);
        this.receivers.set(key, rx);
      }
    }
    if (rx === undefined || rx.round !== round || rx.replica) return this.staleFrame();
    if (seq !== rx.expected) {
      this.sendAck(f.src, rank, round, false, rx.expected, rx.complete ? AckStatus.STORED : AckStatus.OK);
      return;
    }
    const status = rx.apply(img, f.payload, last, this.options.maxStoreBytes - this.memoryTotal());
    if (status !== 'ok') {
      img.discard();
      this.receivers.delete(key);
      this.sendAck(f.src, rank, round, false, rx.expected, status === 'nomem' ? AckStatus.NO_MEMORY : status === 'need-full' ? AckStatus.NEED_FULL : AckStatus.MALFORMED);
      if (status === 'malformed') this.malformed();
      return;
    }
    if (rx.complete) this.notePeak();
    this.sendAck(f.src, rank, round, false, rx.expected, rx.complete ? AckStatus.STORED : AckStatus.OK);
  }

  private onReplicaData(f: NetFrame, rank: number, gen: number, seq: number, last: boolean): void {
    const p = this.part;
    // A copy may overtake the plan (it comes from another board than the coordinator): take it.
    const forRecovery =
      this.phaseV === 'recovering' && p !== null && f.epoch === p.epoch &&
      (p.plan === null || (p.expecting.get(rank) === f.src && gen === p.plan.generation));
    const forRepair = this.phaseV === 'running' && this.map[rank] === f.src && buddiesOf(this.map, rank, this.options.buddies).includes(this.node);
    const key = `${f.src}/${rank}`;
    let rx = this.receivers.get(key);
    if (!forRecovery && !forRepair) {
      // A resend after completion: confirm it again so the sender stops.
      if (this.images.get(rank)?.gen === gen && (rx === undefined || rx.round !== gen)) this.sendAck(f.src, rank, gen, true, seq + 1, AckStatus.STORED);
      else this.staleFrame();
      return;
    }
    if (seq === 0 && (rx === undefined || rx.round !== gen || !rx.replica)) {
      rx = new StreamReceiver(f.src, rank, gen, true, new Pending(gen, 0, true, 0));
      this.receivers.set(key, rx);
    }
    if (rx === undefined || rx.round !== gen || !rx.replica) return this.staleFrame();
    if (seq !== rx.expected) {
      this.sendAck(f.src, rank, gen, true, rx.expected, AckStatus.OK);
      return;
    }
    const img = this.imageOf(rank);
    const status = rx.apply(img, f.payload, last, this.options.maxStoreBytes - this.memoryTotal());
    if (status !== 'ok') {
      this.receivers.delete(key);
      this.sendAck(f.src, rank, gen, true, rx.expected, status === 'nomem' ? AckStatus.NO_MEMORY : AckStatus.MALFORMED);
      if (status === 'malformed') this.malformed();
      return;
    }
    if (!rx.complete) {
      this.notePeak();
      this.sendAck(f.src, rank, gen, true, rx.expected, AckStatus.OK);
      return;
    }
    this.receivers.delete(key);
    const pend = rx.pending;
    img.install(pend.table.map((e) => e.name), pend.whole.map((w) => w ?? new Uint8Array(0)), gen, pend.progress);
    this.notePeak();
    this.sendAck(f.src, rank, gen, true, rx.expected, AckStatus.STORED);
    if (forRecovery && p !== null) {
      p.expecting.delete(rank);
      p.bytesIn += pend.size;
      this.checkReady();
    }
  }

  // ---- checkpoints: the rank's side --------------------------------------------------------------

  private imageOf(rank: number): Image {
    let img = this.images.get(rank);
    if (img === undefined) {
      img = new Image(rank);
      this.images.set(rank, img);
    }
    return img;
  }

  private sendDelta(entry: RankRound, buddy: number, src: StreamSource, base: number): void {
    const done: StreamDone = (status) => {
      if (this.rounds.get(entry.rank) !== entry) return;
      if (status === 'stored') {
        if (--entry.waiting === 0) this.rankStored(entry);
        return;
      }
      if (status === 'need-full') {
        // The buddy lacks the base generation (it is new, or lost it): give it a full copy first.
        const img = this.imageOf(entry.rank);
        this.startStream(buddy, entry.rank, img.gen, 0, true, sourceOfImage(img), (st) => {
          if (this.rounds.get(entry.rank) !== entry) return;
          if (st === 'stored') this.sendDelta(entry, buddy, src, base);
          else this.refuseRound(entry, this.streamFailure(buddy, st));
        });
        return;
      }
      this.refuseRound(entry, this.streamFailure(buddy, status));
    };
    const o = { s: new StreamSender(buddy, entry.rank, entry.round, base, false, src, this.options.window, this.hal.now()), done };
    entry.streams.push(o);
    this.outs.push(o);
    this.pump();
  }

  private streamFailure(buddy: number, status: 'stored' | RecvStatus): string {
    return status === 'nomem'
      ? `buddy node ${buddy} has no room for it (checkpoint memory limit ${this.options.maxStoreBytes} bytes)`
      : `buddy node ${buddy} rejected its data (${status})`;
  }

  private refuseRound(entry: RankRound, reason: string): void {
    this.sendCtl(this.viewCoord, FtFrame.CKPT_REFUSE, encodeCkptAbort({ round: entry.round, rank: entry.rank, reason }));
  }

  private rankStored(entry: RankRound): void {
    this.sendCtl(this.viewCoord, FtFrame.CKPT_STORED, encodeCkptStored({ round: entry.round, rank: entry.rank }));
  }

  /** The round is committed (everyone stored it): make it the current generation everywhere on this board. */
  private applyCommit(round: number): void {
    if (round <= this.lastCommitted || round <= this.lastAborted) return;
    this.lastPeakMultiple = Math.max(this.roundPeakMultiple, this.currentMultiple());
    for (const img of this.images.values()) {
      const p = img.pending;
      if (p === null) continue;
      if (p.round === round && p.complete) img.commit();
      else if (p.round <= round) img.discard();
    }
    for (const [key, rx] of this.receivers) if (!rx.replica && rx.round <= round) this.receivers.delete(key);
    this.lastCommitted = round;
    this.roundPeakMultiple = this.currentMultiple();
    const now = this.hal.now();
    let progress = this.committedProgress;
    let sent = 0;
    let changed = 0;
    let full = 0;
    for (const [rank, e] of [...this.rounds]) {
      if (e.round !== round) continue;
      this.rounds.delete(rank);
      for (const o of e.streams) sent += o.s.bytesSent;
      changed += e.changed;
      full += e.fullBytes;
      progress = this.imageOf(rank).progress;
      this.figures.lastMs = now - e.startedAt;
      e.resolve();
    }
    this.committedProgress = progress;
    const f = this.figures;
    f.count++;
    f.generation = round;
    f.progress = progress;
    f.bytesSent += sent;
    f.changedBytes += changed;
    f.fullImageBytes += full;
    f.lastBytesSent = sent;
    f.lastChangedBytes = changed;
    f.lastFullImageBytes = full;
    for (const w of this.waiters.splice(0)) {
      this.hal.clearTimer(w.timer);
      if (round > w.after) w.resolve({ generation: round, progress });
      else this.waiters.push(w);
    }
  }

  private currentMultiple(): number {
    const m = this.memoryParts();
    return m.state > 0 ? (m.own + m.ward + m.pending) / m.state : 0;
  }

  private applyAbort(round: number, reason: string): void {
    if (round <= this.lastCommitted || round <= this.lastAborted) return;
    this.lastAborted = round;
    for (const img of this.images.values()) if (img.pending !== null && img.pending.round <= round) img.discard();
    for (const [key, rx] of this.receivers) if (!rx.replica && rx.round <= round) this.receivers.delete(key);
    const dead = new Set<OutStream>();
    for (const [rank, e] of [...this.rounds]) {
      if (e.round > round) continue;
      this.rounds.delete(rank);
      for (const o of e.streams) dead.add(o);
      e.reject(new FtError('ABORTED', `checkpoint ${round} aborted: ${reason}`));
    }
    this.stopStreams((o) => dead.has(o));
    this.figures.aborted++;
    this.figures.lastAbort = reason;
    for (const w of this.waiters.splice(0)) {
      this.hal.clearTimer(w.timer);
      w.reject(new FtError('ABORTED', `checkpoint ${round} aborted: ${reason}`));
    }
    this.hal.log('warn', `ft: checkpoint ${round} aborted: ${reason}`);
  }

  // ---- checkpoints: the coordinator's side -------------------------------------------------------

  private isCoordinator(): boolean {
    return this.phaseV === 'running' && this.viewCoord === this.node;
  }

  private tallyFor(round: number): Tally | null {
    if (round <= Math.max(this.lastCommitted, this.lastAborted)) return null;
    if (this.tally !== null && this.tally.round === round) return this.tally;
    if (this.tally !== null && this.tally.round > round) return null;
    if (this.tally !== null) this.hal.clearTimer(this.tally.timer);
    const t: Tally = {
      round, started: new Set(), stored: new Set(), decided: false, firstAt: this.hal.now(),
      timer: this.hal.setTimer(this.options.checkpointTimeoutMs, () => this.timeoutRound(t)),
    };
    this.tally = t;
    return t;
  }

  private timeoutRound(t: Tally): void {
    if (t.decided || this.tally !== t) return;
    const notCalled: number[] = [];
    const notStored: number[] = [];
    for (let r = 0; r < this.map.length; r++) {
      if (!t.started.has(r) && !t.stored.has(r)) notCalled.push(r);
      else if (!t.stored.has(r)) notStored.push(r);
    }
    const parts: string[] = [];
    const list = (rs: number[]): string => `${rs.length === 1 ? 'rank' : 'ranks'} ${rs.join(', ')}`;
    if (notCalled.length > 0) parts.push(`${list(notCalled)} did not call checkpoint`);
    if (notStored.length > 0) parts.push(`${list(notStored)} did not get ${notStored.length === 1 ? 'its' : 'their'} data stored with ${notStored.length === 1 ? 'its' : 'their'} buddies`);
    this.abortRound(t, `timed out after ${this.options.checkpointTimeoutMs} ms: ${parts.join('; ')}`);
  }

  private abortRound(t: Tally, reason: string): void {
    if (t.decided) return;
    t.decided = true;
    this.hal.clearTimer(t.timer);
    const payload = encodeCkptAbort({ round: t.round, rank: NO_NODE, reason });
    this.sendToAll(membersOf(this.map).filter((n) => n !== this.node), FtFrame.CKPT_ABORT, payload);
    this.applyAbort(t.round, reason);
  }

  private decideCommit(t: Tally): void {
    t.decided = true;
    this.hal.clearTimer(t.timer);
    const others = membersOf(this.map).filter((n) => n !== this.node);
    const payload = encodeRound(t.round);
    // One participant hears of the commit before the event: a crash on `ckpt-commit` leaves a
    // commit that reached only some boards, the case recovery must resolve.
    const first = others.shift();
    if (first !== undefined) this.sendCtl(first, FtFrame.CKPT_COMMIT, payload);
    this.announce('ckpt-commit', t.round, () => {
      this.sendToAll(others, FtFrame.CKPT_COMMIT, payload);
      this.applyCommit(t.round);
    });
  }

  private onCkptStart(f: NetFrame): void {
    const s = decodeCkptStart(f.payload);
    if (s === null) return this.malformed();
    if (!this.isCoordinator() || f.epoch !== this.epochV || this.map[s.rank] !== f.src) return this.staleFrame();
    const t = this.tallyFor(s.round);
    if (t !== null) t.started.add(s.rank);
  }

  private onCkptStored(f: NetFrame): void {
    const s = decodeCkptStored(f.payload);
    if (s === null) return this.malformed();
    if (!this.isCoordinator() || f.epoch !== this.epochV || this.map[s.rank] !== f.src) return this.staleFrame();
    const t = this.tallyFor(s.round);
    if (t === null || t.decided) return;
    t.stored.add(s.rank);
    if (t.stored.size === this.map.length) this.decideCommit(t);
  }

  private onCkptRefuse(f: NetFrame): void {
    const a = decodeCkptAbort(f.payload);
    if (a === null) return this.malformed();
    if (!this.isCoordinator() || f.epoch !== this.epochV || this.map[a.rank] !== f.src) return this.staleFrame();
    const t = this.tallyFor(a.round);
    if (t !== null) this.abortRound(t, `rank ${a.rank} (node ${f.src}) could not checkpoint: ${a.reason}`);
  }

  private onCkptCommit(f: NetFrame): void {
    const round = decodeRound(f.payload);
    if (round === null) return this.malformed();
    if (this.phaseV !== 'running' || f.epoch !== this.epochV || f.src !== this.viewCoord) return this.staleFrame();
    if (round <= this.lastCommitted) return;
    this.announce('ckpt-commit', round, () => this.applyCommit(round));
  }

  private onCkptAbort(f: NetFrame): void {
    const a = decodeCkptAbort(f.payload);
    if (a === null) return this.malformed();
    if (this.phaseV !== 'running' || f.epoch !== this.epochV || f.src !== this.viewCoord) return this.staleFrame();
    this.applyAbort(a.round, a.reason);
  }

  private onCkptRequest(f: NetFrame): void {
    const a = decodeCkptAt(f.payload);
    if (a === null) return this.malformed();
    if (!this.isCoordinator()) return this.staleFrame();
    let furthest = 0;
    for (const r of this.runs.values()) furthest = Math.max(furthest, r.lastProgress);
    for (const n of membersOf(this.map)) furthest = Math.max(furthest, this.detector.get(n)?.progress ?? 0);
    const target = furthest + this.options.requestMargin;
    const to = membersOf(this.map);
    if (!to.includes(f.src)) to.push(f.src);
    this.sendToAll(to, FtFrame.CKPT_AT, encodeCkptAt({ target, node: f.src, token: a.token }));
  }

  private onCkptAt(f: NetFrame): void {
    const a = decodeCkptAt(f.payload);
    if (a === null) return this.malformed();
    if (this.phaseV !== 'running' || f.epoch !== this.epochV) return this.staleFrame();
    if (a.target > this.requestTarget) this.requestTarget = a.target;
  }

  // ---- membership ---------------------------------------------------------------------------------

  private onFrame(f: NetFrame): void {
    this.counters.framesIn++;
    if (this.phaseV === 'stopped') {
      // A board that joins a run that has stopped learns why instead of waiting forever.
      if (f.type === FtFrame.JOIN && this.stopIsDomain) this.sendCtl(f.src, FtFrame.STOP, encodeReason(this.stopReasonV));
      return;
    }
    const now = this.hal.now();
    this.detector.heard(f.src, now);
    if (f.epoch > this.maxEpochSeen) this.maxEpochSeen = f.epoch;
    switch (f.type) {
      case FtFrame.HEARTBEAT: return this.onHeartbeat(f);
      case FtFrame.JOIN: return this.onJoin(f);
      case FtFrame.VIEW: return this.onView(f);
      case FtFrame.REFUSE: return this.onRefuse(f);
      case FtFrame.SUSPECT: return this.onSuspectReport(f);
      case FtFrame.CKPT_START: return this.onCkptStart(f);
      case FtFrame.CKPT_DATA: return this.onData(f);
      case FtFrame.CKPT_ACK: return this.onAck(f);
      case FtFrame.CKPT_STORED: return this.onCkptStored(f);
      case FtFrame.CKPT_COMMIT: return this.onCkptCommit(f);
      case FtFrame.CKPT_ABORT: return this.onCkptAbort(f);
      case FtFrame.CKPT_REFUSE: return this.onCkptRefuse(f);
      case FtFrame.CKPT_REQUEST: return this.onCkptRequest(f);
      case FtFrame.CKPT_AT: return this.onCkptAt(f);
      case FtFrame.REC_BEGIN: return this.onRecBegin(f);
      case FtFrame.REC_STATE: return this.onRecState(f);
      case FtFrame.REC_PLAN: return this.onRecPlan(f);
      case FtFrame.REC_READY: return this.onRecReady(f);
      case FtFrame.REC_RESUME: return this.onRecResume(f);
      case FtFrame.STOP: return this.onStopFrame(f);
      default: return this.malformed();
    }
  }

  private malformed(): void {
    this.counters.malformed++;
  }

  private staleFrame(): void {
    this.counters.stale++;
  }

  private role(): number {
    switch (this.phaseV) {
      case 'joining': return Role.JOINING;
      case 'recovering': return Role.RECOVERING;
      case 'stopped': return Role.STOPPED;
      default: return this.map.includes(this.node) ? Role.MEMBER : Role.SPARE;
    }
  }

  private progressNow(): number {
    let p = this.committedProgress;
    for (const r of this.runs.values()) if (r.active && r.lastProgress > p) p = r.lastProgress;
    return p;
  }

  /** Who should coordinate: the lowest member this board does not suspect (itself if none). */
  private candidate(): number {
    for (const n of membersOf(this.map)) if (n === this.node || !this.detector.isSuspected(n)) return n;
    return this.node;
  }

  /** The nodes this board watches: members, spares it has heard, and the boards of a recovery. */
  private watched(): number[] {
    const set = new Set<number>(membersOf(this.map));
    for (const p of this.detector.all()) if (p.heard && !this.refused.has(p.node)) set.add(p.node);
    if (this.part !== null) {
      for (const n of this.part.participants) set.add(n);
      set.add(this.part.coord);
    }
    set.delete(this.node);
    return [...set].sort((a, b) => a - b);
  }

  private tick(): void {
    if (!this.started) return;
    const now = this.hal.now();
    const o = this.options;
    if (this.lastTick >= 0 && now - this.lastTick > o.heartbeatMs + o.timeoutMs / 2) {
      // Our own timer ran late: the board was hung or the app did not yield. That silence is ours.
      this.detector.stalled(now);
    }
    this.lastTick = now;
    if (this.phaseV === 'stopped' && this.stopIsDomain) {
      // In place of heartbeats: whoever is still joining (a board that restarted or woke up) learns why.
      this.trySend(255, FtFrame.STOP, encodeReason(this.stopReasonV));
    }
    if (this.phaseV !== 'stopped') {
      this.counters.heartbeatsSent++;
      const hb = encodeHeartbeat({
        role: this.role(),
        coord: this.phaseV === 'running' ? this.viewCoord : this.part?.coord ?? NO_NODE,
        incarnation: this.incarnation,
        hash: this.versionHash,
        committed: this.lastCommitted,
        aborted: this.lastAborted,
        progress: this.progressNow(),
      });
      this.trySend(255, FtFrame.HEARTBEAT, hb);
      for (const n of this.detector.expire(now, this.watched(), (n) => this.net.reachable(n))) this.onSuspicion(n);
      this.resend(now);
      for (const x of this.outs) {
        if (!x.s.complete && x.s.next > x.s.acked && now - x.s.progressAt > o.rtoMs) x.s.goBack(now);
      }
      this.pump();
    }
    this.tickTimer = this.hal.setTimer(o.heartbeatMs, () => this.tick());
  }

  /** Protocol steps that wait for an answer are repeated every half timeout until it comes. */
  private resend(now: number): void {
    const every = Math.max(this.options.heartbeatMs, this.options.timeoutMs / 2);
    if (this.phaseV === 'joining' && this.startup === null && now - this.lastJoinAt >= every) {
      this.lastJoinAt = now;
      const c = this.joinTarget >= 0 && !this.detector.isSuspected(this.joinTarget) ? this.joinTarget : this.candidate();
      if (c === this.node && this.epochV === 0 && this.map.includes(this.node)) this.becomeStartupCoordinator();
      else this.sendCtl(c, FtFrame.JOIN, encodeJoin({ incarnation: this.incarnation, hash: this.versionHash }));
    }
    if (this.startup !== null) this.checkStartup();
    const r = this.rec;
    if (r !== null && r.phase !== 'done' && now - r.lastSend >= every) {
      r.lastSend = now;
      if (r.phase === 'collect') {
        const missing = r.participants.filter((n) => !r.states.has(n));
        this.sendToAll(missing, FtFrame.REC_BEGIN, encodeRecBegin({ coord: this.node, participants: r.participants }));
      } else if (r.phase === 'transfer' && r.plan !== null && r.plan.ok) {
        const waiting = r.participants.filter((n) => !r.ready.has(n));
        this.sendToAll(waiting, FtFrame.REC_PLAN, this.planPayload(r));
      }
    }
  }

  private onHeartbeat(f: NetFrame): void {
    const h = decodeHeartbeat(f.payload);
    if (h === null) return this.malformed();
    this.counters.heartbeatsReceived++;
    const now = this.hal.now();
    const x = f.src;
    const reborn = this.detector.heartbeat(x, f.epoch, h, now);
    if (h.hash !== this.versionHash) {
      this.refuseIfCoordinating(x, h.hash);
      return;
    }
    const member = membersOf(this.map).includes(x);
    if (!member && this.detector.isSuspected(x)) this.detector.clear(x, now);
    if (reborn && member) {
      // It restarted: whatever it held is gone, as if it had crashed.
      if (this.detector.suspect(x, now)) this.onSuspicion(x);
    }
    if (f.epoch > this.epochV) {
      this.onNewerEpoch(f.epoch, h.coord);
      return;
    }
    if (this.phaseV === 'joining' && f.epoch === this.epochV && h.coord !== NO_NODE && h.coord !== this.node) this.joinTarget = h.coord;
    if (f.epoch === this.epochV && this.phaseV === 'running' && x === this.viewCoord && x !== this.node) {
      // The coordinator's own record of decisions: a lost COMMIT or ABORT is made good here.
      if (h.committed > this.lastCommitted && this.hasPending(h.committed)) this.applyCommit(h.committed);
      if (h.aborted > this.lastAborted && h.aborted > this.lastCommitted) this.applyAbort(h.aborted, 'aborted by the coordinator');
    }
  }

  private hasPending(round: number): boolean {
    for (const img of this.images.values()) if (img.pending !== null && img.pending.round === round && img.pending.complete) return true;
    return false;
  }

  private coordinating(): boolean {
    return this.startup !== null || this.rec !== null || this.isCoordinator();
  }

  private refuseIfCoordinating(x: number, hash: number): void {
    if (!this.coordinating() || this.refused.has(x)) return;
    this.refused.add(x);
    const reason = `app version mismatch: node ${x} runs version ${hash.toString(16)}, the domain runs ${this.versionHash.toString(16)}`;
    this.hal.log('error', `ft: refused node ${x}: ${reason}`);
    this.sendCtl(x, FtFrame.REFUSE, encodeReason(reason));
  }

  /** Someone is at a newer epoch that this board was not part of: it lost its place. */
  private onNewerEpoch(epoch: number, coord: number): void {
    if (this.phaseV === 'stopped') return;
    this.hal.log('warn', `ft: epoch ${epoch} is newer than ours (${this.epochV}); rejoining`);
    this.setEpoch(epoch);
    this.enterPhase('joining');
    this.joinTarget = coord === NO_NODE ? -1 : coord;
    this.lastJoinAt = -Infinity;
    this.resend(this.hal.now());
  }

  private setEpoch(epoch: number): void {
    this.epochV = epoch;
    this.net.epoch = epoch;
    if (epoch > this.maxEpochSeen) this.maxEpochSeen = epoch;
  }

  /** Leave whatever this board was doing: runs, rounds, streams, coordination. Images stay. */
  private enterPhase(phase: FtPhase): void {
    this.changes++;
    this.phaseV = phase;
    this.revokeRuns();
    // Promises of the revoked runs' rounds are left unsettled: their main has stopped for good.
    this.rounds.clear();
    if (this.tally !== null) this.hal.clearTimer(this.tally.timer);
    this.tally = null;
    this.outs = [];
    this.receivers.clear();
    this.requestTarget = -1;
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

  private revokeRuns(): void {
    for (const r of this.runs.values()) r.active = false;
    this.runs.clear();
  }

  private onJoin(f: NetFrame): void {
    const j = decodeJoin(f.payload);
    if (j === null) return this.malformed();
    const x = f.src;
    if (j.hash !== this.versionHash) {
      this.refused.delete(x);
      this.refuseIfCoordinating(x, j.hash);
      return;
    }
    const now = this.hal.now();
    const reborn = this.detector.incarnation(x, j.incarnation, now);
    if (this.detector.isSuspected(x) && !membersOf(this.map).includes(x)) this.detector.clear(x, now);
    if (this.startup !== null) {
      this.startup.add(x);
      this.checkStartup();
      return;
    }
    const r = this.rec;
    if (r !== null) {
      if (r.phase === 'collect' && !r.participants.includes(x)) {
        r.participants.push(x);
        r.participants.sort((a, b) => a - b);
        this.sendToAll(r.participants, FtFrame.REC_BEGIN, encodeRecBegin({ coord: this.node, participants: r.participants }));
      } else if (r.phase === 'collect') {
        this.sendCtl(x, FtFrame.REC_BEGIN, encodeRecBegin({ coord: this.node, participants: r.participants }));
      }
      return;
    }
    if (!this.isCoordinator()) return;
    if (membersOf(this.map).includes(x)) {
      // A member asking to join has lost its run (it restarted, or fell out of the view).
      if (reborn) {
        if (this.detector.suspect(x, now)) this.onSuspicion(x);
      } else this.beginRecovery(`node ${x} rejoined`);
      return;
    }
    this.sendCtl(x, FtFrame.VIEW, encodeView({ coord: this.node, generation: this.lastCommitted, map: this.map }));
  }

  private onView(f: NetFrame): void {
    const v = decodeView(f.payload);
    if (v === null) return this.malformed();
    if (this.phaseV !== 'joining' || f.epoch < this.epochV || v.map.includes(this.node)) return this.staleFrame();
    this.setEpoch(f.epoch);
    this.enterPhase('running');
    this.map = v.map;
    this.viewCoord = v.coord;
    this.lastCommitted = v.generation;
    this.lastAborted = v.generation;
    // A spare keeps nothing: copies are handed out by recoveries.
    this.images.clear();
    for (const n of membersOf(this.map)) this.detector.clear(n, this.hal.now());
    this.hal.log('info', `ft: joined epoch ${f.epoch} as a spare`);
  }

  private onRefuse(f: NetFrame): void {
    const reason = decodeReason(f.payload);
    if (reason === null) return this.malformed();
    this.stopWith(`refused by node ${f.src}: ${reason}`);
  }

  private onStopFrame(f: NetFrame): void {
    const reason = decodeReason(f.payload);
    if (reason === null) return this.malformed();
    if (f.epoch < this.epochV && this.phaseV !== 'joining') return this.staleFrame();
    this.stopWith(reason, true);
  }

  private stopWith(reason: string, domain = false): void {
    if (this.phaseV === 'stopped') return;
    this.enterPhase('stopped');
    this.stopReasonV = reason;
    this.stopIsDomain = domain;
    this.hal.log('error', `ft: stopped: ${reason}`);
    this.hal.event('ft-stop', this.epochV, reason);
    for (const w of this.waiters.splice(0)) {
      this.hal.clearTimer(w.timer);
      w.reject(new FtError('NOT_RUNNING', `checkpointing stopped: ${reason}`));
    }
    this.stopListener?.(reason);
  }

  private onSuspectReport(f: NetFrame): void {
    const s = decodeSuspect(f.payload);
    if (s === null) return this.malformed();
    if (f.epoch !== this.epochV) return this.staleFrame();
    if (!this.coordinating() && this.candidate() !== this.node) return;
    const known = this.detector.get(s.node);
    // The reporter's route may be what failed: a board this one hears well is not excluded on hearsay.
    if (known !== undefined && known.heard && !known.suspected && this.hal.now() - known.lastHeard < this.options.timeoutMs && this.net.reachable(s.node)) return;
    if (known !== undefined && known.incarnation >= 0 && known.incarnation !== s.incarnation && !membersOf(this.map).includes(s.node)) return;
    if (this.detector.suspect(s.node, this.hal.now())) this.onSuspicion(s.node);
    else if (this.candidate() === this.node && this.rec === null && membersOf(this.map).includes(s.node) && this.phaseV !== 'joining') {
      this.beginRecovery(`node ${s.node} reported failed`);
    }
  }

  private onSuspicion(x: number): void {
    this.counters.suspicions++;
    this.hal.event('suspect', x);
    this.hal.log('warn', `ft: node ${x} suspected (silent for ${Math.round(this.hal.now() - (this.detector.get(x)?.lastHeard ?? 0))} ms)`);
    if (this.phaseV === 'stopped') return;
    if (this.startup !== null) {
      if (this.map.includes(x)) this.beginRecovery(`node ${x} did not join`);
      return;
    }
    const r = this.rec;
    if (r !== null) {
      if (r.participants.includes(x)) this.beginRecovery(`node ${x} failed during recovery`);
      return;
    }
    const p = this.part;
    const concerns = membersOf(this.map).includes(x) || (p !== null && (p.participants.includes(x) || p.coord === x));
    if (!concerns || this.phaseV === 'joining') return;
    const c = this.candidate();
    if (c === this.node) this.beginRecovery(`node ${x} failed`);
    else this.sendCtl(c, FtFrame.SUSPECT, encodeSuspect({ node: x, incarnation: Math.max(0, this.detector.get(x)?.incarnation ?? 0) }));
  }

  // ---- startup ------------------------------------------------------------------------------------

  private becomeStartupCoordinator(): void {
    if (this.startup !== null) return;
    this.startup = new Set([this.node]);
    this.hal.log('info', `ft: coordinating the start of ${this.map.length} ranks`);
    this.checkStartup();
  }

  private checkStartup(): void {
    const s = this.startup;
    if (s === null) return;
    const members = membersOf(this.map);
    const missing = members.filter((n) => !s.has(n));
    if (missing.some((n) => this.detector.isSuspected(n))) {
      this.beginRecovery(`node ${missing.filter((n) => this.detector.isSuspected(n)).join(', ')} did not join`);
      return;
    }
    if (missing.length > 0) return;
    const to = [...s].sort((a, b) => a - b);
    const payload = encodeRecResume({ coord: this.node, generation: 0, map: this.map, failed: [], detectMs: 0, restoreMs: 0, lost: 0, bytes: 0, shrink: false });
    this.startup = null;
    this.sendToAll(to.filter((n) => n !== this.node), FtFrame.REC_RESUME, payload);
    this.resume(this.node, decodeRecResume(payload) as RecResume);
  }

  // ---- recovery: the coordinator ------------------------------------------------------------------

  private beginRecovery(why: string): void {
    if (this.phaseV === 'stopped') return;
    const now = this.hal.now();
    const epoch = Math.max(this.epochV, this.maxEpochSeen) + 1;
    if (epoch > 0xffff) {
      this.stopWith('membership epoch exhausted');
      return;
    }
    const live = new Set<number>([this.node]);
    const old = this.rec?.participants ?? [];
    for (const n of [...membersOf(this.map), ...old]) if (!this.detector.isSuspected(n)) live.add(n);
    for (const p of this.detector.all()) {
      if (p.heard && !p.suspected && p.hash === this.versionHash && p.role !== Role.STOPPED && !this.refused.has(p.node)) live.add(p.node);
    }
    if (this.startup !== null) for (const n of this.startup) if (!this.detector.isSuspected(n)) live.add(n);
    const participants = [...live].sort((a, b) => a - b);
    if (this.recoveryStartedAt < 0) this.recoveryStartedAt = now;
    this.recoveryProgress = Math.max(this.recoveryProgress, this.progressNow());
    this.hal.log('warn', `ft: recovery to epoch ${epoch} (${why}); participants ${participants.join(', ')}`);
    this.enterRecovery(epoch, this.node, participants);
    const r: RecCoord = {
      epoch, phase: 'collect', participants, states: new Map(), ready: new Set(), plan: null, bytes: 0, lastSend: now,
      timer: this.hal.setTimer(this.options.recoveryTimeoutMs, () => this.recoveryTimeout(r)),
    };
    this.rec = r;
    this.sendToAll(participants.filter((n) => n !== this.node), FtFrame.REC_BEGIN, encodeRecBegin({ coord: this.node, participants }));
    this.takeState(this.node, this.stateReport(this.node));
  }

  private recoveryTimeout(r: RecCoord): void {
    if (this.rec !== r || r.phase === 'done') return;
    const silent = r.phase === 'collect' ? r.participants.filter((n) => !r.states.has(n)) : r.participants.filter((n) => !r.ready.has(n));
    const now = this.hal.now();
    for (const n of silent) if (n !== this.node) this.detector.suspect(n, now);
    this.beginRecovery(`nodes ${silent.join(', ')} did not answer within ${this.options.recoveryTimeoutMs} ms`);
  }

  private onRecState(f: NetFrame): void {
    const s = decodeRecState(f.payload);
    if (s === null) return this.malformed();
    const r = this.rec;
    if (r === null || f.epoch !== r.epoch || s.coord !== this.node) return this.staleFrame();
    this.takeState(f.src, s);
  }

  private takeState(node: number, s: RecState): void {
    const r = this.rec;
    if (r === null || r.phase !== 'collect' || !r.participants.includes(node)) return;
    r.states.set(node, s);
    if (r.participants.every((n) => r.states.has(n))) this.decidePlan(r);
  }

  private decidePlan(r: RecCoord): void {
    const reports = r.participants.map((n) => {
      const s = r.states.get(n) as RecState;
      return { node: n, committed: s.committed, progress: s.progress, images: s.images };
    });
    const reborn: number[] = [];
    for (const n of membersOf(this.map)) {
      const s = r.states.get(n);
      const was = this.viewIncarnations.get(n);
      if (s !== undefined && was !== undefined && s.incarnation !== was) reborn.push(n);
    }
    const plan = planRecovery({ map: this.map, reports, reborn, buddies: this.options.buddies, shrink: this.options.shrink });
    r.plan = plan;
    if (!plan.ok) {
      r.phase = 'done';
      this.hal.clearTimer(r.timer);
      this.sendToAll(r.participants.filter((n) => n !== this.node), FtFrame.STOP, encodeReason(plan.reason));
      this.stopWith(plan.reason, true);
      return;
    }
    r.phase = 'transfer';
    r.lastSend = this.hal.now();
    this.hal.log('info', `ft: recovery plan: generation ${plan.generation}, map ${plan.map.join(',')}, ${plan.transfers.length} copies`);
    const payload = this.planPayload(r);
    this.sendToAll(r.participants.filter((n) => n !== this.node), FtFrame.REC_PLAN, payload);
    this.takePlan(this.node, decodeRecPlan(payload) as RecPlan);
  }

  private planPayload(r: RecCoord): Uint8Array {
    const p = r.plan;
    if (p === null || !p.ok) return new Uint8Array(0);
    return encodeRecPlan({ coord: this.node, generation: p.generation, map: p.map, transfers: p.transfers });
  }

  private onRecReady(f: NetFrame): void {
    const m = decodeRecReady(f.payload);
    if (m === null) return this.malformed();
    const r = this.rec;
    if (r === null || f.epoch !== r.epoch || m.coord !== this.node) return this.staleFrame();
    this.takeReady(f.src, m.bytes);
  }

  private takeReady(node: number, bytes: number): void {
    const r = this.rec;
    if (r === null || r.phase !== 'transfer' || r.ready.has(node) || !r.participants.includes(node)) return;
    r.ready.add(node);
    r.bytes += bytes;
    if (!r.participants.every((n) => r.ready.has(n))) return;
    const plan = r.plan;
    if (plan === null || !plan.ok) return;
    r.phase = 'done';
    this.hal.clearTimer(r.timer);
    const now = this.hal.now();
    let detect = 0;
    for (const n of plan.failed) {
      const p = this.detector.get(n);
      if (p !== undefined && p.suspected) detect = Math.max(detect, p.suspectedAt - p.lastHeard);
    }
    const started = this.recoveryStartedAt >= 0 ? this.recoveryStartedAt : now;
    const payload = encodeRecResume({
      coord: this.node, generation: plan.generation, map: plan.map, failed: plan.failed,
      detectMs: detect, restoreMs: now - started, lost: plan.lostIterations, bytes: r.bytes, shrink: plan.shrink,
    });
    this.sendToAll(r.participants.filter((n) => n !== this.node), FtFrame.REC_RESUME, payload);
    this.resume(this.node, decodeRecResume(payload) as RecResume);
  }

  // ---- recovery: every participant ----------------------------------------------------------------

  private enterRecovery(epoch: number, coord: number, participants: number[]): void {
    this.setEpoch(epoch);
    this.enterPhase('recovering');
    this.part = { epoch, coord, participants, plan: null, expecting: new Map(), sending: 0, bytesIn: 0, ready: false };
  }

  private stateReport(coord: number): RecState {
    const images: HeldImage[] = [];
    for (const img of this.images.values()) {
      if (img.gen > 0) images.push({ rank: img.rank, gen: img.gen, kind: ImageKind.COMMITTED, progress: img.progress });
      const p = img.pending;
      if (p !== null && p.complete && !p.replica) images.push({ rank: img.rank, gen: p.round, kind: ImageKind.PENDING, progress: p.progress });
    }
    return {
      coord, incarnation: this.incarnation, hash: this.versionHash, role: this.map.includes(this.node) ? Role.MEMBER : Role.SPARE,
      committed: this.lastCommitted, progress: Math.max(this.progressNow(), this.recoveryProgress), images,
    };
  }

  private onRecBegin(f: NetFrame): void {
    const b = decodeRecBegin(f.payload);
    if (b === null) return this.malformed();
    if (b.coord !== f.src || !b.participants.includes(this.node)) return this.staleFrame();
    const p = this.part;
    const same = p !== null && p.epoch === f.epoch && p.coord === b.coord;
    const newer =
      f.epoch > this.epochV ||
      (f.epoch === this.epochV && this.phaseV === 'joining') ||
      (f.epoch === this.epochV && p !== null && b.coord < p.coord);
    if (!same && !newer) return this.staleFrame();
    if (!same) {
      // Progress is measured before the runs are revoked: it is what the rollback loses.
      const progress = this.progressNow();
      this.enterRecovery(f.epoch, b.coord, b.participants);
      this.recoveryProgress = Math.max(this.recoveryProgress, progress);
    }
    const report = this.stateReport(b.coord);
    this.sendCtl(b.coord, FtFrame.REC_STATE, encodeRecState(report));
  }

  private onRecPlan(f: NetFrame): void {
    const plan = decodeRecPlan(f.payload);
    if (plan === null) return this.malformed();
    const p = this.part;
    if (p === null || f.epoch !== p.epoch || plan.coord !== p.coord || f.src !== p.coord) return this.staleFrame();
    this.takePlan(f.src, plan);
  }

  private takePlan(coord: number, plan: RecPlan): void {
    const p = this.part;
    if (p === null || coord !== p.coord) return;
    if (p.plan !== null) {
      if (p.ready) this.sendReady(p);
      return;
    }
    p.plan = plan;
    const g = plan.generation;
    for (const img of this.images.values()) {
      const pend = img.pending;
      if (pend === null) continue;
      if (pend.round === g && pend.complete && !pend.replica) img.commit();
      else img.discard();
    }
    this.lastCommitted = g;
    this.lastAborted = g;
    for (const t of plan.transfers) if (t.dst === this.node && this.images.get(t.rank)?.gen !== g) p.expecting.set(t.rank, t.src);
    for (const t of plan.transfers) {
      if (t.src !== this.node || t.dst === this.node) continue;
      const img = this.images.get(t.rank);
      if (img === undefined || img.gen !== g) {
        this.hal.log('error', `ft: plan asks for rank ${t.rank} generation ${g}, this board has ${img?.gen ?? 'none'}`);
        continue;
      }
      p.sending++;
      this.announce('recovery-transfer', t.rank, () => {
        this.startStream(t.dst, t.rank, g, 0, true, sourceOfImage(img), (st) => {
          if (this.part !== p) return;
          if (st !== 'stored') this.hal.log('error', `ft: copy of rank ${t.rank} to node ${t.dst} failed: ${st}`);
          p.sending--;
          this.checkReady();
        });
      });
    }
    this.checkReady();
  }

  private checkReady(): void {
    const p = this.part;
    if (p === null || p.plan === null || p.ready || p.expecting.size > 0 || p.sending > 0) return;
    p.ready = true;
    this.sendReady(p);
  }

  private sendReady(p: RecPart): void {
    if (p.coord === this.node) this.takeReady(this.node, p.bytesIn);
    else this.sendCtl(p.coord, FtFrame.REC_READY, encodeRecReady({ coord: p.coord, bytes: p.bytesIn }));
  }

  private onRecResume(f: NetFrame): void {
    const v = decodeRecResume(f.payload);
    if (v === null) return this.malformed();
    const p = this.part;
    const fromRecovery = p !== null && p.epoch === f.epoch && p.coord === f.src && v.coord === f.src && p.ready;
    const atStart = this.phaseV === 'joining' && f.epoch >= this.epochV && v.generation === 0 && v.coord === f.src;
    if (!fromRecovery && !atStart) return this.staleFrame();
    if (atStart) this.setEpoch(f.epoch);
    this.resume(f.src, v);
  }

  /** The new view is in force: keep what it needs, restart the app of every rank hosted here. */
  private resume(coord: number, v: RecResume): void {
    const now = this.hal.now();
    const g = v.generation;
    const oldMap = this.map;
    this.enterPhase('running');
    this.map = v.map.slice();
    this.viewCoord = Math.min(...this.map);
    void coord;
    this.lastCommitted = g;
    this.lastAborted = g;
    const mine = ranksOf(this.map, this.node);
    const keep = new Set([...mine, ...wardsOf(this.map, this.node, this.options.buddies)]);
    for (const [rank, img] of [...this.images]) {
      if (!keep.has(rank) || (g > 0 && img.gen !== g) || (g === 0 && img.gen !== 0)) {
        img.clear();
        if (!keep.has(rank)) this.images.delete(rank);
      }
    }
    this.viewIncarnations = new Map();
    for (const n of membersOf(this.map)) {
      this.detector.clear(n, now);
      const inc = n === this.node ? this.incarnation : this.detector.get(n)?.incarnation ?? -1;
      if (inc >= 0) this.viewIncarnations.set(n, inc);
    }
    this.recoveryStartedAt = -1;
    this.recoveryProgress = 0;
    if (this.epochV > 0) {
      const ranks: number[] = [];
      const replacements: number[] = [];
      for (let r = 0; r < this.map.length; r++) {
        if (oldMap[r] !== this.map[r]) {
          ranks.push(r);
          replacements.push(this.map[r] as number);
        }
      }
      const rec: FtRecoveryFigures = {
        epoch: this.epochV, generation: g, failed: v.failed.slice(), ranks, replacements, shrink: v.shrink,
        detectMs: v.detectMs, restoreMs: v.restoreMs, totalMs: v.detectMs + v.restoreMs, lostIterations: v.lost, bytes: v.bytes,
      };
      this.recoveries.push(rec);
      this.hal.event('recovery', this.epochV, `gen=${g} failed=${v.failed.join(',')} map=${this.map.join(',')}`);
    }
    this.figures.generation = g;
    for (const rank of mine) {
      const img = this.imageOf(rank);
      if (g > 0 && img.gen !== g) {
        // The plan guaranteed this copy; without it the rank cannot start. Ask for another recovery.
        this.hal.log('error', `ft: rank ${rank} has no checkpoint generation ${g}; rejoining`);
        this.enterPhase('joining');
        return;
      }
    }
    this.committedProgress = mine.length > 0 ? this.imageOf(mine[0] as number).progress : 0;
    for (const rank of mine) {
      const img = this.imageOf(rank);
      const run = new FtRun(this, rank, this.epochV, g, img.progress, g > 0 ? img.segments() : []);
      this.runs.set(rank, run);
    }
    for (const run of this.runs.values()) this.runListener?.(run);
  }
}
