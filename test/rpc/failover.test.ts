/**
 * Remote calls across in-process MCAPI nodes (test/mcapi/loopnet.ts: a virtual clock and a hub
 * that can cut a node off), one test per stage of a call and its remedy: the call still yields
 * its result, exactly once, and the report names the stage and remedy. Killing = every frame
 * to or from the node is dropped from that instant, as when a board dies.
 */
import test from 'ava';
import { RpcLayer, RpcError, RpcStatus, type RpcCallReport, type RpcValue, type ServeControl } from '../../src/rpc/index.js';
import { makeNodes, type LoopHub } from '../mcapi/loopnet.js';

interface World {
  hub: LoopHub;
  rpc: RpcLayer[];
  dead: Set<number>;
  cut: Set<string>;
  /** Nodes whose computation has slowed down (ms per row instead of 20). */
  slow: Set<number>;
  events: { node: number; name: string; value: number; detail?: string }[];
  /** Function runs that returned, per node. */
  finished: number[];
  kill(node: number): void;
}

function world(n: number, onEvent?: (w: World, node: number, name: string) => void): World {
  const { hub, nodes } = makeNodes(n);
  const w: World = {
    hub, rpc: [], dead: new Set(), cut: new Set(), slow: new Set(), events: [], finished: new Array<number>(n + 1).fill(0),
    kill: (node) => void w.dead.add(node),
  };
  hub.tap = (f) => (w.dead.has(f.src) || w.dead.has(f.dst) || w.cut.has(`${f.src}-${f.dst}`) || w.cut.has(`${f.dst}-${f.src}`) ? 'drop' : 'deliver');
  const all = nodes.map((_, i) => i + 1);
  w.rpc = nodes.map(
    (mcapi, i) =>
      new RpcLayer({
        mcapi, clock: hub.clock, domain: 1, nodes: () => all,
        event: (name, value, detail) => {
          w.events.push({ node: i + 1, name, value, ...(detail === undefined ? {} : { detail }) });
          onEvent?.(w, i + 1, name);
        },
      }),
  );
  return w;
}

const ROWS = 24;

/** Sum of squares of a Float64Array, a row at a time, checkpointing every 8 rows. */
function serveSlow(w: World, node: number, opts: { onCheckpoint?: (row: number) => void } = {}): void {
  w.rpc[node - 1]!.serve('sumsq', async (args: RpcValue, ctl: ServeControl) => {
    const xs = args as Float64Array;
    const from = ctl.restored as { row: number; acc: number } | null;
    let row = from?.row ?? 0;
    let acc = from?.acc ?? 0;
    while (row < xs.length) {
      acc += xs[row]! * xs[row]!;
      row++;
      await w.hub.sleep(w.slow.has(node) ? 500 : 20);
      // A dead board computes no further.
      if (w.dead.has(node)) await new Promise<void>(() => undefined);
      if (row % 8 === 0 && row < xs.length) {
        const stored = await ctl.checkpoint({ row, acc });
        if (stored) opts.onCheckpoint?.(row);
      }
    }
    w.finished[node]!++;
    return { acc, from: from?.row ?? 0 };
  });
}

function input(): Float64Array {
  return Float64Array.from({ length: ROWS }, (_, i) => i + 0.5);
}
const WANT = input().reduce((a, x) => a + x * x, 0);

function lastReport(w: World, client = 1): RpcCallReport {
  const r = w.rpc[client - 1]!.reports();
  return r[r.length - 1]!;
}

test('a call returns the served function\'s value; values of every kind survive the trip', async (t) => {
  const w = world(2);
  w.rpc[1]!.serve('echo', (v) => ({ got: v, n: 1 }));
  const arg: RpcValue = { s: 'héllo', f: new Float32Array([1.5, -2]), big: new Uint8Array(5000).fill(7), list: [null, true, 3] };
  const out = (await w.hub.run(w.rpc[0]!.call('echo', arg, { servers: [2] }))) as { got: { big: Uint8Array } };
  t.deepEqual(out, { got: arg, n: 1 });
  t.is(out.got.big.length, 5000);
  t.like(lastReport(w), { ok: true, server: 2, attempts: 1, failures: [] });
});

