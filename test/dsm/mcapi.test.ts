import test from 'ava';
import { counterOnDsm } from '../../examples/counter/counter.js';
import { digestFloat64, laplaceOnDsm, laplaceSequential } from '../../examples/laplace/laplace.js';
import { createMcapiDsm, McapiDsmTransport } from '../../src/dsm/mcapi-transport.js';
import { Dsm } from '../../src/dsm/index.js';
import type { DsmOptions } from '../../src/dsm/index.js';
import { makeNodes } from '../mcapi/loopnet.js';
import type { Completion, McapiNode, Request } from '../../src/mcapi/index.js';
import type { Core } from '../../src/mcapi/core.js';

/** Boards on nodes 1..n of an in-memory MCAPI domain, rank r on node r + 1. */
async function onMcapi<T>(n: number, body: (dsm: Dsm) => Promise<T>, options: DsmOptions = {}): Promise<{ out: T[]; frames: number; bytes: number }> {
  const { hub, nodes } = makeNodes(n);
  const run = Promise.all(
    nodes.map(async (mcapi, rank) => {
      const dsm = await createMcapiDsm(mcapi, hub.clock, { rank, size: n, domain: 1, nodeOfRank: (r) => r + 1 }, options);
      return body(dsm);
    }),
  );
  const out = await hub.run(run);
  let frames = 0;
  let bytes = 0;
  for (const m of nodes) {
    const s = m.stats();
    frames += s.framesOut;
    bytes += s.bytesOut;
    if (s.handlerErrors !== 0) throw new Error('MCAPI handler error');
  }
  return { out, frames, bytes };
}

test('Laplace over MCAPI messages gives the sequential digest', async (t) => {
  const n = 48;
  const iters = 10;
  const { out, frames, bytes } = await onMcapi(3, (dsm) => laplaceOnDsm(dsm, { n, iters }));
  t.deepEqual(out[0], { digest: digestFloat64(laplaceSequential(n, iters)), n, iters, boards: 3 });
  t.log(`${frames} MCAPI frames, ${bytes} payload bytes`);
});

test('the MCAPI transport holds no flags array for its peer look-ups, its headroom on the prototype, the Dsm as its receiver', async (t) => {
  // Round 14 (docs/FOOTPRINT.md "Round 14: DSM member slots"): a Uint8Array of look-up flags,
  // a headroom and a receive count per transport, and the onMessage closure, were ~20 XS slots.
  const { out } = await onMcapi(2, async (dsm) => {
    const tr = (dsm as unknown as { transport: McapiDsmTransport }).transport;
    await dsm.barrier();
    const own = Object.keys(tr);
    return [own.includes('looking'), own.includes('headroom'), own.includes('recvSlots'), tr.headroom, tr.receiver === dsm];
  });
  for (const o of out) t.deepEqual(o, [false, false, false, 1, true]);
});

test('the counter over MCAPI messages is exact', async (t) => {
  const { out } = await onMcapi(4, (dsm) => counterOnDsm(dsm, 6));
  t.deepEqual(out[0], { counter: 24 });
});

test('the transport looks a peer up when it first sends to it; a missing one is named after connectTimeoutMs and holds up no other peer', async (t) => {
  const { hub, nodes } = makeNodes(3);
  const errors: string[] = [];
  const got: number[] = [];
  const run = (async () => {
    // Rank 2 (node 3) never opens its DSM endpoint.
    const plan = { size: 3, domain: 1, nodeOfRank: (r: number) => r + 1, connectTimeoutMs: 500, onSendError: (r: number, e: Error) => errors.push(`${r}: ${e.message}`) };
    const [ta, tb] = await Promise.all([McapiDsmTransport.open(nodes[0]!, { rank: 0, ...plan }), McapiDsmTransport.open(nodes[1]!, { rank: 1, ...plan })]);
    tb.receiver = { receive: (from, bytes) => void got.push(from, bytes[0]!) };
    const opened = hub.clock.now();
    ta.send(2, new Uint8Array([0, 7]).subarray(1));
    ta.send(1, new Uint8Array([0, 5]).subarray(1));
    await hub.sleep(100);
    t.deepEqual(got, [0, 5], 'the message to rank 1 went at once');
    await hub.sleep(600);
    return { ta, opened };
  })();
  const { ta } = await hub.run(run);
  t.is(errors.length, 1);
  t.regex(errors[0]!, /^2: dsm transport: no DSM endpoint on rank 2 \(node 3, port 40\) within 500 ms/);
  t.is(ta.stats.sendErrors, 1);
  t.is(ta.stats.sent, 1);
});

