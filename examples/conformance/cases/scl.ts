/**
 * Scalar channel cases (MCA reference test "scl1"; OpenMCAPI functional 2.27-2.33): 8/16/32/64
 * bit scalars, width mismatches that keep the data (the reference implementation's errata A2
 * drops it; MCAPI says the sizes must match, not that data is lost), credits, close semantics.
 */
import { Endpoint, EndpointAttr, EndpointType, MemoryType, Status } from '../../../src/mcapi/index.js';
import type { PacketSendHandle, ScalarRecvHandle, ScalarSendHandle } from '../../../src/mcapi/index.js';
import type { Case, CaseContext } from '../context.js';

interface SclSetup {
  recvBuffers?: number;
  sendTimeoutMs?: number;
  failOnLimit?: boolean;
}

interface Side {
  ep: Endpoint;
  send: ScalarSendHandle | null;
  recv: ScalarRecvHandle | null;
}

/** Rank 0 receives on port(0), rank 1 sends from port(1); rank 1 connects; both open. */
async function open(ctx: CaseContext, o: SclSetup = {}): Promise<Side> {
  const m = ctx.mcapi;
  const ep = m.createEndpoint(ctx.port(ctx.rank));
  if (ctx.rank === 0 && o.recvBuffers !== undefined) m.setEndpointAttribute(ep, EndpointAttr.NUM_RECV_BUFFERS, o.recvBuffers);
  if (ctx.rank === 1 && o.sendTimeoutMs !== undefined) m.setEndpointAttribute(ep, EndpointAttr.TIMEOUT, o.sendTimeoutMs);
  if (ctx.rank === 1 && o.failOnLimit === true) m.setEndpointAttribute(ep, EndpointAttr.MEMORY_TYPE, MemoryType.FAIL_ON_MEM_LIMIT);
  await ctx.sync('created');
  if (ctx.rank === 1) await m.sclConnect(ep, await ctx.peer(0, 0), ctx.timeoutMs);
  await ctx.sync('connected');
  if (ctx.rank === 0) return { ep, send: null, recv: await m.sclRecvOpen(ep, ctx.timeoutMs) };
  return { ep, send: await m.sclSendOpen(ep, ctx.timeoutMs), recv: null };
}

/** A 64-bit scalar's halves as hex words, comparable on every engine. */
function pairText(p: readonly [number, number]): string {
  return `${p[0].toString(16)} ${p[1].toString(16)}`;
}

async function close(ctx: CaseContext, s: Side): Promise<void> {
  const m = ctx.mcapi;
  if (s.send !== null) m.sclSendClose(s.send);
  if (s.recv !== null) m.sclRecvClose(s.recv);
  await ctx.sync('closed');
  m.deleteEndpoint(s.ep);
}

