/**
 * Credits riding on packets (PKT_CR, docs/MCAPI.md §4): a packet going to a node carries the
 * credits owed there, so two packet channels in opposite directions return every credit without
 * a CREDIT frame; the credits are applied even when the packet itself is refused; a head that
 * would not fit the frame falls back to CREDIT frames; and under random interleavings on both
 * channels packets stay in order and intact and credits are conserved.
 */
import test from 'ava';
import fc from 'fast-check';
import { EndpointAttr, McapiFrame } from '../../src/mcapi/index.js';
import type { McapiLimits, McapiNode, PacketRecvHandle, PacketSendHandle } from '../../src/mcapi/index.js';
import type { NetFrame } from '../../src/net/net.js';
import { Credits } from '../../src/mcapi/credits.js';
import { makeNodes } from './loopnet.js';
import type { LoopHub } from './loopnet.js';

/** Ports: A's send side a:10 -> receive side b:20; B's send side b:21 -> receive side a:11. */
interface Pair {
  hub: LoopHub;
  a: McapiNode;
  b: McapiNode;
  /** a -> b */
  sA: PacketSendHandle;
  rA: PacketRecvHandle;
  /** b -> a */
  sB: PacketSendHandle;
  rB: PacketRecvHandle;
}

async function pair(buffers: number, sameNode = false, limits: Partial<McapiLimits> = {}): Promise<Pair> {
  const { hub, nodes } = makeNodes(2, { maxChannelBufferBytes: 1 << 20, ...limits });
  const a = nodes[0]!;
  const b = sameNode ? a : nodes[1]!;
  const bNode = sameNode ? 1 : 2;
  const s10 = a.createEndpoint(10);
  const r11 = a.createEndpoint(11);
  const r20 = b.createEndpoint(20);
  const s21 = b.createEndpoint(21);
  b.setEndpointAttribute(r20, EndpointAttr.NUM_RECV_BUFFERS, buffers);
  a.setEndpointAttribute(r11, EndpointAttr.NUM_RECV_BUFFERS, buffers);
  const to20 = await hub.run(a.getEndpoint(1, bNode, 20, 100));
  const to11 = await hub.run(b.getEndpoint(1, 1, 11, 100));
  await hub.run(a.pktConnect(s10, to20, 100));
  await hub.run(b.pktConnect(s21, to11, 100));
  const [sA, rA, sB, rB] = await hub.run(Promise.all([a.pktSendOpen(s10, 100), b.pktRecvOpen(r20, 100), b.pktSendOpen(s21, 100), a.pktRecvOpen(r11, 100)]));
  return { hub, a, b, sA, rA, sB, rB };
}

function of(sent: NetFrame[], type: number): NetFrame[] {
  return sent.filter((f) => f.type === type);
}

test('a ping-pong of packets both ways returns every credit on the packets: no CREDIT frame', async (t) => {
  const { hub, a, b, sA, rA, sB, rB } = await pair(2);
  const na = hub.net(1)!;
  const nb = hub.net(2)!;
  na.record = true;
  nb.record = true;
  const rounds = 10;
  const data = new Uint8Array(300).map((_, i) => (i * 7) & 0xff);
  const ping = (async () => {
    for (let i = 0; i < rounds; i++) {
      await a.pktSend(sA, data);
      const got = await a.pktRecv(rB);
      t.deepEqual(got, data);
      a.pktRelease(got);
    }
  })();
  const pong = (async () => {
    for (let i = 0; i < rounds; i++) {
      const got = await b.pktRecv(rA);
      const echo = got.slice();
      b.pktRelease(got);
      await b.pktSend(sB, echo);
    }
  })();
  await hub.run(Promise.all([ping, pong]));
  // a's first packet owes nothing yet; every later one carries the credit of the packet a took.
  const fromA = [...of(na.sent, McapiFrame.PKT), ...of(na.sent, McapiFrame.PKT_CR)];
  t.is(fromA.length, rounds);
  t.is(of(na.sent, McapiFrame.PKT).length, 1);
  for (const f of of(na.sent, McapiFrame.PKT_CR)) {
    t.deepEqual([...f.payload.subarray(0, 7)], [1, 0, 21, 0, 11, 0, 1], 'one entry: send port 21 (at b), receive port 11 (at a), 1 credit');
    t.deepEqual(f.payload.subarray(7), data);
  }
  // b released before each echo: its credit rides on every echo.
  t.is(of(nb.sent, McapiFrame.PKT_CR).length, rounds);
  t.is(of(nb.sent, McapiFrame.PKT).length, 0);
  t.is(of(nb.sent, McapiFrame.CREDIT).length, 0, 'b sent no CREDIT frame');
  await hub.advance(5);
  // Only the credit of a's last release, with no packet to ride on, goes alone.
  t.is(of(na.sent, McapiFrame.CREDIT).length, 1);
  t.is(a.stats().creditsRidden, rounds - 1);
  t.is(b.stats().creditsRidden, rounds);
  t.is(a.getEndpointAttribute(sA.endpoint, EndpointAttr.NUM_SEND_BUFFERS), 2);
  t.is(b.getEndpointAttribute(sB.endpoint, EndpointAttr.NUM_SEND_BUFFERS), 2);
});

