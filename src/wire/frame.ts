/**
 * Frame format v3, the same on every link (docs/PROTOCOL.md is normative; v2 = v1 plus the
 * end-to-end prefix of unicast upper-layer payloads, §8; v3 = v2 plus MCAPI's PKT_CR, a packet
 * with channel credits riding on it: the header is unchanged):
 *
 *   off size field
 *   0   1    version (high nibble = 4) | flags (low nibble: bit0 ACK_VALID, bit1 SEQ_VALID,
 *            bit2 NO_CRC)
 *   1   1    type            2 1 lseq      3 1 lack        4 1 domain
 *   5   1    src node        6 1 dst node  7 1 ttl
 *   8   2    src port LE    10 2 dst port LE  12 2 epoch LE  14 2 payload length LE
 *   16  n    payload
 *   16+n 4   CRC-32 (IEEE) LE over bytes 0 .. 16+n-1; zero when NO_CRC is set
 *
 * flags, lseq, lack and ttl are hop fields: rewritten at every hop, so the CRC is too.
 * NO_CRC is a hop field as well: a link whose transport already checks every datagram (UDP's
 * checksum over a MAC with its own CRC-32) may leave the CRC out; a byte stream (UART) never
 * does, and a stream receiver drops a frame that claims it.
 */
import { assert } from '../util/assert.js';
import { SPLICE_MIN, bufferConcat, ownBuffer } from './bytes.js';
import type { BufferConcat } from './bytes.js';
import { Crc32 } from './crc32.js';
import type { CrcSlices } from './crc32.js';
import type { NativeBytes } from './native.js';

export const FRAME_VERSION = 4;
export const FLAG_ACK_VALID = 0x1;
export const FLAG_SEQ_VALID = 0x2;
/** The CRC field is not set: the link's transport checks frames (datagram links only). */
export const FLAG_NO_CRC = 0x4;
/**
 * The frame carries an 8-byte MAC (SipHash-2-4) between payload and CRC: the domain has a key
 * (docs/PROTOCOL.md §13). A link matter like NO_CRC: not one of the fields.
 */
export const FLAG_AUTH = 0x8;
/** Size of the MAC of an authenticated frame. */
export const TAG_SIZE = 8;
/** Flag bits a frame's fields carry (`FrameFields.flags`). */
export const FLAGS_FIELDS = FLAG_ACK_VALID | FLAG_SEQ_VALID;
/** Flag bits a v3 receiver understands. */
export const FLAGS_KNOWN = FLAGS_FIELDS | FLAG_NO_CRC | FLAG_AUTH;
export const HEADER_SIZE = 16;
export const CRC_SIZE = 4;
export const FRAME_OVERHEAD = HEADER_SIZE + CRC_SIZE;
/** A 4 KiB DSM page plus room for the headers of the layers above the network. */
export const DEFAULT_MAX_PAYLOAD = 4200;
/** The payload length field is 16 bits. */
export const PAYLOAD_LIMIT = 0xffff;

export const OFF_VERSION_FLAGS = 0;
export const OFF_TYPE = 1;
export const OFF_LSEQ = 2;
export const OFF_LACK = 3;
export const OFF_DOMAIN = 4;
export const OFF_SRC = 5;
export const OFF_DST = 6;
export const OFF_TTL = 7;
export const OFF_SRC_PORT = 8;
export const OFF_DST_PORT = 10;
export const OFF_EPOCH = 12;
export const OFF_LENGTH = 14;

export interface FrameFields {
  flags: number;
  type: number;
  lseq: number;
  lack: number;
  domain: number;
  src: number;
  dst: number;
  ttl: number;
  srcPort: number;
  dstPort: number;
  epoch: number;
  /** After decode: a view into the decoded bytes, not a copy. */
  payload: Uint8Array;
}

/** Why decode rejected a frame; `ok` when it did not. */
export type FrameError = 'ok' | 'short' | 'version' | 'flags' | 'length' | 'too-large' | 'crc' | 'no-crc';

export function emptyFrame(): FrameFields {
  return {
    flags: 0, type: 0, lseq: 0, lack: 0, domain: 0, src: 0, dst: 0, ttl: 0,
    srcPort: 0, dstPort: 0, epoch: 0, payload: new Uint8Array(0),
  };
}

export class FrameCodec {
  // Helpers of encode, statics rather than module functions: one module-level binding fewer each
  // (the simulator's XS bundle pays a stack slot per binding; see HopLink.LSEQ_SPACE).
  private static checkField(name: string, value: number, max: number): void {
    if (!(Number.isInteger(value) && value >= 0 && value <= max)) {
      throw new RangeError(`frame.${name} must be an integer in 0..${max}, got ${String(value)}`);
    }
  }

