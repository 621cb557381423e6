import test from 'ava';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { CodecError, decodeActions, decodeEvents, encodeActions, encodeEvents } from '../../hal/driven/codec.js';
import type { BoardAction, BoardEvent } from '../../hal/driven/events.js';
import { withXsConcat } from '../wire/xs-concat.js';

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const num = fc.double({ noNaN: false });
const text = fc.string({ unit: 'binary', maxLength: 40 });
const bytes = fc.uint8Array({ maxLength: 300 });

const eventArb: fc.Arbitrary<BoardEvent> = fc.oneof(
  fc.record({ kind: fc.constant('boot' as const), config: text }),
  fc.record({ kind: fc.constant('time' as const), now: num }),
  fc.record({ kind: fc.constant('rx' as const), link: u32, bytes }),
  fc.record({ kind: fc.constant('timer' as const), id: u32 }),
  fc.record({ kind: fc.constant('console' as const), text }),
  fc.record({ kind: fc.constant('memory' as const), used: num, limit: num }),
);

const actionArb: fc.Arbitrary<BoardAction> = fc.oneof(
  fc.record({ kind: fc.constant('tx' as const), link: u32, bytes }),
  // A metered board's frame: the units it had run when it wrote it (any size: f64) and its native calls before it.
  fc.record({ kind: fc.constant('tx' as const), link: u32, bytes, units: fc.double({ min: 0, max: 1e12, noNaN: true }), natives: u32 }),
  fc.record({ kind: fc.constant('timer-set' as const), id: u32, at: num }),
  fc.record({ kind: fc.constant('timer-clear' as const), id: u32 }),
  fc.record({ kind: fc.constant('console' as const), text }),
  fc.record({ kind: fc.constant('log' as const), level: text, message: text }),
  fc.record({ kind: fc.constant('event' as const), name: text, value: num, detail: text }),
  fc.record({ kind: fc.constant('event' as const), name: text, value: num, detail: text, units: fc.double({ min: 0, max: 1e12, noNaN: true }), natives: u32 }),
  fc.record({ kind: fc.constant('halt' as const), reason: text }),
  fc.record({ kind: fc.constant('reset' as const) }),
  fc.record({ kind: fc.constant('hang' as const), ms: num }),
);

/** Lone surrogates are not representable in UTF-8: the codec turns them into U+FFFD, like TextEncoder. */
function wellFormed<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'string') return new TextDecoder().decode(new TextEncoder().encode(v));
    if (v instanceof Uint8Array) return { bytes: [...v] };
    if (typeof v === 'number' && !Number.isFinite(v)) return { special: String(v) };
    if (Object.is(v, -0)) return { special: '-0' };
    return v;
  })) as T;
}

test('event batches round-trip (property)', (t) => {
  fc.assert(
    fc.property(fc.array(eventArb, { maxLength: 20 }), (events) =>
      isDeepStrictEqual(wellFormed(decodeEvents(encodeEvents(events))), wellFormed(events)),
    ),
    { seed: 1, numRuns: 300 },
  );
  t.pass();
});

test('action batches round-trip (property)', (t) => {
  fc.assert(
    fc.property(fc.array(actionArb, { maxLength: 20 }), (actions) =>
      isDeepStrictEqual(wellFormed(decodeActions(encodeActions(actions))), wellFormed(actions)),
    ),
    { seed: 2, numRuns: 300 },
  );
  t.pass();
});

test('garbage never decodes to anything but a batch or a CodecError (property)', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), fc.boolean(), (raw, asEvents) => {
      const input = raw.slice();
      if (input.length > 0) input[0] = asEvents ? 0x45 : 0x41;
      try {
        const out = asEvents ? decodeEvents(input) : decodeActions(input);
        return Array.isArray(out);
      } catch (e) {
        return e instanceof CodecError;
      }
    }),
    { seed: 3, numRuns: 2000 },
  );
  t.pass();
});

test('truncation and trailing bytes are detected', (t) => {
  const ok = encodeEvents([{ kind: 'rx', link: 1, bytes: new Uint8Array([1, 2, 3]) }]);
  for (let n = 0; n < ok.length; n++) t.throws(() => decodeEvents(ok.subarray(0, n)), { instanceOf: CodecError });
  const longer = new Uint8Array(ok.length + 1);
  longer.set(ok);
  t.throws(() => decodeEvents(longer), { instanceOf: CodecError, message: /trailing/ });
  t.throws(() => decodeActions(ok), { instanceOf: CodecError, message: /tag/ });
});

test('bad values are refused with the field named', (t) => {
  t.throws(() => encodeEvents([{ kind: 'timer', id: -1 }]), { message: /timer\.id/ });
  t.throws(() => encodeActions([{ kind: 'tx', link: 1.5, bytes: new Uint8Array(0) }]), { message: /tx\.link/ });
  t.throws(() => encodeActions([{ kind: 'console', text: 5 as unknown as string }]), { message: /console\.text/ });
});

test('the encoding is compact', (t) => {
  // time (1 + 8) + rx of 10 bytes (1 + 1 + 1 + 10) + tag + count
  const e = encodeEvents([
    { kind: 'time', now: 12.5 },
    { kind: 'rx', link: 0, bytes: new Uint8Array(10) },
  ]);
  t.is(e.length, 2 + 9 + 13);
});

test('long byte strings are spliced in with ArrayBuffer.prototype.concat where the engine has one (XS)', (t) => {
  const backing = new Uint8Array(5000).map((_, i) => (i * 7) & 0xff);
  const actions: BoardAction[] = [
    { kind: 'tx', link: 0, bytes: backing.subarray(3, 303) },
    { kind: 'timer-set', id: 9, at: 1.5 },
    { kind: 'tx', link: 1, bytes: new Uint8Array(4096).fill(0xab) },
    { kind: 'tx', link: 2, bytes: backing.subarray(0, 255) },
    { kind: 'tx', link: 3, bytes: backing.subarray(100, 4200) },
  ];
  const copied = encodeActions(actions);
  const spliced = withXsConcat((calls) => {
    const out = encodeActions(actions);
    t.is(calls(), 1, 'one concat joins the whole batch');
    const small: BoardAction[] = [{ kind: 'tx', link: 0, bytes: new Uint8Array(255) }];
    encodeActions(small);
    t.is(calls(), 1, 'short strings are copied, not spliced');
    return out;
  });
  t.deepEqual([...spliced], [...copied], 'the same bytes as the copying path');
  t.deepEqual(decodeActions(spliced), actions);
});
