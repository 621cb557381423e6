/**
 * Remote-call messages, byte by byte (docs/PROTOCOL.md §RPC). Each is one MCAPI message between
 * two boards' RPC endpoints (port RPC_PORT). Every message names its call: the calling node and
 * the call's number there (numbered per client, so a restarted server and its client agree on
 * which call a message belongs to), plus the attempt, so nothing from a superseded attempt is
 * taken for the current one.
 *
 *   header (7 bytes): type u8, client u8, call u32 LE, attempt u8
 *   START      flags u8 (bit 0 idempotent, bit 1 resume only), buddy u8 (NO_BUDDY: none),
 *              argBytes u32, chunkBytes u16, name length u8, name (UTF-8)
 *   ACCEPT     resumeGen u32 (0: nothing to resume), haveResult u8
 *   REFUSE     reason u8 (RefuseReason)
 *   ARG        index u32, bytes
 *   ARG_ACK    next u32 (chunks received in order)
 *   PROGRESS   count u32
 *   RESULT     status u8 (0 value, 1 remote error text), total u32, index u32, bytes
 *   RESULT_ACK next u32
 *   STORE      kind u8 (0 checkpoint, 1 result), server u8 (the storing board), chunkBytes u16,
 *              gen u32, total u32, index u32, status u8, bytes
 *   STORE_ACK  gen u32, next u32 (STORE_REFUSED: this board has taken the call over itself)
 *   FORGET     (nothing: drop what you hold of this call)
 */
import { utf8Decode, utf8Encode } from '../util/utf8.js';

export const MsgType = {
  START: 1,
  ACCEPT: 2,
  REFUSE: 3,
  ARG: 4,
  ARG_ACK: 5,
  PROGRESS: 6,
  RESULT: 7,
  RESULT_ACK: 8,
  STORE: 9,
  STORE_ACK: 10,
  FORGET: 11,
} as const;

export const RefuseReason = {
  UNKNOWN_FUNCTION: 1,
  BUSY: 2,
  /** A resume-only start found neither a checkpoint nor a held result of the call. */
  NO_RECORD: 3,
  BAD_REQUEST: 4,
} as const;

export const HEADER_BYTES = 7;
/** STORE_ACK's `next` when the buddy refuses: it runs a later attempt of the call itself. */
export const STORE_REFUSED = 0xffffffff;
/** `buddy` when there is none. */
export const NO_BUDDY = 255;
export const MAX_NAME_BYTES = 64;

export interface CallId {
  client: number;
  call: number;
  attempt: number;
}

export type RpcMessage =
  | (CallId & { type: typeof MsgType.START; idempotent: boolean; resumeOnly: boolean; buddy: number; argBytes: number; chunkBytes: number; name: string })
  | (CallId & { type: typeof MsgType.ACCEPT; resumeGen: number; haveResult: boolean })
  | (CallId & { type: typeof MsgType.REFUSE; reason: number })
  | (CallId & { type: typeof MsgType.ARG; index: number; data: Uint8Array })
  | (CallId & { type: typeof MsgType.ARG_ACK; next: number })
  | (CallId & { type: typeof MsgType.PROGRESS; count: number })
  | (CallId & { type: typeof MsgType.RESULT; status: number; total: number; index: number; data: Uint8Array })
  | (CallId & { type: typeof MsgType.RESULT_ACK; next: number })
  | (CallId & { type: typeof MsgType.STORE; kind: number; server: number; chunkBytes: number; gen: number; total: number; index: number; status: number; data: Uint8Array })
  | (CallId & { type: typeof MsgType.STORE_ACK; gen: number; next: number })
  | (CallId & { type: typeof MsgType.FORGET });

/** A malformed message: dropped and counted by the receiver. */
export class RpcFrameError extends Error {}
Object.defineProperty(RpcFrameError.prototype, 'name', { value: 'RpcFrameError', configurable: true, writable: true });

function header(type: number, id: CallId, body: number): { out: Uint8Array; v: DataView } {
  const out = new Uint8Array(HEADER_BYTES + body);
  const v = new DataView(out.buffer);
  out[0] = type;
  out[1] = id.client;
  v.setUint32(2, id.call, true);
  out[6] = id.attempt;
  return { out, v };
}

export function encodeStart(id: CallId, o: { idempotent: boolean; resumeOnly: boolean; buddy: number; argBytes: number; chunkBytes: number; name: string }): Uint8Array {
  const name = utf8Encode(o.name);
  if (name.length === 0 || name.length > MAX_NAME_BYTES) throw new RpcFrameError(`function name of ${name.length} bytes (1..${MAX_NAME_BYTES})`);
  const { out, v } = header(MsgType.START, id, 9 + name.length);
  out[7] = (o.idempotent ? 1 : 0) | (o.resumeOnly ? 2 : 0);
  out[8] = o.buddy;
  v.setUint32(9, o.argBytes, true);
  v.setUint16(13, o.chunkBytes, true);
  out[15] = name.length;
  out.set(name, 16);
  return out;
}

export function encodeAccept(id: CallId, resumeGen: number, haveResult: boolean): Uint8Array {
  const { out, v } = header(MsgType.ACCEPT, id, 5);
  v.setUint32(7, resumeGen, true);
  out[11] = haveResult ? 1 : 0;
  return out;
}

