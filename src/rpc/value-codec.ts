/**
 * Arguments and results of remote calls as bytes: JSON-compatible values plus typed arrays,
 * in one compact binary tree (docs/RPC.md, "Values"). Binary rather than JSON text because a
 * board's payloads are mostly numbers in typed arrays (samples, vectors): they travel as their
 * raw bytes, little-endian, with no per-element text and no base64.
 *
 *   value  := tag u8, then by tag:
 *     0 null | 1 false | 2 true
 *     3 number: f64
 *     4 string: u32 byte length, UTF-8
 *     5 array:  u32 count, values
 *     6 object: u32 count, (string key without tag, value)*
 *     7 typed array: u8 kind (TYPED_KINDS), u32 byte length, raw bytes (little-endian)
 *
 * The whole encoding starts with VALUE_FORMAT so a later format can be told apart.
 */
import { utf8Decode, utf8EncodeInto, utf8Length } from '../util/utf8.js';
import { RpcError, RpcStatus, type RpcTypedArray, type RpcValue } from './types.js';

const VALUE_FORMAT = 1;
/** Nesting deeper than this is refused: decoding is recursive and a board's stack is small. */
export const MAX_VALUE_DEPTH = 32;

const TAG_NULL = 0;
const TAG_FALSE = 1;
const TAG_TRUE = 2;
const TAG_NUMBER = 3;
const TAG_STRING = 4;
const TAG_ARRAY = 5;
const TAG_OBJECT = 6;
const TAG_TYPED = 7;

/** Typed-array kinds in wire order; the index is the kind byte. */
const TYPED_KINDS = ['Uint8Array', 'Int8Array', 'Uint16Array', 'Int16Array', 'Uint32Array', 'Int32Array', 'Float32Array', 'Float64Array'] as const;

function typedKind(v: object): number {
  if (v instanceof Uint8Array) return 0;
  if (v instanceof Int8Array) return 1;
  if (v instanceof Uint16Array) return 2;
  if (v instanceof Int16Array) return 3;
  if (v instanceof Uint32Array) return 4;
  if (v instanceof Int32Array) return 5;
  if (v instanceof Float32Array) return 6;
  if (v instanceof Float64Array) return 7;
  return -1;
}

function bad(message: string): RpcError {
  return new RpcError(RpcStatus.BAD_VALUE, message);
}

/** Bytes the encoding of `v` takes (after the format byte). */
function sizeOf(v: RpcValue, depth: number): number {
  if (depth > MAX_VALUE_DEPTH) throw bad(`value nested deeper than ${MAX_VALUE_DEPTH}`);
  if (v === null || v === true || v === false) return 1;
  switch (typeof v) {
    case 'number':
      return 9;
    case 'string':
      return 5 + utf8Length(v);
    case 'object': {
      if (Array.isArray(v)) {
        let n = 5;
        for (const item of v) n += sizeOf(item, depth + 1);
        return n;
      }
      if (ArrayBuffer.isView(v)) {
        if (typedKind(v) < 0) throw bad(`${Object.prototype.toString.call(v)} is not a supported typed array`);
        return 6 + v.byteLength;
      }
      let n = 5;
      for (const key of Object.keys(v)) {
        const item = v[key];
        if (item === undefined) throw bad(`property "${key}" is undefined (use null)`);
        n += 4 + utf8Length(key) + sizeOf(item, depth + 1);
      }
      return n;
    }
    default:
      throw bad(`a ${typeof v} cannot be sent (JSON-compatible values and typed arrays only)`);
  }
}

class Writer {
  private readonly view: DataView;
  at = 0;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u8(v: number): void {
    this.bytes[this.at++] = v;
  }
  u32(v: number): void {
    this.view.setUint32(this.at, v, true);
    this.at += 4;
  }
  f64(v: number): void {
    this.view.setFloat64(this.at, v, true);
    this.at += 8;
  }
  text(s: string): void {
    const n = utf8Length(s);
    this.u32(n);
    utf8EncodeInto(s, this.bytes, this.at);
    this.at += n;
  }
}

