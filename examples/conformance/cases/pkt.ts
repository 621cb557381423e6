/**
 * Packet channel cases (MCA reference tests "pkt1".."pkt4"; OpenMCAPI functional 2.17-2.26,
 * 2.36.4): connect (two parties and third party), open in any order, send / receive /
 * release with credit flow control, and the errors of connect, open and release. Close semantics,
 * wrong handles and the receive-buffer policies are in pkt-close.ts (its cases run after these).
 */
import { Endpoint, EndpointAttr, EndpointStatus, EndpointType, Status } from '../../../src/mcapi/index.js';
import type { Case } from '../context.js';
import { fillPattern, pattern } from '../context.js';
import { arrived, closeChannel, openChannel } from './pkt-channel.js';
import { pktCloseCases } from './pkt-close.js';

export const pktCases: Case[] = [
  {
    name: 'pkt: connect, open both sides, send, receive, release',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const s = await openChannel(ctx);
      if (s.send !== null) {
        for (let i = 0; i < 3; i++) await m.pktSend(s.send, pattern(10 + i, i));
      } else {
        for (let i = 0; i < 3; i++) {
          const buf = await m.pktRecv(s.recv!);
          ctx.assertBytes(buf, pattern(10 + i, i), `packet ${String(i)}`);
          m.pktRelease(buf);
        }
      }
      await closeChannel(ctx, s);
    },
  },
  {
    name: 'pkt: open before connect; opens complete when both sides are open',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const ep = m.createEndpoint(ctx.port(ctx.rank));
      if (ctx.rank === 0) {
        const req = m.pktRecvOpenI(ep);
        ctx.assertEqual(m.getEndpointAttribute(ep, EndpointAttr.STATUS) & EndpointStatus.OPEN_PENDING, EndpointStatus.OPEN_PENDING, 'STATUS shows the pending open');
        await ctx.sync('created');
        await ctx.sync('connected');
        await ctx.sleep(10);
        ctx.assert(!m.test(req), 'still pending: the send side has not opened');
        await ctx.sync('checked');
        const h = await m.wait(req, ctx.timeoutMs);
        const buf = await m.pktRecv(h);
        ctx.assertBytes(buf, pattern(5), 'packet');
        m.pktRelease(buf);
        await closeChannel(ctx, { ep, send: null, recv: h });
      } else {
        await ctx.sync('created');
        await m.pktConnect(ep, await ctx.peer(0, 0), ctx.timeoutMs);
        await ctx.sync('connected');
        await ctx.sync('checked');
        const h = await m.pktSendOpen(ep, ctx.timeoutMs);
        await m.pktSend(h, pattern(5));
        await closeChannel(ctx, { ep, send: h, recv: null });
      }
    },
  },
  {
    name: 'pkt: a third node connects the channel (3 boards)',
    boards: 3,
    async run(ctx) {
      const m = ctx.mcapi;
      if (ctx.rank === 2) {
        await ctx.sync('created');
        const snd = await ctx.peer(0, 0);
        const rcv = await ctx.peer(1, 1);
        const req = m.pktConnectI(snd, rcv);
        await m.wait(req, ctx.timeoutMs);
        await ctx.sync('connected');
        await ctx.sync('closed');
        return;
      }
      const ep = m.createEndpoint(ctx.port(ctx.rank));
      await ctx.sync('created');
      await ctx.sync('connected');
      ctx.assertEqual(m.getEndpointAttribute(ep, EndpointAttr.TYPE), EndpointType.PKTCHAN, 'TYPE after a third-party connect');
      if (ctx.rank === 0) {
        const h = await m.pktSendOpen(ep, ctx.timeoutMs);
        await m.pktSend(h, pattern(40, 9));
        m.pktSendClose(h);
      } else {
        const h = await m.pktRecvOpen(ep, ctx.timeoutMs);
        const buf = await m.pktRecv(h);
        ctx.assertBytes(buf, pattern(40, 9), 'packet over the third-party channel');
        m.pktRelease(buf);
        m.pktRecvClose(h);
      }
      await ctx.sync('closed');
      m.deleteEndpoint(ep);
    },
  },
  {
    name: 'pkt: connect errors (ENDP_INVALID, CHAN_CONNECTED, ATTR_INCOMPATIBLE)',
    boards: 2,
    ports: 4,
    async run(ctx) {
      const m = ctx.mcapi;
      const a = m.createEndpoint(ctx.port(ctx.rank));
      const b = m.createEndpoint(ctx.port(2));
      if (ctx.rank === 0) m.setEndpointAttribute(b, EndpointAttr.MAX_PAYLOAD_SIZE, 64);
      await ctx.sync('created');
      if (ctx.rank === 1) {
        const r0 = await ctx.peer(0, 0);
        const r2 = await ctx.peer(0, 2);
        ctx.assertThrowsStatus(() => m.pktConnectI(a, a), Status.MCAPI_ERR_ENDP_INVALID, 'an endpoint to itself');
        ctx.assertThrowsStatus(() => m.pktConnectI(a, {} as Endpoint), Status.MCAPI_ERR_ENDP_INVALID, 'a non-endpoint');
        const missing = new Endpoint(ctx.domain, ctx.peerNode(0), ctx.port(3));
        await ctx.assertRejectsStatus(m.pktConnect(a, missing, ctx.timeoutMs), Status.MCAPI_ERR_ENDP_INVALID, 'a receive endpoint that does not exist');
        await ctx.assertRejectsStatus(m.pktConnect(a, r2, ctx.timeoutMs), Status.MCAPI_ERR_ATTR_INCOMPATIBLE, 'different MAX_PAYLOAD_SIZE');
        ctx.assertEqual(m.getEndpointAttribute(a, EndpointAttr.STATUS), 0, 'a refused connect leaves the endpoint unconnected');
        await m.pktConnect(a, r0, ctx.timeoutMs);
        ctx.assertThrowsStatus(() => m.pktConnectI(a, r2), Status.MCAPI_ERR_CHAN_CONNECTED, 'the local send endpoint is connected');
        await ctx.assertRejectsStatus(m.pktConnect(b, r0, ctx.timeoutMs), Status.MCAPI_ERR_CHAN_CONNECTED, 'the remote receive endpoint is connected');
      }
      await ctx.sync('tried');
      if (ctx.rank === 0) {
        ctx.assertEqual(m.getEndpointAttribute(a, EndpointAttr.STATUS) & EndpointStatus.CONNECTED, EndpointStatus.CONNECTED, 'receive endpoint connected');
        const h = await m.pktRecvOpen(a, ctx.timeoutMs);
        m.pktRecvClose(h);
      } else {
        const h = await m.pktSendOpen(a, ctx.timeoutMs);
        m.pktSendClose(h);
      }
      await ctx.sync('closed');
      m.deleteEndpoint(a);
      m.deleteEndpoint(b);
    },
  },
  {
    name: 'pkt: open errors (CHAN_DIRECTION, CHAN_TYPE, CHAN_OPENPENDING, CHAN_OPEN, ENDP_REMOTE)',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const ep = m.createEndpoint(ctx.port(ctx.rank));
      await ctx.sync('created');
      const other = await ctx.peer(1 - ctx.rank, 1 - ctx.rank);
      ctx.assertThrowsStatus(() => m.pktSendOpenI(other), Status.MCAPI_ERR_ENDP_REMOTE, 'open on a remote endpoint');
      if (ctx.rank === 1) await m.pktConnect(ep, other, ctx.timeoutMs);
      await ctx.sync('connected');
      if (ctx.rank === 0) {
        ctx.assertThrowsStatus(() => m.pktSendOpenI(ep), Status.MCAPI_ERR_CHAN_DIRECTION, 'send open on the receive side');
        ctx.assertThrowsStatus(() => m.sclRecvOpenI(ep), Status.MCAPI_ERR_CHAN_TYPE, 'scalar open on a packet channel');
        const req = m.pktRecvOpenI(ep);
        ctx.assertThrowsStatus(() => m.pktRecvOpenI(ep), Status.MCAPI_ERR_CHAN_OPENPENDING, 'second open while pending');
        await ctx.sync('opening');
        const h = await m.wait(req, ctx.timeoutMs);
        ctx.assertThrowsStatus(() => m.pktRecvOpenI(ep), Status.MCAPI_ERR_CHAN_OPEN, 'open when open');
        await closeChannel(ctx, { ep, send: null, recv: h });
      } else {
        ctx.assertThrowsStatus(() => m.pktRecvOpenI(ep), Status.MCAPI_ERR_CHAN_DIRECTION, 'receive open on the send side');
        ctx.assertThrowsStatus(() => m.sclSendOpenI(ep), Status.MCAPI_ERR_CHAN_TYPE, 'scalar open on a packet channel');
        await ctx.sync('opening');
        const h = await m.pktSendOpen(ep, ctx.timeoutMs);
        await closeChannel(ctx, { ep, send: h, recv: null });
      }
    },
  },
  {
    name: 'pkt: receive buffers bound the sender (credits), returned on release',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const s = await openChannel(ctx, { recvBuffers: 2 });
      if (s.send !== null) {
        ctx.assertEqual(m.getEndpointAttribute(s.ep, EndpointAttr.NUM_SEND_BUFFERS), 2, 'credits = receive buffers');
        const reqs = [0, 1, 2].map((i) => m.pktSendI(s.send!, new Uint8Array([i])));
        ctx.assert(!reqs[0]!.pending && !reqs[1]!.pending, 'two sends complete at once');
        ctx.assert(reqs[2]!.pending, 'the third waits for a buffer');
        ctx.assertEqual(m.getEndpointAttribute(s.ep, EndpointAttr.NUM_SEND_BUFFERS), 0, 'no credit left');
        await ctx.sync('sent');
        await m.wait(reqs[2]!, ctx.timeoutMs);
        m.test(reqs[0]!);
        m.test(reqs[1]!);
        await ctx.sync('done');
      } else {
        await ctx.sync('sent');
        await arrived(ctx, s.recv!, 2);
        // Then a while longer: a third packet, if one were sent without a credit, would be here.
        await ctx.sleep(10);
        ctx.assertEqual(m.pktAvailable(s.recv!), 2, 'two packets queued, no more');
        const a = await m.pktRecv(s.recv!);
        const b = await m.pktRecv(s.recv!);
        await ctx.sleep(10);
        ctx.assertEqual(m.pktAvailable(s.recv!), 0, 'the third is not sent before a release');
        m.pktRelease(a);
        const c = await m.pktRecv(s.recv!);
        ctx.assertEqual(c[0], 2, 'the third packet after a release');
        m.pktRelease(b);
        m.pktRelease(c);
        await ctx.sync('done');
      }
      await closeChannel(ctx, s);
    },
  },
  {
    name: 'pkt: buffers stay owned until released; release errors are BUF_INVALID',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const s = await openChannel(ctx, { recvBuffers: 2 });
      if (s.send !== null) {
        await m.pktSend(s.send, pattern(16, 1));
        await m.pktSend(s.send, pattern(16, 2));
        await m.pktSend(s.send, pattern(16, 3));
      } else {
        const a = await m.pktRecv(s.recv!);
        const b = await m.pktRecv(s.recv!);
        ctx.assert(!m.pktReleaseTest(a), 'not released yet');
        m.pktRelease(b);
        const c = await m.pktRecv(s.recv!);
        ctx.assertBytes(a, pattern(16, 1), 'a held buffer is not reused by later packets');
        ctx.assertBytes(c, pattern(16, 3), 'third packet');
        m.pktRelease(a);
        ctx.assert(m.pktReleaseTest(a), 'released');
        ctx.assertThrowsStatus(() => m.pktRelease(a), Status.MCAPI_ERR_BUF_INVALID, 'release twice');
        ctx.assertThrowsStatus(() => m.pktRelease(new Uint8Array(16)), Status.MCAPI_ERR_BUF_INVALID, 'release a foreign buffer');
        ctx.assertThrowsStatus(() => m.pktReleaseTest(new Uint8Array(1)), Status.MCAPI_ERR_BUF_INVALID, 'release_test of a foreign buffer');
        m.pktRelease(c);
      }
      await closeChannel(ctx, s);
    },
  },
  {
    name: 'pkt: pktAvailable and FIFO order',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const s = await openChannel(ctx, { recvBuffers: 6, maxPayload: 64 });
      // The receiver looks before the sender may send: once both sides are open, packets can
      // arrive at any moment, even in the same read as the sender's OPEN (a loaded lin board
      // found 1, 5 or all 6 there when its pktRecvOpen returned, docs/FOOTPRINT.md "Round 11: the pkt
      // close race").
      if (s.recv !== null) ctx.assertEqual(m.pktAvailable(s.recv), 0, 'none before');
      await ctx.sync('looked');
      if (s.send !== null) {
        for (let i = 0; i < 6; i++) await m.pktSend(s.send, new Uint8Array([i, i]));
        await ctx.sync('sent');
      } else {
        await ctx.sync('sent');
        await arrived(ctx, s.recv!, 6);
        ctx.assertEqual(m.pktAvailable(s.recv!), 6, 'six queued');
        for (let i = 0; i < 6; i++) {
          const b = await m.pktRecv(s.recv!);
          ctx.assertEqual(b[0], i, `packet ${String(i)} in order`);
          m.pktRelease(b);
        }
        ctx.assertEqual(m.pktAvailable(s.recv!), 0, 'none after');
      }
      await closeChannel(ctx, s);
    },
  },
  {
    name: 'pkt: packet larger than MAX_PAYLOAD_SIZE is PKT_SIZE',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const s = await openChannel(ctx, { maxPayload: 32 });
      if (s.send !== null) {
        ctx.assertThrowsStatus(() => m.pktSendI(s.send!, new Uint8Array(33)), Status.MCAPI_ERR_PKT_SIZE, 'pktSendI of 33 bytes');
        await ctx.assertRejectsStatus(m.pktSend(s.send, new Uint8Array(100)), Status.MCAPI_ERR_PKT_SIZE, 'pktSend of 100 bytes');
        await m.pktSend(s.send, new Uint8Array(32));
      } else {
        const b = await m.pktRecv(s.recv!);
        ctx.assertEqual(b.length, 32, 'the 32-byte packet arrives');
        m.pktRelease(b);
      }
      await closeChannel(ctx, s);
    },
  },
  {
    name: 'pkt: 4 KiB packets',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const size = Math.min(4096, m.limits.maxPayload);
      const s = await openChannel(ctx, { recvBuffers: 2, maxPayload: size });
      // One 4 KiB buffer refilled per packet (pktSend copies it before it resolves), and the
      // received packets checked in place: on a board each pattern() was 4 KiB more of chunks.
      if (s.send !== null) {
        const d = new Uint8Array(size);
        for (let i = 0; i < 4; i++) await m.pktSend(s.send, fillPattern(d, i));
      } else {
        for (let i = 0; i < 4; i++) {
          const b = await m.pktRecv(s.recv!);
          ctx.assertPattern(b, size, i, `4 KiB packet ${String(i)}`);
          m.pktRelease(b);
        }
      }
      await closeChannel(ctx, s);
    },
  },
  {
    name: 'pkt: zero-length packet',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const s = await openChannel(ctx);
      if (s.send !== null) {
        await m.pktSend(s.send, new Uint8Array(0));
      } else {
        const b = await m.pktRecv(s.recv!);
        ctx.assertEqual(b.length, 0, 'empty packet');
        m.pktRelease(b);
      }
      await closeChannel(ctx, s);
    },
  },
  ...pktCloseCases,
];
