/**
 * The conformance suite is a board app: docs/FOOTPRINT.md "Round 7: conformance memory" cut what
 * it holds while a case runs. Each cut is checked here on in-process nodes: a case's context
 * keeps its behaviour on the prototype (no closures or copied assertions per case), the
 * request-table case posts every receive into one buffer, and the 4 KiB packet case sends from
 * one buffer it refills (a 4 KiB pattern per packet was 4 KiB more of chunks on a board).
 */
import test from 'ava';
import type { AppContext } from '../../src/app.js';
import type { McapiNode, Request } from '../../src/mcapi/index.js';
import { BARRIER_PORT, CaseRun, CaseWatchdog, casePorts, conformanceApp, runConformance } from '../../examples/conformance/app.js';
import type { Barrier } from '../../examples/conformance/barrier.js';
import { Barrier as BarrierClass } from '../../examples/conformance/barrier.js';
import { allCases } from '../../examples/conformance/cases/index.js';
import { fillPattern, pattern } from '../../examples/conformance/context.js';
import { privateNode } from '../../examples/conformance/private-node.js';
import { hubContexts, makeNodes } from './loopnet.js';
import type { LoopHub } from './loopnet.js';

/** The node, with every call's second argument (the buffer of msgRecvI, pktSend, ...) recorded. */
function spied(m: McapiNode, calls: { name: string; arg: unknown; first?: unknown }[]): McapiNode {
  return new Proxy(m, {
    get(target, p) {
      const v: unknown = Reflect.get(target, p, target);
      if (typeof v !== 'function') return v;
      return (...a: unknown[]) => {
        calls.push({ name: String(p), arg: a[1], first: a[0] });
        return (v as (...x: unknown[]) => unknown).apply(target, a);
      };
    },
  });
}

test('a case context keeps its methods on the prototype: no closure or assertion copy per case', (t) => {
  const { hub, nodes } = makeNodes(2);
  const app = hubContexts(hub, nodes)[1]!;
  const c = allCases()[0]!;
  const synced: string[] = [];
  const barrier = { sync: (key: string) => { synced.push(key); return Promise.resolve({ ok: true, message: '' }); } } as unknown as Barrier;
  const run = new CaseRun(app, barrier, c, 7, 140, 3);
  const own = Object.values(run).filter((v) => typeof v === 'function');
  t.is(own.length, 0, 'no function-valued own property');
  t.is(run.rank, 1);
  t.is(run.boards, c.boards);
  t.is(run.mcapi, app.mcapi);
  t.is(run.domain, app.domain);
  t.is(run.node, app.node);
  // Round 11b: the five read through, not copied (a slot each per case on XS); what stays is
  // the phase and the seven constructor arguments (the run's operation timeout, --timeout-ms,
  // is one number: a slot while the case runs).
  t.deepEqual(Object.keys(run).sort(), ['app', 'barrier', 'base', 'c', 'index', 'phase', 'ports', 'timeoutMs']);
  t.is(run.timeoutMs, 1000, 'the default operation timeout');
  t.is(run.port(0), 140);
  t.is(run.port(2), 142);
  t.throws(() => run.port(3), { message: /reserved 3 ports/ });
  t.is(run.peerNode(0), 1);
  void run.sync('a');
  void run.sync('b');
  t.deepEqual(synced, ['c7:1:a', 'c7:2:b']);
  run.assertPattern(pattern(300, 5), 300, 5, 'same');
  t.throws(() => run.assertPattern(pattern(300, 5), 300, 6, 'seed'), { message: /seed: expected/ });
  t.throws(() => run.assertPattern(pattern(299, 5), 300, 5, 'length'), { message: /length: expected/ });
  const b = new Uint8Array(260);
  t.is(fillPattern(b, 9), b);
  t.deepEqual([...b], [...pattern(260, 9)]);
});

