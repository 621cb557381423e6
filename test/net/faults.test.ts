import test from 'ava';
import fc from 'fast-check';
import type { HalLink } from '../../src/hal.js';
import { NetLayer } from '../../src/net/net-layer.js';
import { FrameCodec, emptyFrame } from '../../src/wire/frame.js';
import { cobsEncode, cobsEncodedLength } from '../../src/wire/cobs.js';
import { NodeClock, TestNetwork } from './harness.js';
import { Prng } from '../../src/util/prng.js';
import { InvariantError, assert } from '../../src/util/assert.js';
import { VirtualClock } from '../../host-sim/sim/event-queue.js';
import { intact, isRange, receivedFrom, startSender } from './traffic.js';

/** `bytes` COBS-encoded between two delimiters, as a stream link frames anything it sends. */
function cobsFramed(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + cobsEncodedLength(bytes.length));
  return out.subarray(0, 1 + cobsEncode(bytes, out, 1));
}

function pair(kind: 'stream' | 'datagram' = 'stream', seed = 31, net = {}): TestNetwork {
  const n = new TestNetwork({ seed, net });
  n.addNodes([1, 2]);
  n.connect(1, 2, kind, { latencyMs: 1 });
  n.start();
  n.runUntil(() => n.converged(), 5_000);
  return n;
}

test('stale-epoch frames are dropped at delivery and counted; routing is exempt; forwarders do not filter', (t) => {
  const net = new TestNetwork({ seed: 32 });
  net.addNodes([1, 2, 3]);
  net.line([1, 2, 3]);
  net.start();
  t.true(net.runUntil(() => net.converged(), 5_000));
  net.net(3).epoch = 5;
  net.net(2).epoch = 9; // the forwarder is ahead of both: it must not filter
  startSender(net, 1, 3, 10);
  net.run(500);
  t.is(net.node(3).received.length, 0);
  t.is(net.net(3).stats().stale, 10);
  t.is(net.net(2).stats().stale, 0);
  t.true(net.net(2).stats().forwarded >= 10);
  // Routing frames still flow at any epoch: take the line down and up again.
  net.wiresBetween(2, 3)[0].up = false;
  t.true(net.runUntil(() => !net.net(1).reachable(3), 10_000));
  net.wiresBetween(2, 3)[0].up = true;
  t.true(net.runUntil(() => net.converged(), 10_000), 'reconverged across epochs 0, 9, 5');
  net.net(1).epoch = 5;
  startSender(net, 1, 3, 10, { port: 2 });
  net.net(2).epoch = 0;
  t.true(net.runUntil(() => net.node(3).received.length === 10, 2_000));
  t.true(net.node(3).received.every((f) => f.epoch === 5));
  // A newer epoch than the receiver's is delivered.
  net.net(1).epoch = 6;
  startSender(net, 1, 3, 1, { port: 3 });
  t.true(net.runUntil(() => net.node(3).received.length === 11, 2_000));
});

for (const kind of ['stream', 'datagram'] as const) {
  test(`${kind}: random garbage into a link is counted, never throws, and the link keeps working`, (t) => {
    const net = pair(kind, 33);
    const link = net.node(2).links[0];
    const rng = new Prng(7);
    for (let i = 0; i < 300; i++) {
      const junk = new Uint8Array(1 + rng.below(kind === 'stream' ? 300 : 80));
      for (let k = 0; k < junk.length; k++) junk[k] = rng.below(256);
      if (i % 3 === 0) junk[rng.below(junk.length)] = 0; // some delimiters in the stream
      t.notThrows(() => link.receiver?.input(junk));
      // Random bytes rarely form a valid COBS block (whether any do depends on the generator's
      // sequence): some well-framed garbage makes sure the frame decoder sees junk too.
      if (kind === 'stream' && i % 10 === 0) t.notThrows(() => link.receiver?.input(cobsFramed(junk)));
    }
    const l = net.net(2).linkStats()[0];
    t.true(l.malformed + l.garbage + l.overruns > 0);
    t.true(net.net(2).stats().malformed > 0);
    startSender(net, 1, 2, 30);
    t.true(net.runUntil(() => net.node(2).received.length === 30, 10_000));
    t.true(isRange(receivedFrom(net, 2, 1), 30));
  });
}

