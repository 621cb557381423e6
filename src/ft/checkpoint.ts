/**
 * Coordinated checkpoints: a rank's call (capture, diff, send to its buddies, tell the
 * coordinator), the coordinator's two-phase commit (tally, commit to one board, announce, commit
 * to the rest; abort with the reason), and applying the decision to every image of the board.
 */
import type { NetFrame } from '../net/net.js';
import type { AppState } from './app-state.js';
import { encodeAppState } from './app-state.js';
import { FtFrame, NO_NODE, decodeCkptAbort, decodeCkptAt, decodeCkptStart, decodeCkptStored, decodeRound, encodeCkptAbort, encodeCkptAt, encodeCkptStart, encodeCkptStored, encodeRound } from './frames.js';
import { FT_EVENT } from './events.js';
import { buildPending } from './image.js';
import type { Lender, Pending } from './image.js';
import { APP_SEGMENT } from './run.js';
import type { FtRun } from './run.js';
import { StreamSender, sourceOfImage, sourceOfPending, S_BASE, S_BYTES_SENT, S_DST } from './stream.js';
import type { RecvStatus, StreamSource } from './stream.js';
import type { Segment } from './types.js';
import { FtError } from './types.js';
import { buddiesOf, membersOf } from './view.js';
import { ROUND_STORED, TALLY_STARTED, TALLY_STORED, never, newRankRound, roundBlocking } from './state.js';
import { assert } from '../util/assert.js';
import type { FtState, OutStream, RankRound, Tally, RequestWaiter } from './state.js';
import { noteCompute, noteIterationEnd, startStream, pump, stopStreams } from './transfer.js';
import { FF_ABORTED, FF_BYTES_SENT, FF_CHANGED_BYTES, FF_COUNT, FF_FULL_IMAGE_BYTES, FF_GENERATION, FF_LAST_BYTES_SENT, FF_LAST_CHANGED_BYTES, FF_LAST_FULL_IMAGE_BYTES, FF_LAST_MS, FF_LAST_PEAK_MULTIPLE, FF_PROGRESS, FF_ROUND_PEAK_MULTIPLE } from './figures.js';
import { FS_COMMITTED_PROGRESS, FS_EPOCH, FS_FURTHEST_HEARD, FS_LAST_ABORTED, FS_LAST_COMMITTED, FS_REQUEST_TARGET, FS_VIEW_COORD } from './state-numbers.js';
import { P_PROGRESS } from './detector.js';

/** A rank's checkpoint call fails: the coordinator hears why at once (the others would otherwise wait for this rank until the round times out). */
function refuseCall(ft: FtState, round: number, rank: number, e: unknown, call: CkptCall): void {
  const err = e instanceof FtError ? e : new FtError('BAD_ARG', `checkpoint: ${(e as Error).message ?? String(e)}`);
  ft.sendCtl(ft.figs[FS_VIEW_COORD]!, FtFrame.CKPT_REFUSE, encodeCkptAbort({ round, rank, reason: err.message }));
  call.reject(err);
}

/** Give back captures lent to a round that will not hold them (each once: the round never got them). */
function giveBack(lenders: readonly Lender[]): void {
  for (const c of lenders) c.release?.();
}

/**
 * A checkpoint call on its way to its capture: its arguments and the app promise's resolving
 * functions, one record (the timer's argument for a background call) instead of a closure over
 * the arguments and a second promise chained on the first (78 -> 7 XS slots through the turn
 * a background call waits for its capture, test/ft/xs-calls; docs/FOOTPRINT.md "Round 17: FT's waiting calls as records").
 */
interface CkptCall {
  ft: FtState;
  run: FtRun;
  state: AppState;
  progress: number;
  background: boolean;
  resolve: (value?: Promise<void>) => void;
  reject: (e: Error) => void;
}

