/**
 * A bounded transmit queue in front of an ECMA-419 serial port. The port's write() throws
 * ("output full") when handed more than its FIFO has room for, and onWritable(count) says
 * how much room there is; the queue only ever writes what fits, and the runtime never
 * blocks: a write that arrives while the queue already holds `limit` bytes or more is dropped
 * and counted (the link layer resends what is not acknowledged).
 *
 * The limit is checked before a write, not after it: a write larger than the limit (a frame
 * carrying a 4 KiB DSM page is ~4.3 KiB COBS-encoded, above the default 4096) is taken whole
 * when the queue has room left. Checked after the write, such a frame was refused every time,
 * however often the link layer resent it, and the link stalled until it was declared down
 * (Laplace N=64 on two lin boards never finished). The queue holds at most
 * limit - 1 + the largest write.
 *
 * A source (HalLink.writeSource: a large frame's COBS encoding, produced as the port drains) is
 * queued as a reference: it is read in pieces of at most TX_PIECE_MAX bytes, one per port
 * write, so the encoding is never whole in RAM (docs/FOOTPRINT.md "Round 9: conformance chunks").
 */
import type { TxSource } from '../../src/hal.js';

/**
 * Most bytes read from a source for one port write: bounds the transient piece (the port copies
 * it and drops it) whatever room the port announces. An ESP32 UART FIFO is 128 bytes; lin's
 * serial announces 1 KiB, and a 1 KiB piece was ~1 KB on top of the conformance sender's live
 * peak (heap probe, Round 9); a few more port writes per onWritable cost less than that.
 */
export const TX_PIECE_MAX = 256;

export interface TxSink {
  write(chunk: ArrayBuffer): void;
}

export interface TxStats {
  /** Bytes waiting now. */
  queued: number;
  /** Bytes handed to the port. */
  sent: number;
  /** Whole writes refused because the queue was full, and their bytes. */
  droppedWrites: number;
  droppedBytes: number;
  /** The configured limit. */
  limit: number;
}

export class TxQueue {
  private readonly chunks: (Uint8Array | TxSource)[] = [];
  private offset = 0;
  private writable = 0;
  private readonly counts: TxStats;

  constructor(
    private readonly sink: TxSink,
    limit: number,
  ) {
    this.counts = { queued: 0, sent: 0, droppedWrites: 0, droppedBytes: 0, limit };
  }

  /**
   * Queue a copy of `bytes`, or `bytes` itself when `owned` (the caller gives them away: a
   * frame's fresh COBS encoding, which copied was a second ~4.3 KiB per large frame queued);
   * false (and counted) when the queue is already at its limit.
   */
  push(bytes: Uint8Array, owned = false): boolean {
    if (bytes.length === 0) return true;
    if (this.counts.queued >= this.counts.limit) {
      this.counts.droppedWrites++;
      this.counts.droppedBytes += bytes.length;
      return false;
    }
    this.chunks.push(owned ? bytes : bytes.slice());
    this.counts.queued += bytes.length;
    this.pump();
    return true;
  }

  /**
   * Queue a source as it is (read as the port drains); false (and counted, with its bytes) when
   * the queue is already at its limit. Its `left` counts as queued bytes.
   */
  pushSource(source: TxSource): boolean {
    const n = source.left;
    if (n === 0) return true;
    if (this.counts.queued >= this.counts.limit) {
      this.counts.droppedWrites++;
      this.counts.droppedBytes += n;
      return false;
    }
    this.chunks.push(source);
    this.counts.queued += n;
    this.pump();
    return true;
  }

  /** The port's onWritable: `count` bytes of room in its FIFO now. */
  onWritable(count: number): void {
    this.writable = count;
    this.pump();
  }

  stats(): TxStats {
    return { ...this.counts };
  }

  /**
   * Everything still queued, in order, and the queue emptied (sources read out whole): what an
   * abort writes to the port itself before its last line (SerialPort.writeNow).
   */
  takeQueued(): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let i = 0; i < this.chunks.length; i++) {
      const c = this.chunks[i]!;
      if (c instanceof Uint8Array) {
        out.push(i === 0 ? c.subarray(this.offset) : c);
      } else {
        const rest = new Uint8Array(c.left);
        c.read(rest, 0, rest.length);
        out.push(rest);
      }
    }
    this.clear();
    return out;
  }

  /** Forget everything queued (the port is closing). */
  clear(): void {
    this.chunks.length = 0;
    this.offset = 0;
    this.counts.queued = 0;
  }

  private pump(): void {
    while (this.writable > 0 && this.chunks.length > 0) {
      const head = this.chunks[0]!;
      if (!(head instanceof Uint8Array)) {
        this.pumpSource(head);
        continue;
      }
      const chunk = head;
      const n = Math.min(this.writable, chunk.length - this.offset);
      // The port takes an ArrayBuffer of exactly the bytes to send (and copies them): a whole
      // chunk that is its whole buffer goes as it is, a part of one as a copy of that part.
      let piece: ArrayBuffer;
      if (n === chunk.length && chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength) {
        piece = chunk.buffer as ArrayBuffer;
      } else {
        const part = new Uint8Array(n);
        part.set(chunk.subarray(this.offset, this.offset + n));
        piece = part.buffer;
      }
      try {
        this.sink.write(piece);
      } catch {
        // The FIFO had less room than we were told; wait for the next onWritable.
        this.writable = 0;
        return;
      }
      this.writable -= n;
      this.offset += n;
      this.counts.queued -= n;
      this.counts.sent += n;
      if (this.offset === chunk.length) {
        this.chunks.shift();
        this.offset = 0;
      }
    }
  }

  /** One port write of the next piece of the source at the head of the queue. */
  private pumpSource(source: TxSource): void {
    let n = source.left < this.writable ? source.left : this.writable;
    if (n > TX_PIECE_MAX) n = TX_PIECE_MAX;
    const piece = new Uint8Array(n);
    source.read(piece, 0, n);
    if (source.left === 0) this.chunks.shift();
    try {
      this.sink.write(piece.buffer as ArrayBuffer);
    } catch {
      // The FIFO had less room than we were told: the piece (already read) goes first next time.
      this.chunks.unshift(piece);
      this.writable = 0;
      return;
    }
    this.writable -= n;
    this.counts.queued -= n;
    this.counts.sent += n;
  }
}
