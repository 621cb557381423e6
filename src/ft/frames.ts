/**
 * FT frame types (in FrameType.FT_FIRST..FT_LAST) and the payload codecs of the control
 * messages. Checkpoint data frames (CKPT_DATA) are built and parsed in stream.ts. All
 * integers little-endian; strings are a length byte and UTF-8; node ids and ranks one byte.
 * The membership epoch is the frame header's epoch field (NetFrame.epoch): every FT frame is
 * sent at the sender's epoch, which it raises before it sends anything for a newer view.
 * docs/FT.md lists the layouts.
 */
import { NO_NODE } from '../wire/ids.js';
import { ByteReader, ByteWriter, le16, le32, putLe32 } from './bytes.js';

export const FtFrame = {
  HEARTBEAT: 0x50,
  JOIN: 0x51,
  VIEW: 0x52,
  REFUSE: 0x53,
  SUSPECT: 0x54,
  CKPT_START: 0x58,
  CKPT_DATA: 0x59,
  CKPT_ACK: 0x5a,
  CKPT_STORED: 0x5b,
  CKPT_COMMIT: 0x5c,
  CKPT_ABORT: 0x5d,
  CKPT_REFUSE: 0x5e,
  CKPT_REQUEST: 0x5f,
  CKPT_AT: 0x60,
  REC_BEGIN: 0x61,
  REC_STATE: 0x62,
  REC_PLAN: 0x63,
  REC_READY: 0x64,
  REC_RESUME: 0x65,
  STOP: 0x66,
} as const;

/** A board's role as its heartbeats and state reports announce it. */
export const Role = { JOINING: 0, MEMBER: 1, SPARE: 2, RECOVERING: 3, STOPPED: 4 } as const;


export { NO_NODE };

/**
 * The layout version carried first in every HEARTBEAT. 2: heartbeats go to ring neighbours
 * (docs/FT.md §6) and carry `furthest`; a version-1 heartbeat (22 bytes, no version byte) or
 * any other version is dropped as malformed, so boards of two FT generations never mix.
 */
export const HEARTBEAT_VERSION = 2;

export interface Heartbeat {
  role: number;
  /** The coordinator of the sender's view (NO_NODE if it has none). */
  coord: number;
  incarnation: number;
  hash: number;
  committed: number;
  aborted: number;
  progress: number;
  /** The furthest progress the sender knows of in its epoch: its own and what its ring neighbours told it. */
  furthest: number;
}

export function encodeHeartbeat(h: Heartbeat): Uint8Array {
  return new ByteWriter(27).u8(HEARTBEAT_VERSION).u8(h.role).u8(h.coord).u32(h.incarnation).u32(h.hash).u32(h.committed).u32(h.aborted).u32(h.progress).u32(h.furthest).done();
}

export function decodeHeartbeat(p: Uint8Array): Heartbeat | null {
  const r = new ByteReader(p);
  if (r.u8() !== HEARTBEAT_VERSION) return null;
  const h = { role: r.u8(), coord: r.u8(), incarnation: r.u32(), hash: r.u32(), committed: r.u32(), aborted: r.u32(), progress: r.u32(), furthest: r.u32() };
  return r.exact ? h : null;
}

export interface Join {
  incarnation: number;
  hash: number;
}

export function encodeJoin(j: Join): Uint8Array {
  return new ByteWriter(8).u32(j.incarnation).u32(j.hash).done();
}

export function decodeJoin(p: Uint8Array): Join | null {
  const r = new ByteReader(p);
  const j = { incarnation: r.u32(), hash: r.u32() };
  return r.exact ? j : null;
}

function writeNodes(w: ByteWriter, nodes: readonly number[]): void {
  w.u8(nodes.length);
  for (const n of nodes) w.u8(n);
}

function readNodes(r: ByteReader, allowNone = false): number[] {
  const n = r.u8();
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = r.u8();
    if (v === NO_NODE && !allowNone) r.ok = false;
    out.push(v);
  }
  return out;
}