/**
 * A rank's checkpoint call: capture and diff now (a background call: in the next turn; errors
 * here are the caller's), then send to the buddies. It resolves at the commit; with `background`, once the changed bytes are copied
 * (the stream and the commit go on while the app computes; CheckpointCallOptions).
 */
export function checkpointRun(ft: FtState, run: FtRun, state: AppState, progress: number, background = false): Promise<void> {
  if (!run.active) return never();
  return new Promise<void>((resolve, reject) => {
    const call: CkptCall = { ft, run, state, progress, background, resolve, reject };
    // A background capture (the diff of every content, the copy of the changed bytes) is the
    // longest step of its round: it runs in a turn of its own, so what the app's turn sent first
    // goes out before it rather than after (a board's frames leave when its turn ends; Laplace's
    // rank 0 releases the barrier every other rank waits for in the turn that calls:
    // docs/PERFORMANCE.md "Round 8: checkpoint overhead on udp"). A blocking call keeps its round
    // number from the moment of the call (a round aborted meanwhile is not skipped).
    if (background) ft.hal.setTimer(0, captureLater, call);
    else captureRun(call);
  });
}

/** A call's capture in a later turn: what it throws rejects the call (as the promise chain it replaced did). */
function captureLater(call: CkptCall): void {
  try {
    captureRun(call);
  } catch (e) {
    call.reject(e as Error);
  }
}

function captureRun(call: CkptCall): void {
  const { ft, run, state, progress, background } = call;
  // A superseded run's call never settles.
  if (!run.active) return;
  run.releaseRestored();
  if (ft.phaseV !== 'running') return call.reject(new FtError('NOT_RUNNING', `checkpoint: the board is ${ft.phaseV}`));
  const rank = run.rank;
  const open = ft.rounds.get(rank);
  // A background round still open: this call starts once it is decided (its generation is
  // then the base of this one, or it was aborted and the one before is).
  if (open !== undefined && !roundBlocking(open)) {
    void decidedOf(open).then(() => captureLater(call));
    return;
  }
  if (open !== undefined) return call.reject(new FtError('BUSY', `checkpoint: rank ${rank} already has a checkpoint in progress`));
  if (typeof progress !== 'number' || !Number.isInteger(progress) || progress < 0 || progress > 0xffffffff) {
    return call.reject(new FtError('BAD_ARG', `checkpoint progress: expected an integer >= 0, got ${String(progress)}`));
  }
  progressRun(ft, run, progress);
  const round = Math.max(ft.figs[FS_LAST_COMMITTED]!, ft.figs[FS_LAST_ABORTED]!) + 1;
  let pending: Pending;
  const image = ft.imageOf(rank);
  // The app state is a fresh encoding nobody else holds, and lending contents keep theirs
  // unchanged until released: both are referenced rather than copied. In the background the
  // app writes on at once: the contents' bytes are copied, not lent (the app state's encoding
  // is FT's own either way).
  // An Array, not a Set (~6 XS slots and ~4 a segment through the capture): a few segments.
  const lent: Segment[] = [];
  // The contents whose capture is lent: each gets `release()` exactly once (Pending.release,
  // or giveBack below). The contents themselves, not a closure per content and round.
  const lenders: Lender[] = [];
  try {
    const app: Segment = { name: APP_SEGMENT, bytes: encodeAppState(state) };
    lent.push(app);
    const segs: Segment[] = [app];
    for (const c of run.contents) {
      const captured = c.capture();
      if (c.release !== undefined) lenders.push(c);
      for (const s of captured) {
        if (s.name !== c.prefix && !s.name.startsWith(c.prefix + '/')) {
          throw new FtError('BAD_ARG', `checkpoint content "${c.prefix}" captured segment "${s.name}" outside its prefix`);
        }
        segs.push(s);
        if (c.release !== undefined && !background) lent.push(s);
      }
    }
    pending = buildPending(image, segs, round, progress, ft.options.mergeGap, lent, ft.hal.bytes, !ft.options.listAll);
    if (background) {
      giveBack(lenders);
      lenders.length = 0;
    }
  } catch (e) {
    giveBack(lenders);
    return refuseCall(ft, round, rank, e, call);
  }
  const limit = ft.options.maxStoreBytes;
  // A zero-based segment costs nothing until the commit allocates it: counted here all the same.
  const needs = pending.bytes + pending.zeroBytes;
  if (ft.memoryTotal() + needs > limit) {
    giveBack(lenders);
    return refuseCall(ft, round, rank, new FtError('MEM_LIMIT', `checkpoint of rank ${rank} needs ${needs} more bytes; checkpoint memory would exceed its limit of ${limit} bytes`), call);
  }
  assert(round > image.gen, 'ft: a checkpoint round not above its base generation');
  // None (a content that copies): the Pending keeps its shared empty list, not an array of its own.
  if (lenders.length > 0) pending.lenders = lenders;
  image.discard();
  image.pending = pending;
  ft.notePeak();
  // A background round: the app's call resolves at capture; a decision only lets the rank's
  // next call start (decidedOf). Neither kind makes a function of its own (a closure is ~10
  // XS slots while the round is open).
  const entry = newRankRound(run, round, ft.hal.now(), background ? null : call.resolve);
  ft.rounds.set(rank, entry);
  ft.sendCtl(ft.figs[FS_VIEW_COORD]!, FtFrame.CKPT_START, encodeCkptStart({ round, rank, base: pending.base, progress }));
  ft.announce(FT_EVENT.CKPT_SEND, round, sendRound, entry);
  if (background) call.resolve();
}

