/**
 * MCAPI's acceptance batched for the end of the turn tells the net that a frame to the sender
 * leaves this turn (Net.answering, docs/PERFORMANCE.md "Round 19: the receive path"): the hop
 * link that took the message sets no ack timer, and the acceptance carries the link ack. Where
 * the acceptance does not go after all (the net refuses it into MCAPI's outbox: Core.hold;
 * the core reset with a flush pending) the net is told (Net.unanswered) and the LINK_ACK goes
 * when it was due. Two NetLayers over held links (test/net/fixtures/recv-pair.ts), so each
 * receive and each timer is the test's to run.
 */
import test from 'ava';
import { Core } from '../../src/mcapi/core.js';
import { DEFAULT_LIMITS } from '../../src/mcapi/limits.js';
import { McapiNode } from '../../src/mcapi/index.js';
import type { Endpoint } from '../../src/mcapi/index.js';
import type { Net, NetFrame } from '../../src/net/net.js';
import { BROADCAST_NODE } from '../../src/wire/ids.js';
import { FrameType } from '../../src/wire/frame-types.js';
import { OFF_TYPE } from '../../src/wire/frame.js';
import { recvPair, take } from '../net/fixtures/recv-pair.js';
import type { RecvPair } from '../net/fixtures/recv-pair.js';

/** NetOptions ackDelayMs's default: a datagram link's delayed LINK_ACK. */
const ACK_DELAY_MS = 5;
/** MCAPI's outbox retry, longer than the ack delay so the two cannot be mistaken. */
const RETRY_MS = 50;

async function settle(): Promise<void> {
  await new Promise<void>((r) => setImmediate(r));
}

interface McapiPair {
  p: RecvPair;
  m1: McapiNode;
  m2: McapiNode;
  e1: Endpoint;
  e2: Endpoint;
  /** Node 2's endpoint as node 1 addresses it. */
  to2: Endpoint;
}

/** Hand every held frame over and run the timers, one at a time, until `done` (or `steps` run out). */
async function run(p: RecvPair, done: () => boolean, steps = 2000): Promise<void> {
  for (let i = 0; i < steps; i++) {
    p.l1.deliver();
    p.l2.deliver();
    await settle();
    if (done()) return;
    if (!p.loop.step()) return;
  }
}

async function mcapiPair(): Promise<McapiPair> {
  const p = recvPair();
  const m1 = new McapiNode(p.n1, p.c1, { retryMs: RETRY_MS });
  const m2 = new McapiNode(p.n2, p.c2, { retryMs: RETRY_MS });
  m1.initialize(1, 1);
  m2.initialize(1, 2);
  const e1 = m1.createEndpoint(40);
  const e2 = m2.createEndpoint(40);
  const got: Endpoint[] = [];
  void m1.getEndpoint(1, 2, 40, 1000).then((e) => got.push(e));
  await run(p, () => got.length > 0);
  if (got[0] === undefined) throw new Error('endpoint lookup did not finish');
  // The lookup's own answers and acks drained: both links idle.
  await run(p, () => p.l1.held.length === 0 && p.l2.held.length === 0 && p.n1.linkStats()[0]!.inflight === 0 && p.n2.linkStats()[0]!.inflight === 0);
  return { p, m1, m2, e1, e2, to2: got[0] };
}

function linkAcks(frames: readonly Uint8Array[]): number {
  return frames.filter((f) => f[OFF_TYPE] === FrameType.LINK_ACK).length;
}

/** Node 1 sends a message; node 2 takes its frame (no receive posted: queued, its acceptance batched). */
function sendAndTake(q: McapiPair): number {
  q.m1.msgSendI(q.e1, q.to2, new Uint8Array(24));
  const sets = q.p.c2.delays.length;
  if (take(q.p) !== 1) throw new Error('one frame expected');
  return sets;
}

test('a message received with its acceptance batched for the turn sets no ack timer; the MSG_RESP carries the ack', async (t) => {
  const q = await mcapiPair();
  const { p } = q;
  for (let i = 0; i < 3; i++) {
    const sets = sendAndTake(q);
    // Before round 19: [0, 5] (the end-of-turn flush, and the hop link's ack deadline).
    t.deepEqual(p.c2.delays.slice(sets), [0], 'only the end-of-turn flush');
    const now = p.loop.now();
    while (p.loop.step(now));
    t.is(p.l2.held.length, 1, 'the acceptance went, in one frame');
    t.is(linkAcks(p.l2.held), 0, 'not a LINK_ACK');
    p.l2.deliver();
    t.is(p.n1.linkStats()[0]!.inflight, 0, "the message's frame is acknowledged by it");
    t.is(q.m2.msgAvailable(q.e2), i + 1, 'the message is queued at node 2');
    // Node 1's own ack for the MSG_RESP, then nothing from node 2 (no LINK_ACK left to go).
    p.loop.advance(2 * ACK_DELAY_MS);
    t.is(linkAcks(p.l2.held), 0, 'no LINK_ACK later either');
    p.l1.deliver();
    p.l2.deliver();
  }
});

test('an acceptance the net refuses into the outbox: the LINK_ACK goes when it was due', async (t) => {
  const q = await mcapiPair();
  const { p } = q;
  sendAndTake(q);
  const heard = p.loop.now();
  // The net refuses what node 2 sends this turn (a full queue, say): the MSG_RESP waits in
  // MCAPI's outbox for RETRY_MS, longer than the ack may wait.
  const send = p.n2.send.bind(p.n2);
  p.n2.send = (): boolean => false;
  while (p.loop.step(heard));
  p.n2.send = send;
  t.is(p.l2.held.length, 0, 'nothing went');
  t.true(p.loop.runUntil(() => p.l2.held.length > 0, RETRY_MS), 'node 2 sends something before the retry');
  t.is(p.loop.now(), heard + ACK_DELAY_MS, 'when the ack was due');
  t.is(linkAcks(p.l2.held), 1, 'a LINK_ACK');
  p.l2.deliver();
  t.is(p.n1.linkStats()[0]!.inflight, 0, "the message's frame is acknowledged");
  // The acceptance itself goes with the outbox's retry.
  await run(p, () => q.m1.stats().msgDelivered === 1, 200);
  t.is(q.m1.stats().msgDelivered, 1, "node 1's send completes");
});

test('a core reset with a flush pending tells the net that its answers will not go', (t) => {
  const calls: number[] = [];
  const timers: number[] = [];
  const net: Net = {
    domain: 1, node: 2, epoch: 0,
    send: () => true,
    register: () => undefined,
    unanswered: (dst: number) => { calls.push(dst); },
    reachable: () => true,
    nodes: () => [1, 2],
    stats: () => ({ framesIn: 0, framesOut: 0, bytesIn: 0, bytesOut: 0, forwarded: 0, retransmits: 0, malformed: 0, stale: 0, unroutable: 0 }),
  };
  const clock = {
    now: () => 0,
    setTimer: (): number => { timers.push(1); return timers.length; },
    clearTimer: () => undefined,
  };
  const host = { dispatchFrame: (_f: NetFrame) => undefined, flushAll: () => undefined, flushBeforeData: () => undefined };
  const core = new Core(net, clock, DEFAULT_LIMITS, host);
  core.reset();
  t.deepEqual(calls, [], 'nothing batched: nothing to tell');
  core.requestFlush(Core.FLUSH_RESPONSES);
  core.reset();
  t.deepEqual(calls, [BROADCAST_NODE], 'every answer announced');
});