  private static checkFields(f: FrameFields): void {
    FrameCodec.checkField('flags', f.flags, FLAGS_FIELDS);
    FrameCodec.checkField('type', f.type, 0xff);
    FrameCodec.checkField('lseq', f.lseq, 0xff);
    FrameCodec.checkField('lack', f.lack, 0xff);
    FrameCodec.checkField('domain', f.domain, 0xff);
    FrameCodec.checkField('src', f.src, 0xff);
    FrameCodec.checkField('dst', f.dst, 0xff);
    FrameCodec.checkField('ttl', f.ttl, 0xff);
    FrameCodec.checkField('srcPort', f.srcPort, 0xffff);
    FrameCodec.checkField('dstPort', f.dstPort, 0xffff);
    FrameCodec.checkField('epoch', f.epoch, 0xffff);
  }

  private static writeHeader(f: FrameFields, n: number, buf: Uint8Array, offset: number): void {
    buf[offset + OFF_VERSION_FLAGS] = (FRAME_VERSION << 4) | f.flags;
    buf[offset + OFF_TYPE] = f.type;
    buf[offset + OFF_LSEQ] = f.lseq;
    buf[offset + OFF_LACK] = f.lack;
    buf[offset + OFF_DOMAIN] = f.domain;
    buf[offset + OFF_SRC] = f.src;
    buf[offset + OFF_DST] = f.dst;
    buf[offset + OFF_TTL] = f.ttl;
    buf[offset + OFF_SRC_PORT] = f.srcPort & 0xff;
    buf[offset + OFF_SRC_PORT + 1] = f.srcPort >>> 8;
    buf[offset + OFF_DST_PORT] = f.dstPort & 0xff;
    buf[offset + OFF_DST_PORT + 1] = f.dstPort >>> 8;
    buf[offset + OFF_EPOCH] = f.epoch & 0xff;
    buf[offset + OFF_EPOCH + 1] = f.epoch >>> 8;
    buf[offset + OFF_LENGTH] = n & 0xff;
    buf[offset + OFF_LENGTH + 1] = n >>> 8;
  }

  readonly maxPayload: number;
  private readonly crc: Crc32;
  private readonly concat: BufferConcat | undefined = bufferConcat();

  /**
   * `crcSlices`: 8 (8 KiB of CRC tables, about twice as fast) or 1 (1 KiB), see Crc32.
   * `native`: the target's byte helpers (Hal.bytes); its crc32, when present, seals and checks.
   */
  constructor(maxPayload = DEFAULT_MAX_PAYLOAD, crcSlices: CrcSlices = 8, native?: NativeBytes) {
    FrameCodec.checkField('maxPayload', maxPayload, PAYLOAD_LIMIT);
    this.maxPayload = maxPayload;
    this.crc = new Crc32(crcSlices, native);
  }

  /** Bytes a frame with `payloadLength` bytes of payload occupies (unencoded). */
  frameLength(payloadLength: number): number {
    return FRAME_OVERHEAD + payloadLength;
  }

  /**
   * Encode `f` into `out` at `offset` (or into a fresh array) and return a view of exactly
   * the frame's bytes. Throws RangeError naming the field when one is out of range.
   * `seal = false` leaves the CRC bytes unset, for a frame whose hop fields are set (and the
   * CRC computed) later by `setHop`. `crc = false` seals it as NO_CRC (datagram links whose
   * transport checks frames).
   */
  encode(f: FrameFields, out?: Uint8Array, offset = 0, seal = true, crc = true, tag = false): Uint8Array {
    // `(v & m) === v` holds exactly for the integers 0..m (not for NaN, fractions, negatives
    // or non-numbers): one cheap test per field, and the slow path only to name the bad one.
    if (
      (f.flags & FLAGS_FIELDS) !== f.flags || (f.type & 0xff) !== f.type || (f.lseq & 0xff) !== f.lseq ||
      (f.lack & 0xff) !== f.lack || (f.domain & 0xff) !== f.domain || (f.src & 0xff) !== f.src ||
      (f.dst & 0xff) !== f.dst || (f.ttl & 0xff) !== f.ttl || (f.srcPort & 0xffff) !== f.srcPort ||
      (f.dstPort & 0xffff) !== f.dstPort || (f.epoch & 0xffff) !== f.epoch
    ) {
      FrameCodec.checkFields(f);
    }
    const n = f.payload.length;
    if (n > this.maxPayload) {
      throw new RangeError(`frame.payload is ${n} bytes, more than maxPayload ${this.maxPayload}`);
    }
    const tail = tag ? CRC_SIZE + TAG_SIZE : CRC_SIZE;
    const total = HEADER_SIZE + n + tail;
    let frame: Uint8Array;
    const concat = out === undefined && n >= SPLICE_MIN ? this.concat : undefined;
    if (concat !== undefined) {
      // XS: header, payload and CRC room joined by memcpy instead of an element-wise set().
      const head = new Uint8Array(HEADER_SIZE);
      FrameCodec.writeHeader(f, n, head, 0);
      frame = new Uint8Array(concat.call(head.buffer as ArrayBuffer, ownBuffer(f.payload), new ArrayBuffer(tail)));
    } else {
      const buf = out ?? new Uint8Array(total);
      if (offset < 0 || offset + total > buf.length) {
        throw new RangeError(`frame needs ${total} bytes at offset ${offset}, out has ${buf.length}`);
      }
      FrameCodec.writeHeader(f, n, buf, offset);
      buf.set(f.payload, offset + HEADER_SIZE);
      frame = buf.subarray(offset, offset + total);
    }
    if (tag) frame[OFF_VERSION_FLAGS]! |= FLAG_AUTH;
    if (seal) this.seal(frame, crc);
    return frame;
  }

