/**
 * Checks run inside a real Lua (lua5.1, lua5.3, fengari) by test/lua/*.test.ts: the frame and
 * COBS vectors of docs/PROTOCOL.md, the PRNG's sequence, and per-operation costs. Commands
 * come one per line on stdin, answers go one per line to stdout:
 *   vector NAME F TYPE LSEQ LACK DOMAIN SRC DST TTL SRCPORT DSTPORT EPOCH PAYLOAD FRAME COBS
 *       (byte strings as hex without spaces, `-` for none) -> `ok NAME` or `FAIL NAME: why`
 *   prng SEED COUNT       -> the first COUNT nextUint32() values, space-separated
 *   crc HEX               -> the CRC-32 of the bytes, decimal
 *   semantics             -> the lines of semanticsProbe() (hal/lua/semantics-probe.ts)
 *   end                   -> stops
 */
import { CobsDeframer, cobsDecode, cobsEncode, cobsEncodedLength } from '../../src/wire/cobs.js';
import { FLAG_NO_CRC, FrameCodec, emptyFrame } from '../../src/wire/frame.js';
import type { FrameFields } from '../../src/wire/frame.js';
import { Crc32 } from '../../src/wire/crc32.js';
import { Prng } from '../../src/util/prng.js';
import { semanticsProbe } from './semantics-probe.js';

function hexToBytes(hex: string): Uint8Array {
  if (hex === '-') return new Uint8Array(0);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function toHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) {
    const v = b[i]!;
    s += (v < 16 ? '0' : '') + v.toString(16);
  }
  return s.length === 0 ? '-' : s;
}

const FIELD_NAMES = ['flags', 'type', 'lseq', 'lack', 'domain', 'src', 'dst', 'ttl', 'srcPort', 'dstPort', 'epoch'] as const;

function checkVector(w: string[]): string {
  const name = w[1]!;
  const nums: number[] = [];
  for (let i = 0; i < FIELD_NAMES.length; i++) nums.push(Number(w[2 + i]));
  const payload = hexToBytes(w[13]!);
  const frame = hexToBytes(w[14]!);
  const cobs = w[15] === '-' ? null : hexToBytes(w[15]!);
  const crc = (nums[0]! & FLAG_NO_CRC) === 0;
  const fields: FrameFields = emptyFrame();
  FIELD_NAMES.forEach((k, i) => {
    fields[k] = nums[i]!;
  });
  fields.flags = nums[0]! & ~FLAG_NO_CRC;
  fields.payload = payload;
  const codec = new FrameCodec();
  const enc = toHex(codec.encode(fields, undefined, 0, true, crc));
  if (enc !== toHex(frame)) return `encode gave ${enc}, want ${toHex(frame)}`;
  const out = new Uint8Array(frame.length + 7).fill(0xee);
  const at = toHex(codec.encode(fields, out, 3, true, crc));
  if (at !== toHex(frame) || out[2] !== 0xee || out[3 + frame.length] !== 0xee) return 'encode at an offset differs';
  const f = emptyFrame();
  const r1 = codec.decode(frame, f);
  if (r1 !== (crc ? 'ok' : 'no-crc')) return `decode said ${r1}`;
  const r2 = codec.decode(frame, f, true, true);
  if (r2 !== 'ok') return `decode (NO_CRC allowed) said ${r2}`;
  for (const k of FIELD_NAMES) if (f[k] !== fields[k]) return `decoded ${k} ${String(f[k])}, want ${String(fields[k])}`;
  if (toHex(f.payload) !== toHex(payload)) return 'decoded payload differs';
  if (crc) {
    // One flipped bit anywhere must fail the CRC (or the header checks).
    const bad = frame.slice(0, frame.length);
    bad[bad.length - 1] = bad[bad.length - 1]! ^ 1;
    if (codec.decode(bad, emptyFrame()) === 'ok') return 'a damaged frame decoded';
  }
  if (cobs !== null) {
    const enc2 = new Uint8Array(cobsEncodedLength(frame.length));
    const n = cobsEncode(frame, enc2);
    if (toHex(enc2.subarray(0, n)) !== toHex(cobs)) return `cobs gave ${toHex(enc2.subarray(0, n))}`;
    const dec = new Uint8Array(frame.length);
    if (cobsDecode(cobs, dec, 0, cobs.length - 1) !== frame.length || toHex(dec) !== toHex(frame)) return 'cobs decode differs';
    const got: string[] = [];
    const d = new CobsDeframer(4220, { deframed: (fr) => got.push(toHex(fr)) });
    // Fed in two pieces: a stream splits writes anywhere.
    const cut = cobs.length >>> 1;
    d.push(cobs.subarray(0, cut));
    d.push(cobs.subarray(cut, cobs.length));
    if (got.length !== 1 || got[0] !== toHex(frame)) return 'deframer differs';
  }
  return '';
}

function main(): void {
  const crc = new Crc32(1);
  for (;;) {
    const line = io.read('*l');
    if (line === undefined || line === 'end') break;
    const w = line.split(' ');
    if (w[0] === 'vector') {
      const why = checkVector(w);
      print(why === '' ? `ok ${w[1]!}` : `FAIL ${w[1]!}: ${why}`);
    } else if (w[0] === 'prng') {
      const p = new Prng(Number(w[1]));
      const n = Number(w[2]);
      const vals: string[] = [];
      for (let i = 0; i < n; i++) vals.push(String(p.nextUint32()));
      print(vals.join(' '));
    } else if (w[0] === 'crc') {
      print(String(crc.compute(hexToBytes(w[1]!))));
    } else if (w[0] === 'semantics') {
      for (const l of semanticsProbe()) print(l);
    } else {
      print(`FAIL unknown command ${w[0] ?? ''}`);
    }
  }
}

main();