test('a rank looks up only the peers it sends to: Laplace on 8 boards over MCAPI makes far fewer than 8 x 7 lookups', async (t) => {
  const n = 8;
  const { hub, nodes } = makeNodes(n);
  const lookups: number[] = [];
  for (const m of nodes) {
    const get = m.getEndpoint.bind(m);
    m.getEndpoint = ((...a: Parameters<typeof get>) => {
      lookups.push(a[1]);
      return get(...a);
    }) as typeof m.getEndpoint;
  }
  const run = Promise.all(nodes.map(async (mcapi, rank) => laplaceOnDsm(await createMcapiDsm(mcapi, hub.clock, { rank, size: n, domain: 1, nodeOfRank: (r) => r + 1 }), { n: 32, iters: 4 })));
  const out = await hub.run(run);
  t.deepEqual(out[0], { digest: digestFloat64(laplaceSequential(32, 4)), n: 32, iters: 4, boards: n });
  t.log(`${lookups.length} endpoint lookups (${n * (n - 1)} when every board looked up every other)`);
  // Each rank talks to its two band neighbours, its barrier parent and children, and rank 0 (ALLOC).
  t.true(lookups.length <= 4 * n, `${lookups.length} lookups`);
});

test('messages from outside the domain are dropped, not delivered', async (t) => {
  const { hub, nodes } = makeNodes(2);
  const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
  const got: number[] = [];
  const run = (async () => {
    const [ta] = await Promise.all([
      McapiDsmTransport.open(a, { rank: 0, size: 2, domain: 1, nodeOfRank: (r) => r + 1 }),
      McapiDsmTransport.open(b, { rank: 1, size: 2, domain: 1, nodeOfRank: (r) => r + 1 }),
    ]);
    ta.receiver = { receive: (from, bytes) => void got.push(from, bytes.length) };
    const stray = b.createEndpoint(41);
    const dst = await b.getEndpoint(1, 1, 40, 100);
    await b.msgSend(stray, dst, new Uint8Array([9, 1, 2]));
    await b.msgSend(stray, dst, new Uint8Array([]));
    await b.msgSend(stray, dst, new Uint8Array([1, 7]));
    await hub.sleep(10);
    return ta.stats;
  })();
  const stats = await hub.run(run);
  t.deepEqual(got, [1, 1]);
  t.is(stats.dropped, 2);
});

test('a 4 KiB page crosses MCAPI in one FETCH (a whole page and its header fit one message)', async (t) => {
  const { out } = await onMcapi(2, async (dsm) => {
    t.true(dsm.limits.maxMessage >= 4096 + 6, `maxMessage ${dsm.limits.maxMessage}`);
    return withPageSize(dsm);
  }, { pageSize: 4096 });
  t.deepEqual(out[0], { fetches: 1, bytes: 4096, ok: true });
});

/** Rank 1 writes the 4 KiB page it homes; rank 0 reads it once (run with pageSize 4096). */
async function withPageSize(dsm: Dsm): Promise<{ fetches: number; bytes: number; ok: boolean } | null> {
  const page = await dsm.alloc('page', 'Uint8', 4096, { home: { ranges: [[4096, 4096], [0, 4096]] } });
  if (dsm.rank === 1) {
    const v = await dsm.acquire(page, 0, 4096, 'w');
    for (let i = 0; i < 4096; i++) v[i] = (i * 7) & 0xff;
  }
  await dsm.barrier();
  let result = null;
  if (dsm.rank === 0) {
    const v = await dsm.acquire(page, 0, 4096, 'r');
    const s = dsm.stats();
    result = { fetches: s.fetches, bytes: s.fetchedBytes, ok: v.every((x, i) => x === ((i * 7) & 0xff)) };
  }
  await dsm.barrier();
  return result;
}

