/**
 * Typed codecs of the MCAPI control frames (connect, open, close, credit, lookup, node
 * attribute; docs/MCAPI.md "Wire messages" gives the layouts). A decoder returns the fields of a
 * well-formed payload or throws MalformedFrame, the one exception the frame handler catches
 * (Core.receive counts it as `malformed` and drops the frame); every other exception in a
 * handler is a bug and propagates. The data frames (MSG, MSG_RESP, PKT, SCL) are parsed in
 * place by their engines: they are the hot path, and a parsed record per frame would cost an
 * allocation on every message.
 *
 * The codecs are static methods of one class, McapiCodec, rather than module functions: the XS
 * board bundle (one rollup iife) makes every module-level name of src/ a slot of one function
 * frame, and the board's stack (1024 slots, as on an ESP32) must hold them all when it loads.
 */
import { isStatusCode } from './status.js';
import type { StatusCode } from './status.js';
import { ChanDir, ChanKind, readU16, readU32, writeU16, writeU32 } from './wire.js';
import type { ChanDirCode, ChanKindCode } from './wire.js';

/** A frame that breaks the MCAPI wire format or protocol: dropped and counted, never fatal. */
export class MalformedFrame extends Error {
  /** On the prototype: Moddable freezes Error.prototype at preload (see docs/TARGETS.md). */
  override get name(): string {
    return 'MalformedFrame';
  }

  /** Throws MalformedFrame saying `what` unless `ok`. */
  static check(ok: boolean, what: string): asserts ok {
    if (!ok) throw new MalformedFrame(what);
  }
}

// ------------------------------------------------------------------ connect handshake

/** CONNECT: connector -> send side's node. */
export interface ConnectMsg {
  kind: ChanKindCode;
  recvNode: number;
  recvPort: number;
  token: number;
}

/** CONNECT_RECV: send side -> receive side, with the send endpoint's channel attributes. */
export interface ConnectRecvMsg {
  kind: ChanKindCode;
  connector: number;
  token: number;
  maxPayload: number;
  priority: number;
}

/** CONNECT_REPLY: receive side -> send side. */
export interface ConnectReplyMsg {
  status: StatusCode;
  connector: number;
  token: number;
}

/** CONNECT_RESULT: send side -> connector. */
export interface ConnectResultMsg {
  token: number;
  status: StatusCode;
}

// ------------------------------------------------------------------ open, close, credit

/** OPEN: one side opened (or withdrew its open); the receive side's carries its credits. */
export interface OpenMsg {
  kind: ChanKindCode;
  dir: ChanDirCode;
  open: boolean;
  credits: number;
}

/** CLOSE: one side closed its end. */
export interface CloseMsg {
  kind: ChanKindCode;
  dir: ChanDirCode;
}

/** EP_GET_REPLY (byte: GetResult.FOUND) and NODE_ATTR_GET (byte: the attribute asked, any number). */
export interface TokenByteMsg {
  token: number;
  byte: number;
}

/** NODE_ATTR_REPLY: the token, a status and the value (0 unless the status is success). */
export interface NodeAttrReplyMsg {
  token: number;
  status: StatusCode;
  value: number;
}

/** The codecs, as static methods: one name in a board bundle (see the header). */
export class McapiCodec {
  private static chanKind(b: number | undefined): ChanKindCode {
    MalformedFrame.check(b === ChanKind.PKT || b === ChanKind.SCL, 'mcapi: unknown channel kind');
    return b;
  }

  private static chanDir(b: number | undefined): ChanDirCode {
    MalformedFrame.check(b === ChanDir.SEND || b === ChanDir.RECV, 'mcapi: unknown channel side');
    return b;
  }

  private static status(b: number | undefined): StatusCode {
    MalformedFrame.check(b !== undefined && isStatusCode(b), 'mcapi: unknown status code');
    return b;
  }

  static encodeConnect(kind: ChanKindCode, recvNode: number, recvPort: number, token: number): Uint8Array {
    const p = new Uint8Array(8);
    p[0] = kind;
    p[1] = recvNode;
    writeU16(p, 2, recvPort);
    writeU32(p, 4, token);
    return p;
  }

  static decodeConnect(p: Uint8Array): ConnectMsg {
    MalformedFrame.check(p.length === 8, 'mcapi: CONNECT of the wrong length');
    return { kind: McapiCodec.chanKind(p[0]), recvNode: p[1]!, recvPort: readU16(p, 2), token: readU32(p, 4) };
  }

  static encodeConnectRecv(m: ConnectRecvMsg): Uint8Array {
    const p = new Uint8Array(11);
    p[0] = m.kind;
    p[1] = m.connector;
    writeU32(p, 2, m.token);
    writeU32(p, 6, m.maxPayload);
    p[10] = m.priority;
    return p;
  }

