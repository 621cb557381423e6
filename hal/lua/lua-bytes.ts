/**
 * Bytes between Lua strings (what NodeMCU's uart/net and the simulator pipe carry) and the
 * runtime's Uint8Array (the prelude's stand-in, a table indexed from 0). Lua build only.
 */
/** Characters per string.char call: well below Lua's limit on call arguments. */
const CHARS_PER_CALL = 64;

export function stringToBytes(data: string, n = data.length): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = string.byte(data, i + 1);
  return out;
}

export function bytesToString(bytes: Uint8Array): string {
  const parts: string[] = [];
  const codes: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    codes.push(bytes[i]!);
    if (codes.length === CHARS_PER_CALL) {
      parts.push(string.char(...codes));
      codes.length = 0;
    }
  }
  if (codes.length > 0) parts.push(string.char(...codes));
  return parts.join('');
}
