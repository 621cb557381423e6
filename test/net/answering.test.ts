/**
 * Net.answering / Net.unanswered (docs/PERFORMANCE.md "Round 19: the receive path"): while a
 * frame from a neighbour is delivered, the layer above may say it sends that neighbour a frame
 * before the turn ends (MCAPI's acceptance batched for the turn's end). The hop link then owes
 * no ack and sets no timer: the answer carries the ack. Where the answer does not go,
 * `unanswered` times the ack for when it would have been due; where a frame admitted now would
 * not leave at once (a full window), or dst is not the link's neighbour, nothing changes.
 */
import test from 'ava';
import { FrameType } from '../../src/wire/frame-types.js';
import { OFF_TYPE } from '../../src/wire/frame.js';
import { ping, recvPair, take } from './fixtures/recv-pair.js';
import type { RecvPair } from './fixtures/recv-pair.js';

/** Frames of this type node 2's handler answers (Net.answering for their source, or `to`). */
const ANSWERED = 0x71;
const DATA = new Uint8Array(24);
/** NetOptions ackDelayMs's default: a datagram link's delayed LINK_ACK. */
const ACK_DELAY_MS = 5;

function answeringPair(to?: number): RecvPair {
  const p = recvPair();
  p.n2.register(ANSWERED, ANSWERED, (f) => p.n2.answering(to ?? f.src));
  return p;
}

/** Node 1 sends node 2 a frame node 2 will say it answers. */
function pingAnswered(p: RecvPair): void {
  p.n1.send({ type: ANSWERED, dst: 2, srcPort: 1, dstPort: 1, payload: DATA });
}

function linkAcks(frames: readonly Uint8Array[]): number {
  return frames.filter((f) => f[OFF_TYPE] === FrameType.LINK_ACK).length;
}

test('a frame its receiver answers in the turn sets no ack timer, and the answer carries the ack', (t) => {
  const p = answeringPair();
  for (let i = 0; i < 3; i++) {
    pingAnswered(p);
    const sets = p.c2.sets;
    t.is(take(p), 1);
    // Before round 19: 1 (the hop link's 5 ms ack deadline, set here and cleared by the answer).
    t.is(p.c2.sets - sets, 0, 'no timer for the ack');
    p.n2.send({ type: 0x70, dst: 1, srcPort: 1, dstPort: 1, payload: DATA });
    t.is(linkAcks(p.l2.held), 0, 'no LINK_ACK of its own');
    p.l2.deliver();
    t.is(p.n1.linkStats()[0]!.inflight, 0, "node 1's frame is acknowledged by the answer");
    // Nothing goes later either: the held deadline went with the answer.
    p.loop.advance(2 * ACK_DELAY_MS);
    t.is(linkAcks(p.l2.held), 0, 'no LINK_ACK after the answer');
    // Node 1 acknowledges the answer by its own deadline meanwhile (a LINK_ACK, unsequenced).
    p.l1.deliver();
    p.l2.deliver();
  }
});

test('an answer that does not go: unanswered times the LINK_ACK for when it was due', (t) => {
  const p = answeringPair();
  pingAnswered(p);
  take(p);
  const heard = p.loop.now();
  const sets = p.c2.sets;
  p.n2.unanswered(1);
  t.is(p.c2.sets - sets, 1, 'the ack deadline gets its timer');
  t.true(p.loop.runUntil(() => p.l2.held.length > 0, 100), 'node 2 sends something');
  t.is(p.loop.now(), heard + ACK_DELAY_MS, 'at the time the ack was due');
  t.is(linkAcks(p.l2.held), 1, 'a LINK_ACK');
  p.l2.deliver();
  t.is(p.n1.linkStats()[0]!.inflight, 0, "node 1's frame is acknowledged");
});

test('unanswered for another node, or with nothing held, sets no timer', (t) => {
  const p = answeringPair();
  pingAnswered(p);
  take(p);
  const sets = p.c2.sets;
  p.n2.unanswered(3);
  t.is(p.c2.sets, sets, 'not the link of node 3');
  p.n2.send({ type: 0x70, dst: 1, srcPort: 1, dstPort: 1, payload: DATA });
  const after = p.c2.sets;
  p.n2.unanswered(1);
  t.is(p.c2.sets, after, 'the answer went: nothing held to release');
});

test('a link whose window is full times its ack as before: the answer would wait', (t) => {
  const p = answeringPair();
  // Node 2 fills its window (8 frames node 1 has not acknowledged): its answer would queue.
  for (let i = 0; i < 8; i++) t.true(p.n2.send({ type: 0x70, dst: 1, srcPort: 1, dstPort: 1, payload: DATA }));
  t.is(p.n2.linkStats()[0]!.inflight, 8);
  pingAnswered(p);
  const sets = p.c2.sets;
  take(p);
  t.deepEqual(p.c2.delays.slice(sets), [ACK_DELAY_MS], 'the ack deadline, as without the answer');
});

test('an answer to a node that is not the neighbour holds nothing', (t) => {
  const p = answeringPair(3);
  pingAnswered(p);
  const sets = p.c2.sets;
  take(p);
  t.deepEqual(p.c2.delays.slice(sets), [ACK_DELAY_MS], 'the ack deadline is timed');
});

test('a frame without an answer still times its ack (the plain receive)', (t) => {
  const p = answeringPair();
  ping(p);
  const sets = p.c2.sets;
  take(p);
  t.deepEqual(p.c2.delays.slice(sets), [ACK_DELAY_MS]);
});