test('a send waiting for a credit goes as soon as the credit rides in, before the packet is taken', async (t) => {
  const { hub, a, b, sA, rA, sB, rB } = await pair(1);
  const nb = hub.net(2)!;
  nb.record = true;
  // b -> a: one credit, spent; the second send waits for it.
  await hub.run(b.pktSend(sB, new Uint8Array([1])));
  const second = b.pktSendI(sB, new Uint8Array([2]));
  t.true(second.pending);
  const got = await hub.run(a.pktRecv(rB));
  a.pktRelease(got);
  // a's packet carries that credit: b's waiting send leaves while b takes the packet.
  await hub.run(a.pktSend(sA, new Uint8Array([3])));
  t.deepEqual([...(await hub.run(b.pktRecv(rA)))], [3]);
  await hub.run(b.wait(second));
  t.deepEqual([...(await hub.run(a.pktRecv(rB)))], [2]);
  t.is(a.stats().creditFrames, 0, 'the credit went on the packet');
  t.is(of(nb.sent, McapiFrame.PKT).length, 2);
});

test('the credits are applied when the packet they ride on is refused', async (t) => {
  const { hub, a, b, sB, rB } = await pair(1);
  await hub.run(b.pktSend(sB, new Uint8Array([1])));
  t.is(b.getEndpointAttribute(sB.endpoint, EndpointAttr.NUM_SEND_BUFFERS), 0);
  const got = await hub.run(a.pktRecv(rB));
  a.pktRelease(got);
  // Before the end-of-turn flush: a PKT_CR to a port with no channel, carrying that credit.
  const nb = hub.net(2)!;
  const head = [1, 0, 21, 0, 11, 0, 1];
  const before = b.stats();
  nb.deliver({ type: McapiFrame.PKT_CR, src: 1, dst: 2, srcPort: 12, dstPort: 22, epoch: 0, payload: new Uint8Array([...head, 9, 9]) });
  t.is(b.getEndpointAttribute(sB.endpoint, EndpointAttr.NUM_SEND_BUFFERS), 1, 'the credit counted');
  t.is(b.stats().dropped, before.dropped + 1, 'the packet had nowhere to go');
  t.is(b.stats().malformed, before.malformed);
});

test('a PKT_CR without entries or shorter than its head is malformed; an entry for no channel is dropped', async (t) => {
  const { hub, b, rA } = await pair(2);
  const nb = hub.net(2)!;
  const deliver = (payload: number[]): void => {
    nb.deliver({ type: McapiFrame.PKT_CR, src: 1, dst: 2, srcPort: 10, dstPort: 20, epoch: 0, payload: new Uint8Array(payload) });
  };
  const s0 = b.stats();
  deliver([]);
  deliver([0, 5, 5]);
  deliver([2, 0, 21, 0, 11, 0, 1, 7]);
  const s1 = b.stats();
  t.is(s1.malformed, s0.malformed + 3);
  t.is(b.pktAvailable(rA), 0, 'no packet taken from a malformed frame');
  // A well-formed entry for a port with no send side here: dropped, its packet still taken.
  deliver([1, 0, 99, 0, 11, 0, 1, 7, 8]);
  t.is(b.stats().dropped, s1.dropped + 1);
  t.is(b.pktAvailable(rA), 1);
  t.deepEqual([...(await hub.run(b.pktRecv(rA)))], [7, 8]);
});

