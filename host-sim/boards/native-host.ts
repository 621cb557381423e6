/**
 * The host side of an XS board's native byte helpers (hal/xsnap/native-bytes.ts): answers the
 * VM's issueCommand with the result of the JS reference code (so the bytes are by
 * construction those of the board's own fallback) and charges the board the declared cost of
 * doing the same in C on the board.
 *
 * Declared costs, in XS metering units, from the cycles per byte of the C loops in
 * firmware/native/mcdsm_bytes.c on an ESP32 (Xtensa LX6, 240 MHz): at the CPU model's
 * 150 ns per unit (ESP32_NS_PER_UNIT) one unit is 36 cycles. A table-driven CRC-32 (the ROM's
 * crc32_le is one) takes about 9 cycles a byte (load, xor, table load, shift, xor) -> 0.25;
 * COBS encode or decode about 7 cycles a byte (load, test, store, counter) -> 0.2; the diff
 * compares 32-bit words, about 2 cycles a byte -> 0.06; finding a zero the same -> 0.06;
 * memcpy about 1 cycle a byte -> 0.03. Each call also pays NATIVE_CALL_UNITS for entering the
 * host function (argument checks, buffer lookups: about what a short JS function call costs).
 * These are estimates, documented in docs/PERFORMANCE.md; the Moddable lin build of
 * firmware/native measures the real ones.
 */
import { Crc32 } from '../../src/wire/crc32.js';
import { cobsDecode, cobsEncode, cobsEncodedLength } from '../../src/wire/cobs.js';
import { findZero } from '../../src/wire/bytes.js';
import { diffSpans } from '../../src/ft/spans.js';
import {
  NATIVE_MARK, OP_COBS_DEC, OP_COBS_ENC, OP_COPY, OP_CRC32, OP_DIFF, OP_FIND_ZERO, OP_PROBE, opBit,
} from '../../hal/xsnap/native-protocol.js';

export const NATIVE_CALL_UNITS = 20;
export const NATIVE_UNITS_PER_BYTE = {
  crc32: 0.25,
  cobsEncode: 0.2,
  cobsDecode: 0.2,
  diffSpans: 0.06,
  findZero: 0.06,
  copy: 0.03,
} as const;

/** Every op this host can serve. */
export const ALL_NATIVE_OPS = opBit(OP_CRC32) | opBit(OP_COBS_ENC) | opBit(OP_COBS_DEC) | opBit(OP_DIFF) | opBit(OP_FIND_ZERO) | opBit(OP_COPY);

const EMPTY = new Uint8Array(0);

export class NativeHost {
  /** Declared units charged since the last take(). */
  private charged = 0;
  /** Calls served, per op (figures for tests and benches). */
  readonly calls = new Map<number, number>();
  private readonly crc = new Crc32(8);

  constructor(private readonly ops: number = ALL_NATIVE_OPS) {}

  /** What had been charged after each call since the last take(): a frame's units add it. */
  private readonly after: number[] = [];

  take(): number {
    const c = this.charged;
    this.charged = 0;
    this.after.length = 0;
    return c;
  }

  /**
   * Declared units of the first `calls` calls since the last take(): what the board had spent
   * in native helpers when it wrote a frame that came after them (BoardAction tx `natives`).
   */
  chargedBy(calls: number): number {
    const n = Math.min(calls, this.after.length);
    return n <= 0 ? 0 : this.after[n - 1]!;
  }

  private charge(op: number, perByte: number, n: number): void {
    this.charged += NATIVE_CALL_UNITS + perByte * n;
    this.after.push(this.charged);
    this.calls.set(op, (this.calls.get(op) ?? 0) + 1);
  }

  /** The answer to one issueCommand (empty for anything that is not a native request). */
  answer(req: Uint8Array): Uint8Array {
    if (req.length < 2 || req[0] !== NATIVE_MARK) return EMPTY;
    const op = req[1]!;
    if (op === OP_PROBE) return new Uint8Array([this.ops & 0xff]);
    if ((this.ops & opBit(op)) === 0) return EMPTY;
    switch (op) {
      case OP_CRC32: {
        const data = req.subarray(2);
        this.charge(op, NATIVE_UNITS_PER_BYTE.crc32, data.length);
        const c = this.crc.compute(data);
        return new Uint8Array([c & 0xff, (c >>> 8) & 0xff, (c >>> 16) & 0xff, c >>> 24]);
      }
      case OP_COBS_ENC: {
        const lead = req[2] === 1 ? 1 : 0;
        const data = req.subarray(3);
        this.charge(op, NATIVE_UNITS_PER_BYTE.cobsEncode, data.length);
        const out = new Uint8Array(lead + cobsEncodedLength(data.length));
        const n = cobsEncode(data, out, lead);
        return out.subarray(0, lead + n);
      }
      case OP_COBS_DEC: {
        const data = req.subarray(2);
        this.charge(op, NATIVE_UNITS_PER_BYTE.cobsDecode, data.length);
        const out = new Uint8Array(1 + data.length);
        const n = cobsDecode(data, out.subarray(1));
        if (n < 0) return new Uint8Array([0]);
        out[0] = 1;
        return out.subarray(0, 1 + n);
      }
      case OP_DIFF: {
        const dv = new DataView(req.buffer, req.byteOffset, req.byteLength);
        const gap = dv.getUint32(2, true);
        const n = dv.getUint32(6, true);
        const a = req.subarray(10, 10 + n);
        const b = req.subarray(10 + n, 10 + 2 * n);
        this.charge(op, NATIVE_UNITS_PER_BYTE.diffSpans, n);
        const spans: number[] = [];
        diffSpans(a, b, gap, (s, e) => spans.push(s, e));
        return new Uint8Array(Uint32Array.from(spans).buffer);
      }
      case OP_FIND_ZERO: {
        const data = req.subarray(2);
        const at = findZero(data, 0, data.length);
        this.charge(op, NATIVE_UNITS_PER_BYTE.findZero, at < 0 ? data.length : at + 1);
        return new Uint8Array(Int32Array.of(at).buffer);
      }
      case OP_COPY: {
        const data = req.subarray(2);
        this.charge(op, NATIVE_UNITS_PER_BYTE.copy, data.length);
        return data.slice();
      }
      default:
        return EMPTY;
    }
  }
}