  static decodeConnectRecv(p: Uint8Array): ConnectRecvMsg {
    MalformedFrame.check(p.length === 11, 'mcapi: CONNECT_RECV of the wrong length');
    return { kind: McapiCodec.chanKind(p[0]), connector: p[1]!, token: readU32(p, 2), maxPayload: readU32(p, 6), priority: p[10]! };
  }

  static encodeConnectReply(st: StatusCode, connector: number, token: number): Uint8Array {
    const p = new Uint8Array(6);
    p[0] = st;
    p[1] = connector;
    writeU32(p, 2, token);
    return p;
  }

  static decodeConnectReply(p: Uint8Array): ConnectReplyMsg {
    MalformedFrame.check(p.length === 6, 'mcapi: CONNECT_REPLY of the wrong length');
    return { status: McapiCodec.status(p[0]), connector: p[1]!, token: readU32(p, 2) };
  }

  static encodeConnectResult(token: number, st: StatusCode): Uint8Array {
    const p = new Uint8Array(5);
    writeU32(p, 0, token);
    p[4] = st;
    return p;
  }

  static decodeConnectResult(p: Uint8Array): ConnectResultMsg {
    MalformedFrame.check(p.length === 5, 'mcapi: CONNECT_RESULT of the wrong length');
    return { token: readU32(p, 0), status: McapiCodec.status(p[4]) };
  }

  static encodeOpen(kind: ChanKindCode, dir: ChanDirCode, open: boolean, credits: number): Uint8Array {
    const p = new Uint8Array(5);
    p[0] = kind;
    p[1] = dir;
    p[2] = open ? 1 : 0;
    writeU16(p, 3, credits);
    return p;
  }

  static decodeOpen(p: Uint8Array): OpenMsg {
    MalformedFrame.check(p.length === 5, 'mcapi: OPEN of the wrong length');
    const kind = McapiCodec.chanKind(p[0]);
    const dir = McapiCodec.chanDir(p[1]);
    const open = p[2]!;
    MalformedFrame.check(open <= 1, 'mcapi: OPEN with a bad open flag');
    return { kind, dir, open: open === 1, credits: readU16(p, 3) };
  }

  static encodeClose(kind: ChanKindCode, dir: ChanDirCode): Uint8Array {
    const p = new Uint8Array(2);
    p[0] = kind;
    p[1] = dir;
    return p;
  }

  static decodeClose(p: Uint8Array): CloseMsg {
    MalformedFrame.check(p.length === 2, 'mcapi: CLOSE of the wrong length');
    return { kind: McapiCodec.chanKind(p[0]), dir: McapiCodec.chanDir(p[1]) };
  }

  /** CREDIT: receive buffers freed; the count. */
  static encodeCredit(count: number): Uint8Array {
    const p = new Uint8Array(2);
    writeU16(p, 0, count);
    return p;
  }

  static decodeCredit(p: Uint8Array): number {
    MalformedFrame.check(p.length === 2, 'mcapi: CREDIT of the wrong length');
    return readU16(p, 0);
  }

  // ------------------------------------------------------------------ lookup, node attributes

  /**
   * A token, and one byte more for EP_GET_REPLY (GetResult.FOUND) and NODE_ATTR_GET (the
   * attribute): EP_GET and EP_GET_CANCEL carry the token alone.
   */
  static encodeToken(token: number, tail = -1): Uint8Array {
    const p = new Uint8Array(tail < 0 ? 4 : 5);
    writeU32(p, 0, token);
    if (tail >= 0) p[4] = tail;
    return p;
  }

  /** The token of EP_GET or EP_GET_CANCEL. */
  static decodeToken(p: Uint8Array): number {
    MalformedFrame.check(p.length === 4, 'mcapi: lookup frame of the wrong length');
    return readU32(p, 0);
  }

  /** The token and the byte after it (EP_GET_REPLY, NODE_ATTR_GET). */
  static decodeTokenByte(p: Uint8Array): TokenByteMsg {
    MalformedFrame.check(p.length === 5, 'mcapi: token frame of the wrong length');
    return { token: readU32(p, 0), byte: p[4]! };
  }

  static encodeNodeAttrReply(token: number, st: StatusCode, value: number): Uint8Array {
    const q = new Uint8Array(9);
    writeU32(q, 0, token);
    q[4] = st;
    writeU32(q, 5, value);
    return q;
  }

  static decodeNodeAttrReply(p: Uint8Array): NodeAttrReplyMsg {
    MalformedFrame.check(p.length === 9, 'mcapi: NODE_ATTR_REPLY of the wrong length');
    return { token: readU32(p, 0), status: McapiCodec.status(p[4]), value: readU32(p, 5) };
  }
}
