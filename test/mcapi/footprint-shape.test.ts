/**
 * The memory cuts of docs/FOOTPRINT.md "Round 6", each guarded where it is cheap: a node without
 * limit overrides shares the module-level defaults (a copy cost ~32 slots on XS), an endpoint
 * keeps one message queue for every priority (an array per priority cost ~10 slots an
 * endpoint), in priority order and FIFO within a priority; a received packet waits as the
 * Net's payload itself, without a record around it.
 */
import test from 'ava';
import { DEFAULT_LIMITS, EndpointAttr, Status, resolveLimits } from '../../src/mcapi/index.js';
import { MSG_PORT_WINDOW } from '../../src/mcapi/wire.js';
import { Endpoint } from '../../src/mcapi/handles.js';
import { Request } from '../../src/mcapi/request.js';
import { OutFlag } from '../../src/mcapi/msg-peer.js';
import { EndpointState } from '../../src/mcapi/state.js';
import { makeNodes } from './loopnet.js';

test('no overrides: the limits are the defaults themselves, not a copy', (t) => {
  t.is(resolveLimits(), DEFAULT_LIMITS);
  t.not(resolveLimits({ fullPolicy: 'fail' }), DEFAULT_LIMITS);
  t.is(resolveLimits({ fullPolicy: 'fail' }).maxPayload, DEFAULT_LIMITS.maxPayload);
});

test('an endpoint holds one queue array, highest priority first, FIFO within a priority, no record per message', (t) => {
  const st = new EndpointState(new Endpoint(1, 0, 5, 1), { maxPayload: 64, priority: 0, recvBuffers: 4, timeoutMs: Infinity, failOnLimit: false, ackDelayMs: 0 });
  // Round 13b: no array, channel or connect fields until used (a property is an XS slot per endpoint).
  t.is(Object.values(st).filter((v) => Array.isArray(v)).length, 0, 'no queue or waiter array before the first message or receive');
  for (const f of ['queue', 'recvWaiters', 'chan', 'connecting', 'pendingOpen', 'deleted', 'gen']) t.false(f in st, `no ${f} before it is needed`);
  t.is(st.peek(), null);
  const order: [number, number][] = [[2, 1], [3, 2], [0, 3], [2, 4], [1, 5], [0, 6], [3, 7]];
  for (const [prio, tag] of order) {
    const data = new Uint8Array([tag]);
    st.enqueue(data, prio);
    st.queued++;
    st.queuedBytes += data.length;
  }
  // A message is its data and its priority in the queue, no record around them (5 XS slots each).
  t.is(Object.values(st).filter((v) => Array.isArray(v)).length, 1, 'one queue array for every priority, nothing per priority');
  t.is(st.queue!.length, 2 * order.length);
  t.true(st.queue!.every((v, i) => (i % 2 === 0 ? v instanceof Uint8Array : typeof v === 'number')));
  const out: number[] = [];
  while (st.peek() !== null) out.push(st.shift()[0]!);
  t.deepEqual(out, [3, 6, 5, 1, 4, 2, 7]);
  t.is(st.queued, 0);
  t.is(st.queuedBytes, 0);
  t.is(st.peek(), null);
});

test('a received packet waits in its channel as the payload itself, and is handed out as is', async (t) => {
  const { hub, nodes } = makeNodes(2);
  const [a, b] = [nodes[0]!, nodes[1]!];
  const s = a.createEndpoint(10);
  const r = b.createEndpoint(20);
  const rr = await hub.run(a.getEndpoint(1, 2, 20, 100));
  await hub.run(a.pktConnect(s, rr, 100));
  const [hs, hr] = await hub.run(Promise.all([a.pktSendOpen(s, 100), b.pktRecvOpen(r, 100)]));
  await a.wait(a.pktSendI(hs, new Uint8Array([7, 8, 9])));
  await hub.advance(50);
  t.is(b.pktAvailable(hr), 1);
  const st = (b as unknown as { core: { endpoints: Map<number, EndpointState> } }).core.endpoints.get(20);
  const queued = st?.chan?.rxPackets[0];
  t.true(queued instanceof Uint8Array, 'no record around the packet');
  const p = await hub.run(b.pktRecv(hr));
  t.true(p === queued, 'the queued payload is the buffer handed out');
  t.deepEqual([...p], [7, 8, 9]);
  b.pktRelease(p);
});

