/**
 * Bad input from the wire: random and truncated frames of every MCAPI type, frames for
 * channels and requests that do not exist. None may throw, corrupt state or stop the node; the
 * malformed ones are counted.
 */
import test from 'ava';
import fc from 'fast-check';
import { EndpointAttr, McapiFrame } from '../../src/mcapi/index.js';
import type { NetFrame } from '../../src/net/net.js';
import { makeNodes } from './loopnet.js';

const TYPES = Object.values(McapiFrame);

function frame(type: number, src: number, srcPort: number, dstPort: number, payload: Uint8Array): NetFrame {
  return { type, src, dst: 1, srcPort, dstPort, epoch: 0, payload };
}

test('random frames of every MCAPI type never break a node', async (t) => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.record({
          type: fc.constantFrom(...TYPES, 0x2f, 0x1f + 1),
          src: fc.constantFrom(2, 3, 200),
          srcPort: fc.constantFrom(0, 10, 20, 21, 999),
          dstPort: fc.constantFrom(0, 10, 20, 21, 999),
          payload: fc.uint8Array({ maxLength: 24 }),
        }),
        { minLength: 1, maxLength: 60 },
      ),
      async (junk) => {
        const { hub, nodes: [a, b] } = makeNodes(2);
        // Some live state for the junk to hit: an endpoint with queued data and an open channel.
        const e10 = a!.createEndpoint(10);
        const e20 = a!.createEndpoint(20);
        const s21 = b!.createEndpoint(21);
        const r20 = await hub.run(b!.getEndpoint(1, 1, 20, 100));
        await hub.run(b!.pktConnect(s21, r20, 100));
        const [hs, hr] = await hub.run(Promise.all([b!.pktSendOpen(s21, 100), a!.pktRecvOpen(e20, 100)]));
        const net = hub.net(1)!;
        for (const j of junk) net.deliver(frame(j.type, j.src, j.srcPort, j.dstPort, j.payload));
        await hub.advance(50);
        const st = a!.stats();
        if (st.handlerErrors !== 0) throw new Error(`handler error: ${a!.lastHandlerError()}`);
        // The node still works: a message to itself, and the channel if the junk left it open.
        const e11 = a!.createEndpoint(11);
        await hub.run(a!.msgSend(e11, e10, new Uint8Array([1, 2])));
        const buf = new Uint8Array(64);
        while (a!.msgAvailable(e10) > 0) await hub.run(a!.msgRecv(e10, buf));
        t.true(st.malformed + st.dropped >= 0);
        void hs;
        void hr;
      },
    ),
    { seed: 7, numRuns: 150 },
  );
});

test('every truncation of real frames is rejected or handled, never thrown', async (t) => {
  const { hub, nodes: [a, b] } = makeNodes(2);
  const recorded: NetFrame[] = [];
  const nb = hub.net(2)!;
  nb.record = true;
  const ea = a!.createEndpoint(10);
  const eb = b!.createEndpoint(20);
  const ra = await hub.run(b!.getEndpoint(1, 1, 10, 100));
  await hub.run(b!.msgSend(eb, ra, new Uint8Array(30)));
  await hub.run(a!.msgRecv(ea, new Uint8Array(30)));
  const s = b!.createEndpoint(21);
  const r = a!.createEndpoint(22);
  const rr = await hub.run(b!.getEndpoint(1, 1, 22, 100));
  await hub.run(b!.sclConnect(s, rr, 100));
  const [hs, hr] = await hub.run(Promise.all([b!.sclSendOpen(s, 100), a!.sclRecvOpen(r, 100)]));
  await hub.run(b!.sclSendUint64(hs, 5n));
  t.is(await hub.run(a!.sclRecvUint64(hr)), 5n);
  recorded.push(...nb.sent);
  t.true(recorded.length > 5);
  const before = a!.stats().malformed;
  const net = hub.net(1)!;
  let variants = 0;
  for (const f of recorded) {
    for (let n = 0; n < f.payload.length; n++) {
      net.deliver({ ...f, payload: f.payload.slice(0, n) });
      variants++;
    }
    const longer = new Uint8Array(f.payload.length + 3);
    longer.set(f.payload);
    net.deliver({ ...f, payload: longer });
    variants++;
  }
  await hub.advance(50);
  const st = a!.stats();
  t.is(st.handlerErrors, 0, a!.lastHandlerError());
  t.true(st.malformed > before, `truncated frames were counted (${String(st.malformed - before)} of ${String(variants)})`);
  await hub.run(b!.sclSendUint8(hs, 9));
  t.is(await hub.run(a!.sclRecvUint8(hr)), 9, 'the channel still works');
});

