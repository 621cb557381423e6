/**
 * UTF-8 without TextEncoder/TextDecoder: XS builds for boards and the Lua target do not
 * promise either, and the runtime needs UTF-8 for console text and names on the wire.
 *
 * Encoding: lone surrogates become U+FFFD (what TextEncoder does). Decoding: malformed,
 * overlong, surrogate or out-of-range sequences become U+FFFD exactly as TextDecoder does,
 * never an exception, so hostile bytes cannot crash a board.
 */

const REPLACEMENT = 0xfffd;
/** Code units per String.fromCharCode call: bounded so no engine hits its argument limit. */
const CHUNK = 1024;

/** Bytes needed to encode `text`. */
export function utf8Length(text: string): number {
  let n = 0;
  const len = text.length;
  for (let i = 0; i < len; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < len) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

/**
 * Encode `text` into `out` at `offset`; returns the offset after the last byte written.
 * The caller guarantees room for `utf8Length(text)` bytes.
 */
export function utf8EncodeInto(text: string, out: Uint8Array, offset: number): number {
  let p = offset;
  const len = text.length;
  for (let i = 0; i < len; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      out[p++] = c;
      continue;
    }
    if (c < 0x800) {
      out[p++] = 0xc0 | (c >>> 6);
      out[p++] = 0x80 | (c & 0x3f);
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < len ? text.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        out[p++] = 0xf0 | (cp >>> 18);
        out[p++] = 0x80 | ((cp >>> 12) & 0x3f);
        out[p++] = 0x80 | ((cp >>> 6) & 0x3f);
        out[p++] = 0x80 | (cp & 0x3f);
        i++;
        continue;
      }
      c = REPLACEMENT;
    }
    out[p++] = 0xe0 | (c >>> 12);
    out[p++] = 0x80 | ((c >>> 6) & 0x3f);
    out[p++] = 0x80 | (c & 0x3f);
  }
  return p;
}

export function utf8Encode(text: string): Uint8Array {
  const out = new Uint8Array(utf8Length(text));
  utf8EncodeInto(text, out, 0);
  return out;
}

/**
 * Decode bytes[start, end) (default: all of it) with the WHATWG decoder's error handling
 * (one U+FFFD per maximal ill-formed subpart), so the result equals TextDecoder's.
 */
export function utf8Decode(bytes: Uint8Array, start = 0, end = bytes.length): string {
  // ASCII is the common case on a console; one fromCharCode per chunk keeps it cheap.
  const units: number[] = [];
  let result = '';
  let cp = 0;
  let needed = 0;
  let lower = 0x80;
  let upper = 0xbf;
  let i = start;
  while (i < end) {
    const b = bytes[i]!;
    if (needed === 0) {
      i++;
      if (b < 0x80) units.push(b);
      else if (b >= 0xc2 && b <= 0xdf) {
        needed = 1;
        cp = b & 0x1f;
      } else if (b >= 0xe0 && b <= 0xef) {
        if (b === 0xe0) lower = 0xa0;
        else if (b === 0xed) upper = 0x9f;
        needed = 2;
        cp = b & 0x0f;
      } else if (b >= 0xf0 && b <= 0xf4) {
        if (b === 0xf0) lower = 0x90;
        else if (b === 0xf4) upper = 0x8f;
        needed = 3;
        cp = b & 0x07;
      } else units.push(REPLACEMENT);
    } else if (b < lower || b > upper) {
      // The sequence so far is one bad subpart; this byte starts over (not consumed).
      needed = 0;
      lower = 0x80;
      upper = 0xbf;
      units.push(REPLACEMENT);
    } else {
      i++;
      lower = 0x80;
      upper = 0xbf;
      cp = (cp << 6) | (b & 0x3f);
      if (--needed === 0) {
        if (cp >= 0x10000) {
          const v = cp - 0x10000;
          units.push(0xd800 + (v >>> 10), 0xdc00 + (v & 0x3ff));
        } else units.push(cp);
      }
    }
    if (units.length >= CHUNK) {
      result += String.fromCharCode.apply(null, units);
      units.length = 0;
    }
  }
  if (needed !== 0) units.push(REPLACEMENT);
  if (units.length > 0) result += String.fromCharCode.apply(null, units);
  return result;
}