/** The current view, for a board that joins: the coordinator, the committed generation and the rank map. */
export interface View {
  coord: number;
  generation: number;
  map: number[];
}

export function encodeView(v: View): Uint8Array {
  const w = new ByteWriter(8 + v.map.length).u8(v.coord).u32(v.generation);
  writeNodes(w, v.map);
  return w.done();
}

export function decodeView(p: Uint8Array): View | null {
  const r = new ByteReader(p);
  const v = { coord: r.u8(), generation: r.u32(), map: readNodes(r) };
  return r.exact && v.map.length > 0 ? v : null;
}

/** REFUSE, STOP: a reason. */
export function encodeReason(reason: string): Uint8Array {
  return new ByteWriter(64).str(reason).done();
}

export function decodeReason(p: Uint8Array): string | null {
  const r = new ByteReader(p);
  const s = r.str();
  return r.exact ? s : null;
}

export interface Suspect {
  node: number;
  incarnation: number;
}

export function encodeSuspect(s: Suspect): Uint8Array {
  return new ByteWriter(5).u8(s.node).u32(s.incarnation).done();
}

export function decodeSuspect(p: Uint8Array): Suspect | null {
  const r = new ByteReader(p);
  const s = { node: r.u8(), incarnation: r.u32() };
  return r.exact && s.node !== NO_NODE ? s : null;
}

/** CKPT_START (rank → coordinator): the rank called checkpoint for `round` on top of generation `base`. */
export interface CkptStart {
  round: number;
  rank: number;
  base: number;
  progress: number;
}

export function encodeCkptStart(s: CkptStart): Uint8Array {
  return new ByteWriter(13).u32(s.round).u8(s.rank).u32(s.base).u32(s.progress).done();
}

export function decodeCkptStart(p: Uint8Array): CkptStart | null {
  const r = new ByteReader(p);
  const s = { round: r.u32(), rank: r.u8(), base: r.u32(), progress: r.u32() };
  return r.exact ? s : null;
}

/** CKPT_ACK status: how the receiver took the stream so far. */
export const AckStatus = { OK: 0, STORED: 1, NEED_FULL: 2, NO_MEMORY: 3, MALFORMED: 4 } as const;

/** CKPT_ACK (receiver → sender): the next sequence number expected, and the stream's status. */
export interface CkptAck {
  round: number;
  rank: number;
  replica: boolean;
  next: number;
  status: number;
  /** NO_MEMORY: the receiver's limit in bytes. */
  info: number;
}

/** CKPT_ACK's size: u32 round | u8 rank | u8 replica | u16 next | u8 status | u32 info. */
export const ACK_BYTES = 13;

/**
 * Encoded and decoded in place, not through a ByteWriter / ByteReader (an object, a DataView and
 * for the writer its buffer: ~8-14 XS slots): one goes each way for every frame of checkpoint data.
 */
export function encodeCkptAck(a: CkptAck): Uint8Array {
  const b = new Uint8Array(ACK_BYTES);
  putCkptAck(b, 0, a.round, a.rank, a.replica, a.next, a.status, a.info);
  return b;
}

/**
 * CKPT_ACK's fields written at `b[at]`, as arguments: a buddy writes one into the frame the net
 * makes (transfer.ts sendAck), with no record and no payload of its own.
 */
export function putCkptAck(b: Uint8Array, at: number, round: number, rank: number, replica: boolean, next: number, status: number, info: number): void {
  putLe32(b, at, round);
  b[at + 4] = rank;
  b[at + 5] = replica ? 1 : 0;
  b[at + 6] = next & 0xff;
  b[at + 7] = (next >>> 8) & 0xff;
  b[at + 8] = status;
  putLe32(b, at + 9, info);
}

