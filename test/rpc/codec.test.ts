/**
 * The remote-call codecs: values (JSON-compatible + typed arrays) round-trip exactly; every
 * protocol message decodes to what was encoded; malformed bytes are refused with the codec's
 * own error (the receiver drops and counts them), never anything else.
 */
import test from 'ava';
import fc from 'fast-check';
import { decodeValue, encodeValue, RpcError, type RpcValue } from '../../src/rpc/index.js';
import {
  decodeMessage, encodeAccept, encodeForget, encodeIndexed, encodeRefuse, encodeResult, encodeStart, encodeStore,
  encodeStoreAck, MsgType, RpcFrameError,
} from '../../src/rpc/frames.js';

const typed = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  fc.int16Array({ maxLength: 16 }).map((a) => new Int16Array(a)),
  fc.float64Array({ maxLength: 16 }),
  fc.float32Array({ maxLength: 16 }),
  fc.uint32Array({ maxLength: 16 }),
);

const value: fc.Arbitrary<RpcValue> = fc.letrec<{ v: RpcValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.double(),
    fc.string({ unit: 'grapheme' }),
    typed as fc.Arbitrary<RpcValue>,
    fc.array(tie('v'), { maxLength: 5 }),
    fc.dictionary(fc.string(), tie('v'), { maxKeys: 5 }),
  ),
})).v;

/** Structural equality that tells typed-array kinds apart and compares NaN and -0 exactly. */
function same(a: RpcValue, b: RpcValue): boolean {
  if (typeof a === 'number' && typeof b === 'number') return Object.is(a, b);
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    if (!ArrayBuffer.isView(a) || !ArrayBuffer.isView(b) || a.constructor !== b.constructor || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => same(x, b[i]!));
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => k in b && same(a[k]!, b[k]!));
  }
  return a === b;
}

test('every value round-trips bit-exactly (typed array kinds, NaN and -0 included)', (t) => {
  fc.assert(
    fc.property(value, (v) => same(decodeValue(encodeValue(v)), v)),
    { seed: 14, numRuns: 400 },
  );
  t.pass();
});

test('a typed array that is a view into a larger buffer travels as its own bytes', (t) => {
  const big = new Float64Array([1, 2, 3, 4, 5]);
  const view = big.subarray(1, 3);
  const back = decodeValue(encodeValue({ view }));
  t.deepEqual(back, { view: new Float64Array([2, 3]) });
});

test('what cannot be sent is refused naming it', (t) => {
  const bad = (v: unknown) => t.throws(() => encodeValue(v as RpcValue), { instanceOf: RpcError });
  bad(undefined);
  bad({ a: undefined });
  bad(() => 1);
  bad(10n);
  bad(new DataView(new ArrayBuffer(4)));
  let deep: RpcValue = 1;
  for (let i = 0; i < 40; i++) deep = [deep];
  const e = t.throws(() => encodeValue(deep), { instanceOf: RpcError });
  t.regex(e.message, /nested deeper/);
});

test('malformed value bytes are refused, never mis-decoded', (t) => {
  const good = encodeValue({ a: [1, 'two', new Uint16Array([3])] });
  for (let cut = 0; cut < good.length; cut++) {
    t.throws(() => decodeValue(good.subarray(0, cut)), { instanceOf: RpcError }, `cut at ${cut}`);
  }
  const extra = new Uint8Array(good.length + 1);
  extra.set(good);
  t.throws(() => decodeValue(extra), { instanceOf: RpcError, message: /after the value/ });
  const tag = good.slice();
  tag[1] = 99;
  t.throws(() => decodeValue(tag), { instanceOf: RpcError, message: /unknown value tag/ });
  // An odd byte count for 16-bit elements.
  const odd = encodeValue(new Uint8Array(3));
  odd[2] = 2; // kind Uint16Array
  t.throws(() => decodeValue(odd), { instanceOf: RpcError, message: /whole number of elements/ });
});