  /**
   * A new frame from this node in one pass (the lean path: docs/PERFORMANCE.md): the header
   * written straight into the frame, `prefix` zero bytes left for the network layer's own
   * prefix (the end-to-end prefix, a broadcast number) and then `payload`; hop fields zero, the
   * CRC (and, with `tag`, the MAC's room) left for `setHop`. The same bytes as `encode` with
   * `seal = false` of the payload behind `prefix` zeros, without a FrameFields object, a
   * second copy of the payload, or a check of every field: callers pass fields they validated
   * (NetLayer.send checks the caller's; the rest are the layer's own, validated at start).
   */
  originate(
    type: number, domain: number, src: number, dst: number, ttl: number, srcPort: number, dstPort: number, epoch: number,
    prefix: number, payload: Uint8Array, tag: boolean,
  ): Uint8Array {
    const n = prefix + payload.length;
    // The test inline, the call only to throw: assert's call was ~25 XS units on every frame.
    if (n > this.maxPayload) assert(false, 'frame: an originated payload fits maxPayload');
    const tail = tag ? CRC_SIZE + TAG_SIZE : CRC_SIZE;
    let frame: Uint8Array;
    const concat = n >= SPLICE_MIN ? this.concat : undefined;
    if (concat !== undefined) {
      // XS: header room, payload and tail joined by memcpy instead of an element-wise set().
      frame = new Uint8Array(concat.call(new ArrayBuffer(HEADER_SIZE + prefix), ownBuffer(payload), new ArrayBuffer(tail)));
    } else {
      frame = new Uint8Array(HEADER_SIZE + n + tail);
      frame.set(payload, HEADER_SIZE + prefix);
    }
    // A fresh buffer is zero: flags other than AUTH, lseq and lack need no store.
    frame[OFF_VERSION_FLAGS] = tag ? (FRAME_VERSION << 4) | FLAG_AUTH : FRAME_VERSION << 4;
    frame[OFF_TYPE] = type;
    frame[OFF_DOMAIN] = domain;
    frame[OFF_SRC] = src;
    frame[OFF_DST] = dst;
    frame[OFF_TTL] = ttl;
    frame[OFF_SRC_PORT] = srcPort & 0xff;
    frame[OFF_SRC_PORT + 1] = srcPort >>> 8;
    frame[OFF_DST_PORT] = dstPort & 0xff;
    frame[OFF_DST_PORT + 1] = dstPort >>> 8;
    frame[OFF_EPOCH] = epoch & 0xff;
    frame[OFF_EPOCH + 1] = epoch >>> 8;
    frame[OFF_LENGTH] = n & 0xff;
    frame[OFF_LENGTH + 1] = n >>> 8;
    return frame;
  }