export function decodeCkptAck(p: Uint8Array): CkptAck | null {
  if (p.length !== ACK_BYTES || p[8]! > AckStatus.MALFORMED) return null;
  return { round: le32(p, 0), rank: p[4]!, replica: p[5] === 1, next: le16(p, 6), status: p[8]!, info: le32(p, 9) };
}

/** CKPT_STORED (rank → coordinator): every buddy of the rank holds its data for `round`. */
export interface CkptStored {
  round: number;
  rank: number;
}

export function encodeCkptStored(s: CkptStored): Uint8Array {
  return new ByteWriter(5).u32(s.round).u8(s.rank).done();
}

export function decodeCkptStored(p: Uint8Array): CkptStored | null {
  const r = new ByteReader(p);
  const s = { round: r.u32(), rank: r.u8() };
  return r.exact ? s : null;
}

/** CKPT_COMMIT: the round is committed. */
export function encodeRound(round: number): Uint8Array {
  return new ByteWriter(4).u32(round).done();
}

export function decodeRound(p: Uint8Array): number | null {
  const r = new ByteReader(p);
  const v = r.u32();
  return r.exact ? v : null;
}

/** CKPT_ABORT (coordinator → all), CKPT_REFUSE (rank → coordinator; rank set): a round fails, and why. */
export interface CkptAbort {
  round: number;
  rank: number;
  reason: string;
}

export function encodeCkptAbort(a: CkptAbort): Uint8Array {
  return new ByteWriter(64).u32(a.round).u8(a.rank).str(a.reason).done();
}

export function decodeCkptAbort(p: Uint8Array): CkptAbort | null {
  const r = new ByteReader(p);
  const a = { round: r.u32(), rank: r.u8(), reason: r.str() };
  return r.exact ? a : null;
}

/** CKPT_REQUEST (→ coordinator) and CKPT_AT (coordinator → members): `ckpt now`. */
export interface CkptAt {
  /** The opportunity (progress value) at which every rank checkpoints; 0 in a request. */
  target: number;
  node: number;
  token: number;
}

export function encodeCkptAt(a: CkptAt): Uint8Array {
  return new ByteWriter(9).u32(a.target).u8(a.node).u32(a.token).done();
}

export function decodeCkptAt(p: Uint8Array): CkptAt | null {
  const r = new ByteReader(p);
  const a = { target: r.u32(), node: r.u8(), token: r.u32() };
  return r.exact ? a : null;
}

/** REC_BEGIN (coordinator → participants): a recovery towards the frame's epoch. */
export interface RecBegin {
  coord: number;
  participants: number[];
}

export function encodeRecBegin(b: RecBegin): Uint8Array {
  const w = new ByteWriter(2 + b.participants.length).u8(b.coord);
  writeNodes(w, b.participants);
  return w.done();
}

export function decodeRecBegin(p: Uint8Array): RecBegin | null {
  const r = new ByteReader(p);
  const b = { coord: r.u8(), participants: readNodes(r) };
  return r.exact ? b : null;
}

export const ImageKind = { COMMITTED: 0, PENDING: 1 } as const;

/** One checkpoint image a board holds: whose (rank), which generation, committed or complete-but-tentative. */
export interface HeldImage {
  rank: number;
  gen: number;
  kind: number;
  progress: number;
}

/** REC_STATE (participant → coordinator). */
export interface RecState {
  coord: number;
  incarnation: number;
  hash: number;
  role: number;
  committed: number;
  progress: number;
  images: HeldImage[];
}

export function encodeRecState(s: RecState): Uint8Array {
  const w = new ByteWriter(20 + 10 * s.images.length).u8(s.coord).u32(s.incarnation).u32(s.hash).u8(s.role).u32(s.committed).u32(s.progress);
  w.u16(s.images.length);
  for (const i of s.images) w.u8(i.rank).u32(i.gen).u8(i.kind).u32(i.progress);
  return w.done();
}

