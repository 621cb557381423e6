/**
 * The channel engine (connect, open/close, credits, packets, scalars: ~50 XS slots) is made by
 * a node's first channel call or channel frame, never by messages or lookups: an idle member,
 * the DSM and FT never hold it (docs/FOOTPRINT.md "Round 15: boot slots"). Calls that reach a
 * node without it fail with the same MCAPI status as before. The same for two collections of
 * rare paths: the remote node-attribute queries and the outbox's per-destination counts.
 */
import test from 'ava';
import { EndpointAttr, McapiError, NodeAttr, Status } from '../../src/mcapi/index.js';
import type { McapiNode, PacketRecvHandle } from '../../src/mcapi/index.js';
import { makeNodes } from './loopnet.js';

const engine = (n: McapiNode): unknown => (n as unknown as { chans: unknown }).chans;

test('messages and lookups make no channel engine; a connect by a third node makes it on both ends', async (t) => {
  const { hub, nodes: [a, b, c] } = makeNodes(3);
  const ea = a!.createEndpoint(10);
  const eb = b!.createEndpoint(20);
  const toB = await hub.run(a!.getEndpoint(1, 2, 20, 100));
  await hub.run(a!.msgSend(ea, toB, new Uint8Array([1, 2, 3])));
  const got = new Uint8Array(8);
  t.is(await hub.run(b!.msgRecv(eb, got)), 3);
  for (const n of [a!, b!, c!]) t.is(engine(n), null, 'no channel engine after messages and a lookup');
  t.like(a!.stats(), { openChannels: 0, packetsInUse: 0 });

  // Node 3 connects a:11 -> b:21: the CONNECT frames make the engines of nodes 1 and 2.
  const s11 = a!.createEndpoint(11);
  const r21 = b!.createEndpoint(21);
  b!.setEndpointAttribute(r21, EndpointAttr.NUM_RECV_BUFFERS, 2);
  const s = await hub.run(c!.getEndpoint(1, 1, 11, 100));
  const r = await hub.run(c!.getEndpoint(1, 2, 21, 100));
  await hub.run(c!.pktConnect(s, r, 100));
  t.not(engine(c!), null, 'the connecting node');
  t.not(engine(a!), null, 'the send side, by its CONNECT frame');
  t.not(engine(b!), null, 'the receive side');
  const [, rh] = await hub.run(Promise.all([a!.pktSendOpen(s11, 100), b!.pktRecvOpen(r21, 100)]));
  t.like(b!.stats(), { openChannels: 1 });
  t.is(b!.pktAvailable(rh), 0);
});

test('a node without a channel engine answers channel calls with the same statuses, and finalizes', (t) => {
  const { nodes: [a] } = makeNodes(1);
  const status = (f: () => unknown): number => {
    try {
      f();
    } catch (e) {
      if (e instanceof McapiError) return e.status;
      throw e;
    }
    return Status.MCAPI_SUCCESS;
  };
  t.is(status(() => a!.pktAvailable({} as PacketRecvHandle)), Status.MCAPI_ERR_CHAN_INVALID);
  t.is(engine(a!), null, 'a bad handle is refused before the engine is read');
  t.is(status(() => a!.pktRelease(new Uint8Array(4))), Status.MCAPI_ERR_BUF_INVALID);
  a!.finalize();
  t.false(a!.initialized);
});

test('a node holds no node-attribute query Map until it asks another node, and no outbox count Map until a frame waits', async (t) => {
  const { hub, nodes: [a] } = makeNodes(2);
  const lookup = (a as unknown as { lookup: { attrQueries: unknown } }).lookup;
  const core = (a as unknown as { core: { outboxPerDst: unknown } }).core;
  t.is(lookup.attrQueries, null);
  t.is(core.outboxPerDst, null);
  t.is(await hub.run(a!.getNodeAttribute(1, 1, NodeAttr.TYPE)), 0, 'its own attribute: no query');
  t.is(lookup.attrQueries, null);
  t.is(await hub.run(a!.getNodeAttribute(1, 2, NodeAttr.TYPE)), 0, 'node 2 answers');
  t.true(lookup.attrQueries instanceof Map);
  a!.finalize();
  t.is(lookup.attrQueries, null, 'finalize forgets it');
});
