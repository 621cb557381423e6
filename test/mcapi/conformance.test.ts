/**
 * Runs the conformance app (examples/conformance) on three in-process McapiNodes over the
 * test LoopNet, the way the simulator runs it on boards, and requires every case to pass.
 */
import test from 'ava';
import type { AppContext } from '../../src/app.js';
import type { McapiNode } from '../../src/mcapi/index.js';
import { McapiFrame } from '../../src/mcapi/index.js';
import { CaseWatchdog, conformanceApp, runConformance } from '../../examples/conformance/app.js';
import { allCases } from '../../examples/conformance/cases/index.js';
import { makeNodes } from './loopnet.js';
import type { LoopHub } from './loopnet.js';

function contexts(hub: LoopHub, nodes: McapiNode[], args: string[], logs: string[]): AppContext[] {
  return nodes.map((mcapi, rank) => ({
    domain: 1,
    node: rank + 1,
    rank,
    boards: nodes.length,
    args,
    mcapi,
    nodeOfRank: (r: number) => r + 1,
    now: () => hub.clock.now(),
    sleep: (ms: number) => hub.sleep(ms),
    log: (level: string, message: string) => {
      logs.push(`${level} ${String(rank)} ${message}`);
    },
    event: () => undefined,
    random: () => 0.5,
    dsm: () => Promise.reject(new Error('no DSM in the MCAPI tests')),
    get rpc(): never {
      throw new Error('no remote calls in the MCAPI tests');
    },
  }));
}

test('every conformance case passes on three in-process boards', async (t) => {
  const { hub, nodes } = makeNodes(3);
  const logs: string[] = [];
  const ctxs = contexts(hub, nodes, [], logs);
  // Sleeps the app asked for that have not ended yet.
  const sleeping = { count: 0 };
  for (const c of ctxs) {
    c.sleep = (ms: number) => {
      sleeping.count++;
      return hub.sleep(ms).then(() => void sleeping.count--);
    };
  }
  // A board process dies on an unhandled rejection: a case must handle every promise it makes.
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  process.on('unhandledRejection', onUnhandled);
  let results: unknown[];
  try {
    results = await hub.run(Promise.all(ctxs.map((c) => conformanceApp.main(c))));
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
  t.deepEqual(unhandled.map(String), [], 'no unhandled rejection');
  // A finished case leaves at most one watchdog step pending per board, not its whole timeout
  // (5 s of timers and promise chains per case held a third of a lin board's slot heap).
  t.log(`app sleeps pending when the suite returned: ${String(sleeping.count)}`);
  t.true(sleeping.count <= nodes.length, `${String(sleeping.count)} app sleeps still pending after the suite`);
  const total = allCases().length;
  t.true(total >= 60, `at least 60 cases (have ${String(total)})`);
  for (const r of results) {
    const v = r as { passed: number; failed: number; skipped: number; failures: { name: string; message: string }[] };
    t.deepEqual(v.failures, [], 'no failures');
    t.is(v.passed, total, 'passed === total');
    t.is(v.skipped, 0);
  }
  t.deepEqual(results[0], results[1], 'every board reports the same result');
  t.deepEqual(results[1], results[2], 'every board reports the same result');
  for (const n of nodes) {
    const s = n.stats();
    t.is(s.handlerErrors, 0, n.lastHandlerError());
    t.is(s.malformed, 0);
    t.is(s.requests, 0, 'no request left after the run');
    t.is(s.endpoints, 0, 'no endpoint left after the run');
  }
});

test('with two boards the 3-board cases are skipped, the rest pass', async (t) => {
  const { hub, nodes } = makeNodes(2);
  const ctxs = contexts(hub, nodes, [], []);
  const results = await hub.run(Promise.all(ctxs.map((c) => runConformance(c, { filter: '', caseTimeoutMs: 5000 }))));
  const three = allCases().filter((c) => c.boards === 3).length;
  t.true(three > 0);
  t.is(results[0]!.skipped, three);
  t.is(results[0]!.failed, 0, JSON.stringify(results[0]!.failures));
  t.is(results[0]!.passed, allCases().length - three);
});

test('--case filters by substring; a bad argument is refused', async (t) => {
  const { hub, nodes } = makeNodes(2);
  const ctxs = contexts(hub, nodes, ['--case', 'ping-pong'], []);
  const results = await hub.run(Promise.all(ctxs.map((c) => conformanceApp.main(c))));
  t.like(results[0], { passed: 1, failed: 0 });
  const bad = contexts(hub, nodes, ['--bogus'], [])[0]!;
  await t.throwsAsync(conformanceApp.main(bad), { message: /unknown argument/ });
});

test('the case watchdog fails a case at its timeout and lets a finished one go with one sleeper', async (t) => {
  const { hub } = makeNodes(1);
  let sleeps = 0;
  const w = new CaseWatchdog({
    now: () => hub.clock.now(),
    sleep: (ms) => {
      sleeps++;
      return hub.sleep(ms);
    },
  });
  const start = hub.clock.now();
  const hung = w.guard(new Promise<void>(() => undefined), 1000);
  const e = await t.throwsAsync(hub.run(hung));
  t.is(e?.message, 'case did not finish within 1000 ms');
  t.is(hub.clock.now() - start, 1000);
  // Quick cases one after another share the sleeper: no sleep per case.
  const before = sleeps;
  for (let i = 0; i < 20; i++) {
    await hub.run(w.guard(hub.sleep(5), 5000));
    w.end();
  }
  t.true(sleeps - before <= 2, `${String(sleeps - before)} sleeps for 20 quick cases`);
  const failing = w.guard(Promise.reject(new Error('assertion')), 5000);
  t.is((await t.throwsAsync(hub.run(failing)))?.message, 'assertion');
});

test('the packet-count cases wait for packets still on their way when the barrier overtakes them', async (t) => {
  // On lin boards under load a completed pktSend's packet could still be in MCAPI's outbox or on
  // the wire when the barrier's later message arrived: `pktAvailable and FIFO order` and
  // `receive buffers bound the sender` then counted too early (Round 8). Here every packet
  // takes 40 ms more than the barrier's messages; the counts themselves stay exact.
  const { hub, nodes } = makeNodes(2);
  hub.extraLatency = (f) => (f.type === McapiFrame.PKT ? 40 : 0);
  const logs: string[] = [];
  for (const filter of ['pktAvailable and FIFO order', 'receive buffers bound the sender (credits)']) {
    const results = await hub.run(Promise.all(contexts(hub, nodes, ['--case', filter], logs).map((c) => runConformance(c, { filter, caseTimeoutMs: 5000 }))));
    for (const r of results) t.like(r, { passed: 1, failed: 0 }, `${filter}: ${JSON.stringify(r.failures)}`);
  }
});
