/**
 * Lua build of utf8.ts. A Lua string is bytes, and text in the Lua runtime is UTF-8 already:
 * encoding copies the bytes; decoding makes a string of the bytes. Unlike utf8.ts (and
 * TextDecoder), malformed sequences pass through as they are instead of becoming U+FFFD: a
 * console line or name from a Lua board is the bytes that arrived.
 */

declare const string: { char(this: void, ...codes: number[]): string; byte(this: void, s: string, i: number): number };

/** Bytes per string.char call: bounded by Lua's argument limit. */
const CHUNK = 200;

export function utf8Length(text: string): number {
  return text.length;
}

export function utf8EncodeInto(text: string, out: Uint8Array, offset: number): number {
  const n = text.length;
  for (let i = 0; i < n; i++) out[offset + i] = string.byte(text, i + 1);
  return offset + n;
}

export function utf8Encode(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  utf8EncodeInto(text, out, 0);
  return out;
}

export function utf8Decode(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let result = '';
  let codes: number[] = [];
  for (let i = start; i < end; i++) {
    codes.push(bytes[i]!);
    if (codes.length === CHUNK) {
      result += string.char(...codes);
      codes = [];
    }
  }
  if (codes.length > 0) result += string.char(...codes);
  return result;
}
