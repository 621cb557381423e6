/**
 * Completions for the runtime's own users (docs/MCAPI.md "Completions for the runtime's own
 * users"): a request with a Completion holds no promise, is reported (its slot freed) when it
 * completes, and its Completion is told once, in a microtask, never inside the MCAPI call that
 * completed it; a posted receive reuses its request. Each test fails if that path is gone or
 * broken (a promise per request, a handler called synchronously, a slot left behind).
 */
import test from 'ava';
import fc from 'fast-check';
import { EndpointAttr, McapiError, Request, Status } from '../../src/mcapi/index.js';
import type { Completion, McapiNode } from '../../src/mcapi/index.js';
import { RequestTable } from '../../src/mcapi/request.js';
import type { Core } from '../../src/mcapi/core.js';
import { makeNodes } from './loopnet.js';

const core = (n: McapiNode): Core => (n as unknown as { core: Core }).core;

/** Records what it is told: the request, its status and size at that moment. */
class Recorder implements Completion {
  readonly told: { req: Request<unknown>; status: number; size: number; live: boolean }[] = [];
  onTold: ((req: Request<unknown>) => void) | null = null;
  complete(req: Request<unknown>): void {
    this.told.push({ req, status: req.status, size: req.size, live: req.live });
    this.onTold?.(req);
  }
}

test('a posted receive with a Completion holds no promise, is told in a microtask, and reuses its request', async (t) => {
  const { hub, nodes: [a, b] } = makeNodes(2);
  const ea = a!.createEndpoint(10);
  const eb = b!.createEndpoint(10);
  const toB = await hub.run(a!.getEndpoint(1, 2, 10, 100));
  const rec = new Recorder();
  const buf = new Uint8Array(16);
  let req = b!.msgRecvC(eb, buf, rec);
  // Waiting: the request's one completion field is the Completion itself, no waiter array, no promise.
  t.is(req._resolve, rec);
  t.is(req._waiters, undefined);
  t.is(req._reject, undefined);
  t.is(core(b!).requests.used, 1);
  const first = req;
  const got: number[] = [];
  rec.onTold = (r) => {
    got.push(buf[0]!);
    // Re-posted from inside the Completion, with the same request object.
    if (got.length < 5) req = b!.msgRecvC(eb, buf, rec, r as Request<number>);
  };
  for (let i = 0; i < 5; i++) await hub.run(a!.msgSend(ea, toB, new Uint8Array([40 + i, 1, 2])));
  await hub.advance(10);
  t.deepEqual(got, [40, 41, 42, 43, 44]);
  t.is(rec.told.length, 5);
  for (const x of rec.told) {
    t.is(x.req, first, 'one request object for the receive slot\'s life');
    t.is(x.status, Status.MCAPI_SUCCESS);
    t.is(x.size, 3);
    t.false(x.live, 'reported before it is told: its slot was free');
  }
  t.is(core(b!).requests.used, 0);
  t.is(core(b!).requests.untold, 0);
});

test('a receive that completes at once (a message was queued) is still told later, not inside msgRecvC', async (t) => {
  const { hub, nodes: [a, b] } = makeNodes(2);
  const ea = a!.createEndpoint(10);
  const eb = b!.createEndpoint(10);
  const toB = await hub.run(a!.getEndpoint(1, 2, 10, 100));
  await hub.run(a!.msgSend(ea, toB, new Uint8Array([7, 8])));
  t.is(b!.msgAvailable(eb), 1);
  const rec = new Recorder();
  const buf = new Uint8Array(8);
  const req = b!.msgRecvC(eb, buf, rec);
  t.false(req.pending, 'the queued message was taken at once');
  t.is(rec.told.length, 0, 'but the Completion is not called inside the call');
  t.is(core(b!).requests.untold, 1);
  await hub.settle();
  t.is(rec.told.length, 1);
  t.is(rec.told[0]!.size, 2);
  t.deepEqual([...buf.subarray(0, 2)], [7, 8]);
  t.is(core(b!).requests.used, 0);
});