test('the request-table case posts every receive into one buffer; the 4 KiB case sends from one refilled buffer', async (t) => {
  const { hub, nodes } = makeNodes(2);
  const calls: { name: string; arg: unknown; first?: unknown }[][] = [[], []];
  const ctxs = hubContexts(hub, nodes.map((n, r) => spied(n, calls[r]!)));
  for (const filter of ['request table is bounded', '4 KiB packets']) {
    const results = await hub.run(Promise.all(ctxs.map((c) => runConformance(c, { filter, caseTimeoutMs: 5000 }))));
    t.like(results[0], { passed: 1, failed: 0 }, filter);
  }
  const limit = nodes[0]!.limits.maxRequests;
  for (const all of calls) {
    // The barrier's own receives (msgRecvI since Round 10) have their buffer.
    const board = all.filter((c) => (c.first as { port?: number } | undefined)?.port !== BARRIER_PORT);
    const recvBufs = new Set(board.filter((c) => c.name === 'msgRecvI').map((c) => c.arg));
    t.true(board.filter((c) => c.name === 'msgRecvI').length >= limit - 1, 'the table was filled with receives');
    t.is(recvBufs.size, 1, 'one buffer for every receive of the request-table case');
  }
  const sends = calls[1]!.filter((c) => c.name === 'pktSend' || c.name === 'pktSendI').map((c) => c.arg as Uint8Array);
  t.is(sends.length, 4);
  t.is(new Set(sends).size, 1, 'one 4 KiB buffer refilled for the four packets');
  t.is(sends[0]!.length, Math.min(4096, nodes[0]!.limits.maxPayload));
});

test('the cases are one module-level array, and a filtered run still gives a case the ports of its place in it', async (t) => {
  // Round 8: no copy of the 81 cases and no array of their ports per run (2 x 2.6 KB of chunks on lin).
  t.is(allCases(), allCases(), 'the same array every time');
  const { hub, nodes } = makeNodes(2);
  const calls: { name: string; arg: unknown; first?: unknown }[][] = [[], []];
  const ctxs = hubContexts(hub, nodes.map((n, r) => spied(n, calls[r]!)));
  const cases = allCases();
  const at = cases.findIndex((c) => c.name.indexOf('4 KiB packets') >= 0);
  t.true(at > 0);
  const results = await hub.run(Promise.all(ctxs.map((c) => runConformance(c, { filter: '4 KiB packets', caseTimeoutMs: 5000 }))));
  t.like(results[0], { passed: 1, failed: 0 });
  const base = casePorts(cases)[at]!;
  calls.forEach((board, rank) => {
    const ports = board.filter((c) => c.name === 'createEndpoint').map((c) => c.first);
    // The barrier's endpoint, then the case's own: port(rank) of its reserved range.
    t.deepEqual(ports, [BARRIER_PORT, base + rank]);
  });
});

test('the barrier and a case context sync without an async frame (a suspended frame is ~43 XS slots while a case waits)', (t) => {
  // An async method holds its frame, its promise and a reaction for as long as it waits.
  t.not(CaseRun.prototype.sync.constructor.name, 'AsyncFunction');
  t.not(BarrierClass.prototype.sync.constructor.name, 'AsyncFunction');
});

test('the app\'s main is the suite\'s promise, not an async layer held through the whole run (Round 10)', async (t) => {
  t.not(conformanceApp.main.constructor.name, 'AsyncFunction');
  // Bad arguments still reject (test/mcapi/conformance checks a whole filtered run).
  const ctx = { args: ['--bogus'] } as unknown as AppContext;
  await t.throwsAsync(conformanceApp.main(ctx), { message: /unknown argument --bogus/ });
});

test('the case watchdog steps by reactions on its sleeps, not an async loop held through the suite (Round 10)', (t) => {
  for (const k of Object.getOwnPropertyNames(CaseWatchdog.prototype)) {
    const v = (CaseWatchdog.prototype as unknown as Record<string, unknown>)[k];
    if (typeof v === 'function') t.not(v.constructor.name, 'AsyncFunction', k);
  }
});

test('the node cases\' private node sits on a net and a clock whose methods are on their prototypes (no closures)', (t) => {
  const { hub, nodes } = makeNodes(1);
  const app = hubContexts(hub, nodes)[0]!;
  const run = new CaseRun(app, {} as Barrier, allCases()[0]!, 0, 140, 3);
  const m = privateNode(run);
  const inner = m as unknown as { core: { net: object; clock: object } };
  for (const o of [inner.core.net, inner.core.clock]) {
    const own = Object.values(o).filter((v) => typeof v === 'function');
    t.deepEqual(own, [], 'each closure is ~12 XS slots while a node case runs');
  }
  t.deepEqual(m.initialize(1, 1).numberOfNodes, 1);
  m.finalize();
});