test('a waiting msgRecv is its request in the endpoint\'s list, undone by the endpoint: no closure or record per receive', async (t) => {
  const { hub, nodes } = makeNodes(2);
  const b = nodes[1]!;
  const ep = b.createEndpoint(21);
  const st = (b as unknown as { core: { endpoints: Map<number, EndpointState> } }).core.endpoints.get(21)!;
  const reqs = [b.msgRecvI(ep, new Uint8Array(4)), b.msgRecvI(ep, new Uint8Array(4)), b.msgRecvI(ep, new Uint8Array(4))];
  t.is(st.recvWaiters!.length, 3);
  for (const r of reqs) {
    t.false('_cancel' in r, 'no undo field: Core.abort asks the endpoints (Round 13b)');
    t.false('_op' in r, 'the request is the record the endpoint undoes');
    t.true(r._out instanceof Uint8Array, 'the buffer waits in the result field');
    t.is(r.value, undefined);
    t.is(r.error, null);
  }
  // The list holds the requests themselves (a record per wait was 4 XS slots).
  t.deepEqual(st.recvWaiters, reqs);
  b.cancel(reqs[1]!);
  t.is(st.recvWaiters!.length, 2, 'cancel took the middle receive off the list');
  t.is(st.recvWaiters![0], reqs[0]);
  t.is(st.recvWaiters![1], reqs[2]);
  await hub.run(b.wait(reqs[1]!, 10).then(() => t.fail('cancelled receive completed'), () => undefined));
  const a = nodes[0]!;
  const s = a.createEndpoint(11);
  await hub.run(a.msgSend(s, await hub.run(a.getEndpoint(1, 2, 21, 100)), new Uint8Array([5])));
  await hub.advance(50);
  t.true(b.test(reqs[0]!), 'the first receive still got the message');
  t.is(st.recvWaiters!.length, 1);
  b.cancel(reqs[2]!);
  t.is(st.recvWaiters!.length, 0);
});

test('a request has one undo field for closures and engines, one for its result or error, and no more own properties than its 5 while it waits (no field naming its table, none for a separate record; scope, kind and keep one number; no wait or undo fields until set, Round 13b)', (t) => {
  const { nodes } = makeNodes(1);
  const a = nodes[0]!;
  const req = a.msgRecvI(a.createEndpoint(30), new Uint8Array(1));
  t.false('_undo' in req, 'no separate field for engines');
  // Every own property is an XS slot per request; 32 pending requests fill the table.
  t.is(Object.keys(req).length, 5, Object.keys(req).join(','));
  for (const f of ['_resolve', '_reject', '_waiters']) t.false(f in req, `no ${f} until a wait is set`);
  t.false('_keep' in req, 'the keep bit is in _scopeKeep');
  t.false(Object.prototype.hasOwnProperty.call(req, 'kind'), 'kind is a getter over _scopeKeep');
  t.is(req.kind, 'msg-recv');
  t.false('_owner' in req, 'the table is asked whether it holds the request');
  t.false(Object.prototype.hasOwnProperty.call(req, 'value'), 'value is a getter over _out');
  t.false(Object.prototype.hasOwnProperty.call(req, 'error'), 'error is a getter over _out');
  t.is(req.error, null);
  a.cancel(req);
  t.is(req.value, undefined);
  t.is(req.error?.status, Status.MCAPI_ERR_REQUEST_CANCELLED);
});

test('without an owner field, a pending request of another node is still not a request of this node', (t) => {
  const { nodes } = makeNodes(2);
  const [a, b] = [nodes[0]!, nodes[1]!];
  const req = a.msgRecvI(a.createEndpoint(31), new Uint8Array(1));
  b.createEndpoint(32);
  const e = t.throws(() => b.test(req), { message: /not a request of this node/ });
  t.is((e as unknown as { status: number }).status, Status.MCAPI_ERR_REQUEST_INVALID);
  t.throws(() => b.cancel(req), { message: /not a request of this node/ });
  t.true(req.pending, 'still pending on its own node');
  a.cancel(req);
});

test('a core calls its node through one host, no closures set by the node; the flush timer has no closure either', (t) => {
  const { nodes } = makeNodes(1);
  const a = nodes[0]!;
  const core = (a as unknown as { core: Record<string, unknown> }).core;
  // Each closure is ~15 XS slots on a board (dispatch, flush, beforeData, the flush timer's).
  const own = Object.keys(core).filter((k) => typeof core[k] === 'function');
  t.deepEqual(own, []);
  t.is(core['host'], a);
});

