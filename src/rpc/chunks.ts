/**
 * Streaming a value's bytes in chunks, with flow control: at most `window` chunks unacknowledged,
 * cumulative acknowledgements (the receiver takes chunks in order only), go-back-N on silence.
 * The same pair carries arguments (client -> server), results (server -> client) and
 * checkpoints (server -> buddy). A stage whose chunks go unacknowledged `retries` times in a row
 * fails: that is the paper's "the server stops acknowledging: time out and restart elsewhere".
 */
import type { Clock } from '../hal.js';
import { assert } from '../util/assert.js';

export function chunkCount(total: number, chunkBytes: number): number {
  return Math.max(1, Math.ceil(total / chunkBytes));
}

export interface SenderSettings {
  chunkBytes: number;
  window: number;
  /** Silence (no acknowledgement progress) after which the unacknowledged chunks go again. */
  chunkMs: number;
  /** Resends without progress before the transfer fails. */
  retries: number;
}

export class ChunkSender {
  readonly count: number;
  private acked = 0;
  private sent = 0;
  private tries = 0;
  private timer = -1;
  private finished = false;
  /** Bytes handed to `emit` beyond the first transmission of each chunk. */
  resentBytes = 0;
  /** Bytes handed to `emit` in all. */
  sentBytes = 0;

  constructor(
    private readonly clock: Clock,
    private readonly bytes: Uint8Array,
    private readonly s: SenderSettings,
    private readonly emit: (index: number, chunk: Uint8Array) => void,
    private readonly done: (ok: boolean) => void,
  ) {
    this.count = chunkCount(bytes.length, s.chunkBytes);
  }

  start(): void {
    this.pump();
  }

  /** Chunks [0, next) arrived. */
  ack(next: number): void {
    if (this.finished || next <= this.acked) return;
    this.acked = Math.min(next, this.count);
    this.tries = 0;
    if (this.sent < this.acked) this.sent = this.acked;
    assert(this.acked <= this.sent && this.sent <= this.count, 'rpc: acked <= sent <= chunk count');
    if (this.acked === this.count) {
      this.finish(true);
      return;
    }
    this.pump();
  }

  get acknowledged(): number {
    return this.acked;
  }

  /** Every chunk went out at least once: the receiver may hold the whole value. */
  get sentAll(): boolean {
    return this.sent === this.count;
  }

  stop(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.timer >= 0) this.clock.clearTimer(this.timer);
    this.timer = -1;
  }

  private finish(ok: boolean): void {
    this.stop();
    this.done(ok);
  }

  private pump(): void {
    while (this.sent < this.count && this.sent < this.acked + this.s.window) this.transmit(this.sent++, false);
    this.arm();
  }

  private transmit(index: number, again: boolean): void {
    const from = index * this.s.chunkBytes;
    const chunk = this.bytes.subarray(from, Math.min(this.bytes.length, from + this.s.chunkBytes));
    this.sentBytes += chunk.length;
    if (again) this.resentBytes += chunk.length;
    this.emit(index, chunk);
  }

  private arm(): void {
    if (this.timer >= 0) this.clock.clearTimer(this.timer);
    this.timer = this.clock.setTimer(this.s.chunkMs, () => {
      this.timer = -1;
      if (this.finished) return;
      if (++this.tries > this.s.retries) {
        this.finish(false);
        return;
      }
      // Go back: everything unacknowledged goes again.
      for (let i = this.acked; i < this.sent; i++) this.transmit(i, true);
      this.arm();
    });
  }
}

/** The receiving end: takes chunks in order into one buffer; says how far it has got. */
export class ChunkAssembler {
  readonly count: number;
  readonly bytes: Uint8Array;
  private got = 0;

  constructor(
    readonly total: number,
    private readonly chunkBytes: number,
  ) {
    this.count = chunkCount(total, chunkBytes);
    this.bytes = new Uint8Array(total);
  }

  /** Takes chunk `index` if it is the next one and the right size; returns the chunks held. */
  accept(index: number, data: Uint8Array): number {
    if (index === this.got && this.got < this.count) {
      const from = index * this.chunkBytes;
      const want = Math.min(this.chunkBytes, this.total - from);
      if (data.length === want) {
        this.bytes.set(data, from);
        this.got++;
        assert(this.got <= this.count, 'rpc: an assembler holds no more chunks than its value has');
      }
    }
    return this.got;
  }

  get next(): number {
    return this.got;
  }

  get complete(): boolean {
    return this.got === this.count;
  }
}
