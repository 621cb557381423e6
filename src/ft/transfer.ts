/**
 * Checkpoint data between boards: outgoing streams (deltas to buddies, full copies in a recovery)
 * pumped into the network within their window, and incoming ones checked and stored beside
 * the committed image they patch (or installed whole, for a copy).
 */
import type { NetFrame } from '../net/net.js';
import { ACK_BYTES, AckStatus, FtFrame, putCkptAck } from './frames.js';
import { le16, le32 } from './bytes.js';
import { Pending } from './image.js';
import { DATA_HEADER, FLAG_LAST, FLAG_REPLICA, RX_EXPECTED, StreamReceiver, StreamSender, S_ACKED, S_DST, S_IN_FLIGHT, S_RANK, S_REPLICA, S_ROUND } from './stream.js';
import type { RecvStatus, StreamSource } from './stream.js';
import { buddiesOf } from './view.js';
import { FT_PORT, RETRY_MS } from './state.js';
import { NODE_ID_MAX } from '../wire/ids.js';
import type { FtState, OutStream, SendResult, StreamDone } from './state.js';
import { FF_FRAMES_OUT, FF_PEAK_IN_FLIGHT } from './figures.js';
import { InvariantError } from '../util/assert.js';
import { ByteWriter } from './bytes.js';
import { FS_ACK_FIELDS, FS_COMPUTE_AT, FS_COMPUTE_BURST, FS_COMPUTE_GAP, FS_EPOCH, FS_HOLD_TIMER, FS_LAST_ABORTED, FS_LAST_BURST, FS_LAST_COMMITTED, FS_PUMP_TIMER } from './state-numbers.js';

export function startStream(ft: FtState, dst: number, rank: number, round: number, base: number, replica: boolean, src: StreamSource, done: StreamDone): void {
  const s = new StreamSender(dst, rank, round, base, replica, src, ft.options.window, ft.hal.now(), ft.options.windowBytes, ft.options.frameBytes);
  ft.outs.push({ s, done });
  pump(ft);
}

/**
 * The longest a background delta is held back for the app's communication: an app that stops
 * yielding (its last iterations, its final gather) still gets its round committed.
 */
export const COMPUTE_HOLD_MS = 500;
/** A frame may start this many yield gaps after the app's last `yield` (it is still computing). */
const COMPUTE_WINDOW_GAPS = 1;
/** A gap this many times the usual one is a communication phase: the next `yield` starts a new compute burst. */
const BURST_BREAK_GAPS = 2;

/**
 * The app called `yield` (it is computing): learn the usual gap and the yields per compute
 * burst (an iteration's sweep), and send what was held.
 */
export function noteCompute(ft: FtState): void {
  const now = ft.hal.now();
  const gap = now - ft.figs[FS_COMPUTE_AT]!;
  // After an iteration's end (noteIterationEnd) the gap spans the app's communication: it
  // starts a burst and is no compute gap.
  const inBurst = ft.figs[FS_COMPUTE_BURST]! > 0 && ft.figs[FS_COMPUTE_AT]! >= 0 && gap < COMPUTE_HOLD_MS && (ft.figs[FS_COMPUTE_GAP] === 0 || gap <= BURST_BREAK_GAPS * ft.figs[FS_COMPUTE_GAP]!);
  if (inBurst) {
    ft.figs[FS_COMPUTE_GAP] = ft.figs[FS_COMPUTE_GAP] === 0 ? gap : (3 * ft.figs[FS_COMPUTE_GAP]! + gap) / 4;
    ft.figs[FS_COMPUTE_BURST]!++;
  } else {
    if (ft.figs[FS_COMPUTE_BURST]! > 0) ft.figs[FS_LAST_BURST] = ft.figs[FS_COMPUTE_BURST]!;
    ft.figs[FS_COMPUTE_BURST] = 1;
  }
  ft.figs[FS_COMPUTE_AT] = now;
  if (ft.outs.length > 0) pump(ft);
}

/**
 * The app reported its progress (`opportunity`, `checkpoint`, `progress`: an iteration's end,
 * after its communication): the compute burst ends here, whatever the gaps said. The gap rule
 * alone misreads an app whose communication is short: Laplace on udp with pushed halos has
 * ~85 ms between bursts against a ~42 ms yield gap, so once a checkpoint's own work stretched
 * the usual gap past half of that, bursts merged, every yield looked like a burst's last one
 * and deltas were held until COMPUTE_HOLD_MS (docs/PERFORMANCE.md, Round 8: checkpoint
 * overhead on udp).
 */