test('a message in flight is one record, its request, of 8 fields (13 before Round 13b: no wait fields until a wait is set; 10 before Round 21: no TIMEOUT timer or undo field): its destination node is its peer\'s, its two ports one number; state, yes/no facts, priority, sequence number and epoch one number; its data in the result field', async (t) => {
  const { hub, nodes } = makeNodes(2);
  const [a, b] = [nodes[0]!, nodes[1]!];
  const ea = a.createEndpoint(40);
  b.createEndpoint(41);
  const to = await hub.run(a.getEndpoint(1, 2, 41, 100));
  const data = new Uint8Array([1]);
  const req = a.msgSendI(ea, to, data, 2);
  t.true(req instanceof Request, 'the app sees a Request');
  const om = req as unknown as Record<string, unknown> & { peer: { node: number; out: unknown[] }; flags: number };
  t.false('_op' in om, 'no second record beside the request');
  t.false('req' in om);
  t.false('toNode' in om);
  t.is(om.peer.node, 2);
  t.deepEqual(om.peer.out, [req], 'the peer holds the request itself, in an array (a Map entry is 3 XS slots)');
  // Every field is an XS slot per message in flight (12 in flight in one conformance case).
  t.is(Object.keys(om).length, 8, Object.keys(om).join(','));
  // Its endpoint has no TIMEOUT: no timer field; the message sender undoes it (Core.abort, by its kind).
  t.false('timer' in om, 'no timer field');
  t.false('_cancel' in om, 'no undo field');
  t.is(req.kind, 'msg-send');
  t.is(om.ports, 40 * 0x10000 + 41);
  for (const k of ['block', 'expired', 'zombie', 'state', 'prio', 'seq', 'data', 'from', 'toPort', 'epoch']) t.false(k in om, `no ${k} field`);
  t.is(typeof om.flags, 'number');
  t.is(om._out, data, 'the data waits in the result field');
  t.is(req.value, undefined);
  t.is(req.error, null);
  await hub.run(a.wait(req, 100));
  t.is(req.size, 1);
  t.is(req.value, 1, 'completion replaced the data with the size sent');
  t.deepEqual(om.peer.out, []);
});

test('a blocking connect, open or endpoint get is the core\'s wait promise itself (no async layer); a bad argument rejects it', async (t) => {
  const { hub, nodes } = makeNodes(2);
  const [a, b] = [nodes[0]!, nodes[1]!];
  const core = (a as unknown as { core: Record<string, (...args: unknown[]) => Promise<unknown>> }).core;
  let last = null as Promise<unknown> | null;
  for (const name of ['waitFor', 'waitVoid']) {
    const own = core[name]!.bind(core);
    core[name] = (...args: unknown[]) => (last = own(...args));
  }
  b.createEndpoint(51);
  b.createEndpoint(52);
  const got = a.getEndpoint(1, 2, 51, 100);
  t.true(got === last, 'getEndpoint');
  const r1 = await hub.run(got);
  const r2 = await hub.run(a.getEndpoint(1, 2, 52, 100));
  const s1 = a.createEndpoint(50);
  const s2 = a.createEndpoint(53);
  const sc = a.sclConnect(s1, r1, 100);
  t.true(sc === last, 'sclConnect');
  await hub.run(sc);
  const pc = a.pktConnect(s2, r2, 100);
  t.true(pc === last, 'pktConnect');
  await hub.run(pc);
  // Opens wait for the other side (never opened here): only their promise is looked at.
  t.true(a.sclSendOpen(s1) === last, 'sclSendOpen');
  t.true(a.pktSendOpen(s2) === last, 'pktSendOpen');
  // An argument error rejects the promise (as it did from an async function) instead of throwing.
  await t.throwsAsync(a.pktConnect(s1, r1, Number.NaN), { instanceOf: Error });
  await t.throwsAsync(a.sclRecvOpen(s1, -5), { instanceOf: Error });
  await t.throwsAsync(a.getEndpoint(1, 2, 51, Number.NaN), { instanceOf: Error });
});

