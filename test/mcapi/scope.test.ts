/**
 * Scopes (McapiNode.openScope): what an app run creates goes with it when the scope closes (a
 * rollback), so the next run creates the same ports again, its pending requests end with
 * MCAPI_ERR_REQUEST_CANCELLED instead of hanging, and nothing queued for the old run reaches
 * the new one. The reproducer: a second `createEndpoint(40)` failed with
 * MCAPI_ERR_ENDP_EXISTS after the first recovery.
 */
import test from 'ava';
import { McapiError, Status } from '../../src/mcapi/index.js';
import { makeNodes } from './loopnet.js';

function statusOf(e: unknown): number {
  return e instanceof McapiError ? e.status : -1;
}

test('a closed scope frees its ports: the next run creates endpoint 40 again', (t) => {
  const { nodes: [a] } = makeNodes(1);
  const run1 = a!.openScope();
  run1.mcapi.createEndpoint(40);
  // Without the teardown this is the reproducer: the old run's endpoint still holds the port.
  t.is(statusOf(t.throws(() => a!.createEndpoint(40))), Status.MCAPI_ERR_ENDP_EXISTS);
  run1.close('rollback');
  const run2 = a!.openScope();
  const ep = run2.mcapi.createEndpoint(40);
  t.is(ep.port, 40);
  t.is(a!.stats().endpoints, 1);
});

test('pending requests of a closed scope end with MCAPI_ERR_REQUEST_CANCELLED; other scopes keep theirs', async (t) => {
  const { hub, nodes: [a, b] } = makeNodes(2);
  const run = a!.openScope();
  const other = a!.openScope();
  const m = run.mcapi;
  const ep = m.createEndpoint(40);
  const keep = other.mcapi.createEndpoint(41);
  const recv = m.msgRecv(ep, new Uint8Array(16));
  const lookup = m.getEndpoint(1, 2, 99); // never created: waits
  const reqI = m.msgRecvI(ep, new Uint8Array(16));
  const kept = other.mcapi.msgRecv(keep, new Uint8Array(16));
  // A packet channel in the middle of a transfer.
  const bEp = b!.createEndpoint(50);
  const aSend = m.createEndpoint(51);
  const bRemote = await hub.run(m.getEndpoint(1, 2, 50, 100));
  await hub.run(m.pktConnect(aSend, bRemote, 100));
  const [tx] = await hub.run(Promise.all([m.pktSendOpen(aSend, 100), b!.pktRecvOpen(bEp, 100)]));
  const used = a!.stats().requests;
  run.close('superseded by a rollback');
  const outcomes = await Promise.allSettled([recv, lookup]);
  for (const o of outcomes) {
    t.is(o.status, 'rejected');
    if (o.status === 'rejected') t.is(statusOf(o.reason), Status.MCAPI_ERR_REQUEST_CANCELLED);
  }
  // The request slots are freed; the other scope's receive is still pending.
  t.true(a!.stats().requests < used);
  t.false(reqI.live);
  t.is(reqI.status, Status.MCAPI_ERR_REQUEST_CANCELLED);
  t.is(a!.stats().openChannels, 0);
  // The old run's view is finalized: every call fails, blocking ones reject.
  t.is(statusOf(t.throws(() => m.createEndpoint(40))), Status.MCAPI_ERR_NODE_NOTINIT);
  t.is(statusOf(t.throws(() => m.pktSendI(tx, new Uint8Array(4)))), Status.MCAPI_ERR_NODE_NOTINIT);
  await t.throwsAsync(m.msgRecv(ep, new Uint8Array(4)), { instanceOf: McapiError });
  // The other scope still receives.
  const eb = b!.createEndpoint(60);
  const keepRemote = await hub.run(b!.getEndpoint(1, 1, 41, 100));
  await hub.run(b!.msgSend(eb, keepRemote, new Uint8Array([7])));
  t.is(await hub.run(kept), 1);
});

test('messages queued for the old run are not delivered to the new run on the same port', async (t) => {
  const { hub, nodes: [a, b] } = makeNodes(2);
  const run1 = a!.openScope();
  run1.mcapi.createEndpoint(40);
  const from = b!.createEndpoint(10);
  const to = await hub.run(b!.getEndpoint(1, 1, 40, 100));
  await hub.run(b!.msgSend(from, to, new Uint8Array([1, 2, 3])));
  t.is(run1.mcapi.msgAvailable(run1.mcapi.localEndpoints()[0]!), 1);
  run1.close('rollback');
  const run2 = a!.openScope();
  const ep = run2.mcapi.createEndpoint(40);
  t.is(run2.mcapi.msgAvailable(ep), 0);
  t.is(a!.stats().queuedMessages, 0);
  // A new message reaches the new endpoint.
  await hub.run(b!.msgSend(from, to, new Uint8Array([9])));
  const buf = new Uint8Array(4);
  t.is(await hub.run(run2.mcapi.msgRecv(ep, buf)), 1);
  t.is(buf[0], 9);
});

test('finalize through a scope ends the scope only, never the board node', (t) => {
  const { nodes: [a] } = makeNodes(1);
  const run = a!.openScope();
  run.mcapi.createEndpoint(40);
  a!.createEndpoint(41);
  run.mcapi.finalize();
  t.true(run.closed);
  t.true(a!.initialized);
  t.is(a!.stats().endpoints, 1);
});

test('scopes share one frozen table of method wrappers: a view holds no closure per method', (t) => {
  const { nodes: [a, b] } = makeNodes(2);
  const s1 = a!.openScope();
  const s2 = a!.openScope();
  const s3 = b!.openScope();
  // The same function objects on every view of every node (module-level, in flash on Moddable):
  // a wrapper per method per view cost ~400 XS slots per fault-tolerant run (FOOTPRINT.md Round 9).
  for (const name of ['msgSendI', 'msgRecvI', 'wait', 'createEndpoint', 'getEndpoint', 'pktRecv', 'sclSendUint8']) {
    const f = (s1.mcapi as unknown as Record<string, unknown>)[name];
    t.is(typeof f, 'function', name);
    t.is((s2.mcapi as unknown as Record<string, unknown>)[name], f, name);
    t.is((s3.mcapi as unknown as Record<string, unknown>)[name], f, name);
    t.not(f, (a as unknown as Record<string, unknown>)[name], `${name} is wrapped`);
  }
  // Each wrapper still acts for its own view's scope.
  const ep = s1.mcapi.createEndpoint(40);
  s2.mcapi.createEndpoint(41);
  s1.close('rollback');
  t.is(a!.stats().endpoints, 1);
  t.is(statusOf(t.throws(() => s1.mcapi.createEndpoint(42))), Status.MCAPI_ERR_NODE_NOTINIT);
  t.is(ep.port, 40);
});