export function noteIterationEnd(ft: FtState): void {
  if (ft.figs[FS_COMPUTE_BURST]! > 0) ft.figs[FS_LAST_BURST] = ft.figs[FS_COMPUTE_BURST]!;
  ft.figs[FS_COMPUTE_BURST] = 0;
}

/**
 * 0 when a background delta's frame may start now; otherwise ms until it may regardless. It
 * may start within a yield gap of the last `yield`, except after the burst's last one: the
 * slice that follows it ends in the app's communication, which the frame would delay. After
 * an iteration's end it waits for the next burst's first `yield`.
 */
function computeGate(ft: FtState): number {
  if (!ft.options.streamWhileComputing || ft.figs[FS_COMPUTE_AT]! < 0) return 0;
  const idle = ft.hal.now() - ft.figs[FS_COMPUTE_AT]!;
  if (idle >= COMPUTE_HOLD_MS) return 0;
  if (ft.figs[FS_COMPUTE_BURST] === 0) return COMPUTE_HOLD_MS - idle;
  const lastSlice = ft.figs[FS_LAST_BURST]! > 1 && ft.figs[FS_COMPUTE_BURST]! >= ft.figs[FS_LAST_BURST]!;
  if (idle <= COMPUTE_WINDOW_GAPS * ft.figs[FS_COMPUTE_GAP]! && !lastSlice) return 0;
  return COMPUTE_HOLD_MS - idle;
}

export function pump(ft: FtState): void {
  let failed: OutStream[] | null = null;
  let hold = -1;
  // By index, not for-of: no iterator live while a frame is built (XS slots in every stream job).
  const outs = ft.outs;
  for (let i = 0; i < outs.length; i++) {
    const o = outs[i]!;
    const s = o.s;
    if (o.compute === true && s.wants()) {
      const wait = computeGate(ft);
      if (wait > 0) {
        hold = wait;
        continue;
      }
    }
    while (s.wants()) {
      // Checkpoint data goes only when the link can take it at once (it is low priority,
      // NetLayer.lowPriority): asked before the frame is built, which copies up to 4 KiB.
      if (!ft.net.ready(s.ring[S_DST]!, FtFrame.CKPT_DATA, ft.options.frameBytes)) {
        retryPump(ft);
        break;
      }
      const cap = ft.options.frameBytes;
      let bytes: number;
      let r: SendResult;
      if (ft.net.sendBuilt !== undefined) {
        bytes = s.size(cap);
        r = sendWith(ft, FtFrame.CKPT_DATA, s.ring[S_DST]!, bytes, writeData, s, ft);
      } else {
        const payload = s.build(ft.scratch ?? (ft.scratch = new ByteWriter(cap)), cap);
        bytes = payload.length;
        r = ft.trySend(s.ring[S_DST]!, FtFrame.CKPT_DATA, payload);
      }
      if (r === 'failed') {
        // Its frames can never go out: the stream ends here, not waiting for acks of frames never sent.
        if (failed === null) failed = [];
        failed.push(o);
        break;
      }
      if (r === 'busy') {
        retryPump(ft);
        break;
      }
      s.sent(bytes);
      if (s.ring[S_IN_FLIGHT]! > ft.figs[FF_PEAK_IN_FLIGHT]!) ft.figs[FF_PEAK_IN_FLIGHT] = s.ring[S_IN_FLIGHT]!;
    }
  }
  if (hold > 0 && ft.figs[FS_HOLD_TIMER]! < 0) {
    // Never a zero-time timer: a board's timers may round down, and a gate still shut would
    // set it again at once.
    ft.figs[FS_HOLD_TIMER] = ft.hal.setTimer(Math.max(RETRY_MS, Math.ceil(hold)), holdEnded, ft);
  }
  if (failed === null) return;
  const dead = failed;
  stopStreams(ft, (o) => dead.includes(o));
  for (const o of dead) ended(ft, o, 'unsendable');
}

/**
 * A frame of `bytes` of payload that `write(frame, at, a, b)` writes into the frame the net
 * makes (Net.sendBuilt): a stream's data goes straight into the frame held until it is acked,
 * not into FT's scratch, a view of it, a record and the net's copy (docs/FOOTPRINT.md "Round
 * 20: checkpoint data framed in place"); a CKPT_ACK has no record and no payload of its own
 * (sendAck). As trySend: a throw from the network is no send but `failed`.
 */