test('waitAny is the core\'s promise itself (no async layer); a bad argument rejects it', async (t) => {
  const { hub, nodes } = makeNodes(1);
  const a = nodes[0]!;
  const core = (a as unknown as { core: Record<string, (...args: unknown[]) => Promise<unknown>> }).core;
  let last = null as Promise<unknown> | null;
  const own = core['waitAny']!.bind(core);
  core['waitAny'] = (...args: unknown[]) => (last = own(...args));
  const e = a.createEndpoint(70);
  const r = a.msgRecvI(e, new Uint8Array(1));
  const w = a.waitAny([r], 5);
  t.true(w === last, 'the core\'s promise');
  await t.throwsAsync(hub.run(w), { message: /TIMEOUT/ });
  await t.throwsAsync(a.waitAny([]), { message: /non-empty/ });
  a.cancel(r);
});

test('a send endpoint with a TIMEOUT keeps its messages\' timers in the sender, made with the first and dropped with the last; a cancelled timed send clears its timer (Round 21)', async (t) => {
  const { hub, nodes } = makeNodes(2);
  const [a, b] = [nodes[0]!, nodes[1]!];
  const ea = a.createEndpoint(40);
  a.setEndpointAttribute(ea, EndpointAttr.TIMEOUT, 50);
  b.createEndpoint(41);
  const to = await hub.run(a.getEndpoint(1, 2, 41, 100));
  const sender = (a as unknown as { msg: { sender: { timers: Map<unknown, number> | null } } }).msg.sender;
  t.is(sender.timers, null, 'no map before a timed message');
  const r1 = a.msgSendI(ea, to, new Uint8Array([1]));
  const r2 = a.msgSendI(ea, to, new Uint8Array([2]));
  t.is(sender.timers?.size, 2);
  t.false('timer' in r1, 'no timer field on the message itself');
  a.cancel(r2);
  t.is(r2.status, Status.MCAPI_ERR_REQUEST_CANCELLED);
  t.is(sender.timers?.size, 1, 'the cancelled message\'s timer is gone');
  await hub.run(a.wait(r1, 100));
  t.is(r1.status, Status.MCAPI_SUCCESS);
  t.is(sender.timers, null, 'the map goes with the last timed message');
});

test('a peer builds its refusal collections (blocked ports, ports to resend) only at the first refusal', async (t) => {
  const { hub, nodes } = makeNodes(2);
  const [a, b] = [nodes[0]!, nodes[1]!];
  const s = a.createEndpoint(60);
  b.createEndpoint(61);
  const to = await hub.run(a.getEndpoint(1, 2, 61, 100));
  await hub.run(a.msgSend(s, to, new Uint8Array([1])));
  await hub.advance(50);
  type PeerShape = { blocked: unknown; resendPorts: unknown; out: unknown };
  const peers = (n: unknown): Map<number, PeerShape> => (n as { msg: { peers: Map<number, PeerShape> } }).msg.peers;
  const sent = peers(a).get(2)!;
  const got = peers(b).get(1)!;
  t.true(Array.isArray(sent.out), 'the peer exists');
  t.is(sent.blocked, null);
  t.is(sent.resendPorts, null);
  t.is(got.blocked, null);
});

test('the per-endpoint window (MSG_PORT_WINDOW) is counted over the messages in flight, no Map per peer: a full port waits, another port goes on', async (t) => {
  const { hub, nodes } = makeNodes(2, { maxRequests: 2 * MSG_PORT_WINDOW + 8 });
  const [a, b] = [nodes[0]!, nodes[1]!];
  const s = a.createEndpoint(70);
  const r1 = b.createEndpoint(71);
  const r2 = b.createEndpoint(72);
  b.setEndpointAttribute(r1, EndpointAttr.NUM_RECV_BUFFERS, 64);
  const to1 = await hub.run(a.getEndpoint(1, 2, 71, 100));
  const to2 = await hub.run(a.getEndpoint(1, 2, 72, 100));
  type PeerShape = { out: { ports: number }[]; queue: unknown[] };
  const peer = (a as unknown as { msg: { peers: Map<number, PeerShape> } }).msg.peers;
  const reqs = [];
  for (let i = 0; i < MSG_PORT_WINDOW + 3; i++) reqs.push(a.msgSendI(s, to1, new Uint8Array([i])));
  reqs.push(a.msgSendI(s, to2, new Uint8Array([99])));
  const p = peer.get(2)!;
  t.false('perPort' in p);
  t.is(p.out.filter((om) => (om.ports & 0xffff) === 71).length, MSG_PORT_WINDOW, 'a full window to port 71');
  t.is(p.queue.length, 3, 'the rest to port 71 waits');
  t.is(p.out.filter((om) => (om.ports & 0xffff) === 72).length, 1, 'the message to port 72 went past them');
  await hub.run(Promise.all(reqs.map((q) => a.wait(q, 1000))));
  t.is(p.out.length + p.queue.length, 0);
  const buf = new Uint8Array(1);
  for (let i = 0; i < MSG_PORT_WINDOW + 3; i++) {
    await hub.run(b.msgRecv(r1, buf));
    t.is(buf[0], i, 'in order');
  }
  void r2;
});

