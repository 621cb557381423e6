/**
 * The application's own checkpoint state as bytes: a JSON-compatible value (checked
 * field by field, so a function, NaN, a cycle or a Map is a clear error at the call naming
 * where it sits) or raw bytes. One tag byte tells which.
 */
import type { JsonValue } from '../util/json-value.js';
import { utf8Decode, utf8Encode } from '../util/utf8.js';
import { FtError } from './types.js';

const TAG_JSON = 0;
const TAG_BYTES = 1;
const MAX_DEPTH = 64;

export type AppState = JsonValue | Uint8Array;

function check(v: unknown, path: string, depth: number, seen: unknown[]): void {
  const fail = (what: string): never => {
    throw new FtError('NOT_SERIALIZABLE', `checkpoint state${path}: ${what} cannot be saved in a checkpoint (use JSON values or a Uint8Array)`);
  };
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) fail(String(v));
    return;
  }
  if (typeof v !== 'object') fail(`a ${typeof v}`);
  if (depth >= MAX_DEPTH) fail(`nesting deeper than ${MAX_DEPTH}`);
  if (seen.includes(v)) fail('a cycle');
  seen.push(v);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) check(v[i], `${path}[${i}]`, depth + 1, seen);
  } else {
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      const ctor = (v as { constructor?: { name?: string } }).constructor;
      fail(`a ${ctor?.name ?? 'non-plain object'}`);
    }
    for (const k of Object.keys(v as object)) check((v as Record<string, unknown>)[k], `${path}.${k}`, depth + 1, seen);
  }
  seen.pop();
}

/** Serialise; throws FtError('NOT_SERIALIZABLE') naming the offending field. */
export function encodeAppState(state: AppState): Uint8Array {
  if (state instanceof Uint8Array) {
    const out = new Uint8Array(1 + state.length);
    out[0] = TAG_BYTES;
    out.set(state, 1);
    return out;
  }
  if (state === undefined) throw new FtError('NOT_SERIALIZABLE', 'checkpoint state: undefined cannot be saved in a checkpoint (pass null for none)');
  check(state, '', 0, []);
  const text = utf8Encode(JSON.stringify(state));
  const out = new Uint8Array(1 + text.length);
  out[0] = TAG_JSON;
  out.set(text, 1);
  return out;
}

/** The state back; null for an empty segment. Throws FtError for bytes that are not a state. */
export function decodeAppState(bytes: Uint8Array): AppState {
  if (bytes.length === 0) return null;
  if (bytes[0] === TAG_BYTES) return bytes.slice(1);
  if (bytes[0] !== TAG_JSON) throw new FtError('BAD_ARG', `checkpoint app segment: unknown tag ${bytes[0]}`);
  try {
    return JSON.parse(utf8Decode(bytes, 1)) as JsonValue;
  } catch (e) {
    throw new FtError('BAD_ARG', `checkpoint app segment: ${(e as Error).message}`);
  }
}
