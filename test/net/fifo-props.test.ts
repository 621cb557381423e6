/**
 * The FIFO (src/net/fifo.ts) against a plain array model under random push/shift/peek/clear
 * sequences (seeded fast-check), long enough to cross the compaction threshold many times.
 * The same source runs under typescript-to-lua, where the queue keeps explicit ends instead
 * of trusting the array's length (test/lua covers that side on real Lua).
 */
import test from 'ava';
import fc from 'fast-check';
import { Fifo } from '../../src/net/fifo.js';

type Op = { op: 'push'; v: number } | { op: 'shift' } | { op: 'peek' } | { op: 'clear' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 1_000_000 }).map((v): Op => ({ op: 'push', v })) },
  { weight: 4, arbitrary: fc.constant<Op>({ op: 'shift' }) },
  { weight: 1, arbitrary: fc.constant<Op>({ op: 'peek' }) },
  { weight: 1, arbitrary: fc.constant<Op>({ op: 'clear' }) },
);

test('fifo: behaves like an array queue (push, shift, peek, clear, length, pushTo)', (t) => {
  fc.assert(
    fc.property(fc.array(opArb, { minLength: 1, maxLength: 600 }), (ops) => {
      const q = new Fifo<number>();
      let model: number[] = [];
      for (const o of ops) {
        if (o.op === 'push') {
          q.push(o.v);
          model.push(o.v);
        } else if (o.op === 'shift') {
          if (q.shift() !== model.shift()) return false;
        } else if (o.op === 'peek') {
          if (q.peek() !== model[0]) return false;
        } else {
          if (q.clear() !== model.length) return false;
          model = [];
        }
        if (q.length !== model.length) return false;
        // pushTo lists the live items, oldest first (a hop link's `pending`: Round 13 keeps a
        // head and a length instead of two ends).
        const listed: number[] = [];
        q.pushTo(listed);
        if (listed.length !== model.length || listed.some((v, i) => v !== model[i])) return false;
      }
      // Draining gives exactly the model's order.
      while (model.length > 0) if (q.shift() !== model.shift()) return false;
      return q.length === 0 && q.shift() === undefined;
    }),
    { seed: 1301, numRuns: 300 },
  );
  t.pass();
});

test('fifo: a long run of pushes then shifts crosses compaction without losing or reordering', (t) => {
  const q = new Fifo<number>();
  for (let i = 0; i < 1000; i++) q.push(i);
  const out: number[] = [];
  for (let i = 0; i < 500; i++) out.push(q.shift()!);
  for (let i = 1000; i < 1300; i++) q.push(i);
  while (q.length > 0) out.push(q.shift()!);
  t.deepEqual(out, Array.from({ length: 1300 }, (_, i) => i));
});