test('the barrier says exactly which request its receive holds, also when messages arrive back to back (the instrumented firmware\'s "left 1 request(s) behind")', async (t) => {
  const { hub, nodes } = makeNodes(2);
  const [m1, m2] = [nodes[0]!, nodes[1]!];
  const barrier = await hub.run(BarrierClass.open(m1, 1, 0, 1, (r) => r + 1, BARRIER_PORT));
  const mine = m2.createEndpoint(BARRIER_PORT + 1);
  const to = await hub.run(m2.getEndpoint(1, 1, BARRIER_PORT));
  t.is(m1.stats().requests, 1, 'the posted receive');
  t.is(barrier.heldRequests(), 1);
  // Hold node 1's frames, then hand them over in one burst (as one read of a slow board's
  // UART does): a receive completes, the next messages queue while its reaction is pending.
  const held: Parameters<NonNullable<LoopHub['tap']>>[0][] = [];
  hub.tap = (f) => {
    if (f.dst !== 1) return 'deliver';
    held.push(f);
    return 'drop';
  };
  const sends = [1, 2, 3].map((k) => m2.msgSend(mine, to, new Uint8Array([k])));
  await hub.advance(5);
  t.is(held.length, 3);
  hub.tap = null;
  const net1 = hub.net(1)!;
  for (const f of held) net1.deliver(f);
  // Every job from here on: what the harness counts (requests outside the barrier) stays 0,
  // while the raw count does move (the moment a queued message is taken it is 0).
  let rawDipped = false;
  for (let i = 0; i < 40; i++) {
    const raw = m1.stats().requests;
    if (raw === 0) rawDipped = true;
    t.is(raw - barrier.heldRequests(), 0, `job ${String(i)}`);
    await Promise.resolve();
  }
  await hub.run(Promise.all(sends));
  t.true(rawDipped, 'the barrier held no request at some moment: a count without heldRequests would have moved');
  t.is(m1.stats().requests - barrier.heldRequests(), 0);
  barrier.close();
});

test('the barrier keeps its keys in arrays, no Map, and no function of its own: it is its receive\'s Completion (Rounds 11, 13)', async (t) => {
  const { hub, nodes } = makeNodes(2);
  const calls: { name: string; arg: unknown }[][] = [[], []];
  const [m1, m2] = [spied(nodes[0]!, calls[0]!), spied(nodes[1]!, calls[1]!)];
  // Rank 0 on node 1, rank 1 on node 2: a real sync of two boards through the barrier.
  const [b0, b1] = await hub.run(Promise.all([
    BarrierClass.open(m1, 1, 0, 2, (r) => r + 1, BARRIER_PORT),
    BarrierClass.open(m2, 1, 1, 2, (r) => r + 1, BARRIER_PORT),
  ]));
  for (const b of [b0, b1]) {
    const fields = Object.values(b as unknown as Record<string, unknown>);
    t.false(fields.some((v) => v instanceof Map), 'no Map (a Map and its entries are slot-heap memory on XS)');
    // Round 13: no bound reaction either (a wait promise, its reaction's promise and the bound
    // function were ~30 XS slots held through the run): the posted receive tells the barrier.
    t.is(fields.filter((v) => typeof v === 'function').length, 0, 'no function of its own');
    const recv = (b as unknown as { recv: Request<number> }).recv;
    t.is(recv._resolve as unknown, b as unknown, 'the posted receive\'s Completion is the barrier itself');
  }
  const [v0, v1] = await hub.run(Promise.all([b0.sync('k', 2), b1.sync('k', 2, false, 'no')]));
  // Rank 0's GO went as a request told to a Completion, not a msgSend promise under a Promise.all.
  const names0 = calls[0]!.map((c) => c.name);
  t.true(names0.includes('msgSendI'), 'GO sent with msgSendI');
  t.false(names0.includes('msgSend'), 'no msgSend promise for GO');
  t.false(names0.includes('wait'), 'no wait promise for the barrier\'s receives');
  t.deepEqual(v0, { ok: false, message: '[rank 1] no' });
  t.deepEqual(v1, v0);
  // Nothing left behind for a key that is done.
  for (const b of [b0, b1]) {
    const r = b as unknown as Record<string, unknown[]>;
    for (const k of ['arrivals', 'releasedKeys', 'releasedVerdicts', 'waitingKeys', 'waitingResolvers']) t.is(r[k]!.length, 0, k);
  }
  b0.close();
  b1.close();
});
