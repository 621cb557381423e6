/**
 * Issue 11, defect 7: three MCAPI defects, each as the reproducer that failed before the fix.
 */
import test from 'ava';
import { EndpointAttr, McapiError } from '../../src/mcapi/index.js';
import { makeNodes } from './loopnet.js';

async function statusOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'MCAPI_SUCCESS';
  } catch (e) {
    if (e instanceof McapiError) return e.statusName;
    throw e;
  }
}

test('(a) a send blocked on a full receiver ends with ENDP_INVALID when the receiver deletes its endpoint', async (t) => {
  const { hub, nodes: [r, s] } = makeNodes(2);
  const rx = r!.createEndpoint(5);
  r!.setEndpointAttribute(rx, EndpointAttr.NUM_RECV_BUFFERS, 1);
  const tx = s!.createEndpoint(6);
  const to = await hub.run(s!.getEndpoint(1, 1, 5, 100));
  const first = s!.msgSendI(tx, to, new Uint8Array([1]));
  const second = s!.msgSendI(tx, to, new Uint8Array([2]));
  await hub.advance(20);
  t.false(first.pending, 'the first message was queued');
  t.true(second.pending, 'the second waits for room (BLOCK_ON_MEM_LIMIT)');
  r!.deleteEndpoint(rx);
  const outcome = statusOf(s!.wait(second));
  await hub.advance(50);
  t.false(second.pending, 'the blocked send completed');
  t.is(await outcome, 'MCAPI_ERR_ENDP_INVALID');
  t.is(s!.stats().pendingSends, 0);
  t.is(r!.stats().blockedSenders, 0);
});

test('(b) a send refused because another endpoint holds the node memory resumes when that memory is freed', async (t) => {
  const { hub, nodes: [r, s] } = makeNodes(2, { maxQueuedMessages: 2 });
  const hog = r!.createEndpoint(5);
  const rx = r!.createEndpoint(7);
  r!.setEndpointAttribute(hog, EndpointAttr.NUM_RECV_BUFFERS, 4);
  const tx = s!.createEndpoint(6);
  const toHog = await hub.run(s!.getEndpoint(1, 1, 5, 100));
  const toRx = await hub.run(s!.getEndpoint(1, 1, 7, 100));
  const fill = [s!.msgSendI(tx, toHog, new Uint8Array([1])), s!.msgSendI(tx, toHog, new Uint8Array([2]))];
  await hub.advance(20);
  t.true(fill.every((q) => !q.pending), 'the hog endpoint holds all of the node message memory');
  const refused = s!.msgSendI(tx, toRx, new Uint8Array([3]));
  await hub.advance(20);
  t.true(refused.pending, 'refused for lack of node memory, waiting');
  t.is(r!.msgAvailable(rx), 0);
  // Free the memory by receiving on the hog endpoint only (no receive posted on rx).
  await hub.run(r!.msgRecv(hog, new Uint8Array(8)));
  await hub.advance(50);
  t.false(refused.pending, 'the refused send was resent and delivered');
  t.is(await statusOf(s!.wait(refused)), 'MCAPI_SUCCESS');
  t.is(r!.msgAvailable(rx), 1);
});

test('(c) pktSendI completion means the buffer is free: reusing it never changes a packet sent (window full)', async (t) => {
  const { hub, nodes } = makeNodes(2, { maxChannelBufferBytes: 1 << 20 });
  const [a, b] = [nodes[0]!, nodes[1]!];
  const s = a.createEndpoint(10);
  const r = b.createEndpoint(20);
  a.setEndpointAttribute(s, EndpointAttr.MAX_PAYLOAD_SIZE, 64);
  b.setEndpointAttribute(r, EndpointAttr.MAX_PAYLOAD_SIZE, 64);
  b.setEndpointAttribute(r, EndpointAttr.NUM_RECV_BUFFERS, 64);
  const rr = await hub.run(a.getEndpoint(1, 2, 20, 100));
  await hub.run(a.pktConnect(s, rr, 100));
  const [hs, hr] = await hub.run(Promise.all([a.pktSendOpen(s, 100), b.pktRecvOpen(r, 100)]));
  // The network refuses a few sends, as a full transmit window does: those frames wait in
  // MCAPI's outbox (and everything behind them to the same node).
  hub.net(1)!.refuse = 3;
  const buf = new Uint8Array(32);
  for (let i = 0; i < 64; i++) {
    buf.fill(i);
    const q = a.pktSendI(hs, buf);
    t.false(q.pending, 'a packet send with credit completes at once');
    await a.wait(q);
  }
  let corrupted = 0;
  for (let i = 0; i < 64; i++) {
    const p = await hub.run(b.pktRecv(hr));
    if (p.length !== 32 || p.some((x) => x !== i)) corrupted++;
    b.pktRelease(p);
  }
  t.is(corrupted, 0, `${corrupted} of 64 packets carried later contents of the reused buffer`);
});
