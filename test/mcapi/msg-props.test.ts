/**
 * Properties of message delivery under a slow, full receiver (seeded fast-check):
 * every send completes; a send that succeeded is delivered exactly once, one that failed never;
 * each sender's messages of one priority arrive in order; and once everything is done no
 * request, queued message or remembered refusal is left on any node.
 */
import test from 'ava';
import fc from 'fast-check';
import { EndpointAttr, McapiError, MemoryType, Status } from '../../src/mcapi/index.js';
import type { Request } from '../../src/mcapi/index.js';
import { makeNodes } from './loopnet.js';

interface Scenario {
  recvBuffers: number;
  localSender: boolean;
  counts: number[];
  prios: number[];
  gaps: number[];
  drain: number[];
  refuse: number;
  timeoutMs: number | null;
  failPolicy: boolean[];
  cancels: number[];
}

const scenario: fc.Arbitrary<Scenario> = fc.record({
  recvBuffers: fc.integer({ min: 1, max: 3 }),
  localSender: fc.boolean(),
  counts: fc.array(fc.integer({ min: 1, max: 14 }), { minLength: 2, maxLength: 2 }),
  prios: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 28, maxLength: 28 }),
  gaps: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 28, maxLength: 28 }),
  drain: fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 40, maxLength: 40 }),
  refuse: fc.integer({ min: 0, max: 4 }),
  timeoutMs: fc.option(fc.integer({ min: 1, max: 25 }), { nil: null }),
  failPolicy: fc.array(fc.boolean(), { minLength: 2, maxLength: 2 }),
  cancels: fc.array(fc.integer({ min: 0, max: 27 }), { maxLength: 3 }),
});

/** What the runs exercised, summed (so the test can check the hard paths were taken). */
const seen = { retransmits: 0, refused: 0, timeouts: 0, memLimits: 0, cancels: 0, piggybacked: 0 };

async function runScenario(s: Scenario): Promise<string | null> {
  const { hub, nodes } = makeNodes(3, { outboxFrames: 2, maxQueuedMessages: 4 });
  const recvNode = nodes[0]!;
  const rx = recvNode.createEndpoint(50);
  recvNode.setEndpointAttribute(rx, EndpointAttr.NUM_RECV_BUFFERS, s.recvBuffers);
  recvNode.setEndpointAttribute(rx, EndpointAttr.TIMEOUT, 8);
  const senders = [nodes[1]!, s.localSender ? nodes[0]! : nodes[2]!];
  const txs = senders.map((m, i) => {
    const e = m.createEndpoint(60 + i);
    if (s.timeoutMs !== null) m.setEndpointAttribute(e, EndpointAttr.TIMEOUT, s.timeoutMs);
    if (s.failPolicy[i]) m.setEndpointAttribute(e, EndpointAttr.MEMORY_TYPE, MemoryType.FAIL_ON_MEM_LIMIT);
    return e;
  });
  const outcome = new Map<string, number>();
  const cancelled = new Set<string>();
  let sendersDone = 0;
  const sendTask = async (k: number): Promise<void> => {
    const m = senders[k]!;
    const to = await m.getEndpoint(1, 1, 50, 100);
    if (k === 0) hub.net(2)!.refuse = 3 * s.refuse;
    const reqs: [string, Request<number>][] = [];
    for (let i = 0; i < s.counts[k]!; i++) {
      const j = k * 14 + i;
      await hub.sleep(s.gaps[j]!);
      const id = `${String(k)}:${String(i)}`;
      reqs.push([id, m.msgSendI(txs[k]!, to, new Uint8Array([k, i, s.prios[j]!]), s.prios[j]!)]);
      if (s.cancels.includes(j)) {
        const r = reqs[reqs.length - 1]![1];
        if (r.pending) {
          m.cancel(r);
          cancelled.add(id);
        }
      }
    }
    for (const [id, r] of reqs) {
      if (cancelled.has(id)) continue;
      try {
        await m.wait(r);
        outcome.set(id, Status.MCAPI_SUCCESS);
      } catch (e) {
        outcome.set(id, e instanceof McapiError ? e.status : -1);
      }
    }
    sendersDone++;
  };
  const got: [number, number, number][] = [];
  const recvTask = async (): Promise<void> => {
    const buf = new Uint8Array(3);
    for (let k = 0; ; k++) {
      try {
        await recvNode.msgRecv(rx, buf);
        got.push([buf[0]!, buf[1]!, buf[2]!]);
      } catch (e) {
        if (!(e instanceof McapiError && e.status === Status.MCAPI_TIMEOUT)) throw e;
        if (sendersDone === 2 && recvNode.msgAvailable(rx) === 0) return;
      }
      await hub.sleep(s.drain[k % s.drain.length]!);
    }
  };
  await hub.run(Promise.all([sendTask(0), sendTask(1), recvTask()]));
  await hub.advance(200);
  // A cancelled send that was already on its way may still arrive (MCAPI cannot recall it).
  const late = new Uint8Array(3);
  while (recvNode.msgAvailable(rx) > 0) {
    await hub.run(recvNode.msgRecv(rx, late));
    const id = `${String(late[0])}:${String(late[1])}`;
    if (!cancelled.has(id)) return `${id} arrived after its sender was done`;
    got.push([late[0]!, late[1]!, late[2]!]);
  }
  for (const n of nodes) {
    const st = n.stats();
    seen.retransmits += st.msgRetransmits;
    seen.refused += st.txRefused;
    seen.piggybacked += st.piggybacked;
  }
  for (const o of outcome.values()) {
    if (o === Status.MCAPI_TIMEOUT) seen.timeouts++;
    if (o === Status.MCAPI_ERR_MEM_LIMIT) seen.memLimits++;
  }
  seen.cancels += cancelled.size;
  // Delivered exactly once when the send succeeded; never when it failed.
  const delivered = new Set<string>();
  for (const [k, i] of got) {
    const id = `${String(k)}:${String(i)}`;
    if (delivered.has(id)) return `duplicate ${id}`;
    delivered.add(id);
    const o = outcome.get(id);
    if (o !== Status.MCAPI_SUCCESS && !cancelled.has(id)) return `${id} delivered but its send ended with ${String(o)}`;
  }
  for (const [id, o] of outcome) {
    if (o === Status.MCAPI_SUCCESS && !delivered.has(id)) return `${id} succeeded but was never delivered`;
    if (o !== Status.MCAPI_SUCCESS && o !== Status.MCAPI_TIMEOUT && o !== Status.MCAPI_ERR_MEM_LIMIT) return `${id} ended with ${String(o)}`;
    if (o === Status.MCAPI_TIMEOUT && s.timeoutMs === null) return `${id} timed out without a TIMEOUT`;
    if (o === Status.MCAPI_ERR_MEM_LIMIT && !s.failPolicy[Number(id[0])]) return `${id} MEM_LIMIT under the wait policy`;
  }
  // Order per (sender, priority).
  const last = new Map<string, number>();
  for (const [k, i, p] of got) {
    const key = `${String(k)}/${String(p)}`;
    const prev = last.get(key) ?? -1;
    if (i <= prev) return `sender ${String(k)} priority ${String(p)}: ${String(i)} after ${String(prev)}`;
    last.set(key, i);
  }
  for (const n of nodes) {
    const st = n.stats();
    if (st.requests !== 0) return `node left ${String(st.requests)} requests`;
    if (st.pendingSends !== 0) return `node left ${String(st.pendingSends)} pending sends`;
    if (st.blockedSenders !== 0) return `node remembers ${String(st.blockedSenders)} refused messages`;
    if (st.queuedMessages !== 0) return `node has ${String(st.queuedMessages)} queued messages`;
    if (st.handlerErrors !== 0 || st.malformed !== 0) return `handler errors ${n.lastHandlerError()}`;
  }
  return null;
}