test('a receive without a buffer (msgRecvC null) is told a view of the message, of any size, that MCAPI never writes again', async (t) => {
  const { hub, nodes: [a, b] } = makeNodes(2);
  const ea = a!.createEndpoint(10);
  const eb = b!.createEndpoint(10);
  const toB = await hub.run(a!.getEndpoint(1, 2, 10, 100));
  // One message queued before the receive is posted (taken at once), the rest into a waiting receive.
  await hub.run(a!.msgSend(ea, toB, new Uint8Array([1, 2, 3])));
  const rec = new Recorder();
  const views: Uint8Array[] = [];
  rec.onTold = (r) => {
    views.push(r.value as Uint8Array);
    if (views.length < 3) b!.msgRecvC(eb, null, rec, r as Request<number>);
  };
  const first = b!.msgRecvC(eb, null, rec);
  t.false(first.pending, 'the queued message was taken at once');
  await hub.settle();
  const big = new Uint8Array(4000).map((_, i) => i & 0xff);
  await hub.run(a!.msgSend(ea, toB, big));
  await hub.run(a!.msgSend(ea, toB, new Uint8Array([9, 9, 9, 9])));
  await hub.advance(10);
  t.is(views.length, 3);
  t.deepEqual([...views[0]!], [1, 2, 3], 'the first view still holds its message after two more arrived');
  t.deepEqual(views[1], big, 'a message of any size up to MAX_PAYLOAD_SIZE, whole');
  t.deepEqual([...views[2]!], [9, 9, 9, 9]);
  t.deepEqual(rec.told.map((x) => x.size), [3, 4000, 4]);
  // Views of the MSG frames past MCAPI's 2-byte header, not copies into buffers of their own.
  for (const v of views) t.true(v.byteOffset >= 2, `byteOffset ${v.byteOffset}`);
  t.is(core(b!).requests.used, 0);
  // And a buffered receive next to them still copies into its buffer.
  const buf = new Uint8Array(8);
  const copy = b!.msgRecvC(eb, buf, new Recorder());
  await hub.run(a!.msgSend(ea, toB, new Uint8Array([5, 6])));
  await hub.advance(10);
  t.is(copy.size, 2);
  t.deepEqual([...buf.subarray(0, 2)], [5, 6]);
});

test('a send with a Completion is told its outcome: success, and a failure with its status', async (t) => {
  const { hub, nodes: [a, b] } = makeNodes(2);
  const ea = a!.createEndpoint(10);
  const eb = b!.createEndpoint(10);
  const eb2 = b!.createEndpoint(11);
  const toB = await hub.run(a!.getEndpoint(1, 2, 10, 100));
  const toB2 = await hub.run(a!.getEndpoint(1, 2, 11, 100));
  const rec = new Recorder();
  const ok = a!.msgSendI(ea, toB, new Uint8Array([1]));
  a!.onComplete(ok, rec);
  t.is(ok._resolve, rec);
  b!.deleteEndpoint(eb2);
  const bad = a!.msgSendI(ea, toB2, new Uint8Array([2]));
  a!.onComplete(bad, rec);
  await hub.advance(100);
  t.is(rec.told.length, 2);
  const byReq = new Map(rec.told.map((x) => [x.req, x.status]));
  t.is(byReq.get(ok as Request<unknown>), Status.MCAPI_SUCCESS);
  t.not(byReq.get(bad as Request<unknown>), Status.MCAPI_SUCCESS);
  t.true(bad.error instanceof McapiError);
  t.is(core(a!).requests.used, 0);
  t.is(b!.msgAvailable(eb), 1);
});

