/**
 * Netstrings (`<len>:<bytes>,`), the framing of xsnap-worker's command pipes. The decoder
 * is streaming: chunks may split or merge messages anywhere, and a message contained in one
 * chunk is handed out as a view of it without a copy.
 */

const COLON = 0x3a;
const COMMA = 0x2c;
/** xsnap-worker reads the length with `%9lu`: nine digits at most. */
const MAX_DIGITS = 9;

/** Encodes `prefix` (one ASCII byte, or none) + body as one netstring in one buffer. */
export function encodeNetstring(prefix: number | null, body: Uint8Array | string): Buffer {
  const bodyLen = typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.length;
  const len = bodyLen + (prefix === null ? 0 : 1);
  const header = `${len}:`;
  const out = Buffer.allocUnsafe(header.length + len + 1);
  let p = out.write(header, 0, 'latin1');
  if (prefix !== null) out[p++] = prefix;
  if (typeof body === 'string') p += out.write(body, p, 'utf8');
  else {
    out.set(body, p);
    p += body.length;
  }
  out[p] = COMMA;
  return out;
}

export class NetstringError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NetstringError';
  }
}

export class NetstringDecoder {
  private digits = 0;
  private length = 0;
  private body: Uint8Array | null = null;
  private filled = 0;
  private wantComma = false;

  constructor(
    private readonly onMessage: (message: Uint8Array) => void,
    private readonly maxLength = 999_999_999,
  ) {}

  /** Feeds bytes; throws NetstringError on a malformed stream (the pipe is then unusable). */
  push(chunk: Uint8Array): void {
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (this.wantComma) {
        if (chunk[i] !== COMMA) throw new NetstringError(`expected ',' after ${this.length}-byte message`);
        i++;
        this.wantComma = false;
        this.length = 0;
        const body = this.body!;
        this.body = null;
        this.onMessage(body);
        continue;
      }
      if (this.body !== null) {
        const take = Math.min(this.length - this.filled, n - i);
        this.body.set(chunk.subarray(i, i + take), this.filled);
        this.filled += take;
        i += take;
        if (this.filled === this.length) this.wantComma = true;
        continue;
      }
      const c = chunk[i]!;
      if (c === COLON) {
        if (this.digits === 0) throw new NetstringError('netstring without length');
        i++;
        const len = this.length;
        this.digits = 0;
        // Whole message (and its comma) in this chunk: hand out a view, no copy.
        if (n - i >= len + 1) {
          if (chunk[i + len] !== COMMA) throw new NetstringError(`expected ',' after ${len}-byte message`);
          const body = chunk.subarray(i, i + len);
          i += len + 1;
          this.length = 0;
          this.onMessage(body);
          continue;
        }
        this.body = new Uint8Array(len);
        this.filled = 0;
        if (len === 0) this.wantComma = true;
        continue;
      }
      if (c < 0x30 || c > 0x39 || this.digits >= MAX_DIGITS) {
        throw new NetstringError(`bad netstring length byte 0x${c.toString(16)}`);
      }
      this.length = this.length * 10 + (c - 0x30);
      this.digits++;
      if (this.length > this.maxLength) throw new NetstringError(`netstring of ${this.length} bytes exceeds ${this.maxLength}`);
      i++;
    }
  }
}