test('full receivers: exactly-once, per-sender FIFO per priority, nothing left behind', async (t) => {
  await fc.assert(
    fc.asyncProperty(scenario, async (s) => {
      const bad = await runScenario(s);
      if (bad !== null) throw new Error(bad);
    }),
    { seed: Number(process.env.SEED ?? 20260522), numRuns: Number(process.env.RUNS ?? 80) },
  );
  t.log(JSON.stringify(seen));
  t.true(seen.retransmits > 0, 'refused messages were resent');
  t.true(seen.refused > 0, 'the outbox refused message frames');
  t.true(seen.timeouts > 0, 'sends timed out');
  t.true(seen.memLimits > 0, 'fail-policy sends hit MEM_LIMIT');
  t.true(seen.cancels > 0, 'sends were cancelled');
  t.true(seen.piggybacked > 0, 'responses rode on messages');
});

test('a receiver that never drains: wait-policy senders time out, nothing is delivered late', async (t) => {
  const { hub, nodes: [r, s] } = makeNodes(2);
  const rx = r!.createEndpoint(5);
  r!.setEndpointAttribute(rx, EndpointAttr.NUM_RECV_BUFFERS, 1);
  const tx = s!.createEndpoint(6);
  s!.setEndpointAttribute(tx, EndpointAttr.TIMEOUT, 10);
  const to = await hub.run(s!.getEndpoint(1, 1, 5, 100));
  const reqs = [0, 1, 2, 3].map((i) => s!.msgSendI(tx, to, new Uint8Array([i])));
  const results = await hub.run(Promise.allSettled(reqs.map((q) => s!.wait(q))));
  t.is(results[0]!.status, 'fulfilled');
  for (const x of results.slice(1)) {
    t.is(x.status, 'rejected');
    t.is(((x as PromiseRejectedResult).reason as McapiError).status, Status.MCAPI_TIMEOUT);
  }
  await hub.advance(20);
  t.is(r!.stats().blockedSenders, 0, 'withdrawn');
  const buf = new Uint8Array(1);
  await hub.run(r!.msgRecv(rx, buf));
  t.is(buf[0], 0);
  await hub.advance(20);
  t.is(r!.msgAvailable(rx), 0, 'no timed-out message shows up after the receiver drained');
});

test('more than a window of sends to one node are all delivered in order', async (t) => {
  const { hub, nodes: [r, s] } = makeNodes(2, { maxRequests: 400, maxQueuedMessages: 400, maxQueuedBytes: 4000 });
  const rx = r!.createEndpoint(5);
  r!.setEndpointAttribute(rx, EndpointAttr.NUM_RECV_BUFFERS, 64);
  const tx = s!.createEndpoint(6);
  const to = await hub.run(s!.getEndpoint(1, 1, 5, 100));
  const reqs = [];
  for (let i = 0; i < 300; i++) reqs.push(s!.msgSendI(tx, to, new Uint8Array([i & 0xff, i >> 8])));
  const drain = (async () => {
    const buf = new Uint8Array(2);
    for (let i = 0; i < 300; i++) {
      if (i % 50 === 0) await hub.sleep(3);
      await r!.msgRecv(rx, buf);
      if (buf[0]! + (buf[1]! << 8) !== i) throw new Error(`message ${String(i)} out of order`);
    }
  })();
  await hub.run(Promise.all([drain, ...reqs.map((q) => s!.wait(q))]));
  t.is(s!.stats().pendingSends, 0);
  t.true(s!.stats().msgRetransmits > 0, 'the receiver filled up and senders resent');
});