function write(w: Writer, v: RpcValue): void {
  if (v === null) return w.u8(TAG_NULL);
  if (v === false) return w.u8(TAG_FALSE);
  if (v === true) return w.u8(TAG_TRUE);
  if (typeof v === 'number') {
    w.u8(TAG_NUMBER);
    return w.f64(v);
  }
  if (typeof v === 'string') {
    w.u8(TAG_STRING);
    return w.text(v);
  }
  if (Array.isArray(v)) {
    w.u8(TAG_ARRAY);
    w.u32(v.length);
    for (const item of v) write(w, item);
    return;
  }
  if (ArrayBuffer.isView(v)) {
    w.u8(TAG_TYPED);
    w.u8(typedKind(v));
    w.u32(v.byteLength);
    w.bytes.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), w.at);
    w.at += v.byteLength;
    return;
  }
  const keys = Object.keys(v);
  w.u8(TAG_OBJECT);
  w.u32(keys.length);
  for (const key of keys) {
    w.text(key);
    write(w, v[key]!);
  }
}

/** The bytes of `v`; throws RpcError(BAD_VALUE) naming what cannot be sent. */
export function encodeValue(v: RpcValue): Uint8Array {
  const out = new Uint8Array(1 + sizeOf(v, 0));
  const w = new Writer(out);
  w.u8(VALUE_FORMAT);
  write(w, v);
  return out;
}

class Reader {
  private readonly view: DataView;
  at = 0;
  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(n: number): void {
    if (this.at + n > this.bytes.length) throw bad(`value truncated at byte ${this.at}`);
  }
  u8(): number {
    this.need(1);
    return this.bytes[this.at++]!;
  }
  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.at, true);
    this.at += 4;
    return v;
  }
  f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.at, true);
    this.at += 8;
    return v;
  }
  text(): string {
    const n = this.u32();
    this.need(n);
    const s = utf8Decode(this.bytes, this.at, this.at + n);
    this.at += n;
    return s;
  }
  take(n: number): Uint8Array {
    this.need(n);
    // A copy: the value outlives the message buffer, and typed arrays need their own alignment.
    const out = this.bytes.slice(this.at, this.at + n);
    this.at += n;
    return out;
  }
}

function read(r: Reader, depth: number): RpcValue {
  if (depth > MAX_VALUE_DEPTH) throw bad(`value nested deeper than ${MAX_VALUE_DEPTH}`);
  const tag = r.u8();
  switch (tag) {
    case TAG_NULL:
      return null;
    case TAG_FALSE:
      return false;
    case TAG_TRUE:
      return true;
    case TAG_NUMBER:
      return r.f64();
    case TAG_STRING:
      return r.text();
    case TAG_ARRAY: {
      const n = r.u32();
      const out: RpcValue[] = [];
      for (let i = 0; i < n; i++) out.push(read(r, depth + 1));
      return out;
    }
    case TAG_OBJECT: {
      const n = r.u32();
      const out: { [key: string]: RpcValue } = {};
      for (let i = 0; i < n; i++) {
        const key = r.text();
        out[key] = read(r, depth + 1);
      }
      return out;
    }
    case TAG_TYPED: {
      const kind = r.u8();
      const n = r.u32();
      const raw = r.take(n);
      return typedFrom(kind, raw);
    }
    default:
      throw bad(`unknown value tag ${tag} at byte ${r.at - 1}`);
  }
}

function typedFrom(kind: number, raw: Uint8Array): RpcTypedArray {
  const b = raw.buffer;
  const len = raw.byteLength;
  const whole = (size: number): number => {
    if (len % size !== 0) throw bad(`${TYPED_KINDS[kind] ?? 'typed array'} of ${len} bytes is not a whole number of elements`);
    return len / size;
  };
  switch (kind) {
    case 0:
      return raw;
    case 1:
      return new Int8Array(b, 0, len);
    case 2:
      return new Uint16Array(b, 0, whole(2));
    case 3:
      return new Int16Array(b, 0, whole(2));
    case 4:
      return new Uint32Array(b, 0, whole(4));
    case 5:
      return new Int32Array(b, 0, whole(4));
    case 6:
      return new Float32Array(b, 0, whole(4));
    case 7:
      return new Float64Array(b, 0, whole(8));
    default:
      throw bad(`unknown typed array kind ${kind}`);
  }
}

/** The value in `bytes`; throws RpcError(BAD_VALUE) for anything malformed. */
export function decodeValue(bytes: Uint8Array): RpcValue {
  const r = new Reader(bytes);
  const format = r.u8();
  if (format !== VALUE_FORMAT) throw bad(`value format ${format} is not ${VALUE_FORMAT}`);
  const v = read(r, 0);
  if (r.at !== bytes.length) throw bad(`${bytes.length - r.at} bytes after the value`);
  return v;
}
