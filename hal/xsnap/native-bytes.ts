/**
 * Native byte helpers for a simulated XS board (src/wire/native.ts): each call hands its bytes
 * to the host through xsnap's synchronous `issueCommand`, which does the work and charges the
 * board the declared cost of the C code that does it on a real board (host-sim/boards/
 * native-host.ts, docs/PERFORMANCE.md). Marshalling the bytes over the pipe is the simulator's
 * own work: it is taken out of the board's meter (SimMeter) and reported as simHalUnits.
 */
import type { NativeBytes } from '../../src/wire/native.js';
import type { SimMeter } from './meter.js';
import {
  NATIVE_MARK, OP_COBS_DEC, OP_COBS_ENC, OP_COPY, OP_CRC32, OP_DIFF, OP_FIND_ZERO, OP_PROBE, opBit,
} from './native-protocol.js';

type IssueCommand = (request: ArrayBuffer) => ArrayBuffer;
type Concat = (this: ArrayBuffer, ...parts: ArrayBuffer[]) => ArrayBuffer;

function part(bytes: Uint8Array, start: number, end: number): ArrayBuffer {
  const o = bytes.byteOffset;
  return (bytes.buffer as ArrayBuffer).slice(o + start, o + end);
}

/**
 * Ask the host which natives it serves for this board; the helpers for those, or undefined
 * when none (no issueCommand, no answer, or a host that serves none).
 */
export function probeNativeBytes(meter: SimMeter): NativeBytes | undefined {
  const g = globalThis as unknown as { issueCommand?: IssueCommand };
  const issue = g.issueCommand;
  const concat = (ArrayBuffer.prototype as unknown as { concat?: Concat }).concat;
  if (typeof issue !== 'function' || concat === undefined) return undefined;
  const m0 = meter.begin();
  const answer = new Uint8Array(issue(new Uint8Array([NATIVE_MARK, OP_PROBE]).buffer as ArrayBuffer));
  const mask = answer.length === 1 ? answer[0]! : 0;
  meter.end(m0);
  if (mask === 0) return undefined;
  // Counted (inside the caller's exclusion) so a frame written later in the step carries it.
  const call = (head: Uint8Array, ...data: ArrayBuffer[]): Uint8Array => {
    meter.nativeCalls++;
    return new Uint8Array(issue(concat.call(head.buffer as ArrayBuffer, ...data)));
  };
  const natives: NativeBytes = {};
  if ((mask & opBit(OP_CRC32)) !== 0) {
    natives.crc32 = (bytes, start, end) => {
      const m = meter.begin();
      const r = call(new Uint8Array([NATIVE_MARK, OP_CRC32]), part(bytes, start, end));
      const crc = (r[0]! | (r[1]! << 8) | (r[2]! << 16) | (r[3]! << 24)) >>> 0;
      meter.end(m);
      return crc;
    };
  }
  if ((mask & opBit(OP_COBS_ENC)) !== 0) {
    natives.cobsEncode = (src, start, end, lead) => {
      const m = meter.begin();
      const r = call(new Uint8Array([NATIVE_MARK, OP_COBS_ENC, lead ? 1 : 0]), part(src, start, end));
      meter.end(m);
      return r;
    };
  }
  if ((mask & opBit(OP_COBS_DEC)) !== 0) {
    natives.cobsDecode = (src, start, end) => {
      const m = meter.begin();
      const r = call(new Uint8Array([NATIVE_MARK, OP_COBS_DEC]), part(src, start, end));
      const out = r.length > 0 && r[0] === 1 ? r.subarray(1) : null;
      meter.end(m);
      return out;
    };
  }
  if ((mask & opBit(OP_DIFF)) !== 0) {
    natives.diffSpans = (a, b, gap) => {
      const m = meter.begin();
      const n = Math.min(a.length, b.length);
      const head = new Uint8Array(10);
      head[0] = NATIVE_MARK;
      head[1] = OP_DIFF;
      const dv = new DataView(head.buffer);
      dv.setUint32(2, gap >>> 0, true);
      dv.setUint32(6, n, true);
      const r = call(head, part(a, 0, n), part(b, 0, n));
      const spans = new Uint32Array(r.buffer, r.byteOffset, r.length >> 2);
      meter.end(m);
      return spans;
    };
  }
  if ((mask & opBit(OP_FIND_ZERO)) !== 0) {
    natives.findZero = (bytes, start, end) => {
      const m = meter.begin();
      const r = call(new Uint8Array([NATIVE_MARK, OP_FIND_ZERO]), part(bytes, start, end));
      const at = r[0]! | (r[1]! << 8) | (r[2]! << 16) | (r[3]! << 24);
      meter.end(m);
      return at < 0 ? -1 : start + at;
    };
  }
  if ((mask & opBit(OP_COPY)) !== 0) {
    natives.copy = (src, start, end, dst, at) => {
      const m = meter.begin();
      const r = call(new Uint8Array([NATIVE_MARK, OP_COPY]), part(src, start, end));
      dst.set(r, at);
      meter.end(m);
    };
  }
  return natives;
}
