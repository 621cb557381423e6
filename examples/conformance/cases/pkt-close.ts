/**
 * Packet channel cases, continued from pkt.ts: close semantics, reconnecting after both closes,
 * wrong handles, the receive-buffer policies, cancelled opens and receives, the channel budget.
 */
import { EndpointAttr, EndpointStatus, EndpointType, Status } from '../../../src/mcapi/index.js';
import type { PacketRecvHandle, PacketSendHandle, ScalarSendHandle } from '../../../src/mcapi/index.js';
import type { Case } from '../context.js';
import { arrived, closeChannel, openChannel } from './pkt-channel.js';
import type { Side } from './pkt-channel.js';

export const pktCloseCases: Case[] = [
  {
    name: 'pkt: receive-side close discards queued packets; later sends fail CHAN_NOTOPEN',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const s = await openChannel(ctx, { recvBuffers: 4, maxPayload: 64 });
      if (s.send !== null) {
        await m.pktSend(s.send, new Uint8Array([1]));
        await m.pktSend(s.send, new Uint8Array([2]));
        await ctx.sync('sent');
        await ctx.sync('receiver-closed');
        await ctx.assertRejectsStatus(m.pktSend(s.send, new Uint8Array([3])), Status.MCAPI_ERR_CHAN_NOTOPEN, 'send after the receiver closed');
        ctx.assertThrowsStatus(() => m.pktSendI(s.send!, new Uint8Array([3])), Status.MCAPI_ERR_CHAN_NOTOPEN, 'pktSendI after the receiver closed');
        m.pktSendClose(s.send);
      } else {
        await ctx.sync('sent');
        ctx.assertEqual(m.pktAvailable(s.recv!), 2, 'two queued before the close');
        const req = m.pktRecvCloseI(s.recv!);
        ctx.assert(m.test(req), 'close completes at once');
        ctx.assertThrowsStatus(() => m.pktAvailable(s.recv!), Status.MCAPI_ERR_CHAN_NOTOPEN, 'a closed handle');
        ctx.assertEqual(m.getEndpointAttribute(s.ep, EndpointAttr.STATUS) & EndpointStatus.CLOSE_PENDING, EndpointStatus.CLOSE_PENDING, 'connected until the second close');
        await ctx.sync('receiver-closed');
      }
      await ctx.sync('closed');
      ctx.assertEqual(m.getEndpointAttribute(s.ep, EndpointAttr.STATUS), 0, 'disconnected after both closes');
      m.deleteEndpoint(s.ep);
    },
  },
  {
    name: 'pkt: send-side close keeps queued packets receivable, then CHAN_NOTOPEN',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const s = await openChannel(ctx, { recvBuffers: 4, maxPayload: 64 });
      if (s.send !== null) {
        await m.pktSend(s.send, new Uint8Array([1]));
        await m.pktSend(s.send, new Uint8Array([2]));
        m.pktSendClose(s.send);
        ctx.assertThrowsStatus(() => m.pktSendI(s.send!, new Uint8Array(1)), Status.MCAPI_ERR_CHAN_NOTOPEN, 'send on a closed handle');
        await ctx.sync('sender-closed');
      } else {
        await ctx.sync('sender-closed');
        for (const want of [1, 2]) {
          const b = await m.pktRecv(s.recv!);
          ctx.assertEqual(b[0], want, `queued packet ${String(want)} still receivable`);
          m.pktRelease(b);
        }
        await ctx.assertRejectsStatus(m.pktRecv(s.recv!), Status.MCAPI_ERR_CHAN_NOTOPEN, 'receive once drained');
        ctx.assertThrowsStatus(() => m.pktRecvI(s.recv!), Status.MCAPI_ERR_CHAN_NOTOPEN, 'pktRecvI once drained');
        m.pktRecvClose(s.recv!);
      }
      await ctx.sync('closed');
      m.deleteEndpoint(s.ep);
    },
  },
  {
    name: 'pkt: after both closes the endpoints connect again and carry messages',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const s = await openChannel(ctx);
      if (s.send !== null) m.pktSendClose(s.send);
      else m.pktRecvClose(s.recv!);
      await ctx.sync('closed-1');
      ctx.assertEqual(m.getEndpointAttribute(s.ep, EndpointAttr.TYPE), EndpointType.MESSAGE, 'a message endpoint again');
      // Both look before rank 1 connects again. A barrier is not simultaneous: rank 0 leaves it
      // when its GO is accepted, rank 1 as soon as GO arrives, and rank 1's next connect can
      // reach rank 0 in the same read as that acceptance, before rank 0's case resumes; TYPE
      // there is then already a packet channel's (MCAPI lets any node connect an unconnected
      // endpoint at any time). docs/FOOTPRINT.md "Round 11: the pkt close race".
      await ctx.sync('looked');
      const other = await ctx.peer(1 - ctx.rank, 1 - ctx.rank);
      if (ctx.rank === 1) await m.pktConnect(s.ep, other, ctx.timeoutMs);
      await ctx.sync('connected-2');
      if (ctx.rank === 1) {
        const h = await m.pktSendOpen(s.ep, ctx.timeoutMs);
        await m.pktSend(h, new Uint8Array([7]));
        m.pktSendClose(h);
      } else {
        const h = await m.pktRecvOpen(s.ep, ctx.timeoutMs);
        const b = await m.pktRecv(h);
        ctx.assertEqual(b[0], 7, 'packet on the second connection');
        m.pktRelease(b);
        m.pktRecvClose(h);
      }
      await ctx.sync('closed-2');
      if (ctx.rank === 1) await m.msgSend(s.ep, other, new Uint8Array([8]));
      else ctx.assertEqual(await m.msgRecv(s.ep, new Uint8Array(1)), 1, 'a message after the channel');
      await ctx.sync('messaged');
      m.deleteEndpoint(s.ep);
    },
  },
  {
    name: 'pkt: delete and attribute changes refused while connected (CHAN_OPEN, CHAN_CONNECTED)',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const ep = m.createEndpoint(ctx.port(ctx.rank));
      await ctx.sync('created');
      if (ctx.rank === 1) await m.pktConnect(ep, await ctx.peer(0, 0), ctx.timeoutMs);
      await ctx.sync('connected');
      ctx.assertThrowsStatus(() => m.deleteEndpoint(ep), Status.MCAPI_ERR_CHAN_CONNECTED, 'delete a connected endpoint');
      ctx.assertThrowsStatus(() => m.setEndpointAttribute(ep, EndpointAttr.NUM_RECV_BUFFERS, 2), Status.MCAPI_ERR_CHAN_CONNECTED, 'change an attribute while connected');
      const st = m.getEndpointAttribute(ep, EndpointAttr.STATUS);
      ctx.assertEqual(st & (EndpointStatus.CONNECTED | EndpointStatus.PKTCHAN), EndpointStatus.CONNECTED | EndpointStatus.PKTCHAN, 'STATUS connected, packet channel');
      ctx.assertEqual(st & (EndpointStatus.SEND | EndpointStatus.RECEIVE), ctx.rank === 1 ? EndpointStatus.SEND : EndpointStatus.RECEIVE, 'STATUS direction');
      const s: Side = ctx.rank === 0
        ? { ep, send: null, recv: await m.pktRecvOpen(ep, ctx.timeoutMs) }
        : { ep, send: await m.pktSendOpen(ep, ctx.timeoutMs), recv: null };
      ctx.assertThrowsStatus(() => m.deleteEndpoint(ep), Status.MCAPI_ERR_CHAN_OPEN, 'delete an endpoint with an open channel');
      ctx.assertEqual(m.getEndpointAttribute(ep, EndpointAttr.STATUS) & EndpointStatus.OPEN, EndpointStatus.OPEN, 'STATUS open');
      await closeChannel(ctx, s);
    },
  },
  {
    name: 'pkt: wrong handles (CHAN_INVALID, CHAN_TYPE, CHAN_DIRECTION, CHAN_NOTOPEN)',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const s = await openChannel(ctx);
      if (s.send !== null) {
        const h = s.send;
        ctx.assertThrowsStatus(() => m.pktRecvI(h as unknown as PacketRecvHandle), Status.MCAPI_ERR_CHAN_DIRECTION, 'receive on a send handle');
        ctx.assertThrowsStatus(() => m.pktRecvCloseI(h as unknown as PacketRecvHandle), Status.MCAPI_ERR_CHAN_DIRECTION, 'receive-close a send handle (OpenMCAPI 2.23.2)');
        await ctx.assertRejectsStatus(m.sclSendUint8(h as unknown as ScalarSendHandle, 1), Status.MCAPI_ERR_CHAN_TYPE, 'scalar send on a packet handle');
        ctx.assertThrowsStatus(() => m.pktSendI({} as PacketSendHandle, new Uint8Array(1)), Status.MCAPI_ERR_CHAN_INVALID, 'send on a non-handle');
        ctx.assertThrowsStatus(() => m.pktSendI(7 as unknown as PacketSendHandle, new Uint8Array(1)), Status.MCAPI_ERR_CHAN_INVALID, 'send on a number');
        ctx.assertThrowsStatus(() => m.pktSendI(h, 'x' as unknown as Uint8Array), Status.MCAPI_ERR_PARAMETER, 'send a string');
        m.pktSendClose(h);
        ctx.assertThrowsStatus(() => m.pktSendCloseI(h), Status.MCAPI_ERR_CHAN_NOTOPEN, 'close a closed handle');
        await ctx.assertRejectsStatus(m.pktSend(h, new Uint8Array(1)), Status.MCAPI_ERR_CHAN_NOTOPEN, 'send on a closed handle');
      } else {
        const h = s.recv!;
        ctx.assertThrowsStatus(() => m.pktSendI(h as unknown as PacketSendHandle, new Uint8Array(1)), Status.MCAPI_ERR_CHAN_DIRECTION, 'send on a receive handle');
        ctx.assertThrowsStatus(() => m.pktAvailable(null as unknown as PacketRecvHandle), Status.MCAPI_ERR_CHAN_INVALID, 'available of null');
        m.pktRecvClose(h);
        await ctx.assertRejectsStatus(m.pktRecv(h), Status.MCAPI_ERR_CHAN_NOTOPEN, 'receive on a closed handle');
      }
      await ctx.sync('closed');
      m.deleteEndpoint(s.ep);
    },
  },
  {
    name: 'pkt: no free receive buffer, fail policy: MEM_LIMIT at once',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const s = await openChannel(ctx, { recvBuffers: 1, failOnLimit: true });
      if (s.send !== null) {
        await m.pktSend(s.send, new Uint8Array([1]));
        ctx.assertThrowsStatus(() => m.pktSendI(s.send!, new Uint8Array([2])), Status.MCAPI_ERR_MEM_LIMIT, 'pktSendI without a credit');
        await ctx.assertRejectsStatus(m.pktSend(s.send, new Uint8Array([2])), Status.MCAPI_ERR_MEM_LIMIT, 'pktSend without a credit');
        await ctx.sync('refused');
        await ctx.sync('released');
        ctx.assertEqual(m.getEndpointAttribute(s.ep, EndpointAttr.NUM_SEND_BUFFERS), 1, 'the credit returned on release arrived before the later barrier message');
        await m.pktSend(s.send, new Uint8Array([3]));
      } else {
        await ctx.sync('refused');
        const b = await m.pktRecv(s.recv!);
        m.pktRelease(b);
        await ctx.sync('released');
        const c = await m.pktRecv(s.recv!);
        ctx.assertEqual(c[0], 3, 'send after the release');
        m.pktRelease(c);
      }
      await closeChannel(ctx, s);
    },
  },
  {
    name: 'pkt: no free receive buffer, wait policy: TIMEOUT after the endpoint TIMEOUT',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const s = await openChannel(ctx, { recvBuffers: 1, sendTimeoutMs: 15 });
      if (s.send !== null) {
        await m.pktSend(s.send, new Uint8Array([1]));
        const t0 = ctx.now();
        await ctx.assertRejectsStatus(m.pktSend(s.send, new Uint8Array([2])), Status.MCAPI_TIMEOUT, 'pktSend without a credit');
        ctx.assert(ctx.now() - t0 >= 15 - 1e-6, 'waited for the TIMEOUT');
        await ctx.sync('timed-out');
        await ctx.sync('released');
        await m.pktSend(s.send, new Uint8Array([3]));
      } else {
        await ctx.sync('timed-out');
        const b = await m.pktRecv(s.recv!);
        ctx.assertEqual(b[0], 1, 'first packet');
        m.pktRelease(b);
        await ctx.sync('released');
        const c = await m.pktRecv(s.recv!);
        ctx.assertEqual(c[0], 3, 'the timed-out packet was never sent');
        m.pktRelease(c);
      }
      await closeChannel(ctx, s);
    },
  },
  {
    name: 'pkt: a cancelled open leaves the endpoint ready for a new open (OpenMCAPI 2.36.4)',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const ep = m.createEndpoint(ctx.port(ctx.rank));
      if (ctx.rank === 0) {
        const first = m.pktRecvOpenI(ep);
        m.cancel(first);
        ctx.assertEqual(m.getEndpointAttribute(ep, EndpointAttr.STATUS), 0, 'no open pending after the cancel');
        await ctx.sync('created');
        await ctx.sync('connected');
        const h = await m.pktRecvOpen(ep, ctx.timeoutMs);
        const b = await m.pktRecv(h);
        ctx.assertEqual(b[0], 5, 'data after the second open');
        m.pktRelease(b);
        await closeChannel(ctx, { ep, send: null, recv: h });
      } else {
        await ctx.sync('created');
        await m.pktConnect(ep, await ctx.peer(0, 0), ctx.timeoutMs);
        await ctx.sync('connected');
        const h = await m.pktSendOpen(ep, ctx.timeoutMs);
        await m.pktSend(h, new Uint8Array([5]));
        await closeChannel(ctx, { ep, send: h, recv: null });
      }
    },
  },
  {
    name: 'pkt: pending receive completes with data; a cancelled receive takes nothing',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const s = await openChannel(ctx);
      if (s.recv !== null) {
        const r1 = m.pktRecvI(s.recv);
        const r2 = m.pktRecvI(s.recv);
        m.cancel(r2);
        await ctx.sync('posted');
        const b = await m.wait(r1, ctx.timeoutMs);
        ctx.assertEqual(b[0], 1, 'first pending receive gets the first packet');
        m.pktRelease(b);
        await ctx.sleep(5);
        ctx.assertEqual(m.pktAvailable(s.recv), 1, 'second packet queued, not taken by the cancelled receive');
        const c = await m.pktRecv(s.recv);
        ctx.assertEqual(c[0], 2, 'second packet');
        m.pktRelease(c);
      } else {
        await ctx.sync('posted');
        await m.pktSend(s.send!, new Uint8Array([1]));
        await m.pktSend(s.send!, new Uint8Array([2]));
      }
      await closeChannel(ctx, s);
    },
  },
  {
    name: 'pkt: a connect whose receive buffers exceed the channel budget is MEM_LIMIT',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const ep = m.createEndpoint(ctx.port(ctx.rank));
      const per = Math.min(m.limits.maxPayload, 4096);
      const want = Math.floor(m.limits.maxChannelBufferBytes / per) + 1;
      const canTest = want <= m.limits.maxRecvBuffers;
      m.setEndpointAttribute(ep, EndpointAttr.MAX_PAYLOAD_SIZE, per);
      if (ctx.rank === 0 && canTest) m.setEndpointAttribute(ep, EndpointAttr.NUM_RECV_BUFFERS, want);
      await ctx.sync('created');
      if (ctx.rank === 1 && canTest) {
        await ctx.assertRejectsStatus(m.pktConnect(ep, await ctx.peer(0, 0), ctx.timeoutMs), Status.MCAPI_ERR_MEM_LIMIT, `${String(want)} buffers of ${String(per)} bytes`);
        ctx.assertEqual(m.getEndpointAttribute(ep, EndpointAttr.STATUS), 0, 'the refused connect left the send side unconnected');
      }
      await ctx.sync('refused');
      if (ctx.rank === 0) {
        ctx.assertEqual(m.getEndpointAttribute(ep, EndpointAttr.STATUS), 0, 'the receive side is not connected');
        m.setEndpointAttribute(ep, EndpointAttr.NUM_RECV_BUFFERS, 1);
      }
      await ctx.sync('shrunk');
      if (ctx.rank === 1) await m.pktConnect(ep, await ctx.peer(0, 0), ctx.timeoutMs);
      await ctx.sync('connected');
      if (ctx.rank === 0) {
        ctx.assertEqual(m.stats().channelBufferBytes >= per, true, 'the connection reserved its buffer');
        m.pktRecvClose(await m.pktRecvOpen(ep, ctx.timeoutMs));
      } else {
        m.pktSendClose(await m.pktSendOpen(ep, ctx.timeoutMs));
      }
      await ctx.sync('closed');
      m.deleteEndpoint(ep);
    },
  },
];
