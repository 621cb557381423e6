/**
 * The C code of the Moddable firmware's native byte helpers (firmware/native/
 * mcdsm_bytes_core.c, built here with the host's C compiler through firmware/native/
 * test-harness.c) gives the JS reference's bytes on random inputs: CRC-32, COBS encode and
 * decode (malformed blocks refused alike), the checkpoint diff.
 */
import test from 'ava';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Crc32 } from '../../src/wire/crc32.js';
import { cobsDecode, cobsEncode, cobsEncodedLength } from '../../src/wire/cobs.js';
import { diffSpans } from '../../src/ft/spans.js';

const source = fileURLToPath(new URL('../../../firmware/native/test-harness.c', import.meta.url));
const hex = (b: Uint8Array): string => (b.length === 0 ? '-' : Buffer.from(b).toString('hex'));

function harness(t: { teardown: (f: () => void) => void }): (lines: string[]) => string[] {
  const dir = mkdtempSync(join(tmpdir(), 'mcdsm-native-c-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const exe = join(dir, 'harness');
  const cc = spawnSync(process.env['CC'] ?? 'cc', ['-O2', '-Wall', '-Werror', '-o', exe, source], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`building ${source} failed: ${cc.stderr || cc.error?.message}`);
  return (lines) => {
    const r = spawnSync(exe, [], { input: lines.join('\n') + '\n', encoding: 'utf8', maxBuffer: 1 << 28 });
    if (r.status !== 0) throw new Error(`harness exited ${r.status}: ${r.stderr}`);
    return r.stdout.trimEnd().split('\n');
  };
}

const arbData = fc.oneof(
  fc.uint8Array({ maxLength: 3000 }),
  fc.array(fc.constantFrom(0, 1, 0xff), { maxLength: 600 }).map((a) => Uint8Array.from(a)),
  fc.integer({ min: 250, max: 1200 }).map((n) => Uint8Array.from({ length: n }, (_, i) => (i % 255) + 1)),
);

test('the firmware C code gives the JS bytes for CRC-32, COBS and the checkpoint diff (property)', (t) => {
  const run = harness(t);
  const crc = new Crc32(8);
  const samples = fc.sample(arbData, { seed: 21, numRuns: 300 });
  const junk = fc.sample(fc.uint8Array({ minLength: 1, maxLength: 400 }), { seed: 22, numRuns: 300 });
  const diffs = fc.sample(
    fc.tuple(fc.uint8Array({ maxLength: 2000 }), fc.array(fc.nat(), { maxLength: 30 }), fc.integer({ min: 0, max: 40 })),
    { seed: 23, numRuns: 200 },
  );
  const lines: string[] = [];
  const want: string[] = [];
  for (const d of samples) {
    lines.push(`crc ${hex(d)}`);
    want.push(crc.compute(d).toString(16).padStart(8, '0'));
    const enc = new Uint8Array(cobsEncodedLength(d.length));
    const encoded = enc.subarray(0, cobsEncode(d, enc));
    lines.push(`enc ${hex(d)}`);
    want.push(hex(encoded));
    lines.push(`dec ${hex(encoded.subarray(0, encoded.length - 1))}`);
    want.push(hex(d));
  }
  for (const j of junk) {
    const out = new Uint8Array(j.length);
    const n = cobsDecode(j, out);
    lines.push(`dec ${hex(j)}`);
    want.push(n < 0 ? 'x' : hex(out.subarray(0, n)));
  }
  for (const [base, flips, gap] of diffs) {
    const b = base.slice();
    for (const f of flips) if (b.length > 0) b[f % b.length] ^= 1 + (f & 0x7f);
    const spans: string[] = [];
    diffSpans(base, b, gap, (s, e) => spans.push(`${s},${e}`));
    lines.push(`diff ${gap} ${hex(base)} ${hex(b)}`);
    want.push(spans.length === 0 ? '-' : spans.join(' '));
  }
  const got = run(lines);
  t.is(got.length, want.length);
  let bad = -1;
  for (let i = 0; i < want.length && bad < 0; i++) if (got[i] !== want[i]) bad = i;
  t.is(bad, -1, bad < 0 ? '' : `request ${lines[bad]!.slice(0, 80)}: C ${got[bad]!.slice(0, 80)}, JS ${want[bad]!.slice(0, 80)}`);
  t.is(run(['crc 313233343536373839'])[0], 'cbf43926');
});
