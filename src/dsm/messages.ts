/**
 * DSM message types, their typed encoders and decoders, and the encodings shared by several of
 * them. Every DSM message is one transport message: a type byte, then fields as LEB128
 * varints. `decodeMessage` reads a whole message into one typed value or throws DecodeError
 * (the core counts and drops it); what a message means to this board (an unknown array, a
 * reply to no request) is the receiver's business. docs/DSM.md is the normative description;
 * keep the two together.
 */
import { DecodeError, MAX_HEADROOM, Reader, VARINT_MAX, Writer, putVarint, varintSize } from './codec.js';
import type { ConcatBuffers } from './bytes.js';
import { MAX_ALLOC_ERROR_TEXT, MAX_NAME, MAX_REFUSAL_TEXT } from './limits.js';
import { readSpec, writeSpec, type AllocSpec } from './alloc-spec.js';
export { DSM_VERSION } from './alloc-spec.js';
import { RangeList } from './range-list.js';

export const Msg = {
  /** seq, spec: a board's half of a collective alloc, to rank 0. */
  ALLOC: 0x01,
  /** seq: every board allocated the same array. */
  ALLOC_OK: 0x02,
  /** seq, text: the allocs did not match (or a board was missing). */
  ALLOC_ERR: 0x03,
  /** req, array, count, (startDelta, length)*: granule ranges wanted from their home. */
  FETCH: 0x04,
  /** req, data...: the bytes of the requested ranges, concatenated. */
  FETCH_DATA: 0x05,
  /** req, text: a fetch or diff the home refused. */
  REQ_ERR: 0x06,
  /** req, array, (startDelta, length, bytes)*: runs of a release's changes, to the home. */
  DIFF: 0x07,
  /** req: the diff (or LEAVE) is applied at the home. */
  DIFF_ACK: 0x08,
  /** epoch, notices: the sender's subtree of the barrier tree reached barrier `epoch` (every diff acknowledged), with its writes; to its parent. */
  BARRIER_ARRIVE: 0x09,
  /** epoch, notices: everyone arrived; the notices are the writes of every board outside the receiver's subtree; parent to child. */
  BARRIER_RELEASE: 0x0a,
  /** epoch, count, rank*: the barrier timed out; these ranks never arrived (root to the boards it heard of). */
  BARRIER_FAIL: 0x0b,
  /** epoch, name: ask the lock's manager for the lock. */
  LOCK_REQ: 0x0c,
  /** name, notices: the lock is yours; invalidate these ranges. */
  LOCK_GRANT: 0x0d,
  /** epoch, name, notices: give the lock back, with what the holder knows was written. */
  LOCK_RELEASE: 0x0e,
  /** req: the home holds the diff back (its pages are lent to a checkpoint); keep waiting. */
  DIFF_HELD: 0x0f,
  /** epoch: the sender has waited in barrier `epoch` for a while; to the root, so a timeout names only the boards really missing. */
  BARRIER_PRESENT: 0x10,
  /**
   * epoch, parts, array, count, (startDelta, length)*, data...: one part of a home's batch for
   * barrier `epoch` to one subscriber: the subscribed granules written in that interval, as the
   * home had them at its release (push.ts). Every subscriber gets `parts` >= 1 of them per
   * barrier; an empty batch is one part with count 0.
   */
  PUSH: 0x11,
  /** req, array, (startDelta, length)*: stop pushing these granules to me; answered with DIFF_ACK. */
  LEAVE: 0x12,
} as const;



/** Write notices: count, then (start - previous end, length) pairs in global granules. */
export function writeNotices(w: Writer, list: RangeList): void {
  w.varint(list.count);
  let prev = 0;
  for (let i = 0; i < list.count; i++) {
    w.varint(list.start(i) - prev);
    w.varint(list.end(i) - list.start(i));
    prev = list.end(i);
  }
}

