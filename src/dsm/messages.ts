/**
 * DSM message types and the encodings shared by several of them. Every DSM message is one
 * transport message: a type byte, then fields as LEB128 varints. docs/DSM.md is the
 * normative description; keep the two together.
 */
import { DecodeError, type Reader, type Writer } from './codec.js';
import { RangeList } from './range-list.js';
import { ELEMENT_TYPES } from './shared-array.js';
import type { DsmElementType, DsmHome } from './types.js';

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
  /** req: the diff is applied at the home. */
  DIFF_ACK: 0x08,
  /** epoch, notices: a board reached barrier `epoch` (its diffs are all acknowledged). */
  BARRIER_ARRIVE: 0x09,
  /** epoch, notices: everyone arrived; the notices are the other boards' writes. */
  BARRIER_RELEASE: 0x0a,
  /** epoch, count, rank*: the barrier timed out; these ranks never arrived. */
  BARRIER_FAIL: 0x0b,
  /** epoch, name: ask the lock's manager for the lock. */
  LOCK_REQ: 0x0c,
  /** name, notices: the lock is yours; invalidate these ranges. */
  LOCK_GRANT: 0x0d,
  /** epoch, name, notices: give the lock back, with what the holder knows was written. */
  LOCK_RELEASE: 0x0e,
  /** req: the home holds the diff back (its pages are lent to a checkpoint); keep waiting. */
  DIFF_HELD: 0x0f,
} as const;

/** Longest array or lock name (printable ASCII). */
export const MAX_NAME = 32;

export function validName(name: unknown): name is string {
  if (typeof name !== 'string' || name.length < 1 || name.length > MAX_NAME) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x20 || c >= 0x7f) return false;
  }
  return true;
}

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

/** What every board must agree on for one collective alloc. */
export interface AllocSpec {
  name: string;
  type: DsmElementType;
  length: number;
  pageSize: number;
  granule: number;
  home: DsmHome;
}

const HOME_BLOCK = 0;
const HOME_CYCLIC = 1;
const HOME_RANGES = 2;

export function writeSpec(w: Writer, s: AllocSpec): void {
  w.ascii(s.name);
  w.u8(ELEMENT_TYPES.indexOf(s.type));
  w.varint(s.length);
  w.varint(s.pageSize);
  w.varint(s.granule);
  if (s.home === 'block') w.u8(HOME_BLOCK);
  else if (s.home === 'cyclic') w.u8(HOME_CYCLIC);
  else {
    w.u8(HOME_RANGES);
    w.varint(s.home.ranges.length);
    for (const [a, b] of s.home.ranges) w.varint(a).varint(b);
  }
}

export function readSpec(r: Reader, maxBoards: number): AllocSpec {
  const name = r.ascii(MAX_NAME);
  const type = ELEMENT_TYPES[r.u8()];
  if (type === undefined) throw new DecodeError('bad element type');
  const length = r.varint();
  const pageSize = r.varint();
  const granule = r.varint();
  const kind = r.u8();
  let home: DsmHome;
  if (kind === HOME_BLOCK) home = 'block';
  else if (kind === HOME_CYCLIC) home = 'cyclic';
  else if (kind === HOME_RANGES) {
    const n = r.varint();
    if (n > maxBoards) throw new DecodeError('too many home ranges');
    const ranges: [number, number][] = [];
    for (let i = 0; i < n; i++) ranges.push([r.varint(), r.varint()]);
    home = { ranges };
  } else throw new DecodeError('bad home kind');
  return { name, type, length, pageSize, granule, home };
}

export function describeSpec(s: AllocSpec): string {
  const home =
    typeof s.home === 'string' ? s.home : `ranges ${s.home.ranges.map(([a, b]) => `[${a},${b})`).join(' ')}`;
  return `'${s.name}' ${s.type}[${s.length}] (page ${s.pageSize}, granule ${s.granule}, home ${home})`;
}