export function decodeRecState(p: Uint8Array): RecState | null {
  const r = new ByteReader(p);
  const s: RecState = { coord: r.u8(), incarnation: r.u32(), hash: r.u32(), role: r.u8(), committed: r.u32(), progress: r.u32(), images: [] };
  const n = r.u16();
  for (let i = 0; i < n && r.ok; i++) {
    const img = { rank: r.u8(), gen: r.u32(), kind: r.u8(), progress: r.u32() };
    if (img.kind > ImageKind.PENDING) r.ok = false;
    s.images.push(img);
  }
  return r.exact ? s : null;
}

export interface Transfer {
  rank: number;
  src: number;
  dst: number;
}

/** REC_PLAN (coordinator → participants). */
export interface RecPlan {
  coord: number;
  generation: number;
  map: number[];
  transfers: Transfer[];
}

export function encodeRecPlan(p: RecPlan): Uint8Array {
  const w = new ByteWriter(16 + p.map.length + 3 * p.transfers.length).u8(p.coord).u32(p.generation);
  writeNodes(w, p.map);
  w.u16(p.transfers.length);
  for (const t of p.transfers) w.u8(t.rank).u8(t.src).u8(t.dst);
  return w.done();
}

export function decodeRecPlan(p: Uint8Array): RecPlan | null {
  const r = new ByteReader(p);
  const plan: RecPlan = { coord: r.u8(), generation: r.u32(), map: readNodes(r), transfers: [] };
  const n = r.u16();
  for (let i = 0; i < n && r.ok; i++) plan.transfers.push({ rank: r.u8(), src: r.u8(), dst: r.u8() });
  return r.exact && plan.map.length > 0 ? plan : null;
}

/** REC_READY (participant → coordinator): transfers done; `bytes` of images received. */
export interface RecReady {
  coord: number;
  bytes: number;
}

export function encodeRecReady(r: RecReady): Uint8Array {
  return new ByteWriter(5).u8(r.coord).u32(r.bytes).done();
}

export function decodeRecReady(p: Uint8Array): RecReady | null {
  const r = new ByteReader(p);
  const v = { coord: r.u8(), bytes: r.u32() };
  return r.exact ? v : null;
}

/** REC_RESUME (coordinator → participants): the new view; restart the application. */
export interface RecResume {
  coord: number;
  generation: number;
  map: number[];
  failed: number[];
  detectMs: number;
  restoreMs: number;
  lost: number;
  bytes: number;
  shrink: boolean;
  /**
   * The incarnation of the node of each rank (0: not known), as the coordinator learnt them
   * from the JOINs or the REC_STATEs: every board knows who the view's members are, whether it
   * exchanges heartbeats with them or not, so a member that restarts later is told apart.
   */
  incarnations: number[];
}

export function encodeRecResume(v: RecResume): Uint8Array {
  const w = new ByteWriter(32 + 5 * v.map.length + v.failed.length).u8(v.coord).u32(v.generation);
  writeNodes(w, v.map);
  writeNodes(w, v.failed);
  w.u32(Math.min(0xffffffff, Math.max(0, Math.round(v.detectMs))));
  w.u32(Math.min(0xffffffff, Math.max(0, Math.round(v.restoreMs))));
  w.u32(v.lost).u32(v.bytes).u8(v.shrink ? 1 : 0);
  for (let i = 0; i < v.map.length; i++) w.u32(v.incarnations[i] ?? 0);
  return w.done();
}

export function decodeRecResume(p: Uint8Array): RecResume | null {
  const r = new ByteReader(p);
  const v = {
    coord: r.u8(), generation: r.u32(), map: readNodes(r), failed: readNodes(r),
    detectMs: r.u32(), restoreMs: r.u32(), lost: r.u32(), bytes: r.u32(), shrink: r.u8() === 1, incarnations: [] as number[],
  };
  for (let i = 0; i < v.map.length && r.ok; i++) v.incarnations.push(r.u32());
  return r.exact && v.map.length > 0 ? v : null;
}