/** Settles once the background round `entry` is decided (committed or aborted): made on the first ask. */
function decidedOf(entry: RankRound): Promise<void> {
  return (entry.settled ??= new Promise<void>((r) => {
    entry.resolve = r;
  }));
}

/** Round `entry` committed: the app's blocking call resolves, or who waits for the background round's decision. */
function committed(entry: RankRound): void {
  entry.resolve?.();
}

/**
 * Round `entry` aborted: the app's blocking call rejects (resolved with a rejected promise: the
 * round keeps no `reject`); a background round's is logged and counts as decided.
 */
function aborted(ft: FtState, entry: RankRound, e: Error): void {
  if (roundBlocking(entry)) return entry.resolve?.(Promise.reject(e));
  ft.hal.log('warn', `ft: background checkpoint ${entry.round} of rank ${entry.run.rank} not taken: ${e.message}`);
  entry.resolve?.();
}

/** CKPT_SEND's effect (FtState.announce): the round's delta goes to every buddy of the rank. */
function sendRound(ft: FtState, entry: RankRound): void {
  const rank = entry.run.rank;
  if (ft.rounds.get(rank) !== entry) return;
  const pending = ft.imageOf(rank).pending;
  // The round is open, so the image holds its data (only a decision or a new phase drops it).
  assert(pending !== null && pending.round === entry.round, 'ft: an open round without its data');
  const buddies = buddiesOf(ft.map, rank, ft.options.buddies);
  const src = sourceOfPending(pending);
  entry.waiting = buddies.length;
  for (const b of buddies) sendDelta(ft, entry, b, src, pending.base);
  if (buddies.length === 0) rankStored(ft, entry);
}

/** Settles once the rank's background round (if one is open) is decided; never for a superseded run. */
export function settledRun(ft: FtState, run: FtRun): Promise<void> {
  if (!run.active) return never();
  const open = ft.rounds.get(run.rank);
  return open !== undefined && !roundBlocking(open) ? decidedOf(open) : Promise.resolve();
}