test('the DSM gets MCAPI\'s view of each message (no posted buffer, no copy) and keeps nothing of it: views overwritten right after delivery change nothing read', async (t) => {
  const { hub, nodes } = makeNodes(2);
  const views: Uint8Array[] = [];
  const run = Promise.all(
    nodes.map(async (mcapi, rank) => {
      const options = { pageSize: 4096 };
      const transport = await McapiDsmTransport.open(mcapi, { rank, size: 2, domain: 1, nodeOfRank: (r) => r + 1, recvSlots: Dsm.recvSlotsFor(options), maxMessage: Dsm.messageBytesFor(options) });
      const dsm = new Dsm(transport, hub.clock, options);
      // The DSM's receive, then the view scribbled over as if its memory were reused at once.
      const inner = transport.receiver!;
      transport.receiver = {
        receive: (from, bytes) => {
          views.push(bytes);
          inner.receive(from, bytes);
          bytes.fill(0xee);
        },
      };
      return withPageSize(dsm);
    }),
  );
  const out = await hub.run(run);
  t.deepEqual(out[0], { fetches: 1, bytes: 4096, ok: true }, 'the page read is the page written');
  const page = views.find((v) => v.length >= 4096);
  t.truthy(page, 'the page came as one message');
  // A view of the MSG frame's payload past MCAPI's header and the rank byte (a copy into a
  // posted buffer would start 1 byte into that buffer).
  t.true(page!.byteOffset >= 3, `byteOffset ${page!.byteOffset}`);
});

test('receive buffers are sized to the page (messageBytesFor), not to MCAPI maxPayload; a FETCH still carries at least a whole page', async (t) => {
  // 1 KiB pages (the default): two pages + 2 x 16 header room, half of MCAPI's 4160-byte payload.
  t.is(Dsm.messageBytesFor({}), 2080);
  t.is(Dsm.messageBytesFor({ pageSize: 4096 }), 4128, 'one 4 KiB page and its header');
  t.is(Dsm.messageBytesFor({ pageSize: 256 }), 682, 'a lock release with a full notice list still fits');
  t.is(Dsm.messageBytesFor({ maxMessage: 2000 }), 2000);
  for (const pageSize of [256, 1024, 4096]) {
    const { out } = await onMcapi(2, async (dsm) => {
      t.is(dsm.limits.maxMessage, Dsm.messageBytesFor({ pageSize }));
      return withPageSize(dsm);
    }, { pageSize });
    const r = out[0]!;
    t.true(r.ok && r.bytes === 4096, `pageSize ${pageSize}`);
    t.true(r.fetches <= 4096 / pageSize, `pageSize ${pageSize}: ${r.fetches} fetches for 4 KiB`);
  }
});

test('a message longer than the receive buffers (a peer with other options) is dropped and counted; the slots keep receiving', async (t) => {
  const { hub, nodes } = makeNodes(2);
  const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
  const got: number[] = [];
  const run = (async () => {
    const [ta] = await Promise.all([
      McapiDsmTransport.open(a, { rank: 0, size: 2, domain: 1, nodeOfRank: (r) => r + 1, maxMessage: 100, recvSlots: 2 }),
      McapiDsmTransport.open(b, { rank: 1, size: 2, domain: 1, nodeOfRank: (r) => r + 1 }),
    ]);
    ta.receiver = { receive: (from, bytes) => void got.push(from, bytes.length) };
    const stray = b.createEndpoint(41);
    const dst = await b.getEndpoint(1, 1, 40, 100);
    await b.msgSend(stray, dst, new Uint8Array(102).fill(1));
    for (const n of [101, 5, 50]) await b.msgSend(stray, dst, new Uint8Array(n).fill(1));
    await hub.sleep(10);
    return ta.stats;
  })();
  const stats = await hub.run(run);
  t.deepEqual(got, [1, 100, 1, 4, 1, 49], 'the messages after the long one all arrive, in order');
  t.is(stats.dropped, 1);
  t.is(stats.received, 3);
});