test('a waiting packet receive is undone by its channel: no cancel closure per waiting receive', async (t) => {
  const { hub, nodes } = makeNodes(2);
  const [a, b] = [nodes[0]!, nodes[1]!];
  const s = a.createEndpoint(80);
  const r = b.createEndpoint(81);
  const rr = await hub.run(a.getEndpoint(1, 2, 81, 100));
  await hub.run(a.pktConnect(s, rr, 100));
  const [hs, hr] = await hub.run(Promise.all([a.pktSendOpen(s, 100), b.pktRecvOpen(r, 100)]));
  const st = (b as unknown as { core: { endpoints: Map<number, EndpointState> } }).core.endpoints.get(81)!;
  const chan = st.chan!;
  const first = b.pktRecvI(hr);
  const second = b.pktRecvI(hr);
  t.is(chan.rxWaiters.length, 2);
  for (const q of [first, second]) {
    t.not(typeof q._cancel, 'function', 'no closure');
    t.is(q._cancel, chan, 'the channel undoes the wait');
  }
  b.cancel(first);
  t.is(chan.rxWaiters.length, 1, 'cancel took the first wait off the list');
  t.is(chan.rxWaiters[0]!.req, second);
  await a.wait(a.pktSendI(hs, new Uint8Array([4, 2])));
  await hub.advance(50);
  t.true(b.test(second), 'the remaining receive got the packet');
  t.deepEqual([...second.value!], [4, 2]);
  b.pktRelease(second.value!);
});

test('a cancelled message in flight holds its sequence number as a zombie until the epoch changes; the epoch in its flags reads back unsigned (epochs past 32767)', async (t) => {
  // The fail policy: a cancelled message is not withdrawn (nothing the receiver answers early).
  const { hub, nodes } = makeNodes(2, { fullPolicy: 'fail' });
  const [a, b] = [nodes[0]!, nodes[1]!];
  const s = a.createEndpoint(90);
  b.createEndpoint(91);
  const to = await hub.run(a.getEndpoint(1, 2, 91, 100));
  const net = hub.net(1)!;
  net.epoch = 40_000;
  hub.tap = (f) => (f.src === 1 && f.dst === 2 ? 'drop' : 'deliver');
  const req = a.msgSendI(s, to, new Uint8Array([1]));
  type PeerShape = { out: { flags: number }[] };
  const p = (a as unknown as { msg: { peers: Map<number, PeerShape> } }).msg.peers.get(2)!;
  t.is(p.out.length, 1);
  t.is(p.out[0]!.flags >>> OutFlag.EPOCH_SHIFT, 40_000);
  a.cancel(req);
  t.is(p.out.length, 1, 'in flight when cancelled: kept as a zombie, its number held');
  t.not(p.out[0]!.flags & OutFlag.ZOMBIE, 0);
  await hub.advance(50); // the lost frame is dropped at its delivery time
  hub.tap = null;
  // Another send in the same epoch: the zombie stays (its answer may still come).
  await hub.run(a.msgSend(s, to, new Uint8Array([2])));
  t.is(p.out.filter((om) => (om.flags & OutFlag.ZOMBIE) !== 0).length, 1, 'same epoch: kept');
  net.epoch = 40_001;
  await hub.run(a.msgSend(s, to, new Uint8Array([3])));
  t.is(p.out.length, 0, 'a new epoch swept the zombie of the old one');
});