test('start-up: a dead server is skipped, the next one answers', async (t) => {
  const w = world(3);
  serveSlow(w, 2);
  serveSlow(w, 3);
  w.kill(2);
  const out = (await w.hub.run(w.rpc[0]!.call('sumsq', input(), { servers: [2, 3] }))) as { acc: number };
  t.is(out.acc, WANT);
  const r = lastReport(w);
  t.is(r.server, 3);
  t.is(r.failures.length, 1);
  t.like(r.failures[0], { stage: 'start', server: 2, remedy: 'next-server' });
});

test('start-up: a board that does not serve the name refuses at once, and discovery moves on', async (t) => {
  const w = world(3);
  serveSlow(w, 3);
  w.rpc[1]!.serve('other', () => 0);
  const out = (await w.hub.run(w.rpc[0]!.call('sumsq', input()))) as { acc: number };
  t.is(out.acc, WANT);
  t.like(lastReport(w).failures[0], { stage: 'start', server: 2, reason: 'node 2 does not serve it' });
  t.true(lastReport(w).failures[0]!.lostMs < 100, 'a refusal costs a round trip, not a timeout');
});

test('argument transfer: a server that stops acknowledging chunks is abandoned for the next', async (t) => {
  const w = world(3, (wd, node, name) => {
    if (node === 2 && name === 'rpc-args') wd.kill(2);
  });
  serveSlow(w, 2);
  serveSlow(w, 3);
  const big = new Float64Array(1500).fill(1); // 12 KB: a dozen chunks
  const out = (await w.hub.run(w.rpc[0]!.call('sumsq', big, { servers: [2, 3] }))) as { acc: number };
  t.is(out.acc, 1500);
  const r = lastReport(w);
  t.like(r.failures[0], { stage: 'args', server: 2, remedy: 'next-server' });
  t.true(r.failures[0]!.resentBytes > 0, 'the bytes sent to the dead server are counted as resent');
});

test('computation: the buddy resumes from the last checkpoint instead of from scratch', async (t) => {
  const w = world(3);
  serveSlow(w, 2, { onCheckpoint: (row) => row === 16 && w.kill(2) });
  serveSlow(w, 3);
  const out = (await w.hub.run(w.rpc[0]!.call('sumsq', input(), { servers: [2, 3] }))) as { acc: number; from: number };
  t.is(out.acc, WANT);
  t.is(out.from, 16, 'node 3 started at the checkpoint node 2 stored in its RAM');
  const r = lastReport(w);
  t.true(r.resumed);
  t.like(r.failures[0], { stage: 'compute', server: 2, remedy: 'next-server' });
  t.is(w.finished[2], 0);
  t.is(w.finished[3], 1);
});

test('computation: a slow server that keeps reporting progress is waited for, not abandoned', async (t) => {
  const w = world(3);
  w.rpc[1]!.serve('slow', async () => {
    await w.hub.sleep(10_000); // far beyond silenceMs, but progress reports keep coming
    return 42;
  });
  t.is(await w.hub.run(w.rpc[0]!.call('slow', null, { servers: [2, 3] })), 42);
  t.deepEqual(lastReport(w).failures, []);
});

test('a non-idempotent call whose server dies after finishing gets the result held at the buddy: it runs once', async (t) => {
  const w = world(3, (wd, node, name) => {
    if (node === 2 && name === 'rpc-result') wd.kill(2);
  });
  serveSlow(w, 2);
  serveSlow(w, 3);
  const out = (await w.hub.run(w.rpc[0]!.call('sumsq', input(), { servers: [2, 3], idempotent: false }))) as { acc: number };
  t.is(out.acc, WANT);
  const r = lastReport(w);
  t.true(r.resumed);
  t.is(r.failures[0]?.remedy, 'resume-at-buddy');
  t.deepEqual([w.finished[2], w.finished[3]], [1, 0], 'the function ran to completion once, on node 2');
  t.is(w.events.filter((e) => e.name === 'rpc-done').length, 1);
});

