/**
 * ACCEPT_ACK_DELAY (docs/MCAPI.md "Acceptance acks", docs/PERFORMANCE.md "Round 8"): the
 * acceptance of a message received on an endpoint with a delay waits up to that many ms to
 * ride on a message going back, and the network holds its end-to-end ack for the same frame.
 * Laplace on 8 UART boards sent 3781 MSG_RESP and 1292 standalone E2E_ACK frames without it,
 * 10 and 54 with the DSM's 100 ms (744.0M -> 714.5M XS units). Refusals never wait.
 */
import test from 'ava';
import { digestFloat64, laplaceOnDsm, laplaceSequential } from '../../examples/laplace/laplace.js';
import { createMcapiDsm, DSM_ACCEPT_ACK_DELAY_MS, DSM_PORT } from '../../src/dsm/mcapi-transport.js';
import { EndpointAttr, McapiError, McapiNode, MemoryType, Status } from '../../src/mcapi/index.js';
import type { Endpoint, Request } from '../../src/mcapi/index.js';
import { TestNetwork } from '../net/harness.js';
import { makeNodes } from './loopnet.js';

const ROUNDS = 6;

async function settle(): Promise<void> {
  await new Promise<void>((r) => setImmediate(r));
}

interface Pair {
  net: TestNetwork;
  m1: McapiNode;
  m2: McapiNode;
  e1: Endpoint;
  e2: Endpoint;
  /** e2 as node 1 addresses it, e1 as node 2 does. */
  to2: Endpoint;
  to1: Endpoint;
}

/** Two boards on one 921600-baud-like UART, an endpoint each on port 40, `delay` set on both. */
async function pair(delay: number): Promise<Pair> {
  const net = new TestNetwork({ seed: 7, record: false });
  net.addNodes([1, 2]);
  net.connect(1, 2, 'stream', { latencyMs: 1, bytesPerMs: 92 });
  net.start();
  if (!net.runUntil(() => net.converged(), 5_000)) throw new Error('routing did not converge');
  const m1 = new McapiNode(net.node(1).net, net.node(1).clock);
  const m2 = new McapiNode(net.node(2).net, net.node(2).clock);
  m1.initialize(1, 1);
  m2.initialize(1, 2);
  const e1 = m1.createEndpoint(40);
  const e2 = m2.createEndpoint(40);
  m1.setEndpointAttribute(e1, EndpointAttr.ACCEPT_ACK_DELAY, delay);
  m2.setEndpointAttribute(e2, EndpointAttr.ACCEPT_ACK_DELAY, delay);
  const p1 = m1.getEndpoint(1, 2, 40, 1000);
  const p2 = m2.getEndpoint(1, 1, 40, 1000);
  const got: Endpoint[] = [];
  void Promise.all([p1, p2]).then((r) => got.push(...r));
  for (let i = 0; i < 1000 && got.length === 0; i++) {
    net.run(1);
    await settle();
  }
  const [to2, to1] = got;
  if (to2 === undefined || to1 === undefined) throw new Error('endpoint lookup did not finish');
  // Let the lookup's own frames and acks drain.
  net.run(300);
  return { net, m1, m2, e1, e2, to2, to1 };
}

/** Run 1 ms at a time until `done`; returns the virtual ms it took. */
function until(p: Pair, done: () => boolean, maxMs = 1000): number {
  const t0 = p.net.now;
  while (!done()) {
    if (p.net.now - t0 > maxMs) throw new Error(`not done within ${String(maxMs)} ms`);
    p.net.run(1);
  }
  return p.net.now - t0;
}

interface Exchange {
  /** Node 1's send, message by message: ms from the send to its completion. */
  completeMs: number[];
  /** MSG_RESP frames node 2 sent. */
  respFrames: number;
  /** Standalone E2E_ACKs node 2 sent between node 1's message and its own going back. */
  e2eAcks: number;
}