export const sclCases: Case[] = [
  {
    name: 'scl: 8, 16, 32 and 64-bit scalars round trip (extremes included)',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const s = await open(ctx, { recvBuffers: 8 });
      if (s.send !== null) {
        const h = s.send;
        await m.sclSendUint8(h, 0);
        await m.sclSendUint8(h, 255);
        await m.sclSendUint16(h, 65535);
        await m.sclSendUint32(h, 0xffffffff);
        await m.sclSendUint32(h, 0x80000001);
        await m.sclSendUint64Pair(h, 0xffffffff, 0xffffffff);
        await m.sclSendUint64Pair(h, 0xfedcba98, 0x76543210);
        await m.sclSendUint64(h, 5);
      } else {
        const h = s.recv!;
        ctx.assertEqual(await m.sclRecvUint8(h), 0, 'uint8 0');
        ctx.assertEqual(await m.sclRecvUint8(h), 255, 'uint8 255');
        ctx.assertEqual(await m.sclRecvUint16(h), 65535, 'uint16 max');
        ctx.assertEqual(await m.sclRecvUint32(h), 0xffffffff, 'uint32 max');
        ctx.assertEqual(await m.sclRecvUint32(h), 0x80000001, 'uint32 high bit');
        ctx.assertEqual(pairText(await m.sclRecvUint64Pair(h)), 'ffffffff ffffffff', 'uint64 max');
        ctx.assertEqual(pairText(await m.sclRecvUint64Pair(h)), 'fedcba98 76543210', 'uint64 pattern');
        ctx.assertEqual(Number(await m.sclRecvUint64(h)), 5, 'uint64 small');
      }
      await close(ctx, s);
    },
  },
  {
    name: 'scl: receiving the wrong width is SCL_SIZE and the scalar stays queued (errata A2 fixed)',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const s = await open(ctx);
      if (s.send !== null) {
        await m.sclSendUint8(s.send, 3);
        await m.sclSendUint16(s.send, 4);
        await ctx.sync('sent');
      } else {
        const h = s.recv!;
        await ctx.sync('sent');
        await ctx.assertRejectsStatus(m.sclRecvUint16(h), Status.MCAPI_ERR_SCL_SIZE, '16-bit receive of an 8-bit scalar');
        await ctx.assertRejectsStatus(m.sclRecvUint32(h), Status.MCAPI_ERR_SCL_SIZE, '32-bit receive of an 8-bit scalar');
        await ctx.assertRejectsStatus(m.sclRecvUint64(h), Status.MCAPI_ERR_SCL_SIZE, '64-bit receive of an 8-bit scalar');
        ctx.assertEqual(m.sclAvailable(h), 2, 'nothing was lost');
        ctx.assertEqual(await m.sclRecvUint8(h), 3, 'the 8-bit scalar is still there');
        await ctx.assertRejectsStatus(m.sclRecvUint8(h), Status.MCAPI_ERR_SCL_SIZE, '8-bit receive of a 16-bit scalar');
        ctx.assertEqual(await m.sclRecvUint16(h), 4, 'the 16-bit scalar');
      }
      await close(ctx, s);
    },
  },
  {
    name: 'scl: a waiting receive of the wrong width fails SCL_SIZE; the scalar stays',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const s = await open(ctx);
      if (s.recv !== null) {
        const waiting = ctx.assertRejectsStatus(m.sclRecvUint32(s.recv), Status.MCAPI_ERR_SCL_SIZE, '32-bit receive meets a 16-bit scalar');
        await ctx.sync('posted');
        await waiting;
        ctx.assertEqual(m.sclAvailable(s.recv), 1, 'the scalar is queued');
        ctx.assertEqual(await m.sclRecvUint16(s.recv), 0xbeef, 'and received with the right width');
      } else {
        await ctx.sync('posted');
        await m.sclSendUint16(s.send!, 0xbeef);
      }
      await close(ctx, s);
    },
  },
  {
    name: 'scl: receive buffers bound the sender; sclAvailable',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const s = await open(ctx, { recvBuffers: 2 });
      if (s.send !== null) {
        ctx.assertEqual(m.getEndpointAttribute(s.ep, EndpointAttr.NUM_SEND_BUFFERS), 2, 'two credits');
        await m.sclSendUint32(s.send, 1);
        await m.sclSendUint32(s.send, 2);
        let third = false;
        let failure: unknown = null;
        const p = m.sclSendUint32(s.send, 3).then(() => { third = true; }, (e: unknown) => { failure = e; });
        await ctx.sleep(10);
        ctx.assert(!third && failure === null, 'the third send waits for a receive');
        await ctx.sync('blocked');
        await p;
        ctx.assert(third, `the third send completed (${String(failure)})`);
      } else {
        await ctx.sync('blocked');
        ctx.assertEqual(m.sclAvailable(s.recv!), 2, 'two queued');
        for (const want of [1, 2, 3]) ctx.assertEqual(await m.sclRecvUint32(s.recv!), want, `scalar ${String(want)}`);
        ctx.assertEqual(m.sclAvailable(s.recv!), 0, 'none left');
      }
      await close(ctx, s);
    },
  },
  {
    name: 'scl: out-of-range values are MCAPI_ERR_PARAMETER',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const s = await open(ctx);
      if (s.send !== null) {
        const h = s.send;
        const P = Status.MCAPI_ERR_PARAMETER;
        await ctx.assertRejectsStatus(m.sclSendUint8(h, 256), P, 'uint8 256');
        await ctx.assertRejectsStatus(m.sclSendUint8(h, -1), P, 'uint8 -1');
        await ctx.assertRejectsStatus(m.sclSendUint8(h, 1.5), P, 'uint8 1.5');
        await ctx.assertRejectsStatus(m.sclSendUint16(h, 65536), P, 'uint16 65536');
        await ctx.assertRejectsStatus(m.sclSendUint32(h, 2 ** 32), P, 'uint32 2^32');
        await ctx.assertRejectsStatus(m.sclSendUint64(h, -1), P, 'uint64 -1');
        await ctx.assertRejectsStatus(m.sclSendUint64(h, 2 ** 53), P, 'uint64 2^53 as a number');
        await ctx.assertRejectsStatus(m.sclSendUint64(h, 2 ** 64), P, 'uint64 2^64');
        await ctx.assertRejectsStatus(m.sclSendUint64Pair(h, 2 ** 32, 0), P, 'uint64 pair hi 2^32');
        await ctx.assertRejectsStatus(m.sclSendUint64Pair(h, 0, -1), P, 'uint64 pair lo -1');
        await ctx.assertRejectsStatus(m.sclSendUint64(h, 'x' as unknown as bigint), P, 'uint64 string');
        await m.sclSendUint64(h, 9);
        await ctx.sync('sent');
      } else {
        await ctx.sync('sent');
        ctx.assertEqual(m.sclAvailable(s.recv!), 1, 'only the valid scalar was sent');
        ctx.assertEqual(Number(await m.sclRecvUint64(s.recv!)), 9, 'a safe integer as uint64');
      }
      await close(ctx, s);
    },
  },
  {
    name: 'scl: receive-side close discards queued scalars; send-side close keeps them',
    boards: 2,
    ports: 4,
    async run(ctx) {
      const m = ctx.mcapi;
      const s = await open(ctx, { recvBuffers: 4 });
      if (s.send !== null) {
        await m.sclSendUint8(s.send, 1);
        await m.sclSendUint8(s.send, 2);
        await ctx.sync('sent');
        await ctx.sync('receiver-closed');
        await ctx.assertRejectsStatus(m.sclSendUint8(s.send, 3), Status.MCAPI_ERR_CHAN_NOTOPEN, 'send after the receiver closed');
        m.sclSendClose(s.send);
      } else {
        await ctx.sync('sent');
        ctx.assertEqual(m.sclAvailable(s.recv!), 2, 'two queued');
        m.sclRecvClose(s.recv!);
        await ctx.assertRejectsStatus(m.sclRecvUint8(s.recv!), Status.MCAPI_ERR_CHAN_NOTOPEN, 'receive on a closed handle');
        await ctx.sync('receiver-closed');
      }
      await ctx.sync('closed-1');
      const other = await ctx.peer(1 - ctx.rank, 1 - ctx.rank);
      if (ctx.rank === 1) await m.sclConnect(s.ep, other, ctx.timeoutMs);
      await ctx.sync('connected-2');
      if (ctx.rank === 1) {
        const h = await m.sclSendOpen(s.ep, ctx.timeoutMs);
        await m.sclSendUint16(h, 10);
        await m.sclSendUint16(h, 11);
        m.sclSendClose(h);
        await ctx.sync('sender-closed');
      } else {
        const h = await m.sclRecvOpen(s.ep, ctx.timeoutMs);
        await ctx.sync('sender-closed');
        ctx.assertEqual(await m.sclRecvUint16(h), 10, 'first kept scalar');
        ctx.assertEqual(await m.sclRecvUint16(h), 11, 'second kept scalar');
        await ctx.assertRejectsStatus(m.sclRecvUint16(h), Status.MCAPI_ERR_CHAN_NOTOPEN, 'drained after the sender closed');
        m.sclRecvClose(h);
      }
      await ctx.sync('closed-2');
      m.deleteEndpoint(s.ep);
    },
  },
  {
    name: 'scl: channel type and direction errors (CHAN_TYPE, CHAN_DIRECTION)',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const s = await open(ctx);
      ctx.assertEqual(m.getEndpointAttribute(s.ep, EndpointAttr.TYPE), EndpointType.SCLCHAN, 'TYPE is scalar channel');
      if (s.send !== null) {
        ctx.assertThrowsStatus(() => m.pktSendOpenI(s.ep), Status.MCAPI_ERR_CHAN_TYPE, 'packet open on a scalar channel');
        ctx.assertThrowsStatus(() => m.sclRecvOpenI(s.ep), Status.MCAPI_ERR_CHAN_DIRECTION, 'receive open on the send side');
        ctx.assertThrowsStatus(() => m.pktSendI(s.send as unknown as PacketSendHandle, new Uint8Array(1)), Status.MCAPI_ERR_CHAN_TYPE, 'packet send on a scalar handle');
        await ctx.assertRejectsStatus(m.sclRecvUint8(s.send as unknown as ScalarRecvHandle), Status.MCAPI_ERR_CHAN_DIRECTION, 'receive on a send handle');
        ctx.assertThrowsStatus(() => m.sclRecvCloseI(s.send as unknown as ScalarRecvHandle), Status.MCAPI_ERR_CHAN_DIRECTION, 'receive-close a send handle');
      } else {
        ctx.assertThrowsStatus(() => m.sclSendOpenI(s.ep), Status.MCAPI_ERR_CHAN_DIRECTION, 'send open on the receive side');
        await ctx.assertRejectsStatus(m.sclSendUint8(s.recv as unknown as ScalarSendHandle, 1), Status.MCAPI_ERR_CHAN_DIRECTION, 'send on a receive handle');
        ctx.assertThrowsStatus(() => m.sclAvailable({} as ScalarRecvHandle), Status.MCAPI_ERR_CHAN_INVALID, 'available on a non-handle');
      }
      await close(ctx, s);
    },
  },
  {
    name: 'scl: 120 mixed-width scalars in order through 4 buffers',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const s = await open(ctx, { recvBuffers: 4 });
      const widths = [1, 2, 4, 8];
      if (s.send !== null) {
        for (let i = 0; i < 120; i++) {
          const w = widths[i % 4]!;
          if (w === 1) await m.sclSendUint8(s.send, i);
          else if (w === 2) await m.sclSendUint16(s.send, i * 300);
          else if (w === 4) await m.sclSendUint32(s.send, i * 70000);
          else await m.sclSendUint64Pair(s.send, i * 256, 0);
        }
      } else {
        for (let i = 0; i < 120; i++) {
          const w = widths[i % 4]!;
          if (w === 1) ctx.assertEqual(await m.sclRecvUint8(s.recv!), i, `uint8 #${String(i)}`);
          else if (w === 2) ctx.assertEqual(await m.sclRecvUint16(s.recv!), i * 300, `uint16 #${String(i)}`);
          else if (w === 4) ctx.assertEqual(await m.sclRecvUint32(s.recv!), i * 70000, `uint32 #${String(i)}`);
          else ctx.assertEqual(pairText(await m.sclRecvUint64Pair(s.recv!)), pairText([i * 256, 0]), `uint64 #${String(i)}`);
        }
      }
      await close(ctx, s);
    },
  },
  {
    name: 'scl: no free buffer: MEM_LIMIT (fail policy) or TIMEOUT (wait policy)',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const s = await open(ctx, { recvBuffers: 1, failOnLimit: true });
      if (s.send !== null) {
        await m.sclSendUint8(s.send, 1);
        await ctx.assertRejectsStatus(m.sclSendUint8(s.send, 2), Status.MCAPI_ERR_MEM_LIMIT, 'fail policy without a credit');
        await ctx.sync('refused');
      } else {
        await ctx.sync('refused');
        ctx.assertEqual(await m.sclRecvUint8(s.recv!), 1, 'the first scalar only');
        ctx.assertEqual(m.sclAvailable(s.recv!), 0, 'the refused one never came');
      }
      await close(ctx, s);
      const t = await open(ctx, { recvBuffers: 1, sendTimeoutMs: 10 });
      if (t.send !== null) {
        await m.sclSendUint16(t.send, 1);
        await ctx.assertRejectsStatus(m.sclSendUint16(t.send, 2), Status.MCAPI_TIMEOUT, 'wait policy times out');
        await ctx.sync('timed-out');
      } else {
        await ctx.sync('timed-out');
        ctx.assertEqual(await m.sclRecvUint16(t.recv!), 1, 'first scalar');
        await ctx.sleep(5);
        ctx.assertEqual(m.sclAvailable(t.recv!), 0, 'the timed-out scalar never came');
      }
      await close(ctx, t);
    },
  },
  {
    name: 'scl: blocking receive honours the endpoint TIMEOUT',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const ep = m.createEndpoint(ctx.port(ctx.rank));
      if (ctx.rank === 0) m.setEndpointAttribute(ep, EndpointAttr.TIMEOUT, 12);
      await ctx.sync('created');
      if (ctx.rank === 1) await m.sclConnect(ep, await ctx.peer(0, 0), ctx.timeoutMs);
      await ctx.sync('connected');
      if (ctx.rank === 0) {
        const h = await m.sclRecvOpen(ep, ctx.timeoutMs);
        const t0 = ctx.now();
        await ctx.assertRejectsStatus(m.sclRecvUint32(h), Status.MCAPI_TIMEOUT, 'nothing sent');
        ctx.assert(ctx.now() - t0 >= 12 - 1e-6, 'waited for the TIMEOUT');
        await ctx.sync('timed-out');
        await close(ctx, { ep, send: null, recv: h });
      } else {
        const h = await m.sclSendOpen(ep, ctx.timeoutMs);
        await ctx.sync('timed-out');
        await close(ctx, { ep, send: h, recv: null });
      }
    },
  },
];