export function readNotices(r: Reader, maxRanges: number, into: RangeList): void {
  const n = r.varint();
  if (n > maxRanges) throw new DecodeError('too many notice ranges');
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const s = prev + r.varint();
    const e = s + r.varint();
    into.add(s, e);
    prev = e;
  }
}

// ---- typed messages ------------------------------------------------------------------------

/** FETCH: granule ranges [start, end) pairs of array `array`, each non-empty. */
export interface FetchMsg {
  type: typeof Msg.FETCH;
  req: number;
  array: number;
  ranges: number[];
}

/** FETCH_DATA: the requested granules' bytes, concatenated (a view into the message). */
export interface FetchDataMsg {
  type: typeof Msg.FETCH_DATA;
  req: number;
  data: Uint8Array;
}

/**
 * DIFF: runs of array `array` as (byte start, length, offset of the data in `bytes`) triples,
 * each non-empty. `bytes` is the whole message, so a held diff keeps its decoded runs.
 */
export interface DiffMsg {
  type: typeof Msg.DIFF;
  req: number;
  array: number;
  runs: number[];
  bytes: Uint8Array;
}

/** PUSH: granule ranges [start, end) pairs of `array` (array-local), each non-empty; `data` their bytes (a view into the message). */
export interface PushMsg {
  type: typeof Msg.PUSH;
  epoch: number;
  parts: number;
  array: number;
  ranges: number[];
  data: Uint8Array;
}

/** LEAVE: granule ranges [start, end) pairs of `array`, each non-empty. */
export interface LeaveMsg {
  type: typeof Msg.LEAVE;
  req: number;
  array: number;
  ranges: number[];
}

/** DIFF_ACK, DIFF_HELD: about request `req`. */
export interface ReqMsg {
  type: typeof Msg.DIFF_ACK | typeof Msg.DIFF_HELD;
  req: number;
}

export interface ReqErrMsg {
  type: typeof Msg.REQ_ERR;
  req: number;
  text: string;
}

/** BARRIER_ARRIVE, BARRIER_RELEASE. */
export interface BarrierMsg {
  type: typeof Msg.BARRIER_ARRIVE | typeof Msg.BARRIER_RELEASE;
  epoch: number;
  notices: RangeList;
}

export interface BarrierFailMsg {
  type: typeof Msg.BARRIER_FAIL;
  epoch: number;
  missing: number[];
}

export interface BarrierPresentMsg {
  type: typeof Msg.BARRIER_PRESENT;
  epoch: number;
}

export interface LockReqMsg {
  type: typeof Msg.LOCK_REQ;
  epoch: number;
  name: string;
}

export interface LockReleaseMsg {
  type: typeof Msg.LOCK_RELEASE;
  epoch: number;
  name: string;
  notices: RangeList;
}

export interface LockGrantMsg {
  type: typeof Msg.LOCK_GRANT;
  name: string;
  notices: RangeList;
}

/** ALLOC: `spec` is the encoded AllocSpec (checked to decode), compared byte for byte by rank 0. */
export interface AllocMsg {
  type: typeof Msg.ALLOC;
  seq: number;
  spec: Uint8Array;
}

/** ALLOC_OK (error null) and ALLOC_ERR (the mismatch text). */
export interface AllocAnswerMsg {
  type: typeof Msg.ALLOC_OK | typeof Msg.ALLOC_ERR;
  seq: number;
  error: string | null;
}

export type DsmMessage =
  | FetchMsg
  | FetchDataMsg
  | PushMsg
  | LeaveMsg
  | DiffMsg
  | ReqMsg
  | ReqErrMsg
  | BarrierMsg
  | BarrierFailMsg
  | BarrierPresentMsg
  | LockReqMsg
  | LockReleaseMsg
  | LockGrantMsg
  | AllocMsg
  | AllocAnswerMsg;

/** A notice list that ends the message. */
function lastNotices(r: Reader, maxRanges: number): RangeList {
  const notices = new RangeList();
  readNotices(r, maxRanges, notices);
  r.end();
  return notices;
}

