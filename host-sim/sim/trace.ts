/**
 * The run's event trace: a SHA-256 digest over everything that crossed a board boundary (so
 * two runs with the same seed can be compared with one string), and optionally a Chrome
 * trace-event file (opens in Perfetto) with frames per link, console lines, faults and app
 * events on a per-board track.
 */
import { createHash, type Hash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { BoardEvent } from '../../hal/driven/events.js';

/** What crossed a board boundary, as the digest tags it. */
export const TRACE_TAG = { rx: 1, tx: 2, timer: 3, console: 4, consoleOut: 5, event: 6, halt: 7, reset: 8, hang: 9, boot: 10 } as const;

interface ChromeEvent {
  name: string;
  cat: string;
  ph: 'X' | 'i' | 'M';
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  s?: 'g' | 'p' | 't';
  args?: Record<string, unknown>;
}

/** Keeps trace files openable: past this many events only a count is kept. */
const MAX_CHROME_EVENTS = 2_000_000;

export class Trace {
  private readonly hash: Hash = createHash('sha256');
  private readonly events: ChromeEvent[] | null;
  private dropped = 0;
  private readonly head = new Uint8Array(16);
  private readonly headView = new DataView(this.head.buffer);

  constructor(recordChrome: boolean) {
    this.events = recordChrome ? [] : null;
  }

  /** An event a board was handed, into the digest (console lines also onto the board's track). */
  digestEvent(t: number, node: number, ev: BoardEvent): void {
    switch (ev.kind) {
      case 'rx':
        this.digest(t, node, TRACE_TAG.rx, String(ev.link), ev.bytes);
        break;
      case 'timer':
        this.digest(t, node, TRACE_TAG.timer, String(ev.id));
        break;
      case 'console':
        this.digest(t, node, TRACE_TAG.console, ev.text);
        this.add({ name: `console> ${ev.text.trim()}`, cat: 'console', ph: 'i', s: 't', ts: t * 1000, tid: node });
        break;
      case 'boot':
        this.digest(t, node, TRACE_TAG.boot, '');
        break;
      case 'time':
        break;
    }
  }

  /** Feed one boundary crossing into the digest. Text and bytes both count. */
  digest(t: number, board: number, tag: number, text: string, bytes?: Uint8Array): void {
    if (this.final !== null) return;
    this.headView.setFloat64(0, t, true);
    this.headView.setUint16(8, board, true);
    this.headView.setUint16(10, tag, true);
    this.headView.setUint32(12, bytes ? bytes.length : 0, true);
    this.hash.update(this.head);
    if (text) this.hash.update(text);
    if (bytes) this.hash.update(bytes);
  }

  get recording(): boolean {
    return this.events !== null;
  }

  add(e: Omit<ChromeEvent, 'pid'>): void {
    if (!this.events) return;
    if (this.events.length >= MAX_CHROME_EVENTS) {
      this.dropped++;
      return;
    }
    this.events.push({ pid: 1, ...e });
  }

  nameBoard(board: number, name: string): void {
    this.add({ name: 'thread_name', cat: '__metadata', ph: 'M', ts: 0, tid: board, args: { name } });
  }

  private final: string | null = null;

  /** The digest of everything so far; the trace takes no more input after this. */
  finish(): string {
    this.final ??= this.hash.digest('hex');
    return this.final;
  }

  write(path: string): void {
    const out = { traceEvents: this.events ?? [], displayTimeUnit: 'ms', otherData: { droppedEvents: this.dropped } };
    writeFileSync(path, JSON.stringify(out));
  }
}
