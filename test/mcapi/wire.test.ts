/**
 * What MCAPI puts on the wire: frame layouts, per-message overhead, piggybacked and batched
 * acknowledgements, credit frames, and the causal order of credits before later messages.
 */
import test from 'ava';
import { EndpointAttr, McapiFrame } from '../../src/mcapi/index.js';
import type { NetFrame } from '../../src/net/net.js';
import { makeNodes } from './loopnet.js';

function frames(sent: NetFrame[], type: number): NetFrame[] {
  return sent.filter((f) => f.type === type);
}

test('a 24-byte message costs 2 bytes of header; the ACK rides on the reply (1 byte)', async (t) => {
  const { hub, nodes: [a, b] } = makeNodes(2);
  const ea = a!.createEndpoint(10);
  const eb = b!.createEndpoint(20);
  const ra = await hub.run(b!.getEndpoint(1, 1, 10, 100));
  const rb = await hub.run(a!.getEndpoint(1, 2, 20, 100));
  const na = hub.net(1)!;
  const nb = hub.net(2)!;
  na.record = true;
  nb.record = true;
  const rounds = 20;
  const ping = (async () => {
    const buf = new Uint8Array(24);
    for (let i = 0; i < rounds; i++) {
      await a!.msgSend(ea, rb, new Uint8Array(24).fill(i));
      await a!.msgRecv(ea, buf);
    }
  })();
  const pong = (async () => {
    const buf = new Uint8Array(24);
    for (let i = 0; i < rounds; i++) {
      await b!.msgRecv(eb, buf);
      await b!.msgSend(eb, ra, buf);
    }
  })();
  await hub.run(Promise.all([ping, pong]));
  await hub.advance(5);
  const aMsgs = frames(na.sent, McapiFrame.MSG);
  const bMsgs = frames(nb.sent, McapiFrame.MSG);
  t.is(aMsgs.length, rounds);
  t.is(bMsgs.length, rounds);
  t.is(aMsgs[0]!.payload.length, 24 + 2, 'first message: flags + seq, nothing to acknowledge yet');
  t.deepEqual([...aMsgs[0]!.payload.subarray(0, 2)], [0x08, 0], 'flags = BLOCK | priority 0, seq 0');
  for (const f of [...aMsgs.slice(1), ...bMsgs]) t.is(f.payload.length, 24 + 3, 'flags + seq + piggybacked ACK');
  t.is(bMsgs[0]!.payload[0]! & 0x40, 0x40, 'ACK1 flag on the reply');
  t.is(bMsgs[0]!.payload[2], 0, 'acknowledges seq 0');
  const extraA = frames(na.sent, McapiFrame.MSG_RESP).length;
  const extraB = frames(nb.sent, McapiFrame.MSG_RESP).length;
  t.true(extraA + extraB <= 1, `at most the last ACK goes alone (${String(extraA + extraB)})`);
  const payloadBytes = [...aMsgs, ...bMsgs].reduce((s, f) => s + f.payload.length, 0);
  t.true(payloadBytes / (2 * rounds * 24) < 1.13, 'MCAPI bytes within 13% of the data (before the 20-byte frame overhead)');
});

test('a stream of sends is acknowledged in batched ACK ranges', async (t) => {
  const { hub, nodes: [a, b] } = makeNodes(2);
  const ea = a!.createEndpoint(10);
  const eb = b!.createEndpoint(20);
  b!.setEndpointAttribute(eb, EndpointAttr.NUM_RECV_BUFFERS, 40);
  const rb = await hub.run(a!.getEndpoint(1, 2, 20, 100));
  const nb = hub.net(2)!;
  nb.record = true;
  const reqs = [];
  for (let i = 0; i < 30; i++) reqs.push(a!.msgSendI(ea, rb, new Uint8Array([i])));
  for (const r of reqs) await hub.run(a!.wait(r));
  const resp = frames(nb.sent, McapiFrame.MSG_RESP);
  t.is(resp.length, 1, 'one response frame for the whole burst');
  t.deepEqual([...resp[0]!.payload], [1, 0, 30], 'ACK first=0 count=30');
  t.is(b!.msgAvailable(eb), 30);
});

