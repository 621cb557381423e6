/**
 * Node cases: initialize, finalize, ids, node attributes (MCA reference tests "init",
 * "node_attributes"; OpenMCAPI functional 2.1-2.2).
 */
import { NodeAttr, NodeType, Status } from '../../../src/mcapi/index.js';
import type { Case } from '../context.js';
import { privateNode } from '../private-node.js';

export const nodeCases: Case[] = [
  {
    name: 'node: ids of an initialized node; initialize twice is NODE_INITIALIZED',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      ctx.assert(m.initialized, 'node is initialized');
      ctx.assertEqual(m.domainId(), ctx.domain, 'domainId()');
      ctx.assertEqual(m.nodeId(), ctx.node, 'nodeId()');
      ctx.assertEqual(ctx.peerNode(ctx.rank), ctx.node, 'peerNode(own rank)');
      ctx.assertThrowsStatus(() => m.initialize(ctx.domain, ctx.node), Status.MCAPI_ERR_NODE_INITIALIZED, 'second initialize');
    },
  },
  {
    name: 'node: every call before initialize fails with NODE_NOTINIT',
    boards: 2,
    async run(ctx) {
      const m = privateNode(ctx);
      const S = Status.MCAPI_ERR_NODE_NOTINIT;
      ctx.assert(!m.initialized, 'private node starts uninitialized');
      ctx.assertThrowsStatus(() => m.nodeId(), S, 'nodeId');
      ctx.assertThrowsStatus(() => m.domainId(), S, 'domainId');
      ctx.assertThrowsStatus(() => m.createEndpoint(ctx.port(0)), S, 'createEndpoint');
      ctx.assertThrowsStatus(() => m.getEndpointI(ctx.domain, ctx.node, ctx.port(0)), S, 'getEndpointI');
      ctx.assertThrowsStatus(() => m.finalize(), S, 'finalize');
      await ctx.assertRejectsStatus(m.getEndpoint(ctx.domain, ctx.node, ctx.port(0), 5), S, 'getEndpoint');
      await ctx.assertRejectsStatus(m.getNodeAttribute(ctx.domain, ctx.node, NodeAttr.TYPE), S, 'getNodeAttribute');
    },
  },
  {
    name: 'node: initialize checks domain, node and attributes',
    boards: 2,
    async run(ctx) {
      const m = privateNode(ctx);
      ctx.assertThrowsStatus(() => m.initialize(ctx.domain + 1, ctx.node), Status.MCAPI_ERR_DOMAIN_INVALID, 'other domain');
      ctx.assertThrowsStatus(() => m.initialize(ctx.domain, 255), Status.MCAPI_ERR_NODE_INVALID, 'node 255');
      ctx.assertThrowsStatus(() => m.initialize(ctx.domain, (ctx.node + 1) % 255), Status.MCAPI_ERR_NODE_INVALID, "a node id that is not the board's");
      const bogus = {} as unknown as ReturnType<typeof m.nodeInitAttributes>;
      ctx.assertThrowsStatus(() => m.initialize(ctx.domain, ctx.node, bogus), Status.MCAPI_ERR_PARAMETER, 'attrs not from nodeInitAttributes');
      ctx.assert(!m.initialized, 'failed initialize leaves the node uninitialized');
      const info = m.initialize(ctx.domain, ctx.node, m.nodeInitAttributes());
      ctx.assertEqual(info.mcapiVersion, 2015, 'info.mcapiVersion');
      ctx.assertEqual(info.numberOfPorts, m.limits.maxPort, 'info.numberOfPorts');
      m.finalize();
    },
  },
  {
    name: 'node: finalize cancels pending requests; the node can be initialized again',
    boards: 2,
    async run(ctx) {
      const m = privateNode(ctx);
      m.initialize(ctx.domain, ctx.node);
      const ep = m.createEndpoint(ctx.port(0));
      const recv = m.msgRecvI(ep, new Uint8Array(8));
      const get = m.getEndpointI(ctx.domain, ctx.node, ctx.port(1));
      const blocked = ctx.assertRejectsStatus(m.msgRecv(ep, new Uint8Array(8)), Status.MCAPI_ERR_REQUEST_CANCELLED, 'blocking msgRecv across finalize');
      m.finalize();
      ctx.assertEqual(recv.status, Status.MCAPI_ERR_REQUEST_CANCELLED, 'pending msgRecvI after finalize');
      ctx.assertEqual(get.status, Status.MCAPI_ERR_REQUEST_CANCELLED, 'pending getEndpointI after finalize');
      await blocked;
      ctx.assertThrowsStatus(() => m.createEndpoint(ctx.port(0)), Status.MCAPI_ERR_NODE_NOTINIT, 'createEndpoint after finalize');
      ctx.assertThrowsStatus(() => m.finalize(), Status.MCAPI_ERR_NODE_NOTINIT, 'finalize twice');
      m.initialize(ctx.domain, ctx.node);
      const again = m.createEndpoint(ctx.port(0));
      ctx.assertEqual(again.port, ctx.port(0), 'port free again after re-initialize');
      ctx.assertEqual(m.stats().endpoints, 1, 'finalize deleted the old endpoints');
      m.finalize();
    },
  },
  {
    name: 'node: node attributes (init, set, get local and remote)',
    boards: 2,
    async run(ctx) {
      const m = ctx.mcapi;
      const attrs = m.nodeInitAttributes();
      ctx.assertEqual(attrs.get(NodeAttr.TYPE), NodeType.REGULAR, 'default node type');
      attrs.set(NodeAttr.TYPE, NodeType.REGULAR);
      ctx.assertThrowsStatus(() => attrs.set(92, 1), Status.MCAPI_ERR_ATTR_NOTSUPPORTED, 'set attribute 92 (reference test)');
      ctx.assertThrowsStatus(() => attrs.set(5, 1), Status.MCAPI_ERR_ATTR_NUM, 'set unknown attribute 5');
      ctx.assertThrowsStatus(() => attrs.set(NodeAttr.TYPE, 7), Status.MCAPI_ERR_ATTR_VALUE, 'set TYPE to 7');
      ctx.assertEqual(await m.getNodeAttribute(ctx.domain, ctx.node, NodeAttr.TYPE), NodeType.REGULAR, 'own node type');
      const other = ctx.peerNode(1 - ctx.rank);
      ctx.assertEqual(await m.getNodeAttribute(ctx.domain, other, NodeAttr.TYPE), NodeType.REGULAR, 'remote node type');
      ctx.assertThrowsStatus(() => m.getNodeAttributeI(ctx.domain, 300, NodeAttr.TYPE), Status.MCAPI_ERR_NODE_INVALID, 'node 300');
      ctx.assertThrowsStatus(() => m.getNodeAttributeI(ctx.domain + 1, other, NodeAttr.TYPE), Status.MCAPI_ERR_DOMAIN_INVALID, 'other domain');
      ctx.assertThrowsStatus(() => m.getNodeAttributeI(ctx.domain, other, 99), Status.MCAPI_ERR_ATTR_NOTSUPPORTED, 'attribute 99');
      ctx.assertThrowsStatus(() => m.getNodeAttributeI(ctx.domain, other, -1), Status.MCAPI_ERR_ATTR_NUM, 'attribute -1');
    },
  },
];
