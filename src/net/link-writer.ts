/**
 * The transmit end of one link: a stream link (UART) gets each frame COBS-encoded and
 * delimited (docs/PROTOCOL.md §3), with the native encoder when the target has one; a
 * datagram link gets the frame as it is. Counts frames and bytes as they go on the wire, per
 * link (the layer's totals are their sums, made when asked: NetLayer.stats).
 * Also encodes the link's own unsequenced frames (HELLO, LINK_ACK) in one reused buffer.
 * When the target tells the link's rate (HalLink.bytesPerMs) it keeps the time the bytes
 * written so far will have left: writes queue behind each other in the target's transmit
 * buffer, so a frame written behind 4 KiB of others on a 921600-baud UART leaves 45 ms later.
 */
import type { Clock, HalLink } from '../hal.js';
import { cobsEncode, cobsEncodedLength } from '../wire/cobs.js';
import { CobsSource } from '../wire/cobs-source.js';
import { FrameType } from '../wire/frame-types.js';
import { CRC_SIZE, FLAG_ACK_VALID, FRAME_OVERHEAD, HEADER_SIZE, TAG_SIZE } from '../wire/frame.js';
import type { NativeBytes } from '../wire/native.js';
import type { FrameAuth } from '../wire/auth.js';
import type { FrameCodec } from '../wire/frame.js';
import type { ResolvedNetOptions } from './options.js';
import type { LinkCounters, NetCounters } from './stats.js';
import { LS_BYTES_OUT, LS_FRAMES_OUT } from './stats.js';

/**
 * Stream links: after this much silence a frame is preceded by an extra 0x00, so a partial
 * frame left in the receiver by line noise ends there instead of spoiling this frame.
 */
const IDLE_DELIMIT_MS = 10;

/**
 * Stream frames at least this long go to a target with HalLink.writeSource as a CobsSource
 * (encoded as the port drains) instead of a whole encoding: a 4 KiB frame's encoding was a
 * second ~4.3 KiB next to the frame the link holds for retransmission. Smaller frames keep the
 * one-call native encoding (a source is an object and a scan of its own).
 */
const SOURCE_MIN_BYTES = 512;

/** What a writer needs of its link's host (HopLink's LinkHost extends it: no import cycle). */
export interface WriterHost {
  readonly node: number;
  readonly domain: number;
  readonly codec: FrameCodec;
  readonly clock: Clock;
  readonly opts: Pick<ResolvedNetOptions, 'bytes'>;
  readonly st: NetCounters;
  /** The domain key's MAC (docs/PROTOCOL.md §13), null when the domain has no key. */
  readonly auth: FrameAuth | null;
  wireEpoch(): number;
}

export class LinkWriter {
  protected readonly hal: HalLink;
  private readonly host: WriterHost;
  /** Frames sent here carry our CRC (always on streams; on datagrams only with `datagramCrc`). */
  private readonly crc: boolean;
  /**
   * One buffer per control-frame length, made on first use (a handful: HELLO, LINK_ACK with 0..8
   * bitmap bytes): a control frame allocates nothing. Whole buffers, not views of one: on Lua a
   * subarray is a copy, so a cached view would keep the first frame's bytes.
   */
  private readonly ctrlBufs: (Uint8Array | undefined)[] = [];
  protected readonly clock: Clock;
  protected readonly natives: NativeBytes;
  protected readonly stats: LinkCounters;
  /** A stream link: frames are COBS-encoded and delimited. */
  protected readonly stream: boolean;
  /**
   * The JS encoder's buffer (a leading delimiter, the largest frame encoded): null on datagrams
   * and with a native encoder, which returns its own (3.4 KiB of chunks saved per stream link).
   */
  private readonly wireBuf: Uint8Array | null;
  protected lastWrite = -Infinity;
  /** 1 / HalLink.bytesPerMs; 0 when the target does not tell the rate (a frame then counts as gone when written). */
  readonly msPerByte: number;
  /** When the last byte written so far leaves the link (board ms); in the past when the line is idle. */
  protected txEnd = 0;
  /** When the frame written last had left entirely (board ms). */
  departed = 0;
  /**
   * Time the largest frame takes on the line (0 when the rate is unknown). The peer cannot
   * interrupt a frame it has begun: an ack it owes us may wait that long behind one.
   */
  readonly frameMs: number;

  constructor(hal: HalLink, host: WriterHost, maxFrame: number, crc: boolean, stats: LinkCounters) {
    this.hal = hal;
    this.host = host;
    this.crc = crc;
    this.clock = host.clock;
    this.natives = host.opts.bytes;
    this.stats = stats;
    const rate = hal.bytesPerMs;
    this.msPerByte = rate !== undefined && rate > 0 && rate !== Infinity ? 1 / rate : 0;
    this.stream = hal.kind === 'stream';
    this.frameMs = (this.stream ? 1 + cobsEncodedLength(maxFrame) : maxFrame) * this.msPerByte;
    this.wireBuf = this.stream && this.natives.cobsEncode === undefined ? new Uint8Array(1 + cobsEncodedLength(maxFrame)) : null;
  }