test('a posted DSM receive holds no promise: its request waits with the transport as its Completion and is reused message after message; a send holds none either', async (t) => {
  const { hub, nodes } = makeNodes(2);
  const [a, b] = nodes as [McapiNode, McapiNode];
  const requestsOf = (m: McapiNode): Request<unknown>[] => (m as unknown as { core: Core }).core.requests.all();
  const got: number[] = [];
  const run = (async () => {
    const plan = { size: 2, domain: 1, nodeOfRank: (r: number) => r + 1, recvSlots: 3 };
    const [ta, tb] = await Promise.all([McapiDsmTransport.open(a, { rank: 0, ...plan }), McapiDsmTransport.open(b, { rank: 1, ...plan })]);
    tb.receiver = { receive: (_from, bytes) => void got.push(bytes[0]!) };
    const posted = requestsOf(b);
    t.is(posted.length, 3);
    for (const r of posted) {
      t.is(r.kind, 'msg-recv');
      t.is(r._resolve, tb as Completion, 'the transport is told: no promise resolver');
      t.is(r._waiters, undefined, 'no waiter closures');
    }
    // The first send looks rank 1's endpoint up; the next ones go at once.
    ta.send(1, new Uint8Array([0, 100]).subarray(1));
    await hub.sleep(20);
    // Not a page's type byte (Msg.FETCH_DATA, 5): a page's receive is posted again at the next send (test/dsm/page-repost).
    for (let i = 0; i < 10; i++) ta.send(1, new Uint8Array([0, 16 + i]).subarray(1));
    const sends = requestsOf(a).filter((r) => r.kind === 'msg-send');
    t.true(sends.length > 0);
    for (const r of sends) t.is(r._resolve, ta as Completion, 'a send is told too');
    // Past DSM_ACCEPT_ACK_DELAY_MS: the acceptances that found nothing to ride on came back.
    await hub.sleep(300);
    const after = requestsOf(b);
    t.is(after.length, 3);
    for (const r of after) t.true(posted.includes(r), 'the same three request objects, reposted');
    t.is(requestsOf(a).length, 0, 'every send reported');
    ta.close();
    tb.close();
    await hub.sleep(1);
    return { ta, tb };
  })();
  const { ta, tb } = await hub.run(run);
  t.deepEqual(got, [100, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
  t.is(ta.stats.sent, 11);
  t.is(tb.stats.received, 11);
  t.is(requestsOf(b).length, 0, 'closed: the posted receives were cancelled and freed');
});

test("a plan's nodeOfRank and portOfRank are called as its methods (a class's, no closures: the runtime's RunDsmPlan)", async (t) => {
  const { hub, nodes } = makeNodes(2);
  const [a, b] = nodes as [McapiNode, McapiNode];
  class Plan {
    readonly size = 2;
    readonly domain = 1;
    constructor(readonly rank: number, private readonly base: number) {}
    nodeOfRank(r: number): number {
      return r + 1;
    }
    portOfRank(r: number): number {
      return this.base + r;
    }
  }
  const got: number[] = [];
  const run = (async () => {
    const [ta, tb] = await Promise.all([McapiDsmTransport.open(a, new Plan(0, 300)), McapiDsmTransport.open(b, new Plan(1, 300))]);
    tb.receiver = { receive: (_from, bytes) => void got.push(bytes[0]!) };
    ta.send(1, new Uint8Array([0, 7]).subarray(1));
    await hub.sleep(50);
    ta.close();
    tb.close();
    await hub.sleep(1);
  })();
  await hub.run(run);
  t.deepEqual(got, [7], 'rank 1 reached on its port 301, looked up through the plan\'s own methods');
});
