/** FT control frames, app state and options: round trips, and bad input never throws. */
import test from 'ava';
import fc from 'fast-check';
import * as F from '../../src/ft/frames.js';
import { decodeAppState, encodeAppState } from '../../src/ft/app-state.js';
import { resolveFtOptions } from '../../src/ft/options.js';
import { FtError } from '../../src/ft/types.js';
import { ByteWriter } from '../../src/ft/bytes.js';

test('control messages round-trip', (t) => {
  const hb = { role: F.Role.MEMBER, coord: 0, incarnation: 0xdeadbeef, hash: 0x12345678, committed: 7, aborted: 3, progress: 99, furthest: 101 };
  t.deepEqual(F.decodeHeartbeat(F.encodeHeartbeat(hb)), hb);
  t.deepEqual(F.decodeJoin(F.encodeJoin({ incarnation: 1, hash: 2 })), { incarnation: 1, hash: 2 });
  t.deepEqual(F.decodeView(F.encodeView({ coord: 1, generation: 4, map: [1, 2, 5] })), { coord: 1, generation: 4, map: [1, 2, 5] });
  t.is(F.decodeReason(F.encodeReason('unrecoverable: checkpoint of rank 2 lost')), 'unrecoverable: checkpoint of rank 2 lost');
  t.deepEqual(F.decodeCkptStart(F.encodeCkptStart({ round: 5, rank: 2, base: 4, progress: 50 })), { round: 5, rank: 2, base: 4, progress: 50 });
  t.deepEqual(F.decodeCkptStored(F.encodeCkptStored({ round: 5, rank: 2 })), { round: 5, rank: 2 });
  const ack = { round: 5, rank: 1, replica: true, next: 300, status: F.AckStatus.NO_MEMORY, info: 1 << 20 };
  t.deepEqual(F.decodeCkptAck(F.encodeCkptAck(ack)), ack);
  t.deepEqual(F.decodeCkptAbort(F.encodeCkptAbort({ round: 9, rank: 255, reason: 'ranks 2, 3 did not call checkpoint' })), { round: 9, rank: 255, reason: 'ranks 2, 3 did not call checkpoint' });
  t.deepEqual(F.decodeCkptAt(F.encodeCkptAt({ target: 12, node: 3, token: 1 })), { target: 12, node: 3, token: 1 });
  t.deepEqual(F.decodeRecBegin(F.encodeRecBegin({ coord: 1, participants: [1, 2, 4] })), { coord: 1, participants: [1, 2, 4] });
  const st = { coord: 1, incarnation: 5, hash: 6, role: F.Role.SPARE, committed: 3, progress: 30, images: [{ rank: 0, gen: 3, kind: F.ImageKind.COMMITTED, progress: 30 }, { rank: 2, gen: 4, kind: F.ImageKind.PENDING, progress: 40 }] };
  t.deepEqual(F.decodeRecState(F.encodeRecState(st)), st);
  const plan = { coord: 1, generation: 3, map: [1, 4, 2, 3], transfers: [{ rank: 1, src: 2, dst: 4 }] };
  t.deepEqual(F.decodeRecPlan(F.encodeRecPlan(plan)), plan);
  t.deepEqual(F.decodeRecReady(F.encodeRecReady({ coord: 1, bytes: 1234 })), { coord: 1, bytes: 1234 });
  const res = { coord: 1, generation: 3, map: [1, 4, 2, 3], failed: [0], detectMs: 810, restoreMs: 55, lost: 4, bytes: 9000, shrink: true, incarnations: [7, 0xffffffff, 0, 9] };
  t.deepEqual(F.decodeRecResume(F.encodeRecResume(res)), res);
});

test('HEARTBEAT version 2: the vector of docs/FT.md §11', (t) => {
  const hb = F.encodeHeartbeat({ role: F.Role.MEMBER, coord: 0, incarnation: 0x04030201, hash: 0xddccbbaa, committed: 5, aborted: 2, progress: 57, furthest: 58 });
  const hex = Array.from(hb, (b) => b.toString(16).padStart(2, '0')).join(' ');
  t.is(hex, '02 01 00 01 02 03 04 aa bb cc dd 05 00 00 00 02 00 00 00 39 00 00 00 3a 00 00 00');
  t.is(hb.length, 27);
});

test('decoders return null for short, long or garbage payloads and never throw', (t) => {
  const decoders = [
    F.decodeHeartbeat, F.decodeJoin, F.decodeView, F.decodeReason, F.decodeSuspect, F.decodeCkptStart, F.decodeCkptStored,
    F.decodeCkptAck, F.decodeRound, F.decodeCkptAbort, F.decodeCkptAt, F.decodeRecBegin, F.decodeRecState, F.decodeRecPlan,
    F.decodeRecReady, F.decodeRecResume,
  ];
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
      for (const d of decoders) d(bytes);
      return true;
    }),
    { seed: 5, numRuns: 500 },
  );
  const hb = F.encodeHeartbeat({ role: 1, coord: 0, incarnation: 1, hash: 2, committed: 3, aborted: 0, progress: 4, furthest: 4 });
  t.is(F.decodeHeartbeat(hb.subarray(0, hb.length - 1)), null, 'short');
  t.is(F.decodeHeartbeat(hb.subarray(1)), null, 'a version-1 heartbeat (22 bytes, no version byte)');
  const v3 = hb.slice();
  v3[0] = 3;
  t.is(F.decodeHeartbeat(v3), null, 'another heartbeat version');
  const long = new Uint8Array(hb.length + 1);
  long.set(hb);
  t.is(F.decodeHeartbeat(long), null, 'trailing byte');
  t.is(F.decodeView(F.encodeView({ coord: 0, generation: 0, map: [] })), null, 'empty map');
});

