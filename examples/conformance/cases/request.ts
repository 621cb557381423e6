/**
 * Request cases (MCA reference tests "wait", "cancel", "request_limit"; OpenMCAPI functional
 * 2.34-2.37): test, wait (non-destructive timeout), waitAny, cancel, the bounded request table.
 */
import { EndpointAttr, Request, Status } from '../../../src/mcapi/index.js';
import type { Endpoint } from '../../../src/mcapi/index.js';
import type { Case, CaseContext } from '../context.js';

async function pair(ctx: CaseContext): Promise<{ mine: Endpoint; other: Endpoint }> {
  const mine = ctx.mcapi.createEndpoint(ctx.port(ctx.rank));
  await ctx.sync('pair');
  return { mine, other: await ctx.peer(1 - ctx.rank, 1 - ctx.rank) };
}

async function unpair(ctx: CaseContext, mine: Endpoint): Promise<void> {
  await ctx.sync('unpair');
  ctx.mcapi.deleteEndpoint(mine);
}

export const requestCases: Case[] = [
  {
    name: 'request: test is false while pending, true once, then REQUEST_INVALID',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const { mine, other } = await pair(ctx);
      if (ctx.rank === 0) {
        const buf = new Uint8Array(4);
        const req = m.msgRecvI(mine, buf);
        ctx.assert(!m.test(req), 'pending');
        ctx.assert(req.pending && req.live, 'request flags while pending');
        await ctx.sync('posted');
        while (!m.test(req)) await ctx.sleep(1);
        ctx.assertEqual(req.size, 3, 'size of the completed receive');
        ctx.assert(!req.live, 'reported requests are freed');
        ctx.assertThrowsStatus(() => m.test(req), Status.MCAPI_ERR_REQUEST_INVALID, 'test after it was reported');
        await ctx.assertRejectsStatus(m.wait(req), Status.MCAPI_ERR_REQUEST_INVALID, 'wait after it was reported');
      } else {
        await ctx.sync('posted');
        await m.msgSend(mine, other, new Uint8Array([1, 2, 3]));
      }
      await unpair(ctx, mine);
    },
  },
  {
    name: 'request: test reports a failed operation by throwing its status',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const { mine, other } = await pair(ctx);
      if (ctx.rank === 0) {
        const req = m.msgRecvI(mine, new Uint8Array(1));
        await ctx.sync('posted');
        while (req.pending) await ctx.sleep(1);
        ctx.assertThrowsStatus(() => m.test(req), Status.MCAPI_ERR_MSG_TRUNCATED, 'test of a truncated receive');
        ctx.assertEqual(await m.msgRecv(mine, new Uint8Array(2)), 2, 'message kept');
      } else {
        await ctx.sync('posted');
        await m.msgSend(mine, other, new Uint8Array(2));
      }
      await unpair(ctx, mine);
    },
  },
  {
    name: 'request: a wait that times out leaves the request pending (non-destructive)',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const { mine, other } = await pair(ctx);
      if (ctx.rank === 0) {
        const buf = new Uint8Array(1);
        const req = m.msgRecvI(mine, buf);
        await ctx.assertRejectsStatus(m.wait(req, 10), Status.MCAPI_TIMEOUT, 'first wait');
        await ctx.assertRejectsStatus(m.wait(req, 0), Status.MCAPI_TIMEOUT, 'immediate wait');
        ctx.assert(req.pending && req.live, 'still pending after the timeouts');
        await ctx.sync('timed-out');
        ctx.assertEqual(await m.wait(req, ctx.timeoutMs), 1, 'completes on a later wait');
        ctx.assertEqual(buf[0], 9, 'data');
      } else {
        await ctx.sync('timed-out');
        await m.msgSend(mine, other, new Uint8Array([9]));
      }
      await unpair(ctx, mine);
    },
  },
  {
    name: 'request: waitAny returns the index of the completed request',
    boards: 2,
    ports: 4,
    async run(ctx) {
      const m = ctx.mcapi;
      const a = m.createEndpoint(ctx.port(2 * ctx.rank));
      const b = m.createEndpoint(ctx.port(2 * ctx.rank + 1));
      await ctx.sync('created');
      if (ctx.rank === 0) {
        const ra = m.msgRecvI(a, new Uint8Array(1));
        const rb = m.msgRecvI(b, new Uint8Array(1));
        await ctx.sync('posted');
        ctx.assertEqual(await m.waitAny([ra, rb], ctx.timeoutMs), 1, 'the request on the second endpoint completed');
        ctx.assert(ra.pending, 'the other stays pending');
        ctx.assertThrowsStatus(() => m.test(rb), Status.MCAPI_ERR_REQUEST_INVALID, 'the completed one was reported');
        await ctx.sync('first');
        ctx.assertEqual(await m.waitAny([ra], ctx.timeoutMs), 0, 'then the first');
      } else {
        const toB = await ctx.peer(0, 1);
        const toA = await ctx.peer(0, 0);
        await ctx.sync('posted');
        await m.msgSend(a, toB, new Uint8Array([2]));
        await ctx.sync('first');
        await m.msgSend(a, toA, new Uint8Array([1]));
      }
      await ctx.sync('done');
      m.deleteEndpoint(a);
      m.deleteEndpoint(b);
    },
  },
  {
    name: 'request: waitAny timeout, errors carry the index, bad arguments',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const e = m.createEndpoint(ctx.port(0));
      const b = m.createEndpoint(ctx.port(1));
      const r1 = m.msgRecvI(e, new Uint8Array(1));
      const r2 = m.msgRecvI(e, new Uint8Array(1));
      await ctx.assertRejectsStatus(m.waitAny([r1, r2], 5), Status.MCAPI_TIMEOUT, 'nothing completes');
      ctx.assert(r1.pending && r2.pending, 'both still pending after the timeout');
      await ctx.assertRejectsStatus(m.waitAny([]), Status.MCAPI_ERR_PARAMETER, 'empty list');
      await ctx.assertRejectsStatus(m.waitAny([r1, {} as Request<unknown>]), Status.MCAPI_ERR_REQUEST_INVALID, 'a non-request in the list');
      m.cancel(r1);
      m.cancel(r2);
      const small = m.msgRecvI(e, new Uint8Array(0));
      const fits = m.msgRecvI(e, new Uint8Array(1));
      const any = ctx.assertRejectsStatus(m.waitAny([fits, small], ctx.timeoutMs), Status.MCAPI_ERR_MSG_TRUNCATED, 'the zero-byte receive fails first');
      await m.msgSend(b, e, new Uint8Array([5]));
      const err = await any;
      ctx.assertEqual(err.index, 1, 'error index');
      ctx.assertEqual(err.size, 1, 'error size');
      ctx.assert(m.test(fits), 'the next receive got the message');
      m.deleteEndpoint(b);
      m.deleteEndpoint(e);
    },
  },
  {
    name: 'request: cancel (pending, twice, completed, not a request)',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const e = m.createEndpoint(ctx.port(0));
      const b = m.createEndpoint(ctx.port(1));
      const req = m.msgRecvI(e, new Uint8Array(1));
      m.cancel(req);
      ctx.assertEqual(req.status, Status.MCAPI_ERR_REQUEST_CANCELLED, 'status after cancel');
      ctx.assertThrowsStatus(() => m.cancel(req), Status.MCAPI_ERR_REQUEST_CANCELLED, 'cancel twice');
      ctx.assertThrowsStatus(() => m.test(req), Status.MCAPI_ERR_REQUEST_CANCELLED, 'test a cancelled request');
      await ctx.assertRejectsStatus(m.wait(req), Status.MCAPI_ERR_REQUEST_CANCELLED, 'wait on a cancelled request');
      await m.msgSend(b, e, new Uint8Array([1]));
      const done = m.msgRecvI(e, new Uint8Array(1));
      ctx.assert(!done.pending, 'completed at once');
      ctx.assertThrowsStatus(() => m.cancel(done), Status.MCAPI_ERR_REQUEST_INVALID, 'cancel a completed request');
      ctx.assert(m.test(done), 'it can still be reported');
      ctx.assertThrowsStatus(() => m.cancel({} as Request<number>), Status.MCAPI_ERR_REQUEST_INVALID, 'cancel a non-request');
      ctx.assertThrowsStatus(() => m.test(null as unknown as Request<number>), Status.MCAPI_ERR_REQUEST_INVALID, 'test null');
      m.deleteEndpoint(b);
      m.deleteEndpoint(e);
    },
  },
  {
    name: 'request: cancel releases every wait on the request with REQUEST_CANCELLED',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const e = m.createEndpoint(ctx.port(0));
      const req = m.msgRecvI(e, new Uint8Array(1));
      const w1 = ctx.assertRejectsStatus(m.wait(req, ctx.timeoutMs), Status.MCAPI_ERR_REQUEST_CANCELLED, 'wait');
      const w2 = ctx.assertRejectsStatus(m.waitAny([req], ctx.timeoutMs), Status.MCAPI_ERR_REQUEST_CANCELLED, 'waitAny');
      await ctx.sleep(2);
      m.cancel(req);
      await w1;
      const err = await w2;
      ctx.assertEqual(err.index, 0, 'waitAny index of the cancelled request');
      m.deleteEndpoint(e);
    },
  },
  {
    name: 'request: the request table is bounded (REQUEST_LIMIT)',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const e = m.createEndpoint(ctx.port(0));
      const reqs: Request<number>[] = [];
      // One buffer for every receive (none completes): a table's worth of buffers was ~5 XS
      // slots each on a board, on top of the requests this case is about.
      const buf = new Uint8Array(1);
      try {
        for (;;) reqs.push(m.msgRecvI(e, buf));
      } catch (err) {
        ctx.assertThrowsStatus(() => { throw err; }, Status.MCAPI_ERR_REQUEST_LIMIT, 'request beyond the table');
      }
      ctx.assertEqual(m.stats().requests, m.limits.maxRequests, 'the table is full');
      await ctx.assertRejectsStatus(m.msgRecv(e, buf), Status.MCAPI_ERR_REQUEST_LIMIT, 'a blocking call needs a request too');
      // Each cancelled request is let go at once: held in `reqs`, every one would keep its
      // McapiError until the case ends, on top of the table it is about.
      while (reqs.length > 0) m.cancel(reqs.pop()!);
      const again = m.msgRecvI(e, buf);
      m.cancel(again);
      m.deleteEndpoint(e);
    },
  },
  {
    name: 'request: cancelling a send waiting on a full receiver withdraws it',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const { mine, other } = await pair(ctx);
      if (ctx.rank === 0) m.setEndpointAttribute(mine, EndpointAttr.NUM_RECV_BUFFERS, 1);
      await ctx.sync('sized');
      if (ctx.rank === 1) {
        await m.msgSend(mine, other, new Uint8Array([1]));
        const req = m.msgSendI(mine, other, new Uint8Array([2]));
        await ctx.sleep(10);
        ctx.assert(req.pending, 'waits for room');
        m.cancel(req);
        await ctx.sync('cancelled');
        await m.msgSend(mine, other, new Uint8Array([3]));
      } else {
        await ctx.sync('cancelled');
        const buf = new Uint8Array(1);
        await m.msgRecv(mine, buf);
        ctx.assertEqual(buf[0], 1, 'first');
        await m.msgRecv(mine, buf);
        ctx.assertEqual(buf[0], 3, 'the cancelled message never arrives; the next one does');
        ctx.assertEqual(m.stats().blockedSenders, 0, 'no refused message remembered');
      }
      await unpair(ctx, mine);
    },
  },
];