  /**
   * `originate` of a frame whose sender writes its payload in place (NetLayer.sendBuilt): zeros
   * for `prefix` + `n` bytes, allocated once at exactly the frame's size. Its own method, its
   * header stores written out again: a test for a missing payload in originate was ~28 XS units
   * on every frame MCAPI sends (bench mcapi, docs/FOOTPRINT.md "Round 20: checkpoint data framed in place").
   */
  originateRoom(
    type: number, domain: number, src: number, dst: number, ttl: number, srcPort: number, dstPort: number, epoch: number,
    prefix: number, n: number, tag: boolean,
  ): Uint8Array {
    const len = prefix + n;
    if (len > this.maxPayload) assert(false, 'frame: an originated payload fits maxPayload');
    const frame = new Uint8Array(HEADER_SIZE + len + (tag ? CRC_SIZE + TAG_SIZE : CRC_SIZE));
    frame[OFF_VERSION_FLAGS] = tag ? (FRAME_VERSION << 4) | FLAG_AUTH : FRAME_VERSION << 4;
    frame[OFF_TYPE] = type;
    frame[OFF_DOMAIN] = domain;
    frame[OFF_SRC] = src;
    frame[OFF_DST] = dst;
    frame[OFF_TTL] = ttl;
    frame[OFF_SRC_PORT] = srcPort & 0xff;
    frame[OFF_SRC_PORT + 1] = srcPort >>> 8;
    frame[OFF_DST_PORT] = dstPort & 0xff;
    frame[OFF_DST_PORT + 1] = dstPort >>> 8;
    frame[OFF_EPOCH] = epoch & 0xff;
    frame[OFF_EPOCH + 1] = epoch >>> 8;
    frame[OFF_LENGTH] = len & 0xff;
    frame[OFF_LENGTH + 1] = len >>> 8;
    return frame;
  }

  /**
   * An unsequenced frame of a link's own (HELLO, LINK_ACK: ttl 1, ports 0, lseq 0) written
   * over `buf` from offset 0 without allocating: every header byte (the buffer may hold an
   * earlier frame) and payload[0, n). Returns the frame's length (`buf` may be longer); the
   * caller seals it (after signing it, with `tag`). Same bytes as `encode` of those fields.
   */
  control(
    buf: Uint8Array, flags: number, type: number, lack: number, domain: number, src: number, dst: number, epoch: number,
    payload: Uint8Array, n: number, tag: boolean,
  ): number {
    const total = HEADER_SIZE + n + (tag ? CRC_SIZE + TAG_SIZE : CRC_SIZE);
    if (total > buf.length || n > payload.length) assert(false, 'frame: a control frame fits its buffer');
    buf[OFF_VERSION_FLAGS] = (FRAME_VERSION << 4) | flags | (tag ? FLAG_AUTH : 0);
    buf[OFF_TYPE] = type;
    buf[OFF_LSEQ] = 0;
    buf[OFF_LACK] = lack;
    buf[OFF_DOMAIN] = domain;
    buf[OFF_SRC] = src;
    buf[OFF_DST] = dst;
    buf[OFF_TTL] = 1;
    buf[OFF_SRC_PORT] = 0;
    buf[OFF_SRC_PORT + 1] = 0;
    buf[OFF_DST_PORT] = 0;
    buf[OFF_DST_PORT + 1] = 0;
    buf[OFF_EPOCH] = epoch & 0xff;
    buf[OFF_EPOCH + 1] = epoch >>> 8;
    buf[OFF_LENGTH] = n & 0xff;
    buf[OFF_LENGTH + 1] = n >>> 8;
    // At most a few bytes (HELLO 9, a sack bitmap 0..8): a loop costs less than set().
    for (let i = 0; i < n; i++) buf[HEADER_SIZE + i] = payload[i]!;
    return total;
  }