/** Checkpoint here if the period or a `ckpt now` request says so. */
export function opportunityRun(ft: FtState, run: FtRun, progress: number, state: () => AppState): Promise<boolean> {
  if (!run.active) return never();
  progressRun(ft, run, progress);
  const every = ft.options.checkpointEvery;
  const due = (every > 0 && progress > 0 && progress % every === 0) || progress === ft.figs[FS_REQUEST_TARGET];
  if (!due || ft.phaseV !== 'running') return Promise.resolve(false);
  let s: AppState;
  try {
    s = state();
  } catch (e) {
    return Promise.reject(e);
  }
  return checkpointRun(ft, run, s, progress).then(
    () => true,
    (e: unknown) => {
      if (e instanceof FtError && (e.code === 'ABORTED' || e.code === 'TIMEOUT' || e.code === 'NOT_RUNNING')) {
        ft.hal.log('warn', `ft: checkpoint at ${progress} not taken: ${e.message}`);
        return false;
      }
      throw e;
    },
  );
}

/**
 * A pending `yield`: its run and the app promise's resolve, the zero-delay timer's argument,
 * not a closure over both per call (35 -> 7 XS slots while it waits, test/ft/xs-calls; docs/FOOTPRINT.md
 * "Round 17: FT's waiting calls as records").
 */
interface YieldCall {
  run: FtRun;
  resolve: () => void;
}

function endYield(y: YieldCall): void {
  // A superseded run's yield never settles.
  if (y.run.active) y.resolve();
}

/** Resolves from a zero-delay timer, so the board's timers (heartbeats) run first. */
export function yieldRun(ft: FtState, run: FtRun): Promise<void> {
  if (!run.active) return never();
  noteCompute(ft);
  return new Promise<void>((resolve) => {
    ft.hal.setTimer(0, endYield, { run, resolve });
  });
}

export function progressRun(ft: FtState, run: FtRun, progress: number): void {
  if (run.active) noteIterationEnd(ft);
  if (run.active && progress > run.lastProgress) run.lastProgress = progress;
}

/**
 * `ckpt now`: ask every rank to checkpoint at its next opportunity; resolves when a
 * checkpoint commits after the request (or rejects on abort / timeout).
 */
export function requestCheckpoint(ft: FtState): Promise<{ generation: number; progress: number }> {
  if (ft.phaseV === 'stopped') return Promise.reject(new FtError('NOT_RUNNING', `checkpointing stopped: ${ft.stopReasonV}`));
  const ms = 2 * ft.options.checkpointTimeoutMs;
  return new Promise((resolve, reject) => {
    const w: RequestWaiter = {
      after: ft.figs[FS_LAST_COMMITTED]!,
      resolve,
      reject,
      timer: ft.hal.setTimer(ms, () => {
        ft.dropWaiter(w);
        reject(new FtError('TIMEOUT', `no checkpoint committed within ${ms} ms (does the app call opportunity() or checkpoint()?)`));
      }),
    };
    ft.waiters.push(w);
    ft.sendCtl(ft.phaseV === 'running' ? ft.figs[FS_VIEW_COORD]! : ft.candidate(), FtFrame.CKPT_REQUEST, encodeCkptAt({ target: 0, node: ft.node, token: 0 }));
  });
}

/** Stream a rank's delta to one buddy; a buddy without the base generation gets a full copy first. */
export function sendDelta(ft: FtState, entry: RankRound, buddy: number, src: StreamSource, base: number): void {
  // A background round's delta yields the line to the app's own traffic (computeGate).
  const o: OutStream = { s: new StreamSender(buddy, entry.run.rank, entry.round, base, false, src, ft.options.window, ft.hal.now(), ft.options.windowBytes, ft.options.frameBytes), done: null, entry, compute: !roundBlocking(entry) };
  entry.streams.push(o);
  ft.outs.push(o);
  pump(ft);
}