/**
 * ROUNDS times: node 1 sends 24 bytes to node 2; node 2 sends 24 bytes back `replyAfter` ms
 * after receiving (never when < 0). Each round starts after the last settled (250 ms).
 */
function exchange(p: Pair, replyAfter: number): Exchange {
  const r0 = p.m2.stats().respFrames;
  const acks = (): number => p.net.net(2).stats().e2eAcksOut;
  let e2eAcks = 0;
  const completeMs: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const recv2 = p.m2.msgRecvI(p.e2, new Uint8Array(64));
    const recv1 = p.m1.msgRecvI(p.e1, new Uint8Array(64));
    const t0 = p.net.now;
    const a0 = acks();
    const send = p.m1.msgSendI(p.e1, p.to2, new Uint8Array(24).fill(i));
    let back: Request<number> | null = null;
    let got2 = -1;
    let done = -1;
    while (p.net.now - t0 < 250) {
      p.net.run(1);
      if (got2 < 0 && !recv2.pending) got2 = p.net.now;
      if (back === null && got2 >= 0 && replyAfter >= 0 && p.net.now - got2 >= replyAfter) {
        e2eAcks += acks() - a0;
        back = p.m2.msgSendI(p.e2, p.to1, new Uint8Array(24).fill(0x80 | i));
      }
      if (done < 0 && !send.pending) done = p.net.now - t0;
    }
    if (done < 0) throw new Error(`round ${String(i)}: the send never completed`);
    completeMs.push(done);
    if (replyAfter >= 0 && recv1.pending) throw new Error('the message going back was not received');
    if (replyAfter < 0) {
      e2eAcks += acks() - a0;
      p.m1.cancel(recv1);
    }
  }
  return { completeMs, respFrames: p.m2.stats().respFrames - r0, e2eAcks };
}

test('ACCEPT_ACK_DELAY is a vendor endpoint attribute: 0 by default, 0..1000 ms', (t) => {
  const { nodes } = makeNodes(1);
  const m = nodes[0]!;
  const e = m.createEndpoint(5);
  t.is(EndpointAttr.ACCEPT_ACK_DELAY, 64);
  t.is(m.getEndpointAttribute(e, EndpointAttr.ACCEPT_ACK_DELAY), 0);
  m.setEndpointAttribute(e, EndpointAttr.ACCEPT_ACK_DELAY, 100);
  t.is(m.getEndpointAttribute(e, EndpointAttr.ACCEPT_ACK_DELAY), 100);
  for (const bad of [-1, 1001, 2.5, NaN, Infinity]) {
    const err = t.throws(() => m.setEndpointAttribute(e, EndpointAttr.ACCEPT_ACK_DELAY, bad), { instanceOf: McapiError });
    t.is(err!.status, Status.MCAPI_ERR_ATTR_VALUE, String(bad));
  }
  const err = t.throws(() => m.setEndpointAttribute(e, EndpointAttr.ACCEPT_ACK_DELAY, '5' as unknown as number), { instanceOf: McapiError });
  t.is(err!.status, Status.MCAPI_ERR_ATTR_SIZE);
  t.is(m.getEndpointAttribute(e, EndpointAttr.ACCEPT_ACK_DELAY), 100, 'unchanged by the refused values');
});

test('without a delay every acceptance is a MSG_RESP at the end of the receiver\'s turn', async (t) => {
  const x = exchange(await pair(0), 70);
  t.is(x.respFrames, ROUNDS);
  t.is(x.e2eAcks, 0, 'the MSG_RESP carried the e2e ack');
  for (const ms of x.completeMs) t.true(ms <= 10, `completed after ${String(ms)} ms`);
});

test('with a delay the acceptance and the e2e ack ride on the message going back: no frame of their own', async (t) => {
  // 70 ms: after the net's own e2eAckDelayMs (50), so the e2e ack waits only because MCAPI
  // said a frame will go (holdAck); before the endpoint's 100 ms.
  const x = exchange(await pair(100), 70);
  t.is(x.respFrames, 0, 'no MSG_RESP');
  t.is(x.e2eAcks, 0, 'no standalone E2E_ACK before the message going back');
  for (const ms of x.completeMs) t.true(ms >= 70 && ms <= 80, `completed after ${String(ms)} ms`);
});

