/**
 * XS has ArrayBuffer.prototype.concat (one memcpy per part) and the byte-moving code uses it
 * where it exists; V8 has none. Tests install the same semantics for the length of a
 * synchronous callback so the XS path runs under ava too.
 */
type Concat = (this: ArrayBuffer, ...parts: ArrayBuffer[]) => ArrayBuffer;

export function withXsConcat<T>(run: (calls: () => number) => T): T {
  const proto = ArrayBuffer.prototype as unknown as { concat?: Concat };
  if (proto.concat !== undefined) throw new Error('this engine already has ArrayBuffer.prototype.concat');
  let calls = 0;
  proto.concat = function (this: ArrayBuffer, ...parts: ArrayBuffer[]): ArrayBuffer {
    calls++;
    for (const p of parts) if (!(p instanceof ArrayBuffer)) throw new TypeError('concat takes ArrayBuffers');
    const out = new Uint8Array(this.byteLength + parts.reduce((n, p) => n + p.byteLength, 0));
    let at = 0;
    for (const p of [this, ...parts]) {
      out.set(new Uint8Array(p), at);
      at += p.byteLength;
    }
    return out.buffer;
  };
  try {
    return run(() => calls);
  } finally {
    delete proto.concat;
  }
}
