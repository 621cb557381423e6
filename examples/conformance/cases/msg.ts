/**
 * Message cases (MCA reference tests "msg1".."msg4"; OpenMCAPI functional 2.11-2.16): blocking
 * and non-blocking send / receive, priorities, FIFO order, truncation, size limits, full
 * receivers under both policies, invalid arguments, channel-connected endpoints.
 */
import { EndpointAttr, MemoryType, Status } from '../../../src/mcapi/index.js';
import type { Endpoint } from '../../../src/mcapi/index.js';
import type { Case, CaseContext } from '../context.js';
import { pattern } from '../context.js';

/** Rank 0 receives on port(0), rank 1 sends from port(1): create, sync, look up. */
async function pair(ctx: CaseContext): Promise<{ mine: Endpoint; other: Endpoint }> {
  const mine = ctx.mcapi.createEndpoint(ctx.port(ctx.rank));
  await ctx.sync('pair');
  const other = await ctx.peer(1 - ctx.rank, 1 - ctx.rank);
  return { mine, other };
}

async function unpair(ctx: CaseContext, mine: Endpoint): Promise<void> {
  await ctx.sync('unpair');
  ctx.mcapi.deleteEndpoint(mine);
}

export const msgCases: Case[] = [
  {
    name: 'msg: blocking send and receive',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const { mine, other } = await pair(ctx);
      if (ctx.rank === 1) {
        await m.msgSend(mine, other, pattern(24, 7));
      } else {
        const buf = new Uint8Array(64);
        const n = await m.msgRecv(mine, buf);
        ctx.assertEqual(n, 24, 'received size');
        ctx.assertBytes(buf.subarray(0, n), pattern(24, 7), 'received data');
      }
      await unpair(ctx, mine);
    },
  },
  {
    name: 'msg: non-blocking send and receive (msgSendI, msgRecvI, wait)',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const { mine, other } = await pair(ctx);
      if (ctx.rank === 1) {
        const data = pattern(100, 1);
        const req = m.msgSendI(mine, other, data, 0);
        ctx.assertEqual(await m.wait(req, ctx.timeoutMs), 100, 'send request value is the size');
        ctx.assertEqual(req.size, 100, 'send request size');
      } else {
        const buf = new Uint8Array(128);
        const req = m.msgRecvI(mine, buf);
        ctx.assertEqual(await m.wait(req, ctx.timeoutMs), 100, 'receive request value is the size');
        ctx.assertBytes(buf.subarray(0, 100), pattern(100, 1), 'data in the caller buffer');
      }
      await unpair(ctx, mine);
    },
  },
  {
    name: 'msg: msgAvailable counts queued messages',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const { mine, other } = await pair(ctx);
      if (ctx.rank === 1) {
        await ctx.sync('checked');
        for (let i = 0; i < 3; i++) await m.msgSend(mine, other, pattern(4, i));
        await ctx.sync('sent');
      } else {
        ctx.assertEqual(m.msgAvailable(mine), 0, 'nothing before the sends');
        await ctx.sync('checked');
        await ctx.sync('sent');
        ctx.assertEqual(m.msgAvailable(mine), 3, 'three queued');
        await m.msgRecv(mine, new Uint8Array(4));
        ctx.assertEqual(m.msgAvailable(mine), 2, 'two after one receive');
        await m.msgRecv(mine, new Uint8Array(4));
        await m.msgRecv(mine, new Uint8Array(4));
        ctx.assertEqual(m.msgAvailable(mine), 0, 'none left');
      }
      await unpair(ctx, mine);
    },
  },
  {
    name: 'msg: FIFO order within one priority',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const { mine, other } = await pair(ctx);
      const N = 12;
      if (ctx.rank === 1) {
        const reqs = [];
        // Each message is a view of one buffer (MCAPI holds it until acknowledged): a view is 4
        // XS slots, a one-byte array of its own 7, x12 at this case's peak ("Round 9").
        const payloads = new Uint8Array(N);
        for (let i = 0; i < N; i++) payloads[i] = i;
        for (let i = 0; i < N; i++) reqs.push(m.msgSendI(mine, other, payloads.subarray(i, i + 1), 1));
        // By index: a for-of's iterator and its result object stay live across each await (8 XS
        // slots at this case's peak, docs/FOOTPRINT.md "Round 13: conformance slots").
        for (let i = 0; i < N; i++) await m.wait(reqs[i]!, ctx.timeoutMs);
      } else {
        m.setEndpointAttribute(mine, EndpointAttr.NUM_RECV_BUFFERS, N);
        const buf = new Uint8Array(1);
        for (let i = 0; i < N; i++) {
          await m.msgRecv(mine, buf);
          ctx.assertEqual(buf[0], i, `message ${String(i)} in order`);
        }
      }
      await unpair(ctx, mine);
    },
  },
  {
    name: 'msg: priorities: highest first, FIFO within each',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const P = m.limits.priorities;
      const { mine, other } = await pair(ctx);
      const sends: [number, number][] = [];
      for (let i = 0; i < 3 * P; i++) sends.push([(i * 7) % P, i]);
      if (ctx.rank === 0) m.setEndpointAttribute(mine, EndpointAttr.NUM_RECV_BUFFERS, sends.length);
      await ctx.sync('sized');
      if (ctx.rank === 1) {
        for (const [prio, id] of sends) await m.msgSend(mine, other, new Uint8Array([id]), prio);
        await ctx.sync('sent');
      } else {
        await ctx.sync('sent');
        const want = sends.slice().sort((a, b) => (a[0] !== b[0] ? a[0] - b[0] : a[1] - b[1])).map((s) => s[1]);
        const got: number[] = [];
        const buf = new Uint8Array(1);
        for (let i = 0; i < sends.length; i++) {
          await m.msgRecv(mine, buf);
          got.push(buf[0]!);
        }
        ctx.assertEqual(got, want, 'receive order (priority, then FIFO)');
      }
      await unpair(ctx, mine);
    },
  },
  {
    name: 'msg: invalid priority is MCAPI_ERR_PRIORITY',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const { mine, other } = await pair(ctx);
      const d = new Uint8Array(1);
      ctx.assertThrowsStatus(() => m.msgSendI(mine, other, d, m.limits.priorities), Status.MCAPI_ERR_PRIORITY, 'priority = priorities');
      ctx.assertThrowsStatus(() => m.msgSendI(mine, other, d, -1), Status.MCAPI_ERR_PRIORITY, 'priority -1');
      ctx.assertThrowsStatus(() => m.msgSendI(mine, other, d, 0.5), Status.MCAPI_ERR_PRIORITY, 'priority 0.5');
      await ctx.assertRejectsStatus(m.msgSend(mine, other, d, 99), Status.MCAPI_ERR_PRIORITY, 'blocking send with priority 99');
      await unpair(ctx, mine);
    },
  },
  {
    name: 'msg: too-small receive buffer is MSG_TRUNCATED and the message stays queued (OpenMCAPI 2.11.2)',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const { mine, other } = await pair(ctx);
      if (ctx.rank === 1) {
        await m.msgSend(mine, other, pattern(20, 3));
      } else {
        while (m.msgAvailable(mine) === 0) await ctx.sleep(1);
        const e = await ctx.assertRejectsStatus(m.msgRecv(mine, new Uint8Array(5)), Status.MCAPI_ERR_MSG_TRUNCATED, 'receive into 5 bytes');
        ctx.assertEqual(e.size, 20, 'the error reports the message size');
        const req = m.msgRecvI(mine, new Uint8Array(19));
        const e2 = await ctx.assertRejectsStatus(m.wait(req, 100), Status.MCAPI_ERR_MSG_TRUNCATED, 'msgRecvI into 19 bytes');
        ctx.assertEqual(e2.size, 20, 'request error size');
        ctx.assertEqual(m.msgAvailable(mine), 1, 'message still queued');
        const buf = new Uint8Array(20);
        ctx.assertEqual(await m.msgRecv(mine, buf), 20, 'exact-size buffer receives it');
        ctx.assertBytes(buf, pattern(20, 3), 'data intact');
      }
      await unpair(ctx, mine);
    },
  },
  {
    name: 'msg: a pending receive with a small buffer completes with MSG_TRUNCATED',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const { mine, other } = await pair(ctx);
      if (ctx.rank === 0) {
        const req = m.msgRecvI(mine, new Uint8Array(2));
        await ctx.sync('posted');
        const e = await ctx.assertRejectsStatus(m.wait(req, ctx.timeoutMs), Status.MCAPI_ERR_MSG_TRUNCATED, 'pending small receive');
        ctx.assertEqual(e.size, 8, 'size of the message that did not fit');
        const buf = new Uint8Array(8);
        ctx.assertEqual(await m.msgRecv(mine, buf), 8, 'received afterwards');
        ctx.assertBytes(buf, pattern(8), 'data');
      } else {
        await ctx.sync('posted');
        await m.msgSend(mine, other, pattern(8));
      }
      await unpair(ctx, mine);
    },
  },
  {
    name: 'msg: size limits are MSG_SIZE (sender and receiver MAX_PAYLOAD_SIZE)',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const { mine, other } = await pair(ctx);
      if (ctx.rank === 0) m.setEndpointAttribute(mine, EndpointAttr.MAX_PAYLOAD_SIZE, 16);
      else m.setEndpointAttribute(mine, EndpointAttr.MAX_PAYLOAD_SIZE, 32);
      await ctx.sync('sized');
      if (ctx.rank === 1) {
        ctx.assertThrowsStatus(() => m.msgSendI(mine, other, new Uint8Array(33)), Status.MCAPI_ERR_MSG_SIZE, "above the sender's limit");
        await ctx.assertRejectsStatus(m.msgSend(mine, other, new Uint8Array(17)), Status.MCAPI_ERR_MSG_SIZE, "above the receiver's limit");
        await m.msgSend(mine, other, new Uint8Array(16));
        await ctx.sync('sent');
      } else {
        await ctx.sync('sent');
        ctx.assertEqual(m.msgAvailable(mine), 1, 'only the 16-byte message arrived');
        ctx.assertEqual(await m.msgRecv(mine, new Uint8Array(16)), 16, 'it is the 16-byte one');
      }
      await unpair(ctx, mine);
    },
  },
  {
    name: 'msg: zero-length message',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const { mine, other } = await pair(ctx);
      if (ctx.rank === 1) await m.msgSend(mine, other, new Uint8Array(0));
      else ctx.assertEqual(await m.msgRecv(mine, new Uint8Array(0)), 0, 'empty message into an empty buffer');
      await unpair(ctx, mine);
    },
  },
  {
    name: 'msg: send to an endpoint that no longer exists is ENDP_INVALID',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const { mine, other } = await pair(ctx);
      await ctx.sync('looked-up');
      if (ctx.rank === 0) m.deleteEndpoint(mine);
      await ctx.sync('deleted');
      if (ctx.rank === 1) {
        await ctx.assertRejectsStatus(m.msgSend(mine, other, new Uint8Array([1])), Status.MCAPI_ERR_ENDP_INVALID, 'send to a deleted endpoint');
        const req = m.msgSendI(mine, other, new Uint8Array([2]));
        await ctx.assertRejectsStatus(m.wait(req, ctx.timeoutMs), Status.MCAPI_ERR_ENDP_INVALID, 'msgSendI to a deleted endpoint');
        m.deleteEndpoint(mine);
      }
      await ctx.sync('done');
    },
  },
  {
    name: 'msg: invalid arguments (endpoints, buffers)',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const { mine, other } = await pair(ctx);
      const d = new Uint8Array(1);
      ctx.assertThrowsStatus(() => m.msgSendI(other, mine, d), Status.MCAPI_ERR_ENDP_INVALID, 'send from a remote endpoint');
      ctx.assertThrowsStatus(() => m.msgSendI(mine, {} as Endpoint, d), Status.MCAPI_ERR_ENDP_INVALID, 'send to a non-endpoint');
      ctx.assertThrowsStatus(() => m.msgSendI(mine, other, [1, 2] as unknown as Uint8Array), Status.MCAPI_ERR_PARAMETER, 'send an array');
      ctx.assertThrowsStatus(() => m.msgRecvI(mine, null as unknown as Uint8Array), Status.MCAPI_ERR_PARAMETER, 'receive into null');
      ctx.assertThrowsStatus(() => m.msgRecvI(other, d), Status.MCAPI_ERR_ENDP_INVALID, 'receive on a remote endpoint');
      ctx.assertThrowsStatus(() => m.msgAvailable(other), Status.MCAPI_ERR_ENDP_INVALID, 'available on a remote endpoint');
      await ctx.assertRejectsStatus(m.msgRecv(other, d), Status.MCAPI_ERR_ENDP_INVALID, 'blocking receive on a remote endpoint');
      await unpair(ctx, mine);
    },
  },
  {
    name: 'msg: full receiver, wait policy: sends complete as the receiver drains, in order',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const { mine, other } = await pair(ctx);
      if (ctx.rank === 0) m.setEndpointAttribute(mine, EndpointAttr.NUM_RECV_BUFFERS, 2);
      await ctx.sync('sized');
      if (ctx.rank === 1) {
        m.setEndpointAttribute(mine, EndpointAttr.MEMORY_TYPE, MemoryType.BLOCK_ON_MEM_LIMIT);
        const reqs = [0, 1, 2, 3, 4].map((i) => m.msgSendI(mine, other, new Uint8Array([i])));
        await m.wait(reqs[0]!, ctx.timeoutMs);
        await m.wait(reqs[1]!, ctx.timeoutMs);
        await ctx.sleep(10);
        ctx.assert(reqs[2]!.pending && reqs[3]!.pending && reqs[4]!.pending, 'sends beyond two buffers wait');
        await ctx.sync('waiting');
        for (const r of reqs.slice(2)) await m.wait(r, ctx.timeoutMs);
      } else {
        await ctx.sync('waiting');
        ctx.assertEqual(m.msgAvailable(mine), 2, 'receiver holds its two buffers');
        const buf = new Uint8Array(1);
        for (let i = 0; i < 5; i++) {
          await m.msgRecv(mine, buf);
          ctx.assertEqual(buf[0], i, `message ${String(i)} in order`);
        }
      }
      await unpair(ctx, mine);
    },
  },
  {
    name: 'msg: full receiver, wait policy: the send times out and is not delivered',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const { mine, other } = await pair(ctx);
      if (ctx.rank === 0) m.setEndpointAttribute(mine, EndpointAttr.NUM_RECV_BUFFERS, 1);
      await ctx.sync('sized');
      if (ctx.rank === 1) {
        m.setEndpointAttribute(mine, EndpointAttr.TIMEOUT, 20);
        await m.msgSend(mine, other, new Uint8Array([1]));
        const t0 = ctx.now();
        await ctx.assertRejectsStatus(m.msgSend(mine, other, new Uint8Array([2])), Status.MCAPI_TIMEOUT, 'second send with the receiver full');
        ctx.assert(ctx.now() - t0 >= 20 - 1e-6, 'waited for the TIMEOUT attribute');
        await ctx.sync('timed-out');
        await ctx.sync('drained');
        await m.msgSend(mine, other, new Uint8Array([3]));
        await ctx.sync('third');
      } else {
        await ctx.sync('timed-out');
        const buf = new Uint8Array(1);
        await m.msgRecv(mine, buf);
        ctx.assertEqual(buf[0], 1, 'first message');
        await ctx.sleep(10);
        ctx.assertEqual(m.msgAvailable(mine), 0, 'the timed-out message was not delivered later');
        await ctx.sync('drained');
        await ctx.sync('third');
        await m.msgRecv(mine, buf);
        ctx.assertEqual(buf[0], 3, 'later sends still work');
        ctx.assertEqual(m.stats().blockedSenders, 0, 'the receiver forgot the withdrawn message');
      }
      await unpair(ctx, mine);
    },
  },
  {
    name: 'msg: full receiver, fail policy: MEM_LIMIT at once',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const { mine, other } = await pair(ctx);
      if (ctx.rank === 0) m.setEndpointAttribute(mine, EndpointAttr.NUM_RECV_BUFFERS, 1);
      await ctx.sync('sized');
      if (ctx.rank === 1) {
        m.setEndpointAttribute(mine, EndpointAttr.MEMORY_TYPE, MemoryType.LOCAL_MEMORY | MemoryType.FAIL_ON_MEM_LIMIT);
        await m.msgSend(mine, other, new Uint8Array([1]));
        await ctx.assertRejectsStatus(m.msgSend(mine, other, new Uint8Array([2])), Status.MCAPI_ERR_MEM_LIMIT, 'second send with the receiver full');
        await ctx.sync('failed');
        await ctx.sync('drained');
        await m.msgSend(mine, other, new Uint8Array([3]));
      } else {
        await ctx.sync('failed');
        const buf = new Uint8Array(1);
        await m.msgRecv(mine, buf);
        ctx.assertEqual(buf[0], 1, 'first message');
        await ctx.sync('drained');
        await m.msgRecv(mine, buf);
        ctx.assertEqual(buf[0], 3, 'the refused message is gone; the next one arrives');
      }
      await unpair(ctx, mine);
    },
  },
  {
    name: 'msg: many senders to one receiver keep per-sender order (3 boards)',
    boards: 3,
    async run(ctx) {
      const m = ctx.mcapi;
      const N = 6;
      const mine = m.createEndpoint(ctx.port(ctx.rank));
      if (ctx.rank === 0) m.setEndpointAttribute(mine, EndpointAttr.NUM_RECV_BUFFERS, 3);
      await ctx.sync('created');
      if (ctx.rank > 0) {
        const to = await ctx.peer(0, 0);
        const reqs = [];
        for (let i = 0; i < N; i++) reqs.push(m.msgSendI(mine, to, new Uint8Array([ctx.rank, i])));
        for (let i = 0; i < N; i++) await m.wait(reqs[i]!, 2 * ctx.timeoutMs); // by index, as in the FIFO case
      } else {
        const next = [0, 0, 0];
        const buf = new Uint8Array(2);
        for (let i = 0; i < 2 * N; i++) {
          await m.msgRecv(mine, buf);
          const from = buf[0]!;
          ctx.assertEqual(buf[1], next[from], `message from rank ${String(from)} in order`);
          next[from]!++;
        }
        ctx.assertEqual(next[1], N, 'all from rank 1');
        ctx.assertEqual(next[2], N, 'all from rank 2');
      }
      await ctx.sync('done');
      m.deleteEndpoint(mine);
    },
  },
  {
    name: 'msg: to an endpoint on the same node',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const a = m.createEndpoint(ctx.port(0));
      const b = m.createEndpoint(ctx.port(1));
      try {
        await m.msgSend(a, b, pattern(10, ctx.rank));
        const buf = new Uint8Array(10);
        ctx.assertEqual(await m.msgRecv(b, buf), 10, 'size');
        ctx.assertBytes(buf, pattern(10, ctx.rank), 'data');
      } finally {
        m.deleteEndpoint(a);
        m.deleteEndpoint(b);
      }
    },
  },
  {
    name: 'msg: a cancelled receive leaves the message for the next receive (OpenMCAPI 2.36.3)',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const { mine, other } = await pair(ctx);
      if (ctx.rank === 0) {
        const buf = new Uint8Array(4);
        const req = m.msgRecvI(mine, buf);
        m.cancel(req);
        await ctx.sync('cancelled');
        await ctx.sync('sent');
        ctx.assertEqual(m.msgAvailable(mine), 1, 'message queued, not given to the cancelled receive');
        ctx.assertEqual(buf[0], 0, 'cancelled receive buffer untouched');
        await m.msgRecv(mine, buf);
        ctx.assertEqual(buf[0], 42, 'next receive gets it');
      } else {
        await ctx.sync('cancelled');
        await m.msgSend(mine, other, new Uint8Array([42]));
        await ctx.sync('sent');
      }
      await unpair(ctx, mine);
    },
  },
  {
    name: 'msg: ping-pong echo, 20 rounds',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const { mine, other } = await pair(ctx);
      const buf = new Uint8Array(24);
      for (let i = 0; i < 20; i++) {
        if (ctx.rank === 1) {
          await m.msgSend(mine, other, pattern(24, i));
          await m.msgRecv(mine, buf);
          ctx.assertBytes(buf, pattern(24, i + 1), `echo ${String(i)}`);
        } else {
          await m.msgRecv(mine, buf);
          ctx.assertBytes(buf, pattern(24, i), `ping ${String(i)}`);
          await m.msgSend(mine, other, pattern(24, i + 1));
        }
      }
      await unpair(ctx, mine);
    },
  },
  {
    name: 'msg: blocking receive honours the endpoint TIMEOUT',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const e = m.createEndpoint(ctx.port(0));
      try {
        m.setEndpointAttribute(e, EndpointAttr.TIMEOUT, 15);
        const t0 = ctx.now();
        await ctx.assertRejectsStatus(m.msgRecv(e, new Uint8Array(4)), Status.MCAPI_TIMEOUT, 'receive with nothing sent');
        ctx.assert(ctx.now() - t0 >= 15 - 1e-6, 'waited 15 ms');
        m.setEndpointAttribute(e, EndpointAttr.TIMEOUT, 0);
        await ctx.assertRejectsStatus(m.msgRecv(e, new Uint8Array(4)), Status.MCAPI_TIMEOUT, 'TIMEOUT_IMMEDIATE');
      } finally {
        m.deleteEndpoint(e);
      }
    },
  },
];