test('a sender exceeding its credits is cut off at the receiver, not believed', async (t) => {
  const { hub, nodes: [a, b] } = makeNodes(2);
  const r = a!.createEndpoint(20);
  a!.setEndpointAttribute(r, EndpointAttr.NUM_RECV_BUFFERS, 2);
  const s = b!.createEndpoint(21);
  const rr = await hub.run(b!.getEndpoint(1, 1, 20, 100));
  await hub.run(b!.pktConnect(s, rr, 100));
  const [, hr] = await hub.run(Promise.all([b!.pktSendOpen(s, 100), a!.pktRecvOpen(r, 100)]));
  const net = hub.net(1)!;
  for (let i = 0; i < 10; i++) net.deliver(frame(McapiFrame.PKT, 2, 21, 20, new Uint8Array([i])));
  await hub.advance(5);
  t.is(a!.pktAvailable(hr), 2, 'only the granted buffers are used');
  t.is(a!.stats().malformed, 8);
  for (let i = 0; i < 10; i++) net.deliver(frame(McapiFrame.PKT, 3, 21, 20, new Uint8Array([i])));
  t.is(a!.pktAvailable(hr), 2, 'packets from a node that is not the peer are dropped');
  t.true(a!.stats().dropped >= 10);
});

test('responses for messages never sent, and replies to nothing, are ignored', async (t) => {
  const { hub, nodes: [a] } = makeNodes(2);
  const net = hub.net(1)!;
  net.deliver(frame(McapiFrame.MSG_RESP, 2, 0, 0, new Uint8Array([1, 0, 200, 2, 5, 1, 3, 0, 10])));
  net.deliver(frame(McapiFrame.CONNECT_RESULT, 2, 0, 0, new Uint8Array([0, 0, 0, 9, 1])));
  net.deliver(frame(McapiFrame.EP_GET_REPLY, 2, 20, 0, new Uint8Array([0, 0, 0, 9, 1])));
  net.deliver(frame(McapiFrame.NODE_ATTR_REPLY, 2, 0, 0, new Uint8Array([0, 0, 0, 9, 1, 0, 0, 0, 0])));
  net.deliver(frame(McapiFrame.CONNECT_REPLY, 2, 20, 10, new Uint8Array([1, 2, 0, 0, 0, 9])));
  net.deliver(frame(McapiFrame.OPEN, 2, 20, 10, new Uint8Array([1, 1, 1, 0, 4])));
  net.deliver(frame(McapiFrame.CLOSE, 2, 20, 10, new Uint8Array([1, 1])));
  net.deliver(frame(McapiFrame.CREDIT, 2, 20, 10, new Uint8Array([0, 4])));
  await hub.advance(5);
  const st = a!.stats();
  t.is(st.handlerErrors, 0);
  t.is(st.requests, 0);
  t.is(st.malformed, 0);
  t.true(st.dropped >= 6);
});

test('frames before initialize and after finalize are dropped and counted', async (t) => {
  const { hub, nodes: [a, b] } = makeNodes(2);
  a!.finalize();
  const eb = b!.createEndpoint(20);
  const to = new (await import('../../src/mcapi/index.js')).Endpoint(1, 1, 10);
  const req = b!.msgSendI(eb, to, new Uint8Array(1));
  await hub.advance(20);
  t.true(req.pending, 'no answer from a finalized node');
  t.true(a!.stats().dropped >= 1);
  a!.initialize(1, 1);
  const ea = a!.createEndpoint(10);
  b!.cancel(req);
  await hub.run(b!.msgSend(eb, to, new Uint8Array([4])));
  t.is(await hub.run(a!.msgRecv(ea, new Uint8Array(1))), 1);
});