test('well-formed frames with bad contents are dropped and counted, not thrown', (t) => {
  const net = pair('datagram', 34);
  const link = net.node(2).links[0];
  const codec = new FrameCodec();
  const send = (f: Partial<ReturnType<typeof emptyFrame>>): void => {
    link.receiver?.input(codec.encode({ ...emptyFrame(), domain: 1, src: 1, dst: 2, ttl: 1, ...f }));
  };
  const before = net.net(2).stats();
  send({ type: 0x02, payload: Uint8Array.of(1, 2) }); // HELLO too short
  send({ type: 0x02, payload: new Uint8Array(9) }); // HELLO with session 0
  send({ type: 0x10, ttl: 0 }); // ttl 0
  send({ type: 0x10, domain: 7 }); // another domain
  send({ type: 0x10 }); // unsequenced data
  send({ type: 0x03, flags: 3, lseq: 200, payload: Uint8Array.of(1, 0, 0, 0, 2, 5, 3) }); // LSA out of window
  const after = net.net(2).stats();
  t.is(after.malformed - before.malformed, 4);
  t.is(after.wrongDomain - before.wrongDomain, 1);
  t.is(after.duplicates - before.duplicates, 1);
  t.deepEqual(net.net(2).nodes(), [1, 2]);
});

test('issue 11 defect 8: a NO_CRC datagram frame with a non-zero CRC field is dropped and counted', (t) => {
  const net = pair('datagram', 35);
  const link = net.node(2).links[0];
  const codec = new FrameCodec();
  const frame = (crcField: number): Uint8Array => {
    const b = codec.encode({ ...emptyFrame(), domain: 1, src: 1, dst: 2, ttl: 1, type: 0x10 });
    codec.seal(b, false);
    b[b.length - 2] = crcField;
    return b;
  };
  const before = net.net(2).stats();
  link.receiver?.input(frame(0x33));
  const mid = net.net(2).stats();
  t.is(mid.malformed - before.malformed, 1, 'dropped and counted as malformed');
  t.is(mid.framesIn - before.framesIn, 0, 'not taken in');
  link.receiver?.input(frame(0));
  t.is(net.net(2).stats().framesIn - mid.framesIn, 1, 'with a zero field the same frame is taken in');
});

test('fast-check: any bytes into a fresh NetLayer on either link kind never throw', (t) => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 120 }), { maxLength: 20 }), fc.boolean(), (chunks, stream) => {
      const loop = new VirtualClock();
      const rng = new Prng(1);
      const link: HalLink = { index: 0, kind: stream ? 'stream' : 'datagram', mtu: 65535, write: () => {}, receiver: null };
      const n = new NetLayer([link], new NodeClock(loop), { domain: 1, node: 1, host: { random: () => rng.random() } });
      n.start();
      for (const c of chunks) link.receiver?.input(c);
      loop.runUntilTime(3_000);
      n.stop();
      return n.stats().delivered === 0;
    }),
    { seed: 35, numRuns: 150 },
  );
  t.pass();
});

test('a link that gets no acks goes down after maxRetries, drops its queue, and comes back up', (t) => {
  const net = pair('stream', 36, { deadMs: 600_000, maxRetries: 3, rtoMs: 50, maxRtoMs: 200 });
  net.net(2).setIngressFault({ drop: 1 }); // 2 hears nothing: 1 gets no acks
  startSender(net, 1, 2, 20);
  t.true(net.runUntil(() => !net.net(1).linkStats()[0].up, 10_000));
  const l = net.net(1).linkStats()[0];
  t.is(l.downs, 1);
  t.true(l.dropped > 0);
  t.true(net.net(1).stats().linkDropped > 0);
  t.deepEqual(net.net(1).nodes(), [1]);
  t.true(net.net(2).stats().faultDropped > 0);
  net.net(2).setIngressFault(null);
  t.true(net.runUntil(() => net.converged() && net.net(1).linkStats()[0].up, 10_000));
  t.is(net.net(1).linkStats()[0].ups, 2);
  startSender(net, 1, 2, 5, { port: 9 });
  t.true(net.runUntil(() => receivedFrom(net, 2, 1, 9).length === 5, 5_000));
});