function sendWith<A, B>(ft: FtState, type: number, dst: number, bytes: number, write: (frame: Uint8Array, at: number, a: A, b: B) => void, a: A, b: B): SendResult {
  let ok: boolean;
  try {
    ok = ft.net.sendBuilt!(type, dst, FT_PORT, FT_PORT, bytes, write, a, b);
  } catch (e) {
    if (e instanceof InvariantError) throw e;
    ft.sendError = e instanceof Error ? e.message : String(e);
    ft.hal.log('error', `ft: frame 0x${type.toString(16)} to node ${dst} cannot be sent: ${ft.sendError}`);
    return 'failed';
  }
  if (!ok) return 'busy';
  ft.figs[FF_FRAMES_OUT]!++;
  return 'sent';
}

/** Net.sendBuilt's writer: a module-level function with the sender and the state as arguments, no closure per frame. */
function writeData(frame: Uint8Array, at: number, s: StreamSender, ft: FtState): void {
  s.write(frame, at, ft.options.frameBytes, ft.hal.bytes?.copy);
}

/** A stream ended: its own callback, or for a round's delta the checkpoint's handler. */
function ended(ft: FtState, o: OutStream, status: 'stored' | 'unsendable' | RecvStatus): void {
  if (o.done !== null) o.done(status);
  else ft.host.deltaDone(o, status);
}

function retryPump(ft: FtState): void {
  if (ft.figs[FS_PUMP_TIMER]! >= 0) return;
  ft.figs[FS_PUMP_TIMER] = ft.hal.setTimer(RETRY_MS, pumpAgain, ft);
}

// The two timers' callbacks: module-level functions with the state as their argument, not a
// closure per timer (docs/FOOTPRINT.md "Round 12: Laplace slots").
function holdEnded(ft: FtState): void {
  ft.figs[FS_HOLD_TIMER] = -1;
  pump(ft);
}

function pumpAgain(ft: FtState): void {
  ft.figs[FS_PUMP_TIMER] = -1;
  pump(ft);
}

export function stopStreams(ft: FtState, filter: (o: OutStream) => boolean = () => true): void {
  ft.outs = ft.outs.filter((o) => !filter(o));
}

export function onAck(ft: FtState, f: NetFrame): void {
  const p = f.payload;
  // Read in place (decodeCkptAck's checks), the stream found by a loop: no record and no
  // closure with its environment live while the pump below builds the next frame (~4 KB, where
  // the sender's collections fall: docs/FOOTPRINT.md "Round 22: the round peaks").
  if (p.length !== ACK_BYTES || p[8]! > AckStatus.MALFORMED) return ft.malformed();
  const round = le32(p, 0);
  const rank = p[4]!;
  const replica = p[5] === 1 ? 1 : 0;
  const next = le16(p, 6);
  const status = p[8]!;
  const outs = ft.outs;
  let i = 0;
  for (; i < outs.length; i++) {
    const r = outs[i]!.s.ring;
    if (r[S_DST] === f.src && r[S_RANK] === rank && r[S_ROUND] === round && r[S_REPLICA] === replica) break;
  }
  if (i === outs.length) return ft.staleFrame();
  const o = outs[i]!;
  const s = o.s;
  if (status === AckStatus.OK || status === AckStatus.STORED) {
    if (s.onAck(next, ft.hal.now()) || next === s.ring[S_ACKED]) {
      if (s.complete) {
        outs.splice(i, 1);
        ended(ft, o, 'stored');
      } else pump(ft);
    }
    return;
  }
  outs.splice(i, 1);
  ended(ft, o, status === AckStatus.NEED_FULL ? 'need-full' : status === AckStatus.NO_MEMORY ? 'nomem' : 'malformed');
}

/**
 * CKPT_ACK to a ward's (or a copy's) sender, one for every frame of data. Written into the frame
 * the net makes (sendWith): no record of its fields, no payload array and no send record (~21 XS
 * slots in the receive job of every frame of the ward's stream, where a buddy's collections
 * peak: docs/FOOTPRINT.md "Round 22: the round peaks"). A refused one is encoded apart and
 * retried as every control frame is (FtState.sendCtl).
 */