/** A round's delta to one buddy ended (FtHooks.deltaDone): stored, or a full copy first, or the round is refused. */
export function deltaDone(ft: FtState, o: OutStream, status: 'stored' | 'unsendable' | RecvStatus): void {
  const entry = o.entry;
  if (entry === undefined) return;
  const rank = entry.run.rank;
  if (ft.rounds.get(rank) !== entry) return;
  const buddy = o.s.ring[S_DST]!;
  if (status === 'stored') {
    assert(entry.waiting > 0, 'ft: a buddy stored a round twice');
    // The buddy holds it: the stream's sender (~20 XS slots with its record) is not kept
    // until the decision, only its bytes for the round's figures.
    entry.sent += o.s.ring[S_BYTES_SENT]!;
    const i = entry.streams.indexOf(o);
    if (i >= 0) entry.streams.splice(i, 1);
    if (--entry.waiting === 0) rankStored(ft, entry);
    return;
  }
  if (status === 'need-full') {
    // The buddy lacks the base generation (it is new, or lost it): give it a full copy first.
    const img = ft.imageOf(rank);
    startStream(ft, buddy, rank, img.gen, 0, true, sourceOfImage(img), (st) => {
      if (ft.rounds.get(rank) !== entry) return;
      if (st === 'stored') sendDelta(ft, entry, buddy, o.s.src, o.s.ring[S_BASE]!);
      else refuseRound(ft, entry, streamFailure(ft, buddy, st));
    });
    return;
  }
  refuseRound(ft, entry, streamFailure(ft, buddy, status));
}

export function streamFailure(ft: FtState, buddy: number, status: 'stored' | 'unsendable' | RecvStatus): string {
  if (status === 'unsendable') return `its data cannot be sent to buddy node ${buddy}: ${ft.sendError}`;
  return status === 'nomem'
    ? `buddy node ${buddy} has no room for it (checkpoint memory limit ${ft.options.maxStoreBytes} bytes)`
    : `buddy node ${buddy} rejected its data (${status})`;
}

export function refuseRound(ft: FtState, entry: RankRound, reason: string): void {
  ft.sendCtl(ft.figs[FS_VIEW_COORD]!, FtFrame.CKPT_REFUSE, encodeCkptAbort({ round: entry.round, rank: entry.run.rank, reason }));
}

export function rankStored(ft: FtState, entry: RankRound): void {
  entry.waiting = ROUND_STORED;
  ft.sendCtl(ft.figs[FS_VIEW_COORD]!, FtFrame.CKPT_STORED, encodeCkptStored({ round: entry.round, rank: entry.run.rank }));
}

/**
 * Repeat where each open round stands. The network drops frames queued on a link that dies, so
 * a START or STORED can be lost while routes change; the coordinator's tally takes repeats.
 */
export function repeatRounds(ft: FtState): void {
  for (const [rank, e] of ft.rounds) {
    if (e.waiting === ROUND_STORED) {
      ft.sendCtl(ft.figs[FS_VIEW_COORD]!, FtFrame.CKPT_STORED, encodeCkptStored({ round: e.round, rank }));
      continue;
    }
    // An open round's data is its image's pending (only a decision or a new phase drops it).
    const p = ft.imageOf(rank).pending;
    assert(p !== null && p.round === e.round, 'ft: an open round without its data');
    ft.sendCtl(ft.figs[FS_VIEW_COORD]!, FtFrame.CKPT_START, encodeCkptStart({ round: e.round, rank, base: p.base, progress: p.progress }));
  }
}