  /**
   * Encode and write an unsequenced frame of the link's own: ACK_VALID with `lack` when
   * `lack >= 0`. With a domain key it is signed for the session pair (a HELLO for none: 0, 0).
   */
  control(type: number, dst: number, lack: number, payload: Uint8Array, n: number, sender: number, receiver: number): void {
    const host = this.host;
    const auth = host.auth;
    const total = FRAME_OVERHEAD + n + (auth !== null ? TAG_SIZE : 0);
    let frame = this.ctrlBufs[total];
    if (frame === undefined) {
      frame = new Uint8Array(total);
      this.ctrlBufs[total] = frame;
    }
    host.codec.control(
      frame, lack >= 0 ? FLAG_ACK_VALID : 0, type, lack >= 0 ? lack : 0, host.domain, host.node, dst, host.wireEpoch(), payload, n, auth !== null,
    );
    if (auth !== null) {
      if (type === FrameType.HELLO) auth.sign(frame, 0, 0, 0);
      else auth.sign(frame, sender, receiver, 0);
    }
    host.codec.seal(frame, this.crc);
    this.write(frame);
  }

  /** Line time (ms) of `bytes` (0 when the rate is unknown). */
  lineMs(bytes: number): number {
    return bytes * this.msPerByte;
  }

  /** Line time (ms) of what was written and has not left yet (0 when the rate is unknown). */
  backlog(): number {
    const ahead = this.txEnd - this.clock.now();
    return ahead > 0 ? ahead : 0;
  }

  write(frame: Uint8Array): void {
    // No copy: HalLink.write copies what the target keeps, so the slot (rewritten for a
    // retransmission) and the encoding buffer (reused) stay ours.
    let out: Uint8Array;
    // The native encoder's output is a fresh array nobody else holds: given away to the target.
    let fresh = false;
    // Read before the write only where the encoding needs it (a stream's idle delimiter).
    let now = -1;
    if (this.stream) {
      now = this.clock.now();
      const lead = now - this.lastWrite >= IDLE_DELIMIT_MS ? 1 : 0;
      this.lastWrite = now;
      // Not named `native`: xsc reads `native(...)` as Moddable's host-function form.
      const encode = this.natives.cobsEncode;
      const buf = this.wireBuf;
      if (buf === null) {
        // A stream link has no buffer only when it has the native encoder.
        out = (encode as NonNullable<typeof encode>)(frame, 0, frame.length, lead === 1);
        fresh = true;
      } else {
        buf[0] = 0;
        const n = cobsEncode(frame, buf, lead);
        out = buf.subarray(0, lead + n);
      }
    } else {
      out = frame;
    }
    // The bytes to the target first (a board's UART or socket sends them as they are written),
    // the link's counts and clock after (docs/PERFORMANCE.md "Round 18").
    // (Its length read before: an owned encoding is the target's once handed over.)
    const len = out.length;
    const hal = this.hal;
    if (fresh && hal.writeOwned !== undefined) hal.writeOwned(out);
    else hal.write(out);
    if (now < 0) now = this.clock.now();
    this.stats[LS_FRAMES_OUT]!++;
    this.stats[LS_BYTES_OUT]! += len;
    this.txEnd = (this.txEnd > now ? this.txEnd : now) + len * this.msPerByte;
    this.departed = this.txEnd > now ? this.txEnd : now;
  }
}

/**
 * The writer of a stream link whose target reads sources (HalLink.writeSource: the Moddable
 * serial link): a large frame goes as a CobsSource, encoded as the port drains, so its
 * encoding is never whole in RAM next to the frame held for retransmission (docs/FOOTPRINT.md
 * "Round 9: conformance chunks"). A subclass, so that writers of other targets run exactly
 * the code they ran before.
 */
export class SourceLinkWriter extends LinkWriter {
  override write(frame: Uint8Array): void {
    if (frame.length < SOURCE_MIN_BYTES) {
      super.write(frame);
      return;
    }
    const now = this.clock.now();
    const lead = now - this.lastWrite >= IDLE_DELIMIT_MS;
    this.lastWrite = now;
    // The hop fields, CRC and MAC are read now: HopLink rewrites them in place when it resends
    // the frame, maybe while this write is still queued. The rest never changes.
    const source = new CobsSource(frame, lead, this.natives, HEADER_SIZE, CRC_SIZE + TAG_SIZE);
    const n = source.left;
    // A dropped source is read by nobody: the link layer resends the frame after its timeout.
    // Handed over first, counted after (as LinkWriter.write).
    (this.hal.writeSource as NonNullable<HalLink['writeSource']>)(source);
    this.stats[LS_FRAMES_OUT]!++;
    this.stats[LS_BYTES_OUT]! += n;
    this.txEnd = (this.txEnd > now ? this.txEnd : now) + n * this.msPerByte;
    this.departed = this.txEnd > now ? this.txEnd : now;
  }
}