test('a silent neighbour is declared gone after deadMs', (t) => {
  const net = pair('datagram', 37, { helloMs: 100, deadMs: 400 });
  net.kill(2);
  const t0 = net.now;
  t.true(net.runUntil(() => !net.net(1).linkStats()[0].up, 5_000));
  t.true(net.now - t0 <= 400 + 100 + 1);
  t.deepEqual(net.net(1).nodes(), [1]);
});

test('ingress faults: drop and corrupt keep delivery exactly-once; counters move', (t) => {
  const net = pair('stream', 38);
  net.net(2).setIngressFault({ drop: 0.2, corrupt: 0.1 });
  net.net(1).setIngressFault({ drop: 0.1 });
  startSender(net, 1, 2, 200);
  t.true(net.runUntil(() => net.node(2).received.length === 200, 60_000));
  net.run(1_000);
  t.true(isRange(receivedFrom(net, 2, 1), 200));
  t.true(net.node(2).received.every((f) => intact(f.payload)));
  const s = net.net(2).stats();
  t.true(s.faultDropped > 0);
  t.true(s.malformed > 0);
  t.deepEqual(net.net(2).ingressFault()?.blockNodes, []);
});

test('ingress delay adds latency and keeps order', (t) => {
  const net = pair('datagram', 39);
  net.net(2).setIngressFault({ delayMs: 40 });
  const t0 = net.now;
  startSender(net, 1, 2, 1);
  t.true(net.runUntil(() => net.node(2).received.length === 1, 1_000));
  t.true(net.now - t0 >= 41 - 1e-9, `took ${net.now - t0}`);
  startSender(net, 1, 2, 30, { port: 4 });
  net.net(2).setIngressFault(null); // frames already delayed keep their place
  t.true(net.runUntil(() => receivedFrom(net, 2, 1, 4).length === 30, 5_000));
  t.true(isRange(receivedFrom(net, 2, 1, 4), 30));
});

test('blockNodes partitions: the blocked neighbour goes away, routes avoid it, and it comes back when lifted', (t) => {
  const net = new TestNetwork({ seed: 40, net: { helloMs: 100 } });
  net.addNodes([1, 2, 3]);
  net.ring([1, 2, 3]);
  net.start();
  t.true(net.runUntil(() => net.converged(), 5_000));
  // Partition 1 from 2 both ways: 3 still connects them.
  net.net(1).setIngressFault({ blockNodes: [2] });
  net.net(2).setIngressFault({ blockNodes: [1] });
  t.true(net.runUntil(() => net.net(1).nextHop(2)?.node === 3 && net.net(2).nextHop(1)?.node === 3, 5_000));
  t.true(net.net(1).stats().faultDropped > 0);
  // Frames from 2 are blocked at 1 wherever they come from (2 -> 3 -> 1 is dropped at 1), but
  // the link from 3 keeps working: the drop happens after its sequence took the frame.
  startSender(net, 2, 1, 5);
  startSender(net, 3, 1, 5);
  t.true(net.runUntil(() => net.node(1).received.length === 5, 2_000));
  net.run(1_000);
  t.deepEqual(receivedFrom(net, 1, 2), []);
  t.true(isRange(receivedFrom(net, 1, 3), 5));
  t.true(net.net(3).stats().forwarded >= 5, '3 forwarded them');
  t.true(net.net(2).stats().e2eResent > 0, '2 resends end to end what the partition discarded');
  net.net(1).setIngressFault(null);
  net.net(2).setIngressFault(null);
  t.true(net.runUntil(() => net.net(1).nextHop(2)?.node === 2, 5_000));
  // Healed: 2's frames, discarded during the partition, arrive — all, in order, once.
  t.true(net.runUntil(() => receivedFrom(net, 1, 2).length === 5, 20_000));
  net.run(2_000);
  t.true(isRange(receivedFrom(net, 1, 2), 5));
  t.is(net.net(2).unacknowledged(), 0, 'and 1 acknowledged them end to end');
});