test('a cancelled receive with a Completion is told MCAPI_ERR_REQUEST_CANCELLED and frees its slot', async (t) => {
  const { hub, nodes: [, b] } = makeNodes(2);
  const eb = b!.createEndpoint(10);
  const rec = new Recorder();
  const req = b!.msgRecvC(eb, new Uint8Array(4), rec);
  b!.cancel(req);
  t.is(core(b!).requests.used, 0);
  t.is(rec.told.length, 0);
  await hub.settle();
  t.is(rec.told.length, 1);
  t.is(rec.told[0]!.status, Status.MCAPI_ERR_REQUEST_CANCELLED);
  // The endpoint no longer lists it: a message now waits in the queue.
  t.is(core(b!).endpoints.get(10)!.recvWaiters!.length, 0);
});

test('bad uses of a Completion are refused with a clear status', async (t) => {
  const { hub, nodes: [a, b] } = makeNodes(2);
  const ea = a!.createEndpoint(10);
  const eb = b!.createEndpoint(10);
  const toB = await hub.run(a!.getEndpoint(1, 2, 10, 100));
  const rec = new Recorder();
  const s = a!.msgSendI(ea, toB, new Uint8Array([1]));
  a!.onComplete(s, rec);
  const twice = t.throws(() => a!.onComplete(s, rec));
  t.is((twice as McapiError).status, Status.MCAPI_ERR_REQUEST_INVALID);
  const w = a!.msgSendI(ea, toB, new Uint8Array([1]));
  const waited = a!.wait(w);
  const after = t.throws(() => a!.onComplete(w, rec));
  t.is((after as McapiError).status, Status.MCAPI_ERR_REQUEST_INVALID, 'already waited on with a promise');
  const bad = t.throws(() => b!.msgRecvC(eb, new Uint8Array(4), {} as Completion));
  t.is((bad as McapiError).status, Status.MCAPI_ERR_PARAMETER);
  t.is(core(b!).requests.used, 1, 'the refused receive still holds its slot (allocated before its Completion was refused)');
  const live = b!.msgRecvC(eb, new Uint8Array(4), rec);
  const reuseLive = t.throws(() => b!.msgRecvC(eb, new Uint8Array(4), rec, live));
  t.is((reuseLive as McapiError).status, Status.MCAPI_ERR_REQUEST_INVALID, 'a live request cannot be reused');
  await hub.run(waited);
});

type Op = { op: 'post' } | { op: 'succeed'; pick: number } | { op: 'fail'; pick: number } | { op: 'tick' };

test('request table with Completions: each completion told exactly once, in completion order, with its slot free; used counts only live requests', async (t) => {
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.constant<Op>({ op: 'post' }),
    fc.nat().map((pick): Op => ({ op: 'succeed', pick })),
    fc.nat().map((pick): Op => ({ op: 'fail', pick })),
    fc.constant<Op>({ op: 'tick' }),
  );
  await t.notThrowsAsync(fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 8 }), fc.array(opArb, { maxLength: 120 }), async (limit, ops) => {
      const table = new RequestTable(limit);
      const live: Request<unknown>[] = [];
      const completedOrder: Request<unknown>[] = [];
      const told: Request<unknown>[] = [];
      const done: Completion = {
        complete(req) {
          if (req.live || req.pending) throw new Error('told while still in a slot or pending');
          told.push(req);
        },
      };
      for (const o of ops) {
        if (o.op === 'post') {
          if (live.length >= limit) continue;
          // Reuse a told request half of the time, as a posted receive does.
          const reuse = live.length % 2 === 0 ? told.find((r) => !r.live && r._resolve === undefined) ?? null : null;
          const r = reuse === null ? table.alloc<unknown>(Request.KIND.MSG_RECV) : table.reuse(reuse, Request.KIND.MSG_RECV);
          table.attach(r, done);
          live.push(r);
        } else if (o.op === 'tick') {
          await Promise.resolve();
          await Promise.resolve();
        } else if (live.length > 0) {
          const i = o.pick % live.length;
          const r = live[i]!;
          if (o.op === 'succeed') table.succeed(r, 1, 1);
          else table.fail(r, Status.MCAPI_ERR_REQUEST_CANCELLED);
          live.splice(i, 1);
          completedOrder.push(r);
        }
        if (table.used !== live.length) return false;
        if (table.used + table.untold > limit + completedOrder.length) return false;
      }
      await new Promise((r) => setImmediate(r));
      if (table.untold !== 0 || told.length !== completedOrder.length) return false;
      return told.every((r, i) => r === completedOrder[i]);
    }),
    { seed: 1210, numRuns: 200 },
  ));
});

