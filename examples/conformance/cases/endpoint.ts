/**
 * Endpoint cases: create, get (blocking, non-blocking, third party, timeout, cancel), delete,
 * attributes (MCA reference tests "endpoint*", OpenMCAPI functional 2.3-2.10, 2.36.1).
 */
import {
  BufferType, Endpoint, EndpointAttr, EndpointType, MemoryType, PORT_ANY, Status,
} from '../../../src/mcapi/index.js';
import type { Case } from '../context.js';

/** How long the waiting get may wait (ms): a barrier and the create, within the case's 5 s. */
const GET_WAIT_MS = 4000;

export const endpointCases: Case[] = [
  {
    name: 'endpoint: create on a port and on PORT_ANY',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const a = m.createEndpoint(ctx.port(0));
      const b = m.createEndpoint(PORT_ANY);
      const c = m.createEndpoint();
      try {
        ctx.assertEqual(a.port, ctx.port(0), 'named port');
        ctx.assertEqual(a.node, ctx.node, 'node of a local endpoint');
        ctx.assertEqual(a.domain, ctx.domain, 'domain of a local endpoint');
        ctx.assert(b.port >= m.limits.firstDynamicPort && b.port <= m.limits.maxPort, `PORT_ANY gives a dynamic port (${String(b.port)})`);
        ctx.assert(c.port !== b.port && c.port !== a.port, 'PORT_ANY ports are distinct');
        ctx.assert(m.localEndpoints().some((e) => e.equals(b)), 'localEndpoints lists the new endpoint');
      } finally {
        m.deleteEndpoint(a);
        m.deleteEndpoint(b);
        m.deleteEndpoint(c);
      }
    },
  },
  {
    name: 'endpoint: create errors (ENDP_EXISTS, PORT_INVALID)',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const a = m.createEndpoint(ctx.port(0));
      try {
        ctx.assertThrowsStatus(() => m.createEndpoint(ctx.port(0)), Status.MCAPI_ERR_ENDP_EXISTS, 'same port twice');
        ctx.assertThrowsStatus(() => m.createEndpoint(0), Status.MCAPI_ERR_PORT_INVALID, 'reserved port 0');
        ctx.assertThrowsStatus(() => m.createEndpoint(m.limits.maxPort + 1), Status.MCAPI_ERR_PORT_INVALID, 'port above maxPort');
        ctx.assertThrowsStatus(() => m.createEndpoint(-5), Status.MCAPI_ERR_PORT_INVALID, 'negative port');
        ctx.assertThrowsStatus(() => m.createEndpoint(1.5), Status.MCAPI_ERR_PORT_INVALID, 'fractional port');
      } finally {
        m.deleteEndpoint(a);
      }
    },
  },
  {
    name: 'endpoint: the endpoint table is bounded (ENDP_LIMIT)',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const made: Endpoint[] = [];
      try {
        for (let i = 0; i <= m.limits.maxEndpoints; i++) made.push(m.createEndpoint(PORT_ANY));
        throw new Error('created more endpoints than limits.maxEndpoints');
      } catch (e) {
        ctx.assertThrowsStatus(() => { throw e; }, Status.MCAPI_ERR_ENDP_LIMIT, 'endpoint beyond the limit');
      } finally {
        for (const e of made) m.deleteEndpoint(e);
      }
      ctx.assertEqual(m.stats().endpoints <= m.limits.maxEndpoints, true, 'endpoint count within the limit');
    },
  },
  {
    name: 'endpoint: get a remote endpoint (blocking)',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const mine = m.createEndpoint(ctx.port(0));
      await ctx.sync('created');
      const other = await ctx.peer(1 - ctx.rank, 0);
      ctx.assertEqual(other.node, ctx.peerNode(1 - ctx.rank), 'node of the remote endpoint');
      ctx.assertEqual(other.port, ctx.port(0), 'port of the remote endpoint');
      ctx.assert(!other.equals(mine), 'remote endpoint differs from the local one');
      const self = await m.getEndpoint(ctx.domain, ctx.node, ctx.port(0), 100);
      ctx.assert(self.equals(mine), 'getEndpoint of an own endpoint');
      await ctx.sync('looked-up');
      m.deleteEndpoint(mine);
    },
  },
  {
    name: 'endpoint: get waits until the endpoint is created',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      if (ctx.rank === 0) {
        // Asked before a barrier, checked still waiting after it, and only then (a second
        // barrier) does rank 1 create: a time taken on rank 0 from a barrier said nothing about
        // when rank 1 created (rank 1 leaves a barrier first, docs/MCAPI.md section 7; it failed
        // on loaded lin boards), and a create that follows the first barrier by a sleep could still
        // reach rank 0 in the same read as that barrier's acceptance.
        const got: { e: Endpoint | null; err: unknown } = { e: null, err: null };
        const p = m.getEndpoint(ctx.domain, ctx.peerNode(1), ctx.port(0), GET_WAIT_MS).then((e) => {
          got.e = e;
        }, (err: unknown) => {
          got.err = err;
        });
        await ctx.sync('asked');
        ctx.assert(got.e === null && got.err === null, 'get still waiting before the create');
        await ctx.sync('checked');
        await p;
        if (got.err !== null) throw got.err;
        ctx.assertEqual(got.e?.port, ctx.port(0), 'port');
        await ctx.sync('done');
      } else {
        await ctx.sync('asked');
        await ctx.sync('checked');
        await ctx.sleep(20);
        const e = m.createEndpoint(ctx.port(0));
        await ctx.sync('done');
        m.deleteEndpoint(e);
      }
    },
  },
  {
    name: 'endpoint: get times out when nothing is created (TIMEOUT)',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const t0 = ctx.now();
      await ctx.assertRejectsStatus(m.getEndpoint(ctx.domain, ctx.peerNode(1 - ctx.rank), ctx.port(0), 20), Status.MCAPI_TIMEOUT, 'get of a missing endpoint');
      ctx.assert(ctx.now() - t0 >= 20 - 1e-6, `timed out after the timeout (${String(t0)} -> ${String(ctx.now())})`);
      await ctx.assertRejectsStatus(m.getEndpoint(ctx.domain, ctx.node, ctx.port(1), 0), Status.MCAPI_TIMEOUT, 'immediate timeout on an own missing endpoint');
    },
  },
  {
    name: 'endpoint: getEndpointI with test and wait',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      if (ctx.rank === 0) {
        const req = m.getEndpointI(ctx.domain, ctx.peerNode(1), ctx.port(0));
        ctx.assert(!m.test(req), 'pending before the endpoint exists');
        await ctx.sync('asked');
        const e = await m.wait(req, ctx.timeoutMs);
        ctx.assertEqual(e.port, ctx.port(0), 'value of the completed request');
        ctx.assertEqual(req.value?.port, ctx.port(0), 'request.value');
        ctx.assertThrowsStatus(() => m.test(req), Status.MCAPI_ERR_REQUEST_INVALID, 'test after the outcome was reported');
        await ctx.sync('done');
      } else {
        await ctx.sync('asked');
        const e = m.createEndpoint(ctx.port(0));
        await ctx.sync('done');
        m.deleteEndpoint(e);
      }
    },
  },
  {
    name: 'endpoint: get parameter errors (DOMAIN_INVALID, NODE_INVALID, PORT_INVALID)',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const other = ctx.peerNode(1 - ctx.rank);
      ctx.assertThrowsStatus(() => m.getEndpointI(ctx.domain + 1, other, ctx.port(0)), Status.MCAPI_ERR_DOMAIN_INVALID, 'other domain');
      ctx.assertThrowsStatus(() => m.getEndpointI(ctx.domain, 255, ctx.port(0)), Status.MCAPI_ERR_NODE_INVALID, 'broadcast node');
      ctx.assertThrowsStatus(() => m.getEndpointI(ctx.domain, -1, ctx.port(0)), Status.MCAPI_ERR_NODE_INVALID, 'negative node');
      ctx.assertThrowsStatus(() => m.getEndpointI(ctx.domain, other, 0), Status.MCAPI_ERR_PORT_INVALID, 'reserved port');
      ctx.assertThrowsStatus(() => m.getEndpointI(ctx.domain, other, m.limits.maxPort + 1), Status.MCAPI_ERR_PORT_INVALID, 'port above maxPort');
      await ctx.assertRejectsStatus(m.getEndpoint(ctx.domain, other, 0, 10), Status.MCAPI_ERR_PORT_INVALID, 'blocking get rejects too');
    },
  },
  {
    name: 'endpoint: cancel a pending get; a later create does not complete it (OpenMCAPI 2.36.1)',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      if (ctx.rank === 0) {
        const req = m.getEndpointI(ctx.domain, ctx.peerNode(1), ctx.port(0));
        const waiting = ctx.assertRejectsStatus(m.wait(req), Status.MCAPI_ERR_REQUEST_CANCELLED, 'a wait on the cancelled request');
        m.cancel(req);
        await waiting;
        ctx.assertThrowsStatus(() => m.cancel(req), Status.MCAPI_ERR_REQUEST_CANCELLED, 'cancel twice');
        await ctx.sync('cancelled');
        await ctx.sync('created');
        await ctx.sleep(20);
        ctx.assertEqual(req.value, undefined, 'no endpoint delivered to the cancelled request');
        ctx.assertEqual(req.status, Status.MCAPI_ERR_REQUEST_CANCELLED, 'status stays cancelled');
        await ctx.sync('done');
      } else {
        await ctx.sync('cancelled');
        const e = m.createEndpoint(ctx.port(0));
        await ctx.sync('created');
        await ctx.sync('done');
        m.deleteEndpoint(e);
      }
    },
  },
  {
    name: 'endpoint: third-party get (3 boards)',
    boards: 3,
    async run(ctx) {
      const m = ctx.mcapi;
      if (ctx.rank < 2) {
        const e = m.createEndpoint(ctx.port(ctx.rank));
        await ctx.sync('created');
        await ctx.sync('done');
        m.deleteEndpoint(e);
      } else {
        await ctx.sync('created');
        const [a, b] = await Promise.all([ctx.peer(0, 0), ctx.peer(1, 1)]);
        ctx.assertEqual(a.node, ctx.peerNode(0), 'endpoint on rank 0');
        ctx.assertEqual(b.node, ctx.peerNode(1), 'endpoint on rank 1');
        ctx.assertEqual(b.port, ctx.port(1), 'port on rank 1');
        await ctx.sync('done');
      }
    },
  },
  {
    name: 'endpoint: delete (owner only; stale handles are invalid)',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const e = m.createEndpoint(ctx.port(0));
      await ctx.sync('created');
      const remote = await ctx.peer(1 - ctx.rank, 0);
      ctx.assertThrowsStatus(() => m.deleteEndpoint(remote), Status.MCAPI_ERR_ENDP_NOTOWNER, "delete another node's endpoint");
      await ctx.sync('tried');
      m.deleteEndpoint(e);
      ctx.assertThrowsStatus(() => m.deleteEndpoint(e), Status.MCAPI_ERR_ENDP_INVALID, 'delete twice');
      ctx.assertThrowsStatus(() => m.msgAvailable(e), Status.MCAPI_ERR_ENDP_INVALID, 'use after delete');
      const again = m.createEndpoint(ctx.port(0));
      ctx.assertThrowsStatus(() => m.msgAvailable(e), Status.MCAPI_ERR_ENDP_INVALID, 'a stale handle stays invalid when the port is reused');
      ctx.assertEqual(m.msgAvailable(again), 0, 'the new endpoint works');
      const bogus = { domain: ctx.domain, node: ctx.node, port: ctx.port(0) } as unknown as Endpoint;
      ctx.assertThrowsStatus(() => m.deleteEndpoint(bogus), Status.MCAPI_ERR_ENDP_INVALID, 'an object that is not an Endpoint');
      m.deleteEndpoint(again);
    },
  },
  {
    name: 'endpoint: delete discards queued messages and fails pending receives',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      if (ctx.rank === 0) {
        const e = m.createEndpoint(ctx.port(0));
        await ctx.sync('created');
        await ctx.sync('sent');
        ctx.assertEqual(m.msgAvailable(e), 2, 'two messages queued');
        m.deleteEndpoint(e);
        const e2 = m.createEndpoint(ctx.port(0));
        ctx.assertEqual(m.msgAvailable(e2), 0, 'the queue went with the endpoint');
        const req = m.msgRecvI(e2, new Uint8Array(4));
        m.deleteEndpoint(e2);
        await ctx.assertRejectsStatus(m.wait(req, 100), Status.MCAPI_ERR_ENDP_INVALID, 'pending receive on a deleted endpoint');
        ctx.assertEqual(m.stats().queuedMessages, 0, 'no message left queued on the node');
        await ctx.sync('done');
      } else {
        const e = m.createEndpoint(ctx.port(1));
        await ctx.sync('created');
        const to = await ctx.peer(0, 0);
        await m.msgSend(e, to, new Uint8Array([1]));
        await m.msgSend(e, to, new Uint8Array([2]));
        await ctx.sync('sent');
        await ctx.sync('done');
        m.deleteEndpoint(e);
      }
    },
  },
  {
    name: 'endpoint: attribute defaults',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const e = m.createEndpoint(ctx.port(0));
      try {
        const g = (a: number): number => m.getEndpointAttribute(e, a);
        ctx.assertEqual(g(EndpointAttr.TYPE), EndpointType.MESSAGE, 'TYPE');
        ctx.assertEqual(g(EndpointAttr.MAX_PAYLOAD_SIZE), m.limits.maxPayload, 'MAX_PAYLOAD_SIZE');
        ctx.assertEqual(g(EndpointAttr.BUFFER_TYPE), BufferType.FIFO, 'BUFFER_TYPE');
        ctx.assertEqual(g(EndpointAttr.NUM_PRIORITIES), m.limits.priorities, 'NUM_PRIORITIES');
        ctx.assertEqual(g(EndpointAttr.PRIORITY), 0, 'PRIORITY');
        ctx.assertEqual(g(EndpointAttr.NUM_SEND_BUFFERS), 0, 'NUM_SEND_BUFFERS of a message endpoint');
        ctx.assertEqual(g(EndpointAttr.NUM_RECV_BUFFERS), m.limits.defaultRecvBuffers, 'NUM_RECV_BUFFERS');
        ctx.assertEqual(g(EndpointAttr.STATUS), 0, 'STATUS');
        ctx.assertEqual(g(EndpointAttr.TIMEOUT), m.limits.defaultTimeoutMs, 'TIMEOUT');
        const policy = m.limits.fullPolicy === 'fail' ? MemoryType.FAIL_ON_MEM_LIMIT : MemoryType.BLOCK_ON_MEM_LIMIT;
        ctx.assertEqual(g(EndpointAttr.MEMORY_TYPE), MemoryType.LOCAL_MEMORY | policy, 'MEMORY_TYPE');
      } finally {
        m.deleteEndpoint(e);
      }
    },
  },
  {
    name: 'endpoint: attributes set and read back',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const e = m.createEndpoint(ctx.port(0));
      try {
        const set = (a: number, v: number): void => m.setEndpointAttribute(e, a, v);
        const g = (a: number): number => m.getEndpointAttribute(e, a);
        set(EndpointAttr.MAX_PAYLOAD_SIZE, 100);
        ctx.assertEqual(g(EndpointAttr.MAX_PAYLOAD_SIZE), 100, 'MAX_PAYLOAD_SIZE');
        set(EndpointAttr.NUM_RECV_BUFFERS, 3);
        ctx.assertEqual(g(EndpointAttr.NUM_RECV_BUFFERS), 3, 'NUM_RECV_BUFFERS');
        set(EndpointAttr.PRIORITY, m.limits.priorities - 1);
        ctx.assertEqual(g(EndpointAttr.PRIORITY), m.limits.priorities - 1, 'PRIORITY');
        set(EndpointAttr.TIMEOUT, 50);
        ctx.assertEqual(g(EndpointAttr.TIMEOUT), 50, 'TIMEOUT');
        set(EndpointAttr.TIMEOUT, 0xffffffff);
        ctx.assertEqual(g(EndpointAttr.TIMEOUT), Infinity, 'TIMEOUT_INFINITE as 0xffffffff');
        set(EndpointAttr.MEMORY_TYPE, MemoryType.LOCAL_MEMORY | MemoryType.FAIL_ON_MEM_LIMIT);
        ctx.assertEqual(g(EndpointAttr.MEMORY_TYPE), MemoryType.FAIL_ON_MEM_LIMIT, 'MEMORY_TYPE fail on limit');
        set(EndpointAttr.MEMORY_TYPE, MemoryType.BLOCK_ON_MEM_LIMIT);
        ctx.assertEqual(g(EndpointAttr.MEMORY_TYPE), MemoryType.BLOCK_ON_MEM_LIMIT, 'MEMORY_TYPE block on limit');
      } finally {
        m.deleteEndpoint(e);
      }
    },
  },
  {
    name: 'endpoint: attribute errors (READONLY, VALUE, NUM, NOTSUPPORTED, SIZE, ENDP_REMOTE)',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const e = m.createEndpoint(ctx.port(0));
      try {
        for (const a of [EndpointAttr.TYPE, EndpointAttr.BUFFER_TYPE, EndpointAttr.NUM_PRIORITIES, EndpointAttr.NUM_SEND_BUFFERS, EndpointAttr.STATUS]) {
          ctx.assertThrowsStatus(() => m.setEndpointAttribute(e, a, 1), Status.MCAPI_ERR_ATTR_READONLY, `set read-only attribute ${String(a)}`);
        }
        const V = Status.MCAPI_ERR_ATTR_VALUE;
        ctx.assertThrowsStatus(() => m.setEndpointAttribute(e, EndpointAttr.MAX_PAYLOAD_SIZE, 0), V, 'MAX_PAYLOAD_SIZE 0');
        ctx.assertThrowsStatus(() => m.setEndpointAttribute(e, EndpointAttr.MAX_PAYLOAD_SIZE, m.limits.maxPayload + 1), V, 'MAX_PAYLOAD_SIZE above the limit');
        ctx.assertThrowsStatus(() => m.setEndpointAttribute(e, EndpointAttr.NUM_RECV_BUFFERS, 0), V, 'NUM_RECV_BUFFERS 0');
        ctx.assertThrowsStatus(() => m.setEndpointAttribute(e, EndpointAttr.NUM_RECV_BUFFERS, m.limits.maxRecvBuffers + 1), V, 'NUM_RECV_BUFFERS above the limit');
        ctx.assertThrowsStatus(() => m.setEndpointAttribute(e, EndpointAttr.PRIORITY, m.limits.priorities), V, 'PRIORITY out of range');
        ctx.assertThrowsStatus(() => m.setEndpointAttribute(e, EndpointAttr.TIMEOUT, -1), V, 'negative TIMEOUT');
        ctx.assertThrowsStatus(() => m.setEndpointAttribute(e, EndpointAttr.MEMORY_TYPE, MemoryType.SHARED_MEMORY), V, 'shared memory');
        ctx.assertThrowsStatus(() => m.setEndpointAttribute(e, EndpointAttr.MEMORY_TYPE, 0x20000), V, 'unknown behaviour bits');
        ctx.assertThrowsStatus(() => m.setEndpointAttribute(e, EndpointAttr.TIMEOUT, '5' as unknown as number), Status.MCAPI_ERR_ATTR_SIZE, 'a string value');
        ctx.assertThrowsStatus(() => m.getEndpointAttribute(e, 40), Status.MCAPI_ERR_ATTR_NUM, 'get unknown attribute 40');
        ctx.assertThrowsStatus(() => m.setEndpointAttribute(e, 40, 1), Status.MCAPI_ERR_ATTR_NUM, 'set unknown attribute 40');
        ctx.assertThrowsStatus(() => m.getEndpointAttribute(e, -3), Status.MCAPI_ERR_ATTR_NUM, 'attribute -3');
        ctx.assertThrowsStatus(() => m.getEndpointAttribute(e, 70), Status.MCAPI_ERR_ATTR_NOTSUPPORTED, 'vendor attribute 70');
        ctx.assertThrowsStatus(() => m.getEndpointAttribute(e, EndpointAttr.GET_COUNT), Status.MCAPI_ERR_ATTR_NOTSUPPORTED, 'GET_COUNT');
        ctx.assertThrowsStatus(() => m.getEndpointAttribute(e, EndpointAttr.GET_SOURCE), Status.MCAPI_ERR_ATTR_NOTSUPPORTED, 'GET_SOURCE');
        ctx.assertEqual(m.getEndpointAttribute(e, EndpointAttr.MAX_PAYLOAD_SIZE), m.limits.maxPayload, 'failed sets changed nothing');
        await ctx.sync('created');
        const remote = await ctx.peer(1 - ctx.rank, 0);
        ctx.assertThrowsStatus(() => m.getEndpointAttribute(remote, EndpointAttr.TYPE), Status.MCAPI_ERR_ENDP_REMOTE, 'get on a remote endpoint');
        ctx.assertThrowsStatus(() => m.setEndpointAttribute(remote, EndpointAttr.TIMEOUT, 1), Status.MCAPI_ERR_ENDP_REMOTE, 'set on a remote endpoint');
        await ctx.sync('done');
      } finally {
        m.deleteEndpoint(e);
      }
    },
  },
];