test('a packet whose credit head would not fit the frame leaves after a CREDIT frame', async (t) => {
  const size = 4096;
  // Room for the packet, not for the 7-byte head as well.
  const { hub, a, b, sA, rA, sB, rB } = await pair(1, false, { maxPayload: size, maxFramePayload: size + 3 });
  const na = hub.net(1)!;
  await hub.run(b.pktSend(sB, new Uint8Array([1])));
  const got = await hub.run(a.pktRecv(rB));
  a.pktRelease(got);
  na.record = true;
  const big = new Uint8Array(size).fill(5);
  await hub.run(a.pktSend(sA, big));
  t.deepEqual(na.sent.map((f) => f.type), [McapiFrame.CREDIT, McapiFrame.PKT]);
  const gotBig = await hub.run(b.pktRecv(rA));
  t.deepEqual(gotBig, big);
  b.pktRelease(gotBig);
  t.is(b.getEndpointAttribute(sB.endpoint, EndpointAttr.NUM_SEND_BUFFERS), 1);
  // A small packet has room: its credit rides.
  const got2 = await hub.run((async () => { await b.pktSend(sB, new Uint8Array([2])); return a.pktRecv(rB); })());
  a.pktRelease(got2);
  na.record = true;
  na.sent.length = 0;
  await hub.run(a.pktSend(sA, new Uint8Array([3])));
  t.deepEqual(na.sent.map((f) => f.type), [McapiFrame.PKT_CR]);
});

type Op = 'sendA' | 'recvA' | 'releaseA' | 'sendB' | 'recvB' | 'releaseB' | 'tick';

test('two channels in opposite directions: order, intact held buffers, conserved credits, credits riding', async (t) => {
  let rode = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 4 }),
      fc.boolean(),
      fc.array(fc.constantFrom<Op>('sendA', 'recvA', 'releaseA', 'sendB', 'recvB', 'releaseB', 'tick'), { minLength: 10, maxLength: 90 }),
      async (buffers, sameNode, ops) => {
        const p = await pair(buffers, sameNode);
        const { hub } = p;
        // One side per direction: [sender, receiver, send handle, receive handle].
        const sides = {
          A: { from: p.a, to: p.b, s: p.sA, r: p.rA, sent: 0, received: 0, held: [] as [Uint8Array, number][], sends: [] as Promise<void>[] },
          B: { from: p.b, to: p.a, s: p.sB, r: p.rB, sent: 0, received: 0, held: [] as [Uint8Array, number][], sends: [] as Promise<void>[] },
        };
        const pkt = (dir: string, i: number): Uint8Array => {
          const n = 1 + ((i * 53) % 120);
          const q = new Uint8Array(n).fill((i + (dir === 'A' ? 0 : 128)) & 0xff);
          return q;
        };
        for (const op of ops) {
          if (op === 'tick') {
            await hub.advance(1);
            continue;
          }
          const dir = op.endsWith('A') ? 'A' : 'B';
          const d = sides[dir];
          if (op.startsWith('send')) {
            d.sends.push(d.from.pktSend(d.s, pkt(dir, d.sent++)));
          } else if (op.startsWith('recv') && d.to.pktAvailable(d.r) > 0) {
            const buf = await hub.run(d.to.pktRecv(d.r));
            const want = pkt(dir, d.received++);
            if (buf.length !== want.length || buf[0] !== want[0]) throw new Error(`${dir}: packet ${String(d.received - 1)} out of order or damaged`);
            d.held.push([buf, d.received - 1]);
          } else if (op.startsWith('release') && d.held.length > 0) {
            const [buf, i] = d.held.shift()!;
            const want = pkt(dir, i);
            if (buf[0] !== want[0] || buf[buf.length - 1] !== want[0]) throw new Error(`${dir}: held buffer ${String(i)} was overwritten`);
            d.to.pktRelease(buf);
          }
          for (const s of [sides.A, sides.B]) {
            if (s.held.length + s.to.pktAvailable(s.r) > buffers) throw new Error('more packets held than buffers granted');
          }
        }
        for (const d of [sides.A, sides.B]) {
          for (const [buf] of d.held.splice(0)) d.to.pktRelease(buf);
        }
        // Drain both directions, alternately, so each side's credits can ride on the other's packets.
        while (sides.A.received < sides.A.sent || sides.B.received < sides.B.sent) {
          for (const [dir, d] of Object.entries(sides)) {
            if (d.received >= d.sent) continue;
            const buf = await hub.run(d.to.pktRecv(d.r));
            if (buf[0] !== pkt(dir, d.received)[0]) throw new Error(`${dir}: order at drain`);
            d.received++;
            d.to.pktRelease(buf);
          }
        }
        await hub.run(Promise.all([...sides.A.sends, ...sides.B.sends]));
        // Held credits (fewer than half the buffers owed) go within two Credits.HOLD_MS periods.
        await hub.advance(2 * Credits.HOLD_MS + 5);
        for (const [dir, d] of Object.entries(sides)) {
          const credits = d.from.getEndpointAttribute(d.s.endpoint, EndpointAttr.NUM_SEND_BUFFERS);
          if (credits !== buffers) throw new Error(`${dir}: credits ${String(credits)} after quiescence, granted ${String(buffers)}`);
        }
        if (p.a.stats().packetsInUse !== 0 || p.b.stats().packetsInUse !== 0) throw new Error('buffers still in use');
        if (p.a.stats().malformed !== 0 || p.b.stats().malformed !== 0) throw new Error('a frame was malformed');
        rode += p.a.stats().creditsRidden + (sameNode ? 0 : p.b.stats().creditsRidden);
      },
    ),
    { seed: 12, numRuns: 150 },
  );
  t.true(rode > 0, 'credits rode on packets in some runs');
});