test('a timed wait is one record, no closures: a blocking receive times out and frees its slot; mcapi_wait times out and leaves the request pending', async (t) => {
  const { hub, nodes: [a, b] } = makeNodes(2);
  const ea = a!.createEndpoint(10);
  const eb = b!.createEndpoint(10);
  const toB = await hub.run(a!.getEndpoint(1, 2, 10, 100));
  b!.setEndpointAttribute(eb, EndpointAttr.TIMEOUT, 50);
  const recv = b!.msgRecv(eb, new Uint8Array(8));
  const [waiting] = core(b!).requests.all();
  t.is(waiting!._waiters!.length, 1);
  const w = waiting!._waiters![0]!;
  t.is(typeof w, 'object', 'the wait is a record, not a settle closure');
  t.is(Object.values(w).filter((v) => typeof v === 'function' && v !== (w as unknown as { resolve: unknown }).resolve && v !== (w as unknown as { reject: unknown }).reject).length, 0, 'its only functions are the promise\'s own');
  const err = await t.throwsAsync(hub.run(recv));
  t.is((err as McapiError).status, Status.MCAPI_TIMEOUT);
  t.is(core(b!).requests.used, 0, 'a blocking call abandons the operation on timeout');
  // mcapi_wait: non-destructive; the request completes later and is reported then.
  const req = b!.msgRecvI(eb, new Uint8Array(8));
  const e2 = await t.throwsAsync(hub.run(b!.wait(req, 20)));
  t.is((e2 as McapiError).status, Status.MCAPI_TIMEOUT);
  t.true(req.pending);
  t.is(req._waiters!.length, 0, 'the timed-out wait took itself off the request');
  const later = b!.wait(req, 1000);
  await hub.run(a!.msgSend(ea, toB, new Uint8Array([3, 4, 5])));
  t.is(await hub.run(later), 3);
  t.is(core(b!).requests.used, 0);
});

test('waitAny is one record with a small hook per request, no closures: it times out leaving both pending, then reports the one that completes', async (t) => {
  const { hub, nodes: [a, b] } = makeNodes(2);
  const ea = a!.createEndpoint(10);
  const eb = b!.createEndpoint(10);
  const eb2 = b!.createEndpoint(11);
  const toB2 = await hub.run(a!.getEndpoint(1, 2, 11, 100));
  const r0 = b!.msgRecvI(eb, new Uint8Array(8));
  const r1 = b!.msgRecvI(eb2, new Uint8Array(8));
  const first = b!.waitAny([r0, r1], 30);
  for (const r of [r0, r1]) {
    t.is(r._waiters!.length, 1);
    t.is(typeof r._waiters![0], 'object', 'a hook record, not a closure');
  }
  const e = await t.throwsAsync(hub.run(first));
  t.is((e as McapiError).status, Status.MCAPI_TIMEOUT);
  t.true(r0.pending && r1.pending);
  t.is(r0._waiters!.length + r1._waiters!.length, 0, 'the timed-out waitAny unhooked itself');
  const second = b!.waitAny([r0, r1], 1000);
  await hub.run(a!.msgSend(ea, toB2, new Uint8Array([1, 2])));
  t.is(await hub.run(second), 1);
  t.false(r1.live, 'reported');
  t.true(r0.live && r0.pending);
  t.is(r0._waiters!.length, 0, 'the other request was unhooked');
  b!.cancel(r0);
  t.is(core(b!).requests.used, 0);
});
