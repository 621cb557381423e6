/**
 * The request table (src/mcapi/request.ts) against a model under random alloc/complete/release
 * sequences (seeded fast-check): the limit holds, a released slot is reused, and pending() /
 * all() list every live request in slot order whatever slots in between are free (a loop that
 * stopped at the first free slot, as for-of does over a Lua array with holes, would miss some).
 */
import test from 'ava';
import fc from 'fast-check';
import { McapiError, Request, Status } from '../../src/mcapi/index.js';
import { RequestTable } from '../../src/mcapi/request.js';

type Op = { op: 'alloc' } | { op: 'succeed'; pick: number } | { op: 'release'; pick: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.constant<Op>({ op: 'alloc' }),
  fc.nat().map((pick): Op => ({ op: 'succeed', pick })),
  fc.nat().map((pick): Op => ({ op: 'release', pick })),
);

test('request table: limit, slot reuse, pending() and all() over free slots', (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 12 }), fc.array(opArb, { maxLength: 200 }), (limit, ops) => {
      const table = new RequestTable(limit);
      const live: Request<unknown>[] = [];
      for (const o of ops) {
        if (o.op === 'alloc') {
          if (live.length >= limit) {
            try {
              table.alloc(Request.KIND.MSG_RECV);
              return false;
            } catch (e) {
              if (!(e instanceof McapiError) || e.status !== Status.MCAPI_ERR_REQUEST_LIMIT) return false;
            }
          } else {
            live.push(table.alloc(Request.KIND.MSG_RECV));
          }
        } else if (live.length > 0) {
          const r = live[o.pick % live.length]!;
          if (o.op === 'succeed') table.succeed(r, 1, 0);
          else {
            table.release(r);
            live.splice(live.indexOf(r), 1);
          }
        }
        const bySlot = [...live].sort((a, b) => a._slot - b._slot);
        const all = table.all();
        const pending = table.pending();
        if (table.used !== live.length || all.length !== live.length) return false;
        if (all.some((r, i) => r !== bySlot[i])) return false;
        const wantPending = bySlot.filter((r) => r.pending);
        if (pending.length !== wantPending.length || pending.some((r, i) => r !== wantPending[i])) return false;
        if (new Set(live.map((r) => r._slot)).size !== live.length || live.some((r) => r._slot < 0 || r._slot >= limit)) return false;
      }
      return true;
    }),
    { seed: 1302, numRuns: 300 },
  );
  t.pass();
});

test('a request completed without an undo gains no _cancel property (an XS slot it would keep while reused)', (t) => {
  const table = new RequestTable(4);
  const ok = table.alloc<number>(Request.KIND.MSG_RECV);
  table.succeed(ok, 1, 0);
  t.false(Object.prototype.hasOwnProperty.call(ok, '_cancel'), 'succeed added _cancel');
  const bad = table.alloc<number>(Request.KIND.MSG_RECV);
  table.fail(bad, Status.MCAPI_ERR_TRANSMISSION);
  t.false(Object.prototype.hasOwnProperty.call(bad, '_cancel'), 'fail added _cancel');
  // One that had an undo drops it on completion, so a late cancel cannot run it.
  const undone = table.alloc<number>(Request.KIND.MSG_RECV);
  let ran = 0;
  undone._cancel = () => ran++;
  table.succeed(undone, 2, 0);
  t.is((undone as Request<number>)._cancel, undefined);
  t.is(ran, 0);
});