test('option and argument validation names the field', (t) => {
  const loop = new VirtualClock();
  const clock = new NodeClock(loop);
  const random = (): number => 0.5;
  const link = (kind: 'stream' | 'datagram', mtu: number): HalLink => ({ index: 0, kind, mtu, write: () => {}, receiver: null });
  t.throws(() => new NetLayer([], clock, { domain: 1, node: 255, host: { random } }), { message: /node/ });
  t.throws(() => new NetLayer([], clock, { domain: 256, node: 1, host: { random } }), { message: /domain/ });
  t.throws(() => new NetLayer([], clock, { domain: 1, node: 1, host: { random }, window: 200 }), { message: /window/ });
  t.throws(() => new NetLayer([], clock, { domain: 1, node: 1, host: { random }, maxPayload: 100 }), { message: /maxPayload/ });
  t.throws(() => new NetLayer([], clock, { domain: 1, node: 1, host: { random }, rtoMs: -1 }), { message: /rtoMs/ });
  t.throws(() => new NetLayer([link('datagram', 1500)], clock, { domain: 1, node: 1, host: { random } }), { message: /links\[0\]\.mtu/ });
  t.notThrows(() => new NetLayer([link('datagram', 1500)], clock, { domain: 1, node: 1, host: { random }, maxPayload: 1400 }));
  t.notThrows(() => new NetLayer([link('stream', 64)], clock, { domain: 1, node: 1, host: { random } }));
  // The host is one object of methods (NetHost): without random(), or with a hook that is not a method, it is refused.
  t.throws(() => new NetLayer([], clock, { domain: 1, node: 1, host: {} as { random(): number } }), { message: /net option host must be an object with a random\(\) method/ });
  t.throws(() => new NetLayer([], clock, { domain: 1, node: 1, host: null as unknown as { random(): number } }), { message: /net option host/ });
  t.throws(() => new NetLayer([], clock, { domain: 1, node: 1, host: { random, log: 5 } as unknown as { random(): number } }), { message: /net option host\.log must be a method/ });
  const n = new NetLayer([], clock, { domain: 1, node: 1, host: { random } });
  const ok = { type: 0x10, dst: 2, srcPort: 0, dstPort: 0, payload: new Uint8Array(0) };
  t.throws(() => n.send({ ...ok, type: 0x03 }), { message: /frame\.type/ });
  t.throws(() => n.send({ ...ok, dst: 300 }), { message: /frame\.dst/ });
  t.throws(() => n.send({ ...ok, dstPort: 70000 }), { message: /frame\.dstPort/ });
  t.throws(() => n.send({ ...ok, payload: new Uint8Array(5000) }), { message: /maxPayload/ });
  t.throws(() => n.register(0x00, 0x20, () => {}), { message: /first/ });
  t.throws(() => n.register(0x30, 0x20, () => {}), { message: /last/ });
  t.throws(() => n.setIngressFault({ drop: 2 }), { message: /drop/ });
  t.throws(() => n.setIngressFault({ blockNodes: [255] }), { message: /blockNodes/ });
  t.throws(() => n.setIngressFault({ delayMs: -1 }), { message: /delayMs/ });
});

test('a throwing handler is counted and logged; other handlers and later frames still get through', (t) => {
  const logs: string[] = [];
  const net = new TestNetwork({ seed: 41, log: (_l, m) => logs.push(m) });
  net.addNodes([1, 2]);
  net.connect(1, 2);
  net.start();
  net.net(2).register(0x70, 0x70, () => {
    throw new Error('app bug');
  });
  t.true(net.runUntil(() => net.converged(), 5_000));
  startSender(net, 1, 2, 3);
  t.true(net.runUntil(() => net.node(2).received.length === 3, 2_000));
  t.is(net.net(2).stats().handlerErrors, 3);
  t.regex(logs[0], /app bug/);
});

