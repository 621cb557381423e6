/**
 * The DSM message vectors of docs/DSM.md ("Messages", version 2): every `dsm-vector` block's
 * bytes are what the encoder writes for the fields its note names, and decodeMessage reads them
 * back to those fields. A layout change that does not bump DSM_VERSION and the vectors fails here.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { DSM_VERSION, Msg, decodeMessage, encodeAlloc, encodeLeave, encodePush } from '../../src/dsm/messages.js';
import { hexToBytes, bytesToHex } from '../wire/vectors.js';

function vectors(): Map<string, Uint8Array> {
  const md = readFileSync(new URL('../../../docs/DSM.md', import.meta.url), 'utf8');
  const out = new Map<string, Uint8Array>();
  for (const block of md.split('```dsm-vector').slice(1)) {
    const body = block.slice(0, block.indexOf('```'));
    const name = /^name = (.+)$/m.exec(body)?.[1]?.trim();
    const bytes = /^bytes = (.+)$/m.exec(body)?.[1];
    if (!name || !bytes) throw new Error(`a dsm-vector without name or bytes: ${body}`);
    out.set(name, hexToBytes(bytes));
  }
  return out;
}

const V = vectors();
const seq = (n: number, from = 1): Uint8Array => new Uint8Array(n).map((_, i) => i + from);
const hex = (b: Uint8Array): string => bytesToHex(b);

test('docs/DSM.md holds the six version-2 vectors', (t) => {
  t.is(DSM_VERSION, 2);
  t.deepEqual([...V.keys()].sort(), ['alloc-no-push', 'alloc-push', 'leave', 'push', 'push-empty', 'push-two-ranges']);
});

test('ALLOC ends its spec with the version nibble and the push flag', (t) => {
  const spec = { name: 'u', type: 'Float64' as const, length: 1000, pageSize: 1024, granule: 8, home: 'block' as const };
  t.is(hex(encodeAlloc(2, { ...spec, push: true })), hex(V.get('alloc-push')!));
  t.is(hex(encodeAlloc(2, { ...spec, push: false })), hex(V.get('alloc-no-push')!));
  const m = decodeMessage(V.get('alloc-push')!, 64, 4);
  t.true(m.type === Msg.ALLOC && m.seq === 2);
  // Version 1 (no version byte) and an unknown version or flag do not decode.
  const v1 = V.get('alloc-no-push')!.subarray(0, -1);
  t.throws(() => decodeMessage(v1, 64, 4), { message: /too short/ });
  const v3 = V.get('alloc-no-push')!.slice();
  v3[v3.length - 1] = 0x30;
  t.throws(() => decodeMessage(v3, 64, 4), { message: /DSM version 3/ });
  const flag = V.get('alloc-no-push')!.slice();
  flag[flag.length - 1] = 0x22;
  t.throws(() => decodeMessage(flag, 64, 4), { message: /unknown alloc flags/ });
});

test('PUSH and LEAVE: the encoders give the vectors and the decoder reads them back', (t) => {
  t.is(hex(encodePush(3, 1, 1, [10, 12], [seq(16)], 16)), hex(V.get('push')!));
  t.deepEqual(decodeMessage(V.get('push')!, 64, 4), { type: Msg.PUSH, epoch: 3, parts: 1, array: 1, ranges: [10, 12], data: seq(16) });
  const two = [new Uint8Array(8).fill(0xaa), new Uint8Array(8).fill(0xbb)];
  t.is(hex(encodePush(200, 2, 0, [130, 131, 300, 301], two, 16)), hex(V.get('push-two-ranges')!));
  const m = decodeMessage(V.get('push-two-ranges')!, 64, 4);
  t.true(m.type === Msg.PUSH && m.epoch === 200 && m.parts === 2 && m.array === 0);
  if (m.type === Msg.PUSH) t.deepEqual(m.ranges, [130, 131, 300, 301]);
  t.is(hex(encodePush(4, 1, 0, [], [], 0)), hex(V.get('push-empty')!));
  t.deepEqual(decodeMessage(V.get('push-empty')!, 64, 4), { type: Msg.PUSH, epoch: 4, parts: 1, array: 0, ranges: [], data: new Uint8Array(0) });
  t.is(hex(encodeLeave(7, 1, [100, 128, 300, 302])), hex(V.get('leave')!));
  t.deepEqual(decodeMessage(V.get('leave')!, 64, 4), { type: Msg.LEAVE, req: 7, array: 1, ranges: [100, 128, 300, 302] });
});

test('malformed PUSH and LEAVE are DecodeErrors', (t) => {
  const bad = (hexText: string, why: RegExp): void => {
    t.throws(() => decodeMessage(hexToBytes(hexText), 64, 4), { message: why }, hexText);
  };
  bad('11 03 00 01 00', /without parts/);
  bad('11 03 01 01 01 0a 00', /empty range/);
  bad('11 03 01 00 00 ff', /trailing/);
  bad('11 03 01 01 02 0a 02', /too short/);
  bad('12 07 01', /without ranges/);
  bad('12 07 01 64 00', /empty range/);
});