export function sendAck(ft: FtState, dst: number, rank: number, round: number, replica: boolean, next: number, status: number): void {
  if (dst < 0 || dst > NODE_ID_MAX) return;
  if (ft.net.sendBuilt === undefined || dst === ft.node) {
    ft.sendCtl(dst, FtFrame.CKPT_ACK, ackPayload(ft, rank, round, replica, next, status));
    return;
  }
  // rank (8 bits), replica (1), status (3), next (16): under 2^32, read back with >>> and &.
  ft.figs[FS_ACK_FIELDS] = rank + (replica ? 256 : 0) + status * 512 + next * 65536;
  if (sendWith(ft, FtFrame.CKPT_ACK, dst, ACK_BYTES, writeAck, ft, round) === 'busy') {
    ft.retryLater(dst, FtFrame.CKPT_ACK, ackPayload(ft, rank, round, replica, next, status));
  }
}

function ackPayload(ft: FtState, rank: number, round: number, replica: boolean, next: number, status: number): Uint8Array {
  const b = new Uint8Array(ACK_BYTES);
  putCkptAck(b, 0, round, rank, replica, next, status, ft.options.maxStoreBytes);
  return b;
}

/** Net.sendBuilt's writer of a CKPT_ACK: its fields from FS_ACK_FIELDS and the round. */
function writeAck(frame: Uint8Array, at: number, ft: FtState, round: number): void {
  const v = ft.figs[FS_ACK_FIELDS]!;
  putCkptAck(frame, at, round, v & 0xff, (v & 256) !== 0, v >>> 16, (v >>> 9) & 7, ft.options.maxStoreBytes);
}

export function onData(ft: FtState, f: NetFrame): void {
  const p = f.payload;
  // The header (readDataHeader's layout) read in place: no reader and record per frame of
  // checkpoint data (~14 XS slots live in the job that receives it).
  if (p.length < DATA_HEADER) return ft.malformed();
  if (f.epoch !== ft.figs[FS_EPOCH]) return ft.staleFrame();
  const flags = p[0]!;
  const last = (flags & FLAG_LAST) !== 0;
  if ((flags & FLAG_REPLICA) !== 0) onReplicaData(ft, f, p[1]!, le32(p, 2), le16(p, 10), last);
  else onDeltaData(ft, f, p[1]!, le32(p, 2), le32(p, 6), le16(p, 10), last);
}

/** A frame of a ward's delta: stored beside the committed copy it patches. */
export function onDeltaData(ft: FtState, f: NetFrame, rank: number, round: number, base: number, seq: number, last: boolean): void {
  // A delta builds a newer generation on an older one (Image.commit relies on it).
  if (round <= base) return ft.malformed();
  if (ft.phaseV !== 'running' || ft.map[rank] !== f.src || !buddiesOf(ft.map, rank, ft.options.buddies).includes(ft.node)) {
    return ft.staleFrame();
  }
  const key = `${f.src}/${rank}`;
  let rx = ft.receivers.get(key);
  const img = ft.imageOf(rank);
  const held = img.pending;
  if (rx === undefined && held !== null && held.round === round && held.complete && !held.replica) {
    // The whole delta is here (its receiver went with the last frame): a frame again means the
    // sender missed the STORED acknowledgement. Each resent frame is confirmed up to itself, so
    // the sender ends at the resend of its last frame.
    sendAck(ft, f.src, rank, round, false, seq + 1, AckStatus.STORED);
    return;
  }
  if (seq === 0 && (rx === undefined || rx.pending.round !== round || rx.pending.replica)) {
    const old = img.pending;
    if (old !== null && old.round !== round) {
      // The ward moved on, so its previous round was decided: committed if it is now its base.
      if (base === old.round) ft.host.applyCommit(old.round);
      else img.discard();
    }
    if (round <= Math.max(ft.figs[FS_LAST_COMMITTED]!, ft.figs[FS_LAST_ABORTED]!) || (img.pending !== null && img.pending.round === round)) {
      // A round already decided, or a resend of one whose stream this board already has.
      if (rx === undefined || rx.pending.round !== round) return ft.staleFrame();
    } else {
      if (img.gen !== base) {
        sendAck(ft, f.src, rank, round, false, 0, AckStatus.NEED_FULL);
        return;
      }
      const pending = new Pending(round, base, false, 0);
      img.discard();
      img.pending = pending;
      rx = new StreamReceiver(pending);
      ft.receivers.set(key, rx);
    }
  }
  if (rx === undefined || rx.pending.round !== round || rx.pending.replica) return ft.staleFrame();
  if (seq !== rx.v[RX_EXPECTED]) {
    sendAck(ft, f.src, rank, round, false, rx.v[RX_EXPECTED]!, AckStatus.OK);
    return;
  }
  const status = rx.apply(img, f.payload, last, ft.options.maxStoreBytes - ft.memoryTotal(), ft.hal.bytes);
  if (status !== 'ok') {
    img.discard();
    ft.receivers.delete(key);
    sendAck(ft, f.src, rank, round, false, rx.v[RX_EXPECTED]!, status === 'nomem' ? AckStatus.NO_MEMORY : status === 'need-full' ? AckStatus.NEED_FULL : AckStatus.MALFORMED);
    if (status === 'malformed') ft.malformed();
    return;
  }
  if (rx.complete) {
    // The image holds the complete delta until the decision: the receiver (its numbers, its
    // entry in `receivers`: ~12 XS slots) is not kept for the rest of the round.
    ft.receivers.delete(key);
    ft.notePeak();
  }
  sendAck(ft, f.src, rank, round, false, rx.v[RX_EXPECTED]!, rx.complete ? AckStatus.STORED : AckStatus.OK);
}