test('message responses batched for a node go before a packet to it, whether they wait for the end of the turn or for an acceptance delay', async (t) => {
  // Core.flushWant and Core.respDelayed (peers whose acceptance waits for a delay) let a packet skip the flush before it when
  // nothing is batched: here something is, both ways it can be (end of turn; a delay timer).
  for (const delay of [0, 50]) {
    const { hub, a, b, sB } = await pair(2);
    const ea = a.createEndpoint(30);
    const eb = b.createEndpoint(31);
    if (delay > 0) b.setEndpointAttribute(eb, EndpointAttr.ACCEPT_ACK_DELAY, delay);
    const toB = await hub.run(a.getEndpoint(1, 2, 31, 100));
    await hub.advance(5);
    const nb = hub.net(2)!;
    nb.record = true;
    // b sends a packet to a in the very turn it takes a's message (its acceptance batched for a).
    let packet: ReturnType<McapiNode['pktSendI']> | undefined;
    const deliver = nb.deliver.bind(nb);
    nb.deliver = (f: NetFrame): void => {
      deliver(f);
      if (f.type === McapiFrame.MSG && packet === undefined) packet = b.pktSendI(sB, new Uint8Array([1, 2]));
    };
    const buf = new Uint8Array(4);
    await hub.run(Promise.all([a.msgSend(ea, toB, new Uint8Array([7])), b.msgRecv(eb, buf)]));
    if (packet === undefined) throw new Error('the message never arrived');
    await hub.run(b.wait(packet));
    const types = nb.sent.map((f) => f.type);
    const resp = types.indexOf(McapiFrame.MSG_RESP);
    const pkt = types.findIndex((ty) => ty === McapiFrame.PKT || ty === McapiFrame.PKT_CR);
    t.true(resp >= 0 && pkt > resp, `delay ${delay}: MSG_RESP before the packet (${types.join(',')})`);
    // Nothing left batched: a later packet goes alone, and no MSG_RESP follows at the end of the turn or the delay.
    nb.sent.length = 0;
    await hub.run(b.pktSend(sB, new Uint8Array([3])));
    await hub.advance(delay + 10);
    t.deepEqual(nb.sent.map((f) => f.type).filter((ty) => ty === McapiFrame.MSG_RESP), [], `delay ${delay}: the acceptance went once`);
  }
});

test('a ping-pong whose receiver releases after its echo holds the credit for the next echo: no CREDIT frame either way', async (t) => {
  // 4 buffers: one owed is fewer than half, so it is held (the bench's echo order: send, then release).
  const { hub, a, b, sA, rA, sB, rB } = await pair(4);
  const na = hub.net(1)!;
  const nb = hub.net(2)!;
  na.record = true;
  nb.record = true;
  const rounds = 10;
  const data = new Uint8Array(300).map((_, i) => (i * 5) & 0xff);
  const ping = (async () => {
    for (let i = 0; i < rounds; i++) {
      await a.pktSend(sA, data);
      a.pktRelease(await a.pktRecv(rB));
    }
  })();
  const pong = (async () => {
    for (let i = 0; i < rounds; i++) {
      const got = await b.pktRecv(rA);
      await b.pktSend(sB, got);
      b.pktRelease(got);
    }
  })();
  await hub.run(Promise.all([ping, pong]));
  // Every echo after the first carries the credit of the packet b released after the previous one.
  t.is(of(nb.sent, McapiFrame.PKT).length, 1);
  const echoes = of(nb.sent, McapiFrame.PKT_CR);
  t.is(echoes.length, rounds - 1);
  for (const f of echoes) t.deepEqual([...f.payload.subarray(0, 7)], [1, 0, 10, 0, 20, 0, 1], 'send port 10 (at a), receive port 20 (at b), 1 credit');
  t.is(of(nb.sent, McapiFrame.CREDIT).length, 0, 'b sent no CREDIT frame during the ping-pong');
  t.is(of(na.sent, McapiFrame.CREDIT).length, 0, 'a sent no CREDIT frame during the ping-pong');
  t.is(a.getEndpointAttribute(sA.endpoint, EndpointAttr.NUM_SEND_BUFFERS), 3, "b holds the credit of a's last packet");
  // Nothing more goes to a: the held credits go in CREDIT frames once held through a whole hold period.
  await hub.advance(Credits.HOLD_MS - 20);
  t.is(of(nb.sent, McapiFrame.CREDIT).length, 0, 'still held before HOLD_MS');
  await hub.advance(Credits.HOLD_MS + 30);
  t.is(of(nb.sent, McapiFrame.CREDIT).length, 1);
  t.is(of(na.sent, McapiFrame.CREDIT).length, 1);
  t.is(a.getEndpointAttribute(sA.endpoint, EndpointAttr.NUM_SEND_BUFFERS), 4);
  t.is(b.getEndpointAttribute(sB.endpoint, EndpointAttr.NUM_SEND_BUFFERS), 4);
});

