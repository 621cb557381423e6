/**
 * Binary encoding of event and action batches for the XS boundary (hal/xsnap <-> host-sim).
 * JSON would cost a parse per batch on both sides and base64 for every frame; this is a
 * type byte per record, LEB128 lengths and ids, float64 for times, raw bytes for frames and
 * UTF-8 for text.
 *
 *   batch  := tag(u8: 'E' events | 'A' actions) count(varint) record*
 *   record := type(u8) fields...
 *
 * Decoded `bytes` fields are views into the input (no copy): the caller must not reuse the
 * input buffer while the decoded batch is alive.
 */
import type { BoardAction, BoardEvent } from './events.js';
import { utf8Decode, utf8EncodeInto, utf8Length } from '../../src/util/utf8.js';
import { SPLICE_MIN, bufferConcat, ownBuffer } from '../../src/wire/bytes.js';
import type { BufferConcat } from '../../src/wire/bytes.js';

const TAG_EVENTS = 0x45;
const TAG_ACTIONS = 0x41;

const EV_BOOT = 1;
const EV_TIME = 2;
const EV_RX = 3;
const EV_TIMER = 4;
const EV_CONSOLE = 5;
const EV_MEMORY = 6;

const AC_TX = 1;
const AC_TIMER_SET = 2;
const AC_TIMER_CLEAR = 3;
const AC_CONSOLE = 4;
const AC_LOG = 5;
const AC_EVENT = 6;
const AC_HALT = 7;
const AC_RESET = 8;
const AC_HANG = 9;
/** A tx with the units the board had run when it wrote it (and its native calls before it). */
const AC_TX_AT = 10;
/** An event with the units the board had run when it raised it (and its native calls before it). */
const AC_EVENT_AT = 11;

/** A batch that cannot be decoded (truncated, unknown tag or record type). */
export class CodecError extends Error {
  /**
   * On the prototype, not assigned per instance: Moddable freezes Error.prototype at preload,
   * so `this.name = ...` would throw (its inherited `name` is read-only). See docs/TARGETS.md.
   */
  override get name(): string {
    return 'CodecError';
  }

  constructor(message: string) {
    super(message);
  }
}

class Writer {
  buf: Uint8Array;
  view: DataView;
  pos = 0;
  /** Spliced byte strings and where they go (positions in buf). */
  private parts: ArrayBuffer[] | null = null;
  private cuts: number[] | null = null;
  /** Where the engine has one (XS), long byte strings are joined in by it rather than copied with set. */
  private readonly concat: BufferConcat | undefined;

  constructor(size: number) {
    this.buf = new Uint8Array(size);
    this.view = new DataView(this.buf.buffer);
    this.concat = bufferConcat();
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    if (this.pos >= this.buf.length) this.ensure(1);
    this.buf[this.pos++] = v;
  }

  varint(v: number, field: string): void {
    // One byte for 0..127 (true exactly for those integers), the usual id, link or length.
    if ((v & 0x7f) === v) {
      if (this.pos >= this.buf.length) this.ensure(1);
      this.buf[this.pos++] = v;
      return;
    }
    if (!(Number.isInteger(v) && v >= 0 && v <= 0xffffffff)) {
      throw new RangeError(`codec: ${field} must be an integer in [0, 2^32), got ${String(v)}`);
    }
    this.ensure(5);
    let x = v;
    while (x >= 0x80) {
      this.buf[this.pos++] = (x & 0x7f) | 0x80;
      x = Math.floor(x / 128);
    }
    this.buf[this.pos++] = x;
  }