test('a non-idempotent call with no buddy fails with MAYBE_EXECUTED instead of running twice', async (t) => {
  const w = world(2, (wd, node, name) => {
    if (node === 2 && name === 'rpc-compute') wd.kill(2);
  });
  serveSlow(w, 2);
  const e = await t.throwsAsync(w.hub.run(w.rpc[0]!.call('sumsq', input(), { servers: [2], idempotent: false })), { instanceOf: RpcError });
  t.is(e.status, RpcStatus.MAYBE_EXECUTED);
  // The client saw the server die while waiting for the last acknowledgement: every argument
  // chunk had left, so the server may have started, and a retry elsewhere could run it twice.
  t.like(e.failures[0], { stage: 'args', remedy: 'fail' });
});

test('a partitioned server that finishes first delivers its one result through the buddy', async (t) => {
  // Node 2 loses the client (node 1) but still reaches its buddy (node 3), and finishes long
  // before the client gives up on it: its result, secured at node 3, is the call's result.
  const w = world(3);
  serveSlow(w, 2, { onCheckpoint: (row) => row === 8 && w.cut.add('1-2') });
  serveSlow(w, 3);
  const out = (await w.hub.run(w.rpc[0]!.call('sumsq', input(), { servers: [2, 3], idempotent: false }))) as { acc: number; from: number };
  t.is(out.acc, WANT);
  t.is(out.from, 0, 'computed whole on node 2');
  t.true(lastReport(w).resumed);
  await w.hub.advance(20_000);
  t.deepEqual(w.events.filter((e) => e.name === 'rpc-done').map((e) => e.node), [2]);
  t.is(w.finished[3], 0, 'node 3 never ran it');
});

test('fencing: a partitioned server that finishes after its buddy took over never delivers a second result', async (t) => {
  // As above, but node 2 slows down after the cut: node 3 takes the call over from the
  // checkpoint first, and then refuses node 2's late result.
  const w = world(3);
  serveSlow(w, 2, {
    onCheckpoint: (row) => {
      if (row !== 8) return;
      w.cut.add('1-2');
      w.slow.add(2);
    },
  });
  serveSlow(w, 3);
  const out = (await w.hub.run(w.rpc[0]!.call('sumsq', input(), { servers: [2, 3], idempotent: false }))) as { acc: number; from: number };
  t.is(out.acc, WANT);
  t.is(out.from, 8, 'node 3 resumed from the checkpoint node 2 stored in its RAM');
  await w.hub.advance(20_000);
  t.is(w.finished[2], 1, 'node 2 ran its copy to the end...');
  t.deepEqual(w.events.filter((e) => e.name === 'rpc-done').map((e) => e.node), [3], '...but only node 3\'s result was committed');
  t.is(w.rpc[0]!.reports().length, 1, 'one delivery');
});

test('the deadline ends a call with TIMEOUT', async (t) => {
  const w = world(2);
  w.rpc[1]!.serve('forever', () => new Promise<RpcValue>(() => undefined));
  const e = await t.throwsAsync(w.hub.run(w.rpc[0]!.call('forever', 1, { servers: [2], deadlineMs: 3000 })), { instanceOf: RpcError });
  t.is(e.status, RpcStatus.TIMEOUT);
});

test('a remote exception comes back as REMOTE_ERROR with its message, once', async (t) => {
  const w = world(2);
  w.rpc[1]!.serve('boom', () => {
    throw new Error('sensor out of range');
  });
  const e = await t.throwsAsync(w.hub.run(w.rpc[0]!.call('boom', 1, { servers: [2] })), { instanceOf: RpcError });
  t.is(e.status, RpcStatus.REMOTE_ERROR);
  t.regex(e.message, /sensor out of range/);
});

test('bad limits fail at start naming the field', (t) => {
  const { hub, nodes } = makeNodes(1);
  const e = t.throws(() => new RpcLayer({ mcapi: nodes[0]!, clock: hub.clock, domain: 1, nodes: () => [1], event: () => undefined, limits: { silenceMs: 10, progressMs: 50 } }));
  t.regex(e.message, /silenceMs/);
});
