/**
 * MCAPI over the real network layer (src/net NetLayer) rather than the test LoopNet: three
 * boards in a line (1 - 2 - 3, so 1 and 3 talk through 2) over byte-stream links with the
 * network test harness's wire model, running the whole conformance suite.
 */
import test from 'ava';
import type { AppContext } from '../../src/app.js';
import { McapiNode } from '../../src/mcapi/index.js';
import { conformanceApp } from '../../examples/conformance/app.js';
import { allCases } from '../../examples/conformance/cases/index.js';
import { TestNetwork } from '../net/harness.js';
import type { WireModel } from '../net/harness.js';

async function settle(): Promise<void> {
  await new Promise<void>((r) => setImmediate(r));
}

/** Run the harness one event at a time, letting promise jobs run in between, until `p` settles. */
async function drive<T>(net: TestNetwork, p: Promise<T>, maxMs: number): Promise<T> {
  let done = false;
  p.then(() => { done = true; }, () => { done = true; });
  const limit = net.now + maxMs;
  await settle();
  while (!done) {
    if (net.now > limit) throw new Error(`not done after ${String(maxMs)} virtual ms`);
    const before = net.loop.fired;
    let k = 0;
    net.loop.runUntil(() => k++ >= 1, 1000);
    await settle();
    if (net.loop.fired === before && !done) throw new Error('deadlock: nothing scheduled');
  }
  return p;
}

async function suiteOver(model: WireModel): Promise<{ results: unknown[]; nodes: McapiNode[] }> {
  const net = new TestNetwork({ seed: 3, record: false });
  net.addNodes([1, 2, 3]);
  net.line([1, 2, 3], 'stream', model);
  net.start();
  t0Converge(net);
  const nodes = [1, 2, 3].map((id) => {
    const n = net.node(id);
    const m = new McapiNode(n.net, n.clock);
    m.initialize(1, id);
    return m;
  });
  const ctxs: AppContext[] = nodes.map((mcapi, rank) => ({
    domain: 1,
    node: rank + 1,
    rank,
    boards: 3,
    args: [],
    mcapi,
    dsm: () => Promise.reject(new Error('no DSM here')),
    get rpc(): never {
      throw new Error('no remote calls in the MCAPI tests');
    },
    nodeOfRank: (r: number) => r + 1,
    now: () => net.now,
    sleep: (ms: number) => new Promise<void>((r) => { net.node(rank + 1).clock.setTimer(ms, r); }),
    log: () => undefined,
    event: () => undefined,
    random: () => 0.5,
  }));
  const results = await drive(net, Promise.all(ctxs.map((c) => conformanceApp.main(c))), 600_000);
  return { results, nodes };
}

function t0Converge(net: TestNetwork): void {
  if (!net.runUntil(() => net.converged(), 5000)) throw new Error('routing did not converge');
}

test('conformance over NetLayer: 3 boards in a line, clean 921600-baud-like links', async (t) => {
  const { results, nodes } = await suiteOver({ latencyMs: 1, bytesPerMs: 92 });
  for (const r of results) t.like(r, { passed: allCases().length, failed: 0, failures: [] });
  for (const n of nodes) t.is(n.stats().handlerErrors, 0, n.lastHandlerError());
});

test('conformance over NetLayer: lossy, noisy links (the link layer retransmits)', async (t) => {
  const { results, nodes } = await suiteOver({ latencyMs: 1, bytesPerMs: 92, loss: 0.02, corrupt: 0.02, chunkMax: 32 });
  for (const r of results) t.like(r, { failed: 0, failures: [] });
  for (const n of nodes) t.is(n.stats().handlerErrors, 0, n.lastHandlerError());
});
