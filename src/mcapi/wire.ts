/**
 * MCAPI frame types (inside FrameType.MCAPI_FIRST..MCAPI_LAST) and the small codes inside their
 * payloads. docs/MCAPI.md "Wire messages" gives every payload layout; multi-byte fields are
 * big-endian.
 */
import { FrameType } from '../wire/frame-types.js';

export const McapiFrame = {
  /** A message: flags, u8 sequence, [u8 acknowledged sequence], [piggybacked responses], data. */
  MSG: FrameType.MCAPI_FIRST + 0x0,
  /** Responses to messages: ACK ranges, NACKs, RESUMEs. */
  MSG_RESP: FrameType.MCAPI_FIRST + 0x1,
  /** A packet on a packet channel: the data only. */
  PKT: FrameType.MCAPI_FIRST + 0x2,
  /** One or more scalars on a scalar channel: (width, value) pairs. */
  SCL: FrameType.MCAPI_FIRST + 0x3,
  /** Receive buffers a channel receiver returns to its sender. */
  CREDIT: FrameType.MCAPI_FIRST + 0x4,
  EP_GET: FrameType.MCAPI_FIRST + 0x5,
  EP_GET_REPLY: FrameType.MCAPI_FIRST + 0x6,
  EP_GET_CANCEL: FrameType.MCAPI_FIRST + 0x7,
  /** Connector -> send-side node. */
  CONNECT: FrameType.MCAPI_FIRST + 0x8,
  /** Send-side node -> receive-side node. */
  CONNECT_RECV: FrameType.MCAPI_FIRST + 0x9,
  /** Receive-side node -> send-side node. */
  CONNECT_REPLY: FrameType.MCAPI_FIRST + 0xa,
  /** Send-side node -> connector. */
  CONNECT_RESULT: FrameType.MCAPI_FIRST + 0xb,
  OPEN: FrameType.MCAPI_FIRST + 0xc,
  CLOSE: FrameType.MCAPI_FIRST + 0xd,
  NODE_ATTR_GET: FrameType.MCAPI_FIRST + 0xe,
  NODE_ATTR_REPLY: FrameType.MCAPI_FIRST + 0xf,
  /**
   * A packet with the credits its sender owed the receiving node riding on it: u8 k (>= 1), k x
   * (send port u16, receive port u16, count u16), then the packet (frame version 3).
   */
  PKT_CR: FrameType.MCAPI_FIRST + 0x10,
} as const;

/** MSG flags byte. */
export const MsgFlag = {
  PRIORITY_MASK: 0x07,
  /** The sender waits (retries) when the receiver is full; the receiver keeps its order. */
  BLOCK: 0x08,
  /** A u8 length and that many bytes of responses follow (after the ACK1 byte, if any). */
  PIGGYBACK: 0x10,
  /** No data: the sender gave up on this sequence number (timeout, cancel). */
  WITHDRAW: 0x20,
  /** One byte follows the sequence number: the sequence number of one message accepted. */
  ACK1: 0x40,
  /** Must be 0. */
  RESERVED: 0x80,
} as const;

/** Messages a sender may have outstanding per destination node (sequence numbers are 8-bit). */
export const MSG_WINDOW = 128;
/**
 * Messages a sender may have outstanding per destination endpoint. A receiver remembers at
 * least this many refused messages per (sender node, endpoint), so a sender that keeps to it
 * never sees an OVERFLOW refusal.
 */
export const MSG_PORT_WINDOW = 32;

/** Entries in MSG_RESP payloads and in piggybacked response sections (3 bytes each). */
export const Resp = {
  /** u8 first sequence, u8 count: messages accepted. */
  ACK: 1,
  /** u8 sequence, u8 reason: message not accepted. */
  NACK: 2,
  /** u16 port: the endpoint has room again; resend what it refused. */
  RESUME: 3,
} as const;

/** NACK reasons. */
export const Nack = {
  /** The endpoint's queue (or the node's) is full. */
  FULL: 1,
  /** An earlier message from the same node to the endpoint is still refused; keep the order. */
  ORDER: 2,
  NO_ENDPOINT: 3,
  CHAN_CONNECTED: 4,
  SIZE: 5,
  /** Too many refused messages remembered for this sender. */
  OVERFLOW: 6,
  PRIORITY: 7,
} as const;

/** Channel kinds in CONNECT / OPEN / CLOSE payloads. */
export const ChanKind = {
  PKT: 1,
  SCL: 2,
} as const;
export type ChanKindCode = (typeof ChanKind)[keyof typeof ChanKind];

/** Channel sides in OPEN / CLOSE payloads. */
export const ChanDir = {
  SEND: 1,
  RECV: 2,
} as const;
export type ChanDirCode = (typeof ChanDir)[keyof typeof ChanDir];

/** EP_GET_REPLY results. */
export const GetResult = {
  FOUND: 1,
} as const;

/** Callers check the payload's length first (the frame decoders do). */
export function readU16(p: Uint8Array, off: number): number {
  return (p[off]! << 8) | p[off + 1]!;
}

export function writeU16(p: Uint8Array, off: number, v: number): void {
  p[off] = (v >>> 8) & 0xff;
  p[off + 1] = v & 0xff;
}

import { readU32BE as readU32, writeU32BE as writeU32 } from '../util/u32.js';

export { readU32, writeU32 };