test('with a delay and nothing going back, one MSG_RESP per message after the delay, carrying the e2e ack', async (t) => {
  const x = exchange(await pair(100), -1);
  t.is(x.respFrames, ROUNDS);
  t.is(x.e2eAcks, 0, 'the MSG_RESP carried the e2e ack: as many frames back as without a delay');
  for (const ms of x.completeMs) t.true(ms >= 100 && ms <= 110, `completed after ${String(ms)} ms`);
});

test('a refusal never waits, and takes the delayed acceptances with it', async (t) => {
  const p = await pair(100);
  p.m2.setEndpointAttribute(p.e2, EndpointAttr.NUM_RECV_BUFFERS, 1);
  p.m1.setEndpointAttribute(p.e1, EndpointAttr.MEMORY_TYPE, MemoryType.LOCAL_MEMORY | MemoryType.FAIL_ON_MEM_LIMIT);
  const r0 = p.m2.stats().respFrames;
  const first = p.m1.msgSendI(p.e1, p.to2, new Uint8Array(24));
  const second = p.m1.msgSendI(p.e1, p.to2, new Uint8Array(24));
  const ms = until(p, () => !first.pending && !second.pending, 200);
  t.true(ms <= 15, `both ended after ${String(ms)} ms`);
  t.is(p.m1.test(first), true, 'the first was accepted (queued)');
  const e = t.throws(() => p.m1.test(second), { instanceOf: McapiError });
  t.is(e!.status, Status.MCAPI_ERR_MEM_LIMIT);
  t.is(p.m2.stats().respFrames - r0, 1, 'one MSG_RESP: the ACK and the NACK together');
});

test('a burst past a quarter of the per-endpoint window is accepted at the end of the turn', async (t) => {
  const p = await pair(100);
  p.m2.setEndpointAttribute(p.e2, EndpointAttr.NUM_RECV_BUFFERS, 16);
  const sends = Array.from({ length: 9 }, (_, i) => p.m1.msgSendI(p.e1, p.to2, new Uint8Array(24).fill(i)));
  const ms = until(p, () => sends.every((s) => !s.pending), 200);
  t.true(ms < 50, `all 9 completed after ${String(ms)} ms`);
});

test('the DSM endpoint holds its acceptances: Laplace over MCAPI sends few MSG_RESP frames', async (t) => {
  t.is(DSM_ACCEPT_ACK_DELAY_MS, 100);
  const { hub, nodes } = makeNodes(3);
  const n = 48;
  const iters = 10;
  const run = Promise.all(nodes.map(async (mcapi, rank) => {
    const dsm = await createMcapiDsm(mcapi, hub.clock, { rank, size: 3, domain: 1, nodeOfRank: (r) => r + 1 });
    const ep = mcapi.localEndpoints().find((e) => e.port === DSM_PORT)!;
    t.is(mcapi.getEndpointAttribute(ep, EndpointAttr.ACCEPT_ACK_DELAY), DSM_ACCEPT_ACK_DELAY_MS);
    return laplaceOnDsm(dsm, { n, iters });
  }));
  const out = await hub.run(run);
  t.deepEqual(out[0], { digest: digestFloat64(laplaceSequential(n, iters)), n, iters, boards: 3 });
  let sent = 0;
  let resp = 0;
  for (const m of nodes) {
    sent += m.stats().msgSent;
    resp += m.stats().respFrames;
  }
  t.log(`${String(sent)} messages, ${String(resp)} MSG_RESP frames`);
  t.true(resp * 10 < sent, `${String(resp)} MSG_RESP frames for ${String(sent)} messages`);
});