test('a 4 KiB packet is sent as is: no header bytes', async (t) => {
  const { hub, nodes: [a, b] } = makeNodes(2);
  const s = a!.createEndpoint(10);
  const r = b!.createEndpoint(20);
  b!.setEndpointAttribute(r, EndpointAttr.NUM_RECV_BUFFERS, 2);
  const rr = await hub.run(a!.getEndpoint(1, 2, 20, 100));
  await hub.run(a!.pktConnect(s, rr, 100));
  const [hs, hr] = await hub.run(Promise.all([a!.pktSendOpen(s, 100), b!.pktRecvOpen(r, 100)]));
  const na = hub.net(1)!;
  const nb = hub.net(2)!;
  na.record = true;
  nb.record = true;
  const data = new Uint8Array(4096).map((_, i) => i & 0xff);
  for (let i = 0; i < 4; i++) {
    await hub.run(a!.pktSend(hs, data));
    const got = await hub.run(b!.pktRecv(hr));
    t.deepEqual(got, data);
    b!.pktRelease(got);
  }
  await hub.advance(5);
  const pk = frames(na.sent, McapiFrame.PKT);
  t.is(pk.length, 4);
  for (const f of pk) t.is(f.payload.length, 4096);
  const credits = frames(nb.sent, McapiFrame.CREDIT);
  t.true(credits.length <= 4 && credits.length >= 2, 'credits go back, batched per turn');
  t.is(nb.sent.length, credits.length, 'nothing else flows back');
});

test('a credit returned before a message is never overtaken by it', async (t) => {
  const { hub, nodes: [a, b] } = makeNodes(2);
  const s = a!.createEndpoint(10);
  const r = b!.createEndpoint(20);
  const mb = b!.createEndpoint(21);
  const ma = a!.createEndpoint(11);
  b!.setEndpointAttribute(r, EndpointAttr.NUM_RECV_BUFFERS, 1);
  const rr = await hub.run(a!.getEndpoint(1, 2, 20, 100));
  const toA = await hub.run(b!.getEndpoint(1, 1, 11, 100));
  await hub.run(a!.pktConnect(s, rr, 100));
  const [hs, hr] = await hub.run(Promise.all([a!.pktSendOpen(s, 100), b!.pktRecvOpen(r, 100)]));
  await hub.run(a!.pktSend(hs, new Uint8Array([1])));
  const got = await hub.run(b!.pktRecv(hr));
  t.is(a!.getEndpointAttribute(s, EndpointAttr.NUM_SEND_BUFFERS), 0);
  b!.pktRelease(got);
  const sent = b!.msgSendI(mb, toA, new Uint8Array([9]));
  const buf = new Uint8Array(1);
  await hub.run(a!.msgRecv(ma, buf));
  t.is(a!.getEndpointAttribute(s, EndpointAttr.NUM_SEND_BUFFERS), 1, 'the credit arrived before the message');
  await hub.run(b!.wait(sent));
});

test('scalars: 1 width byte + the value, big-endian', async (t) => {
  const { hub, nodes: [a, b] } = makeNodes(2);
  const s = a!.createEndpoint(10);
  const r = b!.createEndpoint(20);
  const rr = await hub.run(a!.getEndpoint(1, 2, 20, 100));
  await hub.run(a!.sclConnect(s, rr, 100));
  const [hs, hr] = await hub.run(Promise.all([a!.sclSendOpen(s, 100), b!.sclRecvOpen(r, 100)]));
  const na = hub.net(1)!;
  na.record = true;
  await hub.run(a!.sclSendUint16(hs, 0x1234));
  await hub.run(a!.sclSendUint64(hs, 0x0102030405060708n));
  t.is(await hub.run(b!.sclRecvUint16(hr)), 0x1234);
  t.is(await hub.run(b!.sclRecvUint64(hr)), 0x0102030405060708n);
  const scl = frames(na.sent, McapiFrame.SCL);
  t.deepEqual([...scl[0]!.payload], [2, 0x12, 0x34]);
  t.deepEqual([...scl[1]!.payload], [8, 1, 2, 3, 4, 5, 6, 7, 8]);
});

test('frame types stay inside the MCAPI range', (t) => {
  for (const v of Object.values(McapiFrame)) {
    t.true(v >= 0x10 && v <= 0x2f, `0x${v.toString(16)}`);
  }
  t.is(new Set(Object.values(McapiFrame)).size, Object.keys(McapiFrame).length, 'distinct');
});