test('a scalar receive side queues its scalars in one Uint32Array (width, hi, lo per slot), no record over three typed arrays (Round 13: 25 -> 7 XS slots)', async (t) => {
  const { hub, nodes } = makeNodes(2);
  const [a, b] = [nodes[0]!, nodes[1]!];
  const s = a.createEndpoint(90);
  const r = b.createEndpoint(91);
  b.setEndpointAttribute(r, EndpointAttr.NUM_RECV_BUFFERS, 3);
  const rr = await hub.run(a.getEndpoint(1, 2, 91, 100));
  await hub.run(a.sclConnect(s, rr, 100));
  const [hs, hr] = await hub.run(Promise.all([a.sclSendOpen(s, 100), b.sclRecvOpen(r, 100)]));
  const st = (b as unknown as { core: { endpoints: Map<number, EndpointState> } }).core.endpoints.get(91)!;
  const ring = st.chan!.ring;
  t.true(ring instanceof Uint32Array, 'one typed array');
  t.is(ring!.length, 3 * 3, 'three numbers per receive buffer');
  // Around the ring twice, every width, the 64-bit one exact as a pair; a wrong width stays queued.
  const sent: [number, number, number][] = [[1, 0, 200], [2, 0, 65000], [4, 0, 0xfffffffe], [8, 0x12345678, 0x9abcdef0], [1, 0, 7]];
  for (const [w, hi, lo] of sent) {
    if (w === 1) await hub.run(a.sclSendUint8(hs, lo));
    else if (w === 2) await hub.run(a.sclSendUint16(hs, lo));
    else if (w === 4) await hub.run(a.sclSendUint32(hs, lo));
    else await hub.run(a.sclSendUint64Pair(hs, hi, lo));
    await hub.advance(5);
    await t.throwsAsync(w === 1 ? b.sclRecvUint16(hr) : b.sclRecvUint8(hr), { message: /SCL_SIZE/ });
    const got = w === 1 ? await hub.run(b.sclRecvUint8(hr)) : w === 2 ? await hub.run(b.sclRecvUint16(hr))
      : w === 4 ? await hub.run(b.sclRecvUint32(hr)) : await hub.run(b.sclRecvUint64Pair(hr));
    t.deepEqual(got, w === 8 ? [hi, lo] : lo, `width ${String(w)}`);
  }
  t.is(b.sclAvailable(hr), 0);
});

test('endpoints share their node\'s frozen default attributes until one is set; then the endpoint owns a copy, the others keep the defaults (Round 13b)', (t) => {
  const { nodes } = makeNodes(1);
  const a = nodes[0]!;
  const e1 = a.createEndpoint(50);
  const e2 = a.createEndpoint(51);
  const eps = (a as unknown as { core: { endpoints: Map<number, EndpointState> } }).core.endpoints;
  const [s1, s2] = [eps.get(50)!, eps.get(51)!];
  t.is(s1.attrs, s2.attrs, 'one shared record');
  t.true(Object.isFrozen(s1.attrs));
  for (const f of ['maxPayload', 'priority', 'recvBuffers', 'timeoutMs', 'failOnLimit', 'ackDelayMs']) t.false(f in s1, `no own ${f}`);
  const defaults = s1.attrs;
  a.setEndpointAttribute(e1, EndpointAttr.PRIORITY, 1);
  a.setEndpointAttribute(e1, EndpointAttr.NUM_RECV_BUFFERS, 2);
  t.not(s1.attrs, defaults, 'its own record after a change');
  t.is(s2.attrs, defaults, 'the others keep the shared one');
  t.is(a.getEndpointAttribute(e1, EndpointAttr.PRIORITY), 1);
  t.is(a.getEndpointAttribute(e1, EndpointAttr.NUM_RECV_BUFFERS), 2);
  t.is(a.getEndpointAttribute(e2, EndpointAttr.PRIORITY), 0);
  t.is(a.getEndpointAttribute(e2, EndpointAttr.NUM_RECV_BUFFERS), DEFAULT_LIMITS.defaultRecvBuffers);
  t.is(a.getEndpointAttribute(e1, EndpointAttr.MAX_PAYLOAD_SIZE), DEFAULT_LIMITS.maxPayload, 'the copy keeps the rest');
  const own = s1.attrs;
  a.setEndpointAttribute(e1, EndpointAttr.PRIORITY, 0);
  t.is(s1.attrs, own, 'copied once');
  t.throws(() => a.setEndpointAttribute(e2, EndpointAttr.PRIORITY, 99), { message: /PRIORITY|must be/ });
  t.is(s2.attrs, defaults, 'a refused value leaves the shared record');
});