test('the only registration (UpperLayers.deliver calls it itself): its errors counted and logged, later frames delivered, an InvariantError stops, other types unhandled', (t) => {
  const logs: string[] = [];
  const net = new TestNetwork({ seed: 43, record: false, log: (_l, m) => logs.push(m) });
  net.addNodes([1, 2]);
  net.connect(1, 2);
  net.start();
  const got: number[] = [];
  net.net(2).register(0x70, 0x70, (f) => {
    got.push(f.payload[0]!);
    if (got.length % 2 === 1) throw new Error('app bug');
  });
  t.true(net.runUntil(() => net.converged(), 5_000));
  startSender(net, 1, 2, 4, { type: 0x70 });
  t.true(net.runUntil(() => got.length === 4, 2_000));
  const st = net.net(2).stats();
  t.is(st.handlerErrors, 2);
  t.is(st.delivered, 4);
  t.is(logs.filter((m) => /0x70|112\.\.112.*app bug/.test(m)).length, 2);
  // A type nobody registered: unhandled, not delivered.
  startSender(net, 1, 2, 1, { type: 0x71 });
  t.true(net.runUntil(() => net.net(2).stats().unhandled === 1, 2_000));
  t.is(net.net(2).stats().delivered, 4);
  // A broken invariant is not an upper layer's error: it propagates out of the receive.
  const n3 = new TestNetwork({ seed: 44, record: false });
  n3.addNodes([1, 2]);
  n3.connect(1, 2);
  n3.start();
  n3.net(2).register(0x70, 0x70, () => assert(false, 'broken'));
  t.true(n3.runUntil(() => n3.converged(), 5_000));
  startSender(n3, 1, 2, 1, { type: 0x70 });
  t.throws(() => n3.runUntil(() => false, 500), { instanceOf: InvariantError });
});