/**
 * (start - previous end, length) pairs up to the end of the message, each non-empty: FETCH's
 * granule ranges as [start, end) pairs, or (`data`) DIFF's byte runs as (start, length,
 * offset of the run's bytes in the message) triples, the bytes skipped.
 */
function readRuns(r: Reader, data: boolean): number[] {
  const out: number[] = [];
  const end = r.buf.length;
  let prev = 0;
  while (r.offset < end) {
    const s = prev + r.varint();
    const n = r.varint();
    if (n === 0) throw new DecodeError('empty range');
    if (data) {
      out.push(s, n, r.offset);
      r.bytes(n);
    } else out.push(s, s + n);
    prev = s + n;
  }
  return out;
}

/**
 * One whole message, typed; throws DecodeError when it is short, has trailing bytes, an
 * unknown type, or a field outside its bounds (`maxNoticeRanges` notice ranges, `boards` ranks).
 */
export function decodeMessage(bytes: Uint8Array, maxNoticeRanges: number, boards: number): DsmMessage {
  if (bytes.length > 0 && bytes[0] === Msg.FETCH_DATA) return decodeFetchData(bytes);
  if (bytes.length > 0 && bytes[0] === Msg.FETCH) return decodeFetch(bytes);
  const r = new Reader(bytes);
  const type = r.u8();
  switch (type) {
    case Msg.FETCH: {
      const req = r.varint();
      const array = r.varint();
      return { type, req, array, ranges: readRuns(r, false) };
    }
    case Msg.DIFF: {
      const req = r.varint();
      const array = r.varint();
      return { type, req, array, runs: readRuns(r, true), bytes };
    }
    case Msg.PUSH: {
      const epoch = r.varint();
      const parts = r.varint();
      if (parts < 1) throw new DecodeError('push without parts');
      const array = r.varint();
      const n = r.varint();
      const ranges: number[] = [];
      let prev = 0;
      for (let i = 0; i < n; i++) {
        const s = prev + r.varint();
        const len = r.varint();
        if (len === 0) throw new DecodeError('empty range');
        ranges.push(s, s + len);
        prev = s + len;
      }
      if (n === 0 && r.remaining > 0) throw new DecodeError('trailing bytes');
      return { type, epoch, parts, array, ranges, data: r.bytes(r.remaining) };
    }
    case Msg.LEAVE: {
      const req = r.varint();
      const array = r.varint();
      const ranges = readRuns(r, false);
      if (ranges.length === 0) throw new DecodeError('leave without ranges');
      return { type, req, array, ranges };
    }
    case Msg.DIFF_ACK:
    case Msg.DIFF_HELD: {
      const req = r.varint();
      r.end();
      return { type, req };
    }
    case Msg.REQ_ERR: {
      const req = r.varint();
      const text = r.ascii(MAX_REFUSAL_TEXT);
      r.end();
      return { type, req, text };
    }
    case Msg.BARRIER_ARRIVE:
    case Msg.BARRIER_RELEASE: {
      const epoch = r.varint();
      return { type, epoch, notices: lastNotices(r, maxNoticeRanges) };
    }
    case Msg.BARRIER_FAIL: {
      const epoch = r.varint();
      const n = r.varint();
      if (n > boards) throw new DecodeError('bad missing list');
      const missing: number[] = [];
      for (let i = 0; i < n; i++) missing.push(r.varint());
      r.end();
      return { type, epoch, missing };
    }
    case Msg.BARRIER_PRESENT: {
      const epoch = r.varint();
      r.end();
      return { type, epoch };
    }
    case Msg.LOCK_REQ: {
      const epoch = r.varint();
      const name = r.ascii(MAX_NAME);
      r.end();
      return { type, epoch, name };
    }
    case Msg.LOCK_RELEASE: {
      const epoch = r.varint();
      const name = r.ascii(MAX_NAME);
      return { type, epoch, name, notices: lastNotices(r, maxNoticeRanges) };
    }
    case Msg.LOCK_GRANT: {
      const name = r.ascii(MAX_NAME);
      return { type, name, notices: lastNotices(r, maxNoticeRanges) };
    }
    case Msg.ALLOC: {
      const seq = r.varint();
      const spec = r.bytes(r.remaining);
      readSpec(new Reader(spec), boards);
      return { type, seq, spec };
    }
    case Msg.ALLOC_OK:
    case Msg.ALLOC_ERR: {
      const seq = r.varint();
      const error = type === Msg.ALLOC_ERR ? r.ascii(MAX_ALLOC_ERROR_TEXT) : null;
      r.end();
      return { type, seq, error };
    }
    default:
      throw new DecodeError('unknown message type');
  }
}