/**
 * A receive with a Completion (the DSM transport's) is handled in the microtask that tells it:
 * the delayed acceptance's timer is armed at the end of that microtask, and only if nothing
 * took the acceptance meanwhile (docs/PERFORMANCE.md "Round 15"): a home that answers a FETCH
 * sets no 100 ms timer and no net hold, a reader that answers nothing arms both as before.
 */
test('with a delay, a Completion that answers in its microtask sets no acceptance timer; one that does not arms it after its microtask', async (t) => {
  const p = await pair(100);
  // Microtasks (the Completions', the promises') run between the 1 ms steps.
  const waitFor = async (done: () => boolean): Promise<number> => {
    const t0 = p.net.now;
    while (!done()) {
      if (p.net.now - t0 > 1000) throw new Error('not done within 1000 ms');
      p.net.run(1);
      await settle();
    }
    return p.net.now - t0;
  };
  const clock = p.net.node(2).clock;
  const set: number[] = [];
  const setTimer = clock.setTimer.bind(clock);
  clock.setTimer = ((ms: number, fire: (arg: unknown) => void, arg?: unknown) => {
    set.push(ms);
    return setTimer(ms, fire, arg);
  }) as typeof clock.setTimer;
  let answer = true;
  const timersWhenTold: number[] = [];
  const done = {
    complete(req: Request<unknown>): void {
      // A send's completion (node 2's answers) or a receive's: only receives are re-posted.
      if (req.kind !== 'msg-recv') return;
      timersWhenTold.push(set.filter((ms) => ms === 100).length);
      if (answer) p.m2.msgSendC(p.e2, p.to1, new Uint8Array(24), done);
      p.m2.msgRecvC(p.e2, null, done, req as Request<number>);
    },
  };
  p.m2.msgRecvC(p.e2, null, done);
  const r0 = p.m2.stats().respFrames;
  const a0 = p.net.net(2).stats().e2eAcksOut;
  for (let i = 0; i < ROUNDS; i++) {
    let ok = false;
    void p.m1.msgSend(p.e1, p.to2, new Uint8Array(24)).then(() => (ok = true));
    await waitFor(() => ok);
    const buf = new Uint8Array(24);
    let back = false;
    void p.m1.msgRecv(p.e1, buf).then(() => (back = true));
    await waitFor(() => back);
    for (let k = 0; k < 250; k++) {
      p.net.run(1);
      await settle();
    }
  }
  t.is(timersWhenTold.length, ROUNDS);
  t.deepEqual(timersWhenTold, new Array<number>(ROUNDS).fill(0), 'not armed before the Completion ran');
  t.is(set.filter((ms) => ms === 100).length, 0, 'answered in the microtask: no acceptance timer at all');
  t.is(p.m2.stats().respFrames - r0, 0, 'the acceptances rode on the answers');
  t.is(p.net.net(2).stats().e2eAcksOut - a0, 0);

  // Nothing goes back: the timer is armed after the microtask, and the acceptance and the e2e
  // ack go 100 ms later in one MSG_RESP.
  answer = false;
  const r1 = p.m2.stats().respFrames;
  const a1 = p.net.net(2).stats().e2eAcksOut;
  for (let i = 0; i < ROUNDS; i++) {
    let ok = false;
    void p.m1.msgSend(p.e1, p.to2, new Uint8Array(24)).then(() => (ok = true));
    const ms = await waitFor(() => ok);
    t.true(ms >= 100 && ms < 130, `accepted after the delay (${String(ms)} ms)`);
    for (let k = 0; k < 250; k++) {
      p.net.run(1);
      await settle();
    }
  }
  t.is(set.filter((ms) => ms === 100).length, ROUNDS, 'one acceptance timer per message');
  t.deepEqual(timersWhenTold.slice(ROUNDS), new Array<number>(ROUNDS).fill(0).map((_, i) => i), 'each armed after its Completion was told');
  t.is(p.m2.stats().respFrames - r1, ROUNDS);
  t.is(p.net.net(2).stats().e2eAcksOut - a1, 0, 'the e2e ack held for the MSG_RESP');
});
