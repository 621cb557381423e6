/**
 * The optional domain key (docs/PROTOCOL.md §13): SipHash-2-4 against its reference vectors,
 * then two boards on a datagram link that the test can tap: with the key they talk; forged,
 * altered and replayed frames are dropped and counted, never delivered; a board without the
 * key (or with another) cannot join.
 */
import test from 'ava';
import type { HalLink, LinkReceiver } from '../../src/hal.js';
import { NetLayer } from '../../src/net/net-layer.js';
import type { NetFrame } from '../../src/net/net.js';
import { parseDomainKey } from '../../src/wire/auth.js';
import { FLAG_AUTH, FrameCodec, TAG_SIZE, emptyFrame } from '../../src/wire/frame.js';
import { SipHash24 } from '../../src/wire/siphash.js';
import { NodeClock } from './harness.js';
import { Prng } from '../../src/util/prng.js';
import { VirtualClock } from '../../host-sim/sim/event-queue.js';

const KEY = '000102030405060708090a0b0c0d0e0f';
const OTHER = 'f0e0d0c0b0a090807060504030201000';

test('SipHash-2-4 gives the reference outputs (key 00..0f, message 00..n-1)', (t) => {
  const sip = new SipHash24(parseDomainKey(KEY));
  const hex = (n: number): string => {
    const out = new Uint8Array(8);
    sip.digest(Uint8Array.from({ length: n }, (_, i) => i), 0, n, out, 0);
    return Array.from(out, (b) => b.toString(16).padStart(2, '0')).join('');
  };
  // The paper's vectors for lengths 0 and 15; the others from an independent 64-bit implementation.
  t.is(hex(0), '310e0edd47db6f72');
  t.is(hex(15), 'e545be4961ca29a1');
  t.is(hex(16), 'db9bc2577fcc2a3f');
  t.is(hex(17), '9447be2cf5e99a69');
  t.is(hex(63), '724506eb4c328a95');
  t.is(hex(64), 'd8ca02850bc4d2ac');
  // The context words are the message's first 16 bytes.
  const out = new Uint8Array(8);
  const m = Uint8Array.from({ length: 17 }, (_, i) => i);
  sip.mac(0x03020100, 0x07060504, 0x0b0a0908, 0x0f0e0d0c, m, 16, 17, out, 0);
  t.is(Array.from(out, (b) => b.toString(16).padStart(2, '0')).join(''), '9447be2cf5e99a69');
});

test('a bad key names the field', (t) => {
  t.throws(() => parseDomainKey('abc', 'domainKey'), { message: /domainKey must be 32 hex digits/ });
  const loop = new VirtualClock();
  t.throws(() => new NetLayer([], new NodeClock(loop), { domain: 1, node: 1, host: { random: () => 0.5 }, domainKey: 'zz' }), { message: /net option domainKey/ });
});

interface Pair {
  loop: VirtualClock;
  a: NetLayer;
  b: NetLayer;
  got: NetFrame[];
  /** Every frame a wrote, as written. */
  fromA: Uint8Array[];
  inject: (bytes: Uint8Array) => void;
}

function pair(keyA: string | null, keyB: string | null, seed = 1): Pair {
  const loop = new VirtualClock();
  const clock = new NodeClock(loop);
  const rng = new Prng(seed);
  const fromA: Uint8Array[] = [];
  const la: HalLink = { index: 0, kind: 'datagram', mtu: 65535, receiver: null, write: () => {} };
  const lb: HalLink = { index: 0, kind: 'datagram', mtu: 65535, receiver: null, write: () => {} };
  la.write = (bytes) => {
    const c = bytes.slice();
    fromA.push(c);
    clock.setTimer(0.2, () => lb.receiver?.input(c));
  };
  lb.write = (bytes) => {
    const c = bytes.slice();
    clock.setTimer(0.2, () => la.receiver?.input(c));
  };
  const a = new NetLayer([la], clock, { domain: 1, node: 1, host: { random: () => rng.random() }, domainKey: keyA, helloMs: 50 });
  const b = new NetLayer([lb], clock, { domain: 1, node: 2, host: { random: () => rng.random() }, domainKey: keyB, helloMs: 50 });
  const got: NetFrame[] = [];
  b.register(0x10, 0x10, (f) => got.push(f));
  a.start();
  b.start();
  return { loop, a, b, got, fromA, inject: (bytes) => lb.receiver?.input(bytes) };
}

function send(p: Pair, value: number): void {
  if (!p.a.send({ type: 0x10, dst: 2, srcPort: 1, dstPort: 1, payload: Uint8Array.of(value) })) throw new Error('refused');
}

const dataFrames = (p: Pair): Uint8Array[] => p.fromA.filter((f) => f[1] === 0x10);