/**
 * FETCH_DATA, read without a Reader (it is on the path of every fetch: the reader's step that
 * takes the page): the type byte, `req` as Reader.varint reads it, the rest a view. Same
 * errors as through the Reader.
 */
function decodeFetchData(bytes: Uint8Array): FetchDataMsg {
  const n = bytes.length;
  let req = 0;
  let scale = 1;
  let at = 1;
  for (let i = 0; ; i++) {
    if (i === 5) throw new DecodeError('bad varint');
    if (at >= n) throw new DecodeError('message too short');
    const b = bytes[at++]!;
    req += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) break;
    scale *= 128;
  }
  if (req > VARINT_MAX) throw new DecodeError('bad varint');
  return { type: Msg.FETCH_DATA, req, data: bytes.subarray(at, n) };
}

/** FETCH up to its first range; the caller appends (startDelta, count) pairs. */
export function beginFetch(req: number, array: number): Writer {
  return new Writer(64).u8(Msg.FETCH).varint(req).varint(array);
}

/**
 * A whole FETCH of granule ranges `ranges` ([start, end) pairs, ascending, each non-empty) of
 * `array`: the bytes beginFetch and a (startDelta, count) pair per range would write, written
 * in place into a buffer of the exact size (MAX_HEADROOM free before it), with no Writer, its
 * checks and growth, and no call for a number below 128, on the way of every fetch (XS: 600
 * units for a one-range FETCH through varintSize and putVarint, docs/PERFORMANCE.md "Round
 * 17b"). The caller made the numbers (request ids, array ids, granules: integers within VARINT_MAX).
 */
export function encodeFetch(req: number, array: number, ranges: readonly number[]): Uint8Array {
  let n = 1 + (req < 0x80 ? 1 : varintSize(req)) + (array < 0x80 ? 1 : varintSize(array));
  let prev = 0;
  for (let i = 0; i < ranges.length; i += 2) {
    const d = ranges[i]! - prev;
    const c = ranges[i + 1]! - ranges[i]!;
    n += (d < 0x80 ? 1 : varintSize(d)) + (c < 0x80 ? 1 : varintSize(c));
    prev = ranges[i + 1]!;
  }
  const buf = new Uint8Array(MAX_HEADROOM + n);
  buf[MAX_HEADROOM] = Msg.FETCH;
  let at = MAX_HEADROOM + 1;
  if (req < 0x80) buf[at++] = req;
  else at = putVarint(buf, at, req);
  if (array < 0x80) buf[at++] = array;
  else at = putVarint(buf, at, array);
  prev = 0;
  for (let i = 0; i < ranges.length; i += 2) {
    const d = ranges[i]! - prev;
    const c = ranges[i + 1]! - ranges[i]!;
    if (d < 0x80) buf[at++] = d;
    else at = putVarint(buf, at, d);
    if (c < 0x80) buf[at++] = c;
    else at = putVarint(buf, at, c);
    prev = ranges[i + 1]!;
  }
  return buf.subarray(MAX_HEADROOM);
}