  /**
   * Validate `bytes` as exactly one frame and fill `into` (payload is a view into `bytes`).
   * `into` is only meaningful when the result is `ok`. A NO_CRC frame is taken only when
   * `allowNoCrc` (it came over a datagram link); otherwise it is `no-crc`. A NO_CRC frame whose
   * CRC field is not zero is `crc`.
   */
  decode(bytes: Uint8Array, into: FrameFields, verifyCrc?: boolean, allowNoCrc?: boolean): FrameError {
    // verifyCrc true and allowNoCrc false when not given, tested as such below rather than as
    // default values: a default is a test and a store at every call (a board decodes every frame).
    const len = bytes.length;
    if (len < FRAME_OVERHEAD) return 'short';
    // From here every header index (and the CRC field's) is within the FRAME_OVERHEAD bytes checked.
    const vf = bytes[OFF_VERSION_FLAGS]!;
    if (vf >>> 4 !== FRAME_VERSION) return 'version';
    if ((vf & 0x0f & ~FLAGS_KNOWN) !== 0) return 'flags';
    const n = bytes[OFF_LENGTH]! | (bytes[OFF_LENGTH + 1]! << 8);
    if (n > this.maxPayload) return 'too-large';
    if (len !== FRAME_OVERHEAD + n + ((vf & FLAG_AUTH) !== 0 ? TAG_SIZE : 0)) return 'length';
    if ((vf & FLAG_NO_CRC) !== 0) {
      if (allowNoCrc !== true) return 'no-crc';
      // The field must be zero (PROTOCOL.md §1): anything else is a damaged or forged frame.
      // It is the last 4 bytes (an AUTH frame's tag comes before it).
      if ((bytes[len - 4]! | bytes[len - 3]! | bytes[len - 2]! | bytes[len - 1]!) !== 0) return 'crc';
    } else if (verifyCrc !== false) {
      const end = len - CRC_SIZE;
      if (!this.crc.matches(bytes, 0, end, end)) return 'crc';
    }
    into.flags = vf & FLAGS_FIELDS;
    into.type = bytes[OFF_TYPE]!;
    into.lseq = bytes[OFF_LSEQ]!;
    into.lack = bytes[OFF_LACK]!;
    into.domain = bytes[OFF_DOMAIN]!;
    into.src = bytes[OFF_SRC]!;
    into.dst = bytes[OFF_DST]!;
    into.ttl = bytes[OFF_TTL]!;
    into.srcPort = bytes[OFF_SRC_PORT]! | (bytes[OFF_SRC_PORT + 1]! << 8);
    into.dstPort = bytes[OFF_DST_PORT]! | (bytes[OFF_DST_PORT + 1]! << 8);
    into.epoch = bytes[OFF_EPOCH]! | (bytes[OFF_EPOCH + 1]! << 8);
    into.payload = bytes.subarray(HEADER_SIZE, HEADER_SIZE + n);
    return 'ok';
  }

  /**
   * The version of a frame `decode` refused as `version`, when the rest of it is a whole,
   * sealed frame as every version so far lays one out (length field, CRC over the rest, or
   * NO_CRC with a zero field where `allowNoCrc`); -1 otherwise. Tells a peer that speaks another
   * version from line noise in byte 0, which the CRC catches. Off the frame path: only for
   * frames already refused.
   */
  sealedVersion(bytes: Uint8Array, allowNoCrc: boolean): number {
    const len = bytes.length;
    if (len < FRAME_OVERHEAD) return -1;
    const vf = bytes[OFF_VERSION_FLAGS]!;
    const n = bytes[OFF_LENGTH]! | (bytes[OFF_LENGTH + 1]! << 8);
    if (n > this.maxPayload || len !== FRAME_OVERHEAD + n + ((vf & FLAG_AUTH) !== 0 ? TAG_SIZE : 0)) return -1;
    const end = len - CRC_SIZE;
    if ((vf & FLAG_NO_CRC) !== 0) {
      if (!allowNoCrc || (bytes[end]! | bytes[end + 1]! | bytes[end + 2]! | bytes[end + 3]!) !== 0) return -1;
    } else if (!this.crc.matches(bytes, 0, end, end)) {
      return -1;
    }
    return vf >>> 4;
  }

  /**
   * Rewrite the hop fields of an encoded frame in place and re-seal it (`crc = false`: as
   * NO_CRC). `sign`, for an authenticated frame, writes its MAC once the hop fields are set.
   */
  setHop(frame: Uint8Array, flags: number, lseq: number, lack: number, ttl: number, crc = true, sign: ((frame: Uint8Array) => void) | null = null): void {
    frame[OFF_VERSION_FLAGS] = (FRAME_VERSION << 4) | (flags & FLAGS_FIELDS) | (frame[OFF_VERSION_FLAGS]! & FLAG_AUTH);
    frame[OFF_LSEQ] = lseq;
    frame[OFF_LACK] = lack;
    frame[OFF_TTL] = ttl;
    if (sign !== null && (frame[OFF_VERSION_FLAGS]! & FLAG_AUTH) !== 0) sign(frame);
    this.seal(frame, crc);
  }

  /**
   * Store the CRC of a frame whose length field is already set, or (`crc = false`) mark it
   * NO_CRC and zero the field.
   */
  seal(frame: Uint8Array, crc = true): void {
    const end = frame.length - CRC_SIZE;
    if (!crc) {
      frame[OFF_VERSION_FLAGS]! |= FLAG_NO_CRC;
      frame[end] = 0;
      frame[end + 1] = 0;
      frame[end + 2] = 0;
      frame[end + 3] = 0;
      return;
    }
    frame[OFF_VERSION_FLAGS]! &= ~FLAG_NO_CRC;
    this.crc.store(frame, 0, end, end);
  }
}