/** The round is committed (everyone stored it): make it the current generation everywhere on this board. */
export function applyCommit(ft: FtState, round: number): void {
  if (round <= ft.figs[FS_LAST_COMMITTED]! || round <= ft.figs[FS_LAST_ABORTED]!) return;
  ft.figs[FF_LAST_PEAK_MULTIPLE] = Math.max(ft.figs[FF_ROUND_PEAK_MULTIPLE]!, ft.currentMultiple());
  let changed = 0;
  let full = 0;
  // The round's figures are its data's (RankRound keeps no copy): read before the commit takes it.
  for (const [rank, e] of ft.rounds) {
    const p = e.round === round ? ft.imageOf(rank).pending : null;
    if (p === null || p.round !== round) continue;
    changed += p.changed;
    full += p.size;
  }
  for (const img of ft.images.values()) {
    const p = img.pending;
    if (p === null) continue;
    if (p.round === round && p.complete) img.commit();
    else if (p.round <= round) img.discard();
  }
  for (const [key, rx] of ft.receivers) if (!rx.pending.replica && rx.pending.round <= round) ft.receivers.delete(key);
  ft.figs[FS_LAST_COMMITTED] = round;
  dropTally(ft, round);
  ft.figs[FF_ROUND_PEAK_MULTIPLE] = ft.currentMultiple();
  const now = ft.hal.now();
  let progress = ft.figs[FS_COMMITTED_PROGRESS]!;
  let sent = 0;
  for (const [rank, e] of [...ft.rounds]) {
    if (e.round !== round) continue;
    ft.rounds.delete(rank);
    sent += e.sent;
    for (const o of e.streams) sent += o.s.ring[S_BYTES_SENT]!;
    progress = ft.imageOf(rank).progress;
    ft.figs[FF_LAST_MS] = now - e.startedAt;
    committed(e);
  }
  ft.figs[FS_COMMITTED_PROGRESS] = progress;
  const f = ft.figs;
  f[FF_COUNT]!++;
  f[FF_GENERATION] = round;
  f[FF_PROGRESS] = progress;
  f[FF_BYTES_SENT]! += sent;
  f[FF_CHANGED_BYTES]! += changed;
  f[FF_FULL_IMAGE_BYTES]! += full;
  f[FF_LAST_BYTES_SENT] = sent;
  f[FF_LAST_CHANGED_BYTES] = changed;
  f[FF_LAST_FULL_IMAGE_BYTES] = full;
  for (const w of ft.waiters.splice(0)) {
    if (round <= w.after) {
      ft.waiters.push(w);
      continue;
    }
    ft.hal.clearTimer(w.timer);
    w.resolve({ generation: round, progress });
  }
}

export function applyAbort(ft: FtState, round: number, reason: string): void {
  if (round <= ft.figs[FS_LAST_COMMITTED]! || round <= ft.figs[FS_LAST_ABORTED]!) return;
  ft.figs[FS_LAST_ABORTED] = round;
  dropTally(ft, round);
  for (const img of ft.images.values()) if (img.pending !== null && img.pending.round <= round) img.discard();
  for (const [key, rx] of ft.receivers) if (!rx.pending.replica && rx.pending.round <= round) ft.receivers.delete(key);
  const dead = new Set<OutStream>();
  for (const [rank, e] of [...ft.rounds]) {
    if (e.round > round) continue;
    ft.rounds.delete(rank);
    for (const o of e.streams) dead.add(o);
    aborted(ft, e, new FtError('ABORTED', `checkpoint ${round} aborted: ${reason}`));
  }
  stopStreams(ft, (o) => dead.has(o));
  ft.figs[FF_ABORTED]!++;
  ft.lastAbort = reason;
  for (const w of ft.waiters.splice(0)) {
    ft.hal.clearTimer(w.timer);
    w.reject(new FtError('ABORTED', `checkpoint ${round} aborted: ${reason}`));
  }
  ft.hal.log('warn', `ft: checkpoint ${round} aborted: ${reason}`);
}

/**
 * The coordinator's tally of a round decided here (committed or aborted) goes: tallyFor answers
 * null for it from the decided figures, so it is not held between rounds (~9 XS slots only the
 * coordinator held; docs/FOOTPRINT.md "Round 20").
 */
function dropTally(ft: FtState, round: number): void {
  const t = ft.tally;
  if (t === null || t.round > round) return;
  if (!t.decided) ft.hal.clearTimer(t.timer);
  ft.tally = null;
}