/** encodeFetch of the one range [start, start + count), written straight (a page fetch's request: no list, no loop). */
export function encodeFetchRange(req: number, array: number, start: number, count: number): Uint8Array {
  const n = 1 + (req < 0x80 ? 1 : varintSize(req)) + (array < 0x80 ? 1 : varintSize(array)) + (start < 0x80 ? 1 : varintSize(start)) + (count < 0x80 ? 1 : varintSize(count));
  const buf = new Uint8Array(MAX_HEADROOM + n);
  buf[MAX_HEADROOM] = Msg.FETCH;
  let at = MAX_HEADROOM + 1;
  if (req < 0x80) buf[at++] = req;
  else at = putVarint(buf, at, req);
  if (array < 0x80) buf[at++] = array;
  else at = putVarint(buf, at, array);
  if (start < 0x80) buf[at++] = start;
  else at = putVarint(buf, at, start);
  if (count < 0x80) buf[at] = count;
  else putVarint(buf, at, count);
  return buf.subarray(MAX_HEADROOM);
}

/**
 * FETCH read without a Reader (the home's step that serves a page: its request's decoding is
 * on the fetch's path): the same fields, bounds and errors as readRuns over a Reader. Its
 * varint loop is written out here as in decodeFetchData on purpose: a shared helper would
 * return a value and a position (an object per field, or state outside the call).
 */
function decodeFetch(bytes: Uint8Array): FetchMsg {
  const n = bytes.length;
  const ranges: number[] = [];
  let at = 1;
  let req = 0;
  let array = 0;
  let prev = 0;
  let s = 0;
  // Fields: req, array, then (startDelta, count) pairs to the end of the message.
  for (let k = 0; ; k++) {
    if (at >= n && k >= 2 && (k & 1) === 0) break;
    if (at >= n) throw new DecodeError('message too short');
    let v = bytes[at++]!;
    if (v >= 0x80) {
      v &= 0x7f;
      let scale = 128;
      for (let i = 1; ; i++) {
        if (i === 5) throw new DecodeError('bad varint');
        if (at >= n) throw new DecodeError('message too short');
        const b = bytes[at++]!;
        v += (b & 0x7f) * scale;
        if ((b & 0x80) === 0) break;
        scale *= 128;
      }
      if (v > VARINT_MAX) throw new DecodeError('bad varint');
    }
    if (k === 0) req = v;
    else if (k === 1) array = v;
    else if ((k & 1) === 0) s = prev + v;
    else {
      if (v === 0) throw new DecodeError('empty range');
      prev = s + v;
      ranges.push(s, prev);
    }
  }
  return { type: Msg.FETCH, req, array, ranges };
}

/** FETCH_DATA up to its data; `dataBytes` sizes the buffer so the data goes in without growing it. */
export function beginFetchData(req: number, dataBytes: number, reqBytes: number): Writer {
  return new Writer(1 + reqBytes + dataBytes).u8(Msg.FETCH_DATA).varint(req);
}

/**
 * FETCH_DATA whose data is `parts` (fresh buffers, e.g. slices of the home's pages), joined by
 * the engine's `concat` (XS): one native copy instead of a copy through the writer. The same
 * bytes as beginFetchData + Writer.bytes, with MAX_HEADROOM free bytes before the message.
 */
export function concatFetchData(req: number, parts: ArrayBuffer[], dataBytes: number, concat: ConcatBuffers): Uint8Array {
  // The headroom and the header in a buffer of their own, written in place (no Writer, no slice).
  const headBytes = 1 + varintSize(req);
  const front = new Uint8Array(MAX_HEADROOM + headBytes);
  front[MAX_HEADROOM] = Msg.FETCH_DATA;
  putVarint(front, MAX_HEADROOM + 1, req);
  return new Uint8Array(concat.apply(front.buffer as ArrayBuffer, parts), MAX_HEADROOM, headBytes + dataBytes);
}