test('credits go at the end of the turn once half the buffers are owed, and on a channel of one or two buffers at once', async (t) => {
  for (const [buffers, heldUpTo] of [[6, 2], [5, 2], [2, 0], [1, 0]] as const) {
    const { hub, a, b, sA, rA } = await pair(buffers);
    const nb = hub.net(2)!;
    nb.record = true;
    for (let i = 0; i < buffers; i++) await hub.run(a.pktSend(sA, new Uint8Array([i])));
    t.is(a.getEndpointAttribute(sA.endpoint, EndpointAttr.NUM_SEND_BUFFERS), 0);
    // b takes and releases one at a time: held while fewer than half are owed, then all go.
    for (let i = 0; i < buffers; i++) {
      b.pktRelease(await hub.run(b.pktRecv(rA)));
      await hub.advance(1);
      const back = a.getEndpointAttribute(sA.endpoint, EndpointAttr.NUM_SEND_BUFFERS);
      if (i + 1 <= heldUpTo) t.is(back, 0, `${String(buffers)} buffers, ${String(i + 1)} released: held`);
      else if (i + 1 === heldUpTo + 1) t.is(back, heldUpTo + 1, `${String(buffers)} buffers, ${String(i + 1)} released: all owed go`);
    }
    t.is(of(nb.sent, McapiFrame.PKT).length + of(nb.sent, McapiFrame.PKT_CR).length, 0);
  }
});

test('a sender out of credits whose receiver stopped releasing below half gets the held credit within two HOLD_MS periods', async (t) => {
  const { hub, a, b, sA, rA } = await pair(4);
  for (let i = 0; i < 4; i++) await hub.run(a.pktSend(sA, new Uint8Array([i])));
  const fifth = a.pktSendI(sA, new Uint8Array([4]));
  t.true(fifth.pending);
  // b's application takes one packet, releases it, and takes no other for now.
  b.pktRelease(await hub.run(b.pktRecv(rA)));
  await hub.advance(Credits.HOLD_MS - 10);
  t.true(fifth.pending, 'the credit is held');
  await hub.advance(Credits.HOLD_MS + 20);
  t.false(fifth.pending, 'the held credit went when the hold timer fired');
  await hub.run(a.wait(fifth));
  for (let i = 1; i <= 4; i++) t.deepEqual([...(await hub.run(b.pktRecv(rA)))], [i]);
});

test('a ping-pong slower than the hold period: the credit held since the period began waits for the next period and rides', async (t) => {
  // 30 ms between rounds, 20 rounds: the hold timer fires twice during the ping-pong, each time
  // with a credit released in its own period (a's or b's latest): none goes as a CREDIT frame.
  const { hub, a, b, sA, rA, sB, rB } = await pair(4);
  const na = hub.net(1)!;
  const nb = hub.net(2)!;
  na.record = true;
  nb.record = true;
  const rounds = 20;
  const data = new Uint8Array([1, 2, 3]);
  for (let i = 0; i < rounds; i++) {
    await hub.run(a.pktSend(sA, data));
    const got = await hub.run(b.pktRecv(rA));
    await hub.run(b.pktSend(sB, got));
    b.pktRelease(got);
    a.pktRelease(await hub.run(a.pktRecv(rB)));
    await hub.advance(30);
  }
  t.true(rounds * 30 > 2 * Credits.HOLD_MS, 'the hold timer fired during the ping-pong');
  t.is(of(nb.sent, McapiFrame.CREDIT).length, 0, 'b sent no CREDIT frame');
  t.is(of(na.sent, McapiFrame.CREDIT).length, 0, 'a sent no CREDIT frame');
  t.is(b.stats().creditsRidden, rounds - 1);
  t.is(a.stats().creditsRidden, rounds - 1);
});