/** The coordinator's tally of `round` (null for a round already decided); the first frame of a round starts its timeout. */
export function tallyFor(ft: FtState, round: number): Tally | null {
  if (round <= Math.max(ft.figs[FS_LAST_COMMITTED]!, ft.figs[FS_LAST_ABORTED]!)) return null;
  if (ft.tally !== null && ft.tally.round === round) return ft.tally;
  if (ft.tally !== null && ft.tally.round > round) return null;
  if (ft.tally !== null) ft.hal.clearTimer(ft.tally.timer);
  // Filled by push: typescript-to-lua has no `new Array(length)`.
  const ranks: number[] = [];
  for (let i = 0; i < ft.map.length; i++) ranks.push(0);
  const t: Tally = {
    round, ranks, stored: 0, decided: false, firstAt: ft.hal.now(),
    timer: ft.hal.setTimer(ft.options.checkpointTimeoutMs, timeoutTally, ft),
  };
  ft.tally = t;
  return t;
}

/**
 * The tally's timer: the state as its argument, not a closure per round. A tally's timer is
 * cleared whenever the tally is decided or replaced, so the current one is the one that timed out.
 */
function timeoutTally(ft: FtState): void {
  if (ft.tally !== null) timeoutRound(ft, ft.tally);
}

export function timeoutRound(ft: FtState, t: Tally): void {
  if (t.decided || ft.tally !== t) return;
  const notCalled: number[] = [];
  const notStored: number[] = [];
  for (let r = 0; r < ft.map.length; r++) {
    const bits = t.ranks[r] ?? 0;
    if (bits === 0) notCalled.push(r);
    else if ((bits & TALLY_STORED) === 0) notStored.push(r);
  }
  const parts: string[] = [];
  const list = (rs: number[]): string => `${rs.length === 1 ? 'rank' : 'ranks'} ${rs.join(', ')}`;
  if (notCalled.length > 0) parts.push(`${list(notCalled)} did not call checkpoint`);
  if (notStored.length > 0) parts.push(`${list(notStored)} did not get ${notStored.length === 1 ? 'its' : 'their'} data stored with ${notStored.length === 1 ? 'its' : 'their'} buddies`);
  abortRound(ft, t, `timed out after ${ft.options.checkpointTimeoutMs} ms: ${parts.join('; ')}`);
}

export function abortRound(ft: FtState, t: Tally, reason: string): void {
  if (t.decided) return;
  t.decided = true;
  ft.hal.clearTimer(t.timer);
  const payload = encodeCkptAbort({ round: t.round, rank: NO_NODE, reason });
  ft.sendToAll(membersOf(ft.map).filter((n) => n !== ft.node), FtFrame.CKPT_ABORT, payload);
  applyAbort(ft, t.round, reason);
}

export function decideCommit(ft: FtState, t: Tally): void {
  t.decided = true;
  ft.hal.clearTimer(t.timer);
  const others = membersOf(ft.map).filter((n) => n !== ft.node);
  // One participant hears of the commit before the event: a crash on `ckpt-commit` leaves a
  // commit that reached only some boards, the case recovery must resolve.
  const first = others[0];
  if (first !== undefined) ft.sendCtl(first, FtFrame.CKPT_COMMIT, encodeRound(t.round));
  ft.announce(FT_EVENT.CKPT_COMMIT, t.round, commitToRest, t.round);
}

/**
 * decideCommit's effect (FtState.announce): the commit to every other member but the first,
 * then here. The view is the one decideCommit saw (a change of it cancels the effect).
 */
function commitToRest(ft: FtState, round: number): void {
  const others = membersOf(ft.map).filter((n) => n !== ft.node);
  if (others.length > 1) ft.sendToAll(others.slice(1), FtFrame.CKPT_COMMIT, encodeRound(round));
  applyCommit(ft, round);
}