test('every protocol message decodes to what was encoded', (t) => {
  const id = { client: 3, call: 0xdeadbeef, attempt: 7 };
  const start = decodeMessage(encodeStart(id, { idempotent: false, resumeOnly: true, buddy: 9, argBytes: 70000, chunkBytes: 1024, name: 'fft' }));
  t.like(start, { type: MsgType.START, ...id, idempotent: false, resumeOnly: true, buddy: 9, argBytes: 70000, chunkBytes: 1024, name: 'fft' });
  t.like(decodeMessage(encodeAccept(id, 4, true)), { type: MsgType.ACCEPT, ...id, resumeGen: 4, haveResult: true });
  t.like(decodeMessage(encodeRefuse(id, 2)), { type: MsgType.REFUSE, ...id, reason: 2 });
  const arg = decodeMessage(encodeIndexed(MsgType.ARG, id, 5, new Uint8Array([1, 2, 3])));
  t.like(arg, { type: MsgType.ARG, ...id, index: 5 });
  t.deepEqual(arg.type === MsgType.ARG ? [...arg.data] : null, [1, 2, 3]);
  t.like(decodeMessage(encodeIndexed(MsgType.ARG_ACK, id, 6)), { type: MsgType.ARG_ACK, next: 6 });
  t.like(decodeMessage(encodeIndexed(MsgType.PROGRESS, id, 8)), { type: MsgType.PROGRESS, count: 8 });
  t.like(decodeMessage(encodeIndexed(MsgType.RESULT_ACK, id, 2)), { type: MsgType.RESULT_ACK, next: 2 });
  const res = decodeMessage(encodeResult(id, 1, 2000, 1, new Uint8Array([9])));
  t.like(res, { type: MsgType.RESULT, status: 1, total: 2000, index: 1 });
  const st = decodeMessage(encodeStore(id, { kind: 1, server: 4, chunkBytes: 512, gen: 3, total: 600, status: 0 }, 1, new Uint8Array(88)));
  t.like(st, { type: MsgType.STORE, kind: 1, server: 4, chunkBytes: 512, gen: 3, total: 600, index: 1, status: 0 });
  t.like(decodeMessage(encodeStoreAck(id, 3, 2)), { type: MsgType.STORE_ACK, gen: 3, next: 2 });
  t.like(decodeMessage(encodeForget(id)), { type: MsgType.FORGET, ...id });
});

test('malformed messages are refused with RpcFrameError (the layer drops and counts them)', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
      try {
        decodeMessage(bytes);
        return true;
      } catch (e) {
        return e instanceof RpcFrameError;
      }
    }),
    { seed: 3, numRuns: 3000 },
  );
  t.throws(() => decodeMessage(new Uint8Array([99, 0, 0, 0, 0, 0, 0])), { instanceOf: RpcFrameError, message: /unknown message type/ });
  t.throws(() => encodeStart({ client: 1, call: 1, attempt: 1 }, { idempotent: true, resumeOnly: false, buddy: 2, argBytes: 1, chunkBytes: 64, name: '' }), { instanceOf: RpcFrameError });
});

test('the START vector of docs/PROTOCOL.md', (t) => {
  const hex = '01 03 ef be ad de 07 02 09 70 11 01 00 00 04 03 66 66 74';
  const bytes = Uint8Array.from(hex.split(' ').map((h) => parseInt(h, 16)));
  const m = encodeStart({ client: 3, call: 0xdeadbeef, attempt: 7 }, { idempotent: false, resumeOnly: true, buddy: 9, argBytes: 70000, chunkBytes: 1024, name: 'fft' });
  t.deepEqual([...m], [...bytes]);
  t.like(decodeMessage(bytes), { type: MsgType.START, client: 3, call: 0xdeadbeef, attempt: 7, buddy: 9, argBytes: 70000, name: 'fft' });
});