/** A frame of a full copy (a recovery's, or a repair of a buddy's copy): installed when complete. */
export function onReplicaData(ft: FtState, f: NetFrame, rank: number, gen: number, seq: number, last: boolean): void {
  const p = ft.part;
  // A copy may overtake the plan (it comes from another board than the coordinator): take it.
  const forRecovery =
    ft.phaseV === 'recovering' && p !== null && f.epoch === p.epoch &&
    (p.plan === null || (p.expecting.get(rank) === f.src && gen === p.plan.generation));
  const forRepair = ft.phaseV === 'running' && ft.map[rank] === f.src && buddiesOf(ft.map, rank, ft.options.buddies).includes(ft.node);
  const key = `${f.src}/${rank}`;
  let rx = ft.receivers.get(key);
  if (!forRecovery && !forRepair) {
    // A resend after completion: confirm it again so the sender stops.
    if (ft.images.get(rank)?.gen === gen && (rx === undefined || rx.pending.round !== gen)) sendAck(ft, f.src, rank, gen, true, seq + 1, AckStatus.STORED);
    else ft.staleFrame();
    return;
  }
  if (seq === 0 && (rx === undefined || rx.pending.round !== gen || !rx.pending.replica)) {
    rx = new StreamReceiver(new Pending(gen, 0, true, 0));
    ft.receivers.set(key, rx);
  }
  if (rx === undefined || rx.pending.round !== gen || !rx.pending.replica) return ft.staleFrame();
  if (seq !== rx.v[RX_EXPECTED]) {
    sendAck(ft, f.src, rank, gen, true, rx.v[RX_EXPECTED]!, AckStatus.OK);
    return;
  }
  const img = ft.imageOf(rank);
  const status = rx.apply(img, f.payload, last, ft.options.maxStoreBytes - ft.memoryTotal(), ft.hal.bytes);
  if (status !== 'ok') {
    ft.receivers.delete(key);
    sendAck(ft, f.src, rank, gen, true, rx.v[RX_EXPECTED]!, status === 'nomem' ? AckStatus.NO_MEMORY : AckStatus.MALFORMED);
    if (status === 'malformed') ft.malformed();
    return;
  }
  if (!rx.complete) {
    ft.notePeak();
    sendAck(ft, f.src, rank, gen, true, rx.v[RX_EXPECTED]!, AckStatus.OK);
    return;
  }
  ft.receivers.delete(key);
  const pend = rx.pending;
  const data: Uint8Array[] = [];
  for (let i = 0; i < pend.segCount; i++) data.push(pend.whole(i) ?? new Uint8Array(0));
  img.install(pend.tableNames(), data, gen, pend.progress);
  ft.notePeak();
  sendAck(ft, f.src, rank, gen, true, rx.v[RX_EXPECTED]!, AckStatus.STORED);
  if (forRecovery && p !== null) {
    p.expecting.delete(rank);
    p.bytesIn += pend.size;
    ft.host.copyInstalled();
  }
}
