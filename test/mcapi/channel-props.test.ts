/**
 * Properties of channels under random interleavings (seeded fast-check): packets arrive in
 * order and intact, a held buffer is never overwritten, credits are conserved, and a scalar
 * receive of the wrong width never loses a scalar.
 */
import test from 'ava';
import fc from 'fast-check';
import { EndpointAttr, McapiError, Status } from '../../src/mcapi/index.js';
import type { McapiNode, PacketRecvHandle, PacketSendHandle, ScalarRecvHandle, ScalarSendHandle } from '../../src/mcapi/index.js';
import { Credits } from '../../src/mcapi/credits.js';
import { makeNodes } from './loopnet.js';
import type { LoopHub } from './loopnet.js';

async function pktChannel(buffers: number, sameNode: boolean): Promise<{
  hub: LoopHub; a: McapiNode; b: McapiNode; hs: PacketSendHandle; hr: PacketRecvHandle;
}> {
  const { hub, nodes } = makeNodes(2, { maxChannelBufferBytes: 1 << 20 });
  const a = nodes[0]!;
  const b = sameNode ? a : nodes[1]!;
  const s = a.createEndpoint(10);
  const r = b.createEndpoint(20);
  a.setEndpointAttribute(s, EndpointAttr.MAX_PAYLOAD_SIZE, 256);
  b.setEndpointAttribute(r, EndpointAttr.MAX_PAYLOAD_SIZE, 256);
  b.setEndpointAttribute(r, EndpointAttr.NUM_RECV_BUFFERS, buffers);
  const rr = await hub.run(a.getEndpoint(1, sameNode ? 1 : 2, 20, 100));
  await hub.run(a.pktConnect(s, rr, 100));
  const [hs, hr] = await hub.run(Promise.all([a.pktSendOpen(s, 100), b.pktRecvOpen(r, 100)]));
  return { hub, a, b, hs, hr };
}

function packet(i: number): Uint8Array {
  const n = 1 + ((i * 37) % 200);
  const p = new Uint8Array(n);
  p.fill(i & 0xff);
  p[0] = i & 0xff;
  return p;
}

test('packets: order, intact held buffers, conserved credits', async (t) => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 5 }),
      fc.boolean(),
      fc.array(fc.constantFrom('send', 'recv', 'release', 'tick'), { minLength: 10, maxLength: 80 }),
      async (buffers, sameNode, ops) => {
        const { hub, a, b, hs, hr } = await pktChannel(buffers, sameNode);
        let sent = 0;
        let received = 0;
        const held: [Uint8Array, number][] = [];
        const sends: Promise<void>[] = [];
        for (const op of ops) {
          if (op === 'send') {
            sends.push(a.pktSend(hs, packet(sent++)));
          } else if (op === 'recv' && b.pktAvailable(hr) > 0) {
            const buf = await hub.run(b.pktRecv(hr));
            const want = packet(received++);
            if (buf.length !== want.length || buf[0] !== want[0]) throw new Error(`packet ${String(received - 1)} out of order or damaged`);
            held.push([buf, received - 1]);
          } else if (op === 'release' && held.length > 0) {
            const [buf, i] = held.shift()!;
            if (buf[0] !== (i & 0xff) || buf[buf.length - 1] !== (i & 0xff)) throw new Error(`held buffer ${String(i)} was overwritten`);
            b.pktRelease(buf);
          } else {
            await hub.advance(1);
          }
          for (const [buf, i] of held) {
            if (buf[0] !== (i & 0xff)) throw new Error(`held buffer ${String(i)} was overwritten`);
          }
          if (held.length + b.pktAvailable(hr) > buffers) throw new Error('more packets held than buffers granted');
        }
        // Drain everything.
        for (const [buf] of held.splice(0)) b.pktRelease(buf);
        while (received < sent) {
          const buf = await hub.run(b.pktRecv(hr));
          if (buf[0] !== (received & 0xff)) throw new Error('order at drain');
          received++;
          b.pktRelease(buf);
        }
        await hub.run(Promise.all(sends));
        // Held credits (fewer than half the buffers owed) go within two Credits.HOLD_MS periods.
        await hub.advance(2 * Credits.HOLD_MS + 5);
        const credits = a.getEndpointAttribute(hs.endpoint, EndpointAttr.NUM_SEND_BUFFERS);
        if (credits !== buffers) throw new Error(`credits ${String(credits)} after quiescence, granted ${String(buffers)}`);
        if (b.stats().packetsInUse !== 0) throw new Error('buffers still in use');
      },
    ),
    { seed: 11, numRuns: 120 },
  );
  t.pass();
});

type Width = 1 | 2 | 4 | 8;

async function sclSend(m: McapiNode, h: ScalarSendHandle, w: Width, v: number): Promise<void> {
  if (w === 1) return m.sclSendUint8(h, v & 0xff);
  if (w === 2) return m.sclSendUint16(h, v & 0xffff);
  if (w === 4) return m.sclSendUint32(h, v >>> 0);
  return m.sclSendUint64(h, BigInt(v) * 0x100000001n);
}

async function sclRecv(m: McapiNode, h: ScalarRecvHandle, w: Width): Promise<number | bigint> {
  if (w === 1) return m.sclRecvUint8(h);
  if (w === 2) return m.sclRecvUint16(h);
  if (w === 4) return m.sclRecvUint32(h);
  return m.sclRecvUint64(h);
}