test('with the same key on both boards frames flow and carry the MAC', (t) => {
  const p = pair(KEY, KEY);
  p.loop.runUntilTime(500);
  t.deepEqual(p.a.nodes(), [1, 2]);
  for (let i = 0; i < 5; i++) send(p, i);
  p.loop.runUntilTime(1000);
  t.deepEqual(p.got.map((f) => f.payload[0]), [0, 1, 2, 3, 4]);
  t.true(p.fromA.every((f) => (f[0] & FLAG_AUTH) !== 0), 'every frame is authenticated');
  t.is(p.a.stats().authFailed + p.b.stats().authFailed, 0);
});

test('a board without the key, or with another key, cannot join', (t) => {
  for (const [ka, kb] of [[KEY, null], [null, KEY], [KEY, OTHER]] as const) {
    const p = pair(ka, kb);
    p.loop.runUntilTime(2000);
    t.deepEqual(p.a.nodes(), [1], `${String(ka)} / ${String(kb)}: a never reaches b`);
    t.deepEqual(p.b.nodes(), [2]);
    t.false(p.a.send({ type: 0x10, dst: 2, srcPort: 1, dstPort: 1, payload: Uint8Array.of(1) }));
    t.true(p.a.stats().authFailed + p.b.stats().authFailed > 0, 'the refused HELLOs are counted');
    t.is(p.got.length, 0);
  }
});

test('forged, altered and replayed frames are dropped and counted, never delivered', (t) => {
  const p = pair(KEY, KEY);
  p.loop.runUntilTime(500);
  for (let i = 0; i < 3; i++) send(p, i);
  p.loop.runUntilTime(1000);
  t.is(p.got.length, 3);
  const recorded = dataFrames(p);
  t.true(recorded.length >= 3);
  const failed = (): number => p.b.stats().authFailed;

  // Altered: one payload bit of a recorded frame flipped (a datagram: no CRC to fix).
  let before = failed();
  const inBefore = p.b.stats().framesIn;
  const altered = recorded[recorded.length - 1]!.slice();
  altered[20] ^= 0x01;
  p.inject(altered);
  t.is(failed(), before + 1);
  // Taken in (it decoded as a frame of the domain), then refused for its MAC: framesIn counts it.
  t.is(p.b.stats().framesIn, inBefore + 1);

  // Forged: a well-formed next-in-sequence frame with a made-up tag.
  before = failed();
  const codec = new FrameCodec(4212);
  const forged = codec.encode({ ...emptyFrame(), flags: 3, type: 0x10, lseq: recorded.length, domain: 1, src: 1, dst: 2, ttl: 16, srcPort: 1, dstPort: 1, payload: new Uint8Array(13) }, undefined, 0, true, false, true);
  forged.fill(0x5a, forged.length - 4 - TAG_SIZE, forged.length - 4);
  p.inject(forged);
  t.is(failed(), before + 1);

  // Without the flag at all: dropped too.
  before = failed();
  p.inject(codec.encode({ ...emptyFrame(), flags: 3, type: 0x10, lseq: 0, domain: 1, src: 1, dst: 2, ttl: 16, payload: new Uint8Array(13) }, undefined, 0, true, false));
  t.is(failed(), before + 1);

  // Replayed within the session: a duplicate, not delivered again.
  p.inject(recorded[0]!.slice());
  p.loop.runUntilTime(1200);
  t.deepEqual(p.got.map((f) => f.payload[0]), [0, 1, 2], 'nothing delivered twice');

  // Replayed after 256+ more frames in the same session (the 8-bit lseq came round again): the MAC binds the extended number.
  for (let i = 0; i < 300; i++) {
    while (!p.a.send({ type: 0x10, dst: 2, srcPort: 1, dstPort: 1, payload: Uint8Array.of(i & 0xff) })) p.loop.runUntilTime(p.loop.now() + 5);
  }
  p.loop.runUntilTime(p.loop.now() + 1000);
  t.is(p.got.length, 303);
  before = failed();
  const gotBefore = p.got.length;
  for (const f of recorded) p.inject(f.slice());
  p.loop.runUntilTime(p.loop.now() + 200);
  t.is(p.got.length, gotBefore, 'no replay delivered');
  t.true(failed() > before, 'the replays were counted');
});

test('frames recorded before a restart are refused after it (new link sessions)', (t) => {
  const p = pair(KEY, KEY, 7);
  p.loop.runUntilTime(500);
  for (let i = 0; i < 3; i++) send(p, i);
  p.loop.runUntilTime(1000);
  const recorded = dataFrames(p);
  // b's side restarts: a new NetLayer on the same link (its RAM, sessions and state gone).
  p.b.stop();
  const lb = { index: 0, kind: 'datagram' as const, mtu: 65535, receiver: null as LinkReceiver | null, write: (_: Uint8Array) => {} };
  const rng = new Prng(99);
  const b2 = new NetLayer([lb], new NodeClock(p.loop), { domain: 1, node: 2, host: { random: () => rng.random() }, domainKey: KEY, helloMs: 50 });
  const got2: NetFrame[] = [];
  b2.register(0x10, 0x10, (f) => got2.push(f));
  b2.start();
  for (const f of recorded) lb.receiver?.input(f.slice());
  t.is(got2.length, 0);
  t.true(b2.stats().authFailed + b2.linkStats()[0]!.noSession > 0);
});