/**
 * PUSH of granule ranges `ranges` ([start, end) pairs, array-local, ascending) of `array`,
 * whose bytes are `parts` (fresh buffers, joined in order; may be empty for an empty batch).
 */
export function encodePush(epoch: number, parts: number, array: number, ranges: readonly number[], data: readonly Uint8Array[], dataBytes: number): Uint8Array {
  const w = new Writer(16 + 10 * ranges.length + dataBytes).u8(Msg.PUSH).varint(epoch).varint(parts).varint(array).varint(ranges.length >>> 1);
  let prev = 0;
  for (let i = 0; i < ranges.length; i += 2) {
    w.varint(ranges[i]! - prev).varint(ranges[i + 1]! - ranges[i]!);
    prev = ranges[i + 1]!;
  }
  for (const d of data) w.bytes(d);
  return w.finish();
}

/** LEAVE of granule ranges ([start, end) pairs, ascending, non-empty) of `array`. */
export function encodeLeave(req: number, array: number, ranges: readonly number[]): Uint8Array {
  const w = new Writer(16 + 10 * ranges.length).u8(Msg.LEAVE).varint(req).varint(array);
  let prev = 0;
  for (let i = 0; i < ranges.length; i += 2) {
    w.varint(ranges[i]! - prev).varint(ranges[i + 1]! - ranges[i]!);
    prev = ranges[i + 1]!;
  }
  return w.finish();
}

/** DIFF up to its first run, in a buffer of `capacity` (the message limit). */
export function beginDiff(req: number, array: number, capacity: number): Writer {
  return new Writer(capacity).u8(Msg.DIFF).varint(req).varint(array);
}

/** DIFF_ACK or DIFF_HELD for request `req`. */
export function encodeReq(type: ReqMsg['type'], req: number): Uint8Array {
  return new Writer(8).u8(type).varint(req).finish();
}

export function encodeReqErr(req: number, text: string): Uint8Array {
  return new Writer().u8(Msg.REQ_ERR).varint(req).ascii(text).finish();
}

/** BARRIER_ARRIVE or BARRIER_RELEASE. */
export function encodeBarrier(type: BarrierMsg['type'], epoch: number, notices: RangeList): Uint8Array {
  const w = new Writer().u8(type).varint(epoch);
  writeNotices(w, notices);
  return w.finish();
}

export function encodeBarrierFail(epoch: number, missing: readonly number[]): Uint8Array {
  const w = new Writer().u8(Msg.BARRIER_FAIL).varint(epoch).varint(missing.length);
  for (const r of missing) w.varint(r);
  return w.finish();
}

export function encodeBarrierPresent(epoch: number): Uint8Array {
  return new Writer(8).u8(Msg.BARRIER_PRESENT).varint(epoch).finish();
}

export function encodeLockReq(epoch: number, name: string): Uint8Array {
  return new Writer().u8(Msg.LOCK_REQ).varint(epoch).ascii(name).finish();
}

export function encodeLockRelease(epoch: number, name: string, notices: RangeList): Uint8Array {
  const w = new Writer().u8(Msg.LOCK_RELEASE).varint(epoch).ascii(name);
  writeNotices(w, notices);
  return w.finish();
}

export function encodeLockGrant(name: string, notices: RangeList): Uint8Array {
  const w = new Writer().u8(Msg.LOCK_GRANT).ascii(name);
  writeNotices(w, notices);
  return w.finish();
}

export function encodeAlloc(seq: number, spec: AllocSpec): Uint8Array {
  const w = new Writer().u8(Msg.ALLOC).varint(seq);
  writeSpec(w, spec);
  return w.finish();
}

/** ALLOC_OK when `error` is null, else ALLOC_ERR with the text. */
export function encodeAllocAnswer(seq: number, error: string | null): Uint8Array {
  if (error === null) return new Writer().u8(Msg.ALLOC_OK).varint(seq).finish();
  return new Writer().u8(Msg.ALLOC_ERR).varint(seq).ascii(error).finish();
}