test('strings are cut at a character boundary', (t) => {
  const s = 'é'.repeat(200);
  const w = new ByteWriter(8).str(s);
  const out = F.decodeReason(w.done());
  t.truthy(out);
  t.true(out!.length <= 127 && s.startsWith(out!), 'whole characters only');
});

test('app state: JSON values and bytes round-trip; what JSON cannot hold is refused, naming where', (t) => {
  const v = { k: 12, rows: [1.5, -2, 'x', null, true], nested: { a: [{}] } };
  t.deepEqual(decodeAppState(encodeAppState(v)), v);
  t.deepEqual(decodeAppState(encodeAppState(new Uint8Array([1, 2, 3]))), new Uint8Array([1, 2, 3]));
  t.is(decodeAppState(encodeAppState(null)), null);
  const bad: [unknown, RegExp][] = [
    [{ f: () => 1 }, /state\.f: a function/],
    [{ a: [1, NaN] }, /state\.a\[1\]: NaN/],
    [{ m: new Map() }, /state\.m: a Map/],
    [{ d: new Date(0) }, /state\.d: a Date/],
    [{ u: undefined }, /state\.u: a undefined/],
    [{ b: 1n }, /state\.b: a bigint/],
    [undefined, /undefined cannot be saved/],
  ];
  for (const [value, re] of bad) {
    const e = t.throws(() => encodeAppState(value as never));
    t.true(e instanceof FtError && e.code === 'NOT_SERIALIZABLE');
    t.regex(e.message, re);
  }
  const cyc: Record<string, unknown> = {};
  cyc.self = cyc;
  t.throws(() => encodeAppState(cyc as never), { message: /state\.self: a cycle/ });
});

test('options: defaults, and a bad field is named', (t) => {
  const o = resolveFtOptions({ boards: 4 });
  t.deepEqual(o.initialMap, [0, 1, 2, 3]);
  t.is(o.buddies, 1);
  t.is(o.timeoutMs, 2000);
  t.throws(() => resolveFtOptions({ boards: 4, buddies: 4 }), { message: /ft option buddies: expected an integer from 1 to 3/ });
  t.throws(() => resolveFtOptions({ boards: 4, heartbeatMs: 500, timeoutMs: 600 }), { message: /ft option timeoutMs/ });
  t.throws(() => resolveFtOptions({ boards: 2, initialMap: [0] }), { message: /ft option initialMap/ });
  t.throws(() => resolveFtOptions({ boards: 0 }), { message: /ft option boards/ });
  t.throws(() => resolveFtOptions({ boards: 2, shrink: 'yes' as never }), { message: /ft option shrink/ });
});

test('board glue: FT options come from the board config; a bad field names options.ft', async (t) => {
  const { ftOptionsFor } = await import('../../src/runtime/ft-host.js');
  const { checkBoardConfig } = await import('../../src/config.js');
  const raw = {
    domain: 1, node: 2, rank: 2, boards: 4, links: [], seed: 1, ramLimit: 100_000, app: 'laplace', appArgs: ['--n', '64'],
    options: { ft: { buddies: 2, heartbeatMs: 100 } },
  };
  const cfg = checkBoardConfig(raw, 0);
  const o = ftOptionsFor(cfg, 4200, 'b1');
  t.is(o.boards, 4);
  t.is(o.buddies, 2);
  t.is(o.maxStoreBytes, 50_000);
  t.is(o.maxPayload, 4200);
  t.is(o.version, 'laplace --n 64 b1');
  const other = ftOptionsFor(checkBoardConfig({ ...raw, appArgs: ['--n', '128'] }, 0), 4200, 'b1');
  t.not(other.version, o.version, 'other arguments, other version');
  t.throws(() => ftOptionsFor(checkBoardConfig({ ...raw, options: { ft: { buddies: 9 } } }, 0), 4200), { message: /^options\.ft: ft option buddies/ });
  t.throws(() => checkBoardConfig({ ...raw, options: { ft: 3 } }, 0), { message: /^options\.ft: expected an object/ });
});

test('CKPT_ACK, encoded and decoded in place: 13 bytes, little-endian; a wrong length or status is refused', (t) => {
  const b = F.encodeCkptAck({ round: 0x01020304, rank: 7, replica: false, next: 0xabcd, status: F.AckStatus.STORED, info: 0xfffffffe });
  t.deepEqual([...b], [4, 3, 2, 1, 7, 0, 0xcd, 0xab, 1, 0xfe, 0xff, 0xff, 0xff]);
  t.is(F.decodeCkptAck(b.subarray(0, 12)), null);
  const bad = b.slice();
  bad[8] = F.AckStatus.MALFORMED + 1;
  t.is(F.decodeCkptAck(bad), null);
  t.deepEqual(F.decodeCkptAck(b), { round: 0x01020304, rank: 7, replica: false, next: 0xabcd, status: F.AckStatus.STORED, info: 0xfffffffe });
});