  f64(v: number, field: string): void {
    if (typeof v !== 'number') throw new TypeError(`codec: ${field} must be a number`);
    if (this.pos + 8 > this.buf.length) this.ensure(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  bytes(b: Uint8Array, field: string): void {
    if (!(b instanceof Uint8Array)) throw new TypeError(`codec: ${field} must be a Uint8Array`);
    const n = b.length;
    this.varint(n, field);
    if (n >= SPLICE_MIN && this.concat !== undefined) {
      (this.parts ??= []).push(ownBuffer(b));
      (this.cuts ??= []).push(this.pos);
      return;
    }
    if (this.pos + n > this.buf.length) this.ensure(n);
    this.buf.set(b, this.pos);
    this.pos += n;
  }

  text(s: string, field: string): void {
    if (typeof s !== 'string') throw new TypeError(`codec: ${field} must be a string`);
    const n = utf8Length(s);
    this.varint(n, field);
    this.ensure(n);
    this.pos = utf8EncodeInto(s, this.buf, this.pos);
  }

  finish(): Uint8Array {
    const parts = this.parts;
    const cuts = this.cuts;
    if (parts === null || cuts === null || this.concat === undefined) return this.buf.subarray(0, this.pos);
    const all = this.buf.buffer as ArrayBuffer;
    const pieces: ArrayBuffer[] = [];
    let from = cuts[0]!;
    for (let i = 0; i < parts.length; i++) {
      pieces.push(parts[i]!);
      const to = i + 1 < cuts.length ? cuts[i + 1]! : this.pos;
      if (to > from) pieces.push(all.slice(from, to));
      from = to;
    }
    return new Uint8Array(this.concat.apply(all.slice(0, cuts[0]), pieces));
  }
}

class Reader {
  readonly view: DataView;
  pos = 0;

  constructor(readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  need(n: number, what: string): void {
    if (this.pos + n > this.buf.length) {
      throw new CodecError(`truncated batch: ${what} needs ${n} bytes at offset ${this.pos} of ${this.buf.length}`);
    }
  }

  u8(what: string): number {
    const p = this.pos;
    if (p >= this.buf.length) this.need(1, what);
    this.pos = p + 1;
    return this.buf[p]!;
  }

  varint(what: string): number {
    // Ids, links and lengths below 128 are one byte: the common case, without the loop.
    const p = this.pos;
    if (p < this.buf.length) {
      const b = this.buf[p]!;
      if (b < 0x80) {
        this.pos = p + 1;
        return b;
      }
    }
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 5; i++) {
      const b = this.u8(what);
      result += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (result > 0xffffffff) break;
        return result;
      }
      scale *= 128;
    }
    throw new CodecError(`bad varint for ${what} before offset ${this.pos}`);
  }

  f64(what: string): number {
    if (this.pos + 8 > this.buf.length) this.need(8, what);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  bytes(what: string): Uint8Array {
    const n = this.varint(what);
    if (this.pos + n > this.buf.length) this.need(n, what);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  text(what: string): string {
    const n = this.varint(what);
    this.need(n, what);
    const s = utf8Decode(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  header(tag: number, name: string): number {
    const t = this.u8('batch tag');
    if (t !== tag) throw new CodecError(`not ${name} batch: tag 0x${t.toString(16)}`);
    const count = this.varint('record count');
    // Every record is at least one byte: a count beyond that is corrupt, not a big batch.
    if (count > this.buf.length - this.pos) throw new CodecError(`record count ${count} exceeds batch size`);
    return count;
  }

  end(): void {
    if (this.pos !== this.buf.length) {
      throw new CodecError(`${this.buf.length - this.pos} trailing bytes after the last record`);
    }
  }
}

function initialSize(records: number, payload: number): number {
  return 16 + records * 12 + payload;
}

export function encodeEvents(events: readonly BoardEvent[]): Uint8Array {
  let payload = 0;
  for (const e of events) if (e.kind === 'rx') payload += e.bytes.length;
  const w = new Writer(initialSize(events.length, payload));
  w.u8(TAG_EVENTS);
  w.varint(events.length, 'events.length');
  for (const e of events) {
    switch (e.kind) {
      case 'boot':
        w.u8(EV_BOOT);
        w.text(e.config, 'boot.config');
        break;
      case 'time':
        w.u8(EV_TIME);
        w.f64(e.now, 'time.now');
        break;
      case 'rx':
        w.u8(EV_RX);
        w.varint(e.link, 'rx.link');
        w.bytes(e.bytes, 'rx.bytes');
        break;
      case 'timer':
        w.u8(EV_TIMER);
        w.varint(e.id, 'timer.id');
        break;
      case 'console':
        w.u8(EV_CONSOLE);
        w.text(e.text, 'console.text');
        break;
      case 'memory':
        w.u8(EV_MEMORY);
        w.f64(e.used, 'memory.used');
        w.f64(e.limit, 'memory.limit');
        break;
      default:
        throw new TypeError(`codec: unknown event kind ${String((e as { kind: unknown }).kind)}`);
    }
  }
  return w.finish();
}

export function decodeEvents(bytes: Uint8Array): BoardEvent[] {
  const r = new Reader(bytes);
  const count = r.header(TAG_EVENTS, 'an event');
  const out: BoardEvent[] = [];
  for (let i = 0; i < count; i++) {
    const type = r.u8('event type');
    switch (type) {
      case EV_BOOT:
        out.push({ kind: 'boot', config: r.text('boot.config') });
        break;
      case EV_TIME:
        out.push({ kind: 'time', now: r.f64('time.now') });
        break;
      case EV_RX: {
        const link = r.varint('rx.link');
        out.push({ kind: 'rx', link, bytes: r.bytes('rx.bytes') });
        break;
      }
      case EV_TIMER:
        out.push({ kind: 'timer', id: r.varint('timer.id') });
        break;
      case EV_CONSOLE:
        out.push({ kind: 'console', text: r.text('console.text') });
        break;
      case EV_MEMORY: {
        const used = r.f64('memory.used');
        out.push({ kind: 'memory', used, limit: r.f64('memory.limit') });
        break;
      }
      default:
        throw new CodecError(`unknown event type ${type} in record ${i}`);
    }
  }
  r.end();
  return out;
}

export function encodeActions(actions: readonly BoardAction[]): Uint8Array {
  let payload = 0;
  for (let i = 0; i < actions.length; i++) {
    const a = actions[i]!;
    // The bytes, and a tx's units and native calls (AC_TX_AT) beyond a record's usual size.
    if (a.kind === 'tx') payload += a.bytes.length + 10;
  }
  const w = new Writer(initialSize(actions.length, payload));
  w.u8(TAG_ACTIONS);
  w.varint(actions.length, 'actions.length');
  for (let i = 0; i < actions.length; i++) {
    const a = actions[i]!;
    switch (a.kind) {
      case 'tx':
        if (a.units === undefined) {
          w.u8(AC_TX);
          w.varint(a.link, 'tx.link');
        } else {
          w.u8(AC_TX_AT);
          w.varint(a.link, 'tx.link');
          // f64: a step may run more units than a varint's 2^32 (the watchdog's limit is the user's).
          w.f64(a.units, 'tx.units');
          w.varint(a.natives ?? 0, 'tx.natives');
        }
        w.bytes(a.bytes, 'tx.bytes');
        break;
      case 'timer-set':
        w.u8(AC_TIMER_SET);
        w.varint(a.id, 'timer-set.id');
        w.f64(a.at, 'timer-set.at');
        break;
      case 'timer-clear':
        w.u8(AC_TIMER_CLEAR);
        w.varint(a.id, 'timer-clear.id');
        break;
      case 'console':
        w.u8(AC_CONSOLE);
        w.text(a.text, 'console.text');
        break;
      case 'log':
        w.u8(AC_LOG);
        w.text(a.level, 'log.level');
        w.text(a.message, 'log.message');
        break;
      case 'event':
        w.u8(a.units === undefined ? AC_EVENT : AC_EVENT_AT);
        w.text(a.name, 'event.name');
        w.f64(a.value, 'event.value');
        w.text(a.detail, 'event.detail');
        if (a.units !== undefined) {
          w.f64(a.units, 'event.units');
          w.varint(a.natives ?? 0, 'event.natives');
        }
        break;
      case 'halt':
        w.u8(AC_HALT);
        w.text(a.reason, 'halt.reason');
        break;
      case 'reset':
        w.u8(AC_RESET);
        break;
      case 'hang':
        w.u8(AC_HANG);
        w.f64(a.ms, 'hang.ms');
        break;
      default:
        throw new TypeError(`codec: unknown action kind ${String((a as { kind: unknown }).kind)}`);
    }
  }
  return w.finish();
}

export function decodeActions(bytes: Uint8Array): BoardAction[] {
  const r = new Reader(bytes);
  const count = r.header(TAG_ACTIONS, 'an action');
  const out: BoardAction[] = [];
  for (let i = 0; i < count; i++) {
    const type = r.u8('action type');
    switch (type) {
      case AC_TX: {
        const link = r.varint('tx.link');
        out.push({ kind: 'tx', link, bytes: r.bytes('tx.bytes') });
        break;
      }
      case AC_TX_AT: {
        const link = r.varint('tx.link');
        const units = r.f64('tx.units');
        const natives = r.varint('tx.natives');
        out.push({ kind: 'tx', link, bytes: r.bytes('tx.bytes'), units, natives });
        break;
      }
      case AC_TIMER_SET: {
        const id = r.varint('timer-set.id');
        out.push({ kind: 'timer-set', id, at: r.f64('timer-set.at') });
        break;
      }
      case AC_TIMER_CLEAR:
        out.push({ kind: 'timer-clear', id: r.varint('timer-clear.id') });
        break;
      case AC_CONSOLE:
        out.push({ kind: 'console', text: r.text('console.text') });
        break;
      case AC_LOG: {
        const level = r.text('log.level');
        out.push({ kind: 'log', level, message: r.text('log.message') });
        break;
      }
      case AC_EVENT: {
        const name = r.text('event.name');
        const value = r.f64('event.value');
        out.push({ kind: 'event', name, value, detail: r.text('event.detail') });
        break;
      }
      case AC_EVENT_AT: {
        const name = r.text('event.name');
        const value = r.f64('event.value');
        const detail = r.text('event.detail');
        const units = r.f64('event.units');
        out.push({ kind: 'event', name, value, detail, units, natives: r.varint('event.natives') });
        break;
      }
      case AC_HALT:
        out.push({ kind: 'halt', reason: r.text('halt.reason') });
        break;
      case AC_RESET:
        out.push({ kind: 'reset' });
        break;
      case AC_HANG:
        out.push({ kind: 'hang', ms: r.f64('hang.ms') });
        break;
      default:
        throw new CodecError(`unknown action type ${type} in record ${i}`);
    }
  }
  r.end();
  return out;
}