export function encodeRefuse(id: CallId, reason: number): Uint8Array {
  const { out } = header(MsgType.REFUSE, id, 1);
  out[7] = reason;
  return out;
}

/** ARG, ARG_ACK, PROGRESS, RESULT_ACK: one u32 after the header (+ data for ARG). */
export function encodeIndexed(type: typeof MsgType.ARG | typeof MsgType.ARG_ACK | typeof MsgType.PROGRESS | typeof MsgType.RESULT_ACK, id: CallId, n: number, data?: Uint8Array): Uint8Array {
  const len = data === undefined ? 0 : data.length;
  const { out, v } = header(type, id, 4 + len);
  v.setUint32(7, n, true);
  if (data !== undefined) out.set(data, 11);
  return out;
}

export function encodeResult(id: CallId, status: number, total: number, index: number, data: Uint8Array): Uint8Array {
  const { out, v } = header(MsgType.RESULT, id, 9 + data.length);
  out[7] = status;
  v.setUint32(8, total, true);
  v.setUint32(12, index, true);
  out.set(data, 16);
  return out;
}

export interface StoreFields {
  kind: number;
  server: number;
  chunkBytes: number;
  gen: number;
  total: number;
  status: number;
}

export function encodeStore(id: CallId, f: StoreFields, index: number, data: Uint8Array): Uint8Array {
  const { out, v } = header(MsgType.STORE, id, 17 + data.length);
  out[7] = f.kind;
  out[8] = f.server;
  v.setUint16(9, f.chunkBytes, true);
  v.setUint32(11, f.gen, true);
  v.setUint32(15, f.total, true);
  v.setUint32(19, index, true);
  out[23] = f.status;
  out.set(data, 24);
  return out;
}

export function encodeStoreAck(id: CallId, gen: number, next: number): Uint8Array {
  const { out, v } = header(MsgType.STORE_ACK, id, 8);
  v.setUint32(7, gen, true);
  v.setUint32(11, next, true);
  return out;
}

export function encodeForget(id: CallId): Uint8Array {
  return header(MsgType.FORGET, id, 0).out;
}

function need(bytes: Uint8Array, n: number, what: string): void {
  if (bytes.length < n) throw new RpcFrameError(`${what} of ${bytes.length} bytes, needs ${n}`);
}

/** The message in `bytes` (a copy of data it carries); throws RpcFrameError when malformed. */
export function decodeMessage(bytes: Uint8Array): RpcMessage {
  need(bytes, HEADER_BYTES, 'message');
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const id: CallId = { client: bytes[1]!, call: v.getUint32(2, true), attempt: bytes[6]! };
  const type = bytes[0]!;
  switch (type) {
    case MsgType.START: {
      need(bytes, 16, 'START');
      const nameLen = bytes[15]!;
      if (nameLen === 0 || nameLen > MAX_NAME_BYTES) throw new RpcFrameError(`START name length ${nameLen}`);
      need(bytes, 16 + nameLen, 'START');
      const chunkBytes = v.getUint16(13, true);
      if (chunkBytes === 0) throw new RpcFrameError('START chunk size 0');
      return {
        ...id,
        type,
        idempotent: (bytes[7]! & 1) !== 0,
        resumeOnly: (bytes[7]! & 2) !== 0,
        buddy: bytes[8]!,
        argBytes: v.getUint32(9, true),
        chunkBytes,
        name: utf8Decode(bytes, 16, 16 + nameLen),
      };
    }
    case MsgType.ACCEPT:
      need(bytes, 12, 'ACCEPT');
      return { ...id, type, resumeGen: v.getUint32(7, true), haveResult: bytes[11] === 1 };
    case MsgType.REFUSE:
      need(bytes, 8, 'REFUSE');
      return { ...id, type, reason: bytes[7]! };
    case MsgType.ARG:
      need(bytes, 11, 'ARG');
      return { ...id, type, index: v.getUint32(7, true), data: bytes.slice(11) };
    case MsgType.ARG_ACK:
      need(bytes, 11, 'ARG_ACK');
      return { ...id, type, next: v.getUint32(7, true) };
    case MsgType.PROGRESS:
      need(bytes, 11, 'PROGRESS');
      return { ...id, type, count: v.getUint32(7, true) };
    case MsgType.RESULT:
      need(bytes, 16, 'RESULT');
      return { ...id, type, status: bytes[7]!, total: v.getUint32(8, true), index: v.getUint32(12, true), data: bytes.slice(16) };
    case MsgType.RESULT_ACK:
      need(bytes, 11, 'RESULT_ACK');
      return { ...id, type, next: v.getUint32(7, true) };
    case MsgType.STORE: {
      need(bytes, 24, 'STORE');
      const chunkBytes = v.getUint16(9, true);
      if (chunkBytes === 0) throw new RpcFrameError('STORE chunk size 0');
      return {
        ...id, type, kind: bytes[7]!, server: bytes[8]!, chunkBytes, gen: v.getUint32(11, true),
        total: v.getUint32(15, true), index: v.getUint32(19, true), status: bytes[23]!, data: bytes.slice(24),
      };
    }
    case MsgType.STORE_ACK:
      need(bytes, 15, 'STORE_ACK');
      return { ...id, type, gen: v.getUint32(7, true), next: v.getUint32(11, true) };
    case MsgType.FORGET:
      return { ...id, type };
    default:
      throw new RpcFrameError(`unknown message type ${type}`);
  }
}