export function onCkptStart(ft: FtState, f: NetFrame): void {
  const s = decodeCkptStart(f.payload);
  if (s === null) return ft.malformed();
  if (!ft.isCoordinator() || f.epoch !== ft.figs[FS_EPOCH] || ft.map[s.rank] !== f.src) return ft.staleFrame();
  const t = tallyFor(ft, s.round);
  if (t !== null) t.ranks[s.rank]! |= TALLY_STARTED;
}

export function onCkptStored(ft: FtState, f: NetFrame): void {
  const s = decodeCkptStored(f.payload);
  if (s === null) return ft.malformed();
  if (!ft.isCoordinator() || f.epoch !== ft.figs[FS_EPOCH] || ft.map[s.rank] !== f.src) return ft.staleFrame();
  const t = tallyFor(ft, s.round);
  if (t === null || t.decided) return;
  if ((t.ranks[s.rank]! & TALLY_STORED) === 0) {
    t.ranks[s.rank]! |= TALLY_STORED;
    t.stored++;
  }
  assert(t.stored <= ft.map.length, 'ft: a tally counts more ranks than the view has');
  if (t.stored === ft.map.length) decideCommit(ft, t);
}

export function onCkptRefuse(ft: FtState, f: NetFrame): void {
  const a = decodeCkptAbort(f.payload);
  if (a === null) return ft.malformed();
  if (!ft.isCoordinator() || f.epoch !== ft.figs[FS_EPOCH] || ft.map[a.rank] !== f.src) return ft.staleFrame();
  const t = tallyFor(ft, a.round);
  if (t !== null) abortRound(ft, t, `rank ${a.rank} (node ${f.src}) could not checkpoint: ${a.reason}`);
}

export function onCkptCommit(ft: FtState, f: NetFrame): void {
  const round = decodeRound(f.payload);
  if (round === null) return ft.malformed();
  if (ft.phaseV !== 'running' || f.epoch !== ft.figs[FS_EPOCH] || f.src !== ft.figs[FS_VIEW_COORD]) return ft.staleFrame();
  if (round <= ft.figs[FS_LAST_COMMITTED]!) return;
  ft.announce(FT_EVENT.CKPT_COMMIT, round, applyCommit, round);
}

export function onCkptAbort(ft: FtState, f: NetFrame): void {
  const a = decodeCkptAbort(f.payload);
  if (a === null) return ft.malformed();
  if (ft.phaseV !== 'running' || f.epoch !== ft.figs[FS_EPOCH] || f.src !== ft.figs[FS_VIEW_COORD]) return ft.staleFrame();
  applyAbort(ft, a.round, a.reason);
}

export function onCkptRequest(ft: FtState, f: NetFrame): void {
  const a = decodeCkptAt(f.payload);
  if (a === null) return ft.malformed();
  if (!ft.isCoordinator()) return ft.staleFrame();
  let furthest = 0;
  for (const r of ft.runs.values()) furthest = Math.max(furthest, r.lastProgress);
  for (const n of membersOf(ft.map)) furthest = Math.max(furthest, ft.detector.get(n)?.v[P_PROGRESS] ?? 0);
  // Members far along the ring are known by the furthest progress their neighbours pass on.
  furthest = Math.max(furthest, ft.figs[FS_FURTHEST_HEARD]!);
  const target = furthest + ft.options.requestMargin;
  const to = membersOf(ft.map);
  if (!to.includes(f.src)) to.push(f.src);
  ft.sendToAll(to, FtFrame.CKPT_AT, encodeCkptAt({ target, node: f.src, token: a.token }));
}

export function onCkptAt(ft: FtState, f: NetFrame): void {
  const a = decodeCkptAt(f.payload);
  if (a === null) return ft.malformed();
  if (ft.phaseV !== 'running' || f.epoch !== ft.figs[FS_EPOCH]) return ft.staleFrame();
  if (a.target > ft.figs[FS_REQUEST_TARGET]!) ft.figs[FS_REQUEST_TARGET] = a.target;
}