test('a hand-written peer speaking the documented protocol: HELLO handshake, LSA, data, ack', (t) => {
  const loop = new VirtualClock();
  const rng = new Prng(3);
  const codec = new FrameCodec();
  const sent: ReturnType<typeof emptyFrame>[] = [];
  const link: HalLink = {
    index: 0, kind: 'datagram', mtu: 65535, receiver: null,
    write: (bytes) => {
      const f = emptyFrame();
      // A datagram link: frames go NO_CRC (flag bit 2, CRC field zero) unless datagramCrc is set.
      t.is(bytes[0]! & 0x04, 0x04);
      t.is(codec.decode(bytes, f, true, true), 'ok');
      sent.push({ ...f, payload: f.payload.slice() });
    },
  };
  const got: number[][] = [];
  const n = new NetLayer([link], new NodeClock(loop), { domain: 1, node: 1, host: { random: () => rng.random() }, ackDelayMs: 5 });
  n.register(0x10, 0x10, (f) => got.push([f.src, f.srcPort, ...f.payload]));
  n.start();
  const hello = sent.find((f) => f.type === 0x02);
  t.truthy(hello);
  const theirSession = new DataView(hello!.payload.buffer).getUint32(0, true);
  const u32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
  // Unicast upper-layer payloads start with the end-to-end prefix (§8): stream, seq, ack stream, ack.
  const e2e = (seq: number, ...data: number[]): Uint8Array => Uint8Array.from([...u32(0x11223344), seq, 0, 0, 0, 0, 0, 0, 0, ...data]);
  const put = (f: Partial<ReturnType<typeof emptyFrame>>): void => {
    link.receiver?.input(codec.encode({ ...emptyFrame(), domain: 1, src: 7, dst: 255, ttl: 1, ...f }));
  };
  // 1. We say HELLO (session 0xabcdef01, heard nothing): it answers at once, echoing us.
  sent.length = 0;
  put({ type: 0x02, payload: Uint8Array.from([...u32(0xabcdef01), 0, 0, 0, 0, 3]) });
  const reply = sent.find((f) => f.type === 0x02);
  t.deepEqual(Array.from(reply!.payload.subarray(4, 8)), u32(0xabcdef01));
  t.false(n.linkStats()[0].up);
  // 2. We echo its session: the link is up, and it floods its LSA to us (sequenced, lseq 0).
  sent.length = 0;
  put({ type: 0x02, payload: Uint8Array.from([...u32(0xabcdef01), ...u32(theirSession), 3]) });
  t.true(n.linkStats()[0].up);
  const lsa = sent.find((f) => f.type === 0x03);
  t.truthy(lsa);
  t.is(lsa!.flags, 3);
  t.is(lsa!.lseq, 0);
  t.is(lsa!.src, 1);
  t.deepEqual(Array.from(lsa!.payload.subarray(4)), [1, 7], 'k = 1, neighbour 7');
  // 3. Our LSA (seq 1, neighbour 1), acking theirs: node 7 becomes reachable.
  put({ type: 0x03, flags: 3, lseq: 0, lack: 1, src: 7, payload: Uint8Array.of(1, 0, 0, 0, 1, 1) });
  t.deepEqual(n.nodes(), [1, 7]);
  t.is(n.linkStats()[0].inflight, 0, 'our ack covered its LSA');
  // 4. A data frame (lseq 1) is delivered; a standalone LINK_ACK with lack 2 follows within ackDelayMs.
  sent.length = 0;
  put({ type: 0x10, flags: 3, lseq: 1, lack: 1, src: 7, dst: 1, ttl: 16, srcPort: 4, payload: e2e(0, 42) });
  t.deepEqual(got, [[7, 4, 42]]);
  loop.runUntilTime(loop.now() + 5);
  const ack = sent.find((f) => f.type === 0x01);
  t.truthy(ack);
  t.is(ack!.flags, 1);
  t.is(ack!.lack, 2);
  t.is(ack!.dst, 7);
  // 5. The same frame again is a duplicate: not delivered, acked at once.
  sent.length = 0;
  put({ type: 0x10, flags: 3, lseq: 1, lack: 1, src: 7, dst: 1, ttl: 16, srcPort: 4, payload: e2e(0, 42) });
  t.is(got.length, 1);
  t.is(n.stats().duplicates, 1);
  t.is(sent.find((f) => f.type === 0x01)?.lack, 2);
  // 6. It sends to us: lseq 1 on its side, carrying our lack.
  sent.length = 0;
  t.true(n.send({ type: 0x10, dst: 7, srcPort: 1, dstPort: 2, payload: Uint8Array.of(9) }));
  const data = sent.find((f) => f.type === 0x10);
  t.deepEqual([data!.flags, data!.lseq, data!.lack, data!.src, data!.dst, data!.ttl], [3, 1, 2, 1, 7, 16]);
  // Its prefix: its own stream (≠ 0), seq 0, and the ack of our stream riding along (next: 1).
  t.not(new DataView(data!.payload.buffer).getUint32(0, true), 0);
  t.deepEqual(Array.from(data!.payload.subarray(4, 13)), [0, 0, ...u32(0x11223344), 1, 0, 9]);
  // 7. Selective acks, receiving: we skip lseq 2 and send 3. It holds 3 and says so at once:
  // lack 2, bitmap bit 0 (lseq 3).
  sent.length = 0;
  put({ type: 0x10, flags: 3, lseq: 3, lack: 1, src: 7, dst: 1, ttl: 16, srcPort: 4, payload: e2e(2, 44) });
  t.is(got.length, 1, 'held, not delivered');
  const sack = sent.find((f) => f.type === 0x01);
  t.deepEqual([sack!.lack, ...sack!.payload], [2, 0x01]);
  put({ type: 0x10, flags: 3, lseq: 2, lack: 1, src: 7, dst: 1, ttl: 16, srcPort: 4, payload: e2e(1, 43) });
  t.deepEqual(got.map((g) => g[2]), [42, 43, 44], 'the gap filled: both delivered in order');
  // 8. Selective acks, sending: it has lseq 1 in flight; three more go out (2, 3, 4). We ack 1
  // and report holding 3 and 4 (bits 0 and 1): it resends 2 at once, without waiting for a timeout.
  for (const b of [10, 11, 12]) t.true(n.send({ type: 0x10, dst: 7, srcPort: 1, dstPort: 2, payload: Uint8Array.of(b) }));
  t.deepEqual(sent.filter((f) => f.type === 0x10).map((f) => f.lseq), [2, 3, 4]);
  sent.length = 0;
  put({ type: 0x01, flags: 1, lack: 2, src: 7, dst: 1, payload: Uint8Array.of(0x03) });
  t.deepEqual(sent.filter((f) => f.type === 0x10).map((f) => [f.lseq, f.payload[12]]), [[2, 10]]);
  t.is(n.linkStats()[0].retransmits, 1);
  t.is(n.linkStats()[0].inflight, 3);
  put({ type: 0x01, flags: 1, lack: 5, src: 7, dst: 1 });
  t.is(n.linkStats()[0].inflight, 0);
  n.stop();
});