test('scalars: a wrong-width receive fails SCL_SIZE and never loses the scalar', async (t) => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.constantFrom<Width>(1, 2, 4, 8), { minLength: 1, maxLength: 30 }),
      fc.array(fc.constantFrom<Width>(1, 2, 4, 8), { minLength: 60, maxLength: 60 }),
      async (widths, guesses) => {
        const { hub, nodes: [a, b] } = makeNodes(2);
        const s = a!.createEndpoint(10);
        const r = b!.createEndpoint(20);
        b!.setEndpointAttribute(r, EndpointAttr.NUM_RECV_BUFFERS, 3);
        const rr = await hub.run(a!.getEndpoint(1, 2, 20, 100));
        await hub.run(a!.sclConnect(s, rr, 100));
        const [hs, hr] = await hub.run(Promise.all([a!.sclSendOpen(s, 100), b!.sclRecvOpen(r, 100)]));
        const sending = (async () => {
          for (let i = 0; i < widths.length; i++) await sclSend(a!, hs, widths[i]!, i + 1);
        })();
        let next = 0;
        let g = 0;
        while (next < widths.length) {
          const w = guesses[g++ % guesses.length]!;
          try {
            const v = await hub.run(sclRecv(b!, hr, w));
            const want = widths[next]!;
            if (w !== want) throw new Error(`received a ${String(want)}-byte scalar as ${String(w)} bytes`);
            const i = next + 1;
            const expect = want === 1 ? i & 0xff : want === 2 ? i & 0xffff : want === 4 ? i >>> 0 : BigInt(i) * 0x100000001n;
            if (v !== expect) throw new Error(`scalar ${String(next)}: ${String(v)} != ${String(expect)}`);
            next++;
          } catch (e) {
            if (!(e instanceof McapiError && e.status === Status.MCAPI_ERR_SCL_SIZE)) throw e;
            if (widths[next] === w) throw new Error('SCL_SIZE for a matching width');
          }
        }
        await hub.run(sending);
        if (b!.sclAvailable(hr) !== 0) throw new Error('scalars left over');
      },
    ),
    { seed: 12, numRuns: 100 },
  );
  t.pass();
});

test('finalize closes open channels towards the peer', async (t) => {
  const { hub, a, b, hs, hr } = await pktChannel(2, false);
  const waiting = b.pktRecv(hr);
  a.finalize();
  await t.throwsAsync(hub.run(waiting), { instanceOf: McapiError, message: /CHAN_NOTOPEN/ });
  b.pktRecvClose(hr);
  await hub.advance(5);
  t.is(b.getEndpointAttribute(hr.endpoint, EndpointAttr.STATUS), 0, 'the receive side disconnected');
  b.deleteEndpoint(hr.endpoint);
  void hs;
});

test('channel buffer budget: reserved at connect, released at disconnect', async (t) => {
  const { hub, nodes: [a, b] } = makeNodes(2, { maxChannelBufferBytes: 1000 });
  const s = a!.createEndpoint(10);
  const r = b!.createEndpoint(20);
  b!.setEndpointAttribute(r, EndpointAttr.MAX_PAYLOAD_SIZE, 100);
  a!.setEndpointAttribute(s, EndpointAttr.MAX_PAYLOAD_SIZE, 100);
  b!.setEndpointAttribute(r, EndpointAttr.NUM_RECV_BUFFERS, 10);
  const rr = await hub.run(a!.getEndpoint(1, 2, 20, 100));
  await hub.run(a!.pktConnect(s, rr, 100));
  t.is(b!.stats().channelBufferBytes, 1000);
  const s2 = a!.createEndpoint(11);
  const r2 = b!.createEndpoint(21);
  const rr2 = await hub.run(a!.getEndpoint(1, 2, 21, 100));
  const e = await t.throwsAsync(hub.run(a!.sclConnect(s2, rr2, 100)));
  t.is((e as McapiError).status, Status.MCAPI_ERR_MEM_LIMIT);
  const [hs, hr] = await hub.run(Promise.all([a!.pktSendOpen(s, 100), b!.pktRecvOpen(r, 100)]));
  a!.pktSendClose(hs);
  b!.pktRecvClose(hr);
  await hub.advance(5);
  t.is(b!.stats().channelBufferBytes, 0);
  await hub.run(a!.sclConnect(s2, rr2, 100));
  t.is(b!.stats().channelBufferBytes, 8 * b!.limits.defaultRecvBuffers);
  void r2;
});

test('a side whose open was cancelled answers the other side\'s close, so both disconnect', async (t) => {
  const { hub, nodes: [a, b] } = makeNodes(2);
  const r = a!.createEndpoint(20);
  const s = b!.createEndpoint(21);
  const rr = await hub.run(b!.getEndpoint(1, 1, 20, 100));
  await hub.run(b!.pktConnect(s, rr, 100));
  const recvOpen = a!.pktRecvOpenI(r);
  await hub.advance(1);
  const sendOpen = b!.pktSendOpenI(s);
  t.false(sendOpen.pending, 'the send side completes: the receive side already opened');
  a!.cancel(recvOpen);
  await hub.advance(1);
  const hs = await hub.run(b!.wait(sendOpen));
  t.is(a!.getEndpointAttribute(r, EndpointAttr.STATUS) & 0x7, 0x1, 'receive side connected, not open');
  b!.pktSendClose(hs);
  await hub.advance(2);
  t.is(a!.getEndpointAttribute(r, EndpointAttr.STATUS), 0, 'receive side disconnected');
  t.is(b!.getEndpointAttribute(s, EndpointAttr.STATUS), 0, 'send side disconnected: it got a close back');
  a!.deleteEndpoint(r);
  b!.deleteEndpoint(s);
});
