/**
 * The runtime events between a board and the tools (src/events.ts): the detail text of each is
 * a wire format (the simulator's event action, a Moddable or Lua board's trace line, the trace
 * digest) pinned here byte for byte; every event parses back to what was encoded; a detail that
 * does not read is told apart; and what a real FT cluster emits through the layers' encoders
 * parses as the runtime events they are.
 */
import test from 'ava';
import { RUNTIME_EVENT_NAMES, emitRuntimeEvent, encodeEvent, faultEvent, parseEvent } from '../../src/events.js';
import type { RuntimeEvent } from '../../src/events.js';
import type { FtRecoveryFigures } from '../../src/ft/types.js';
import type { RpcCallReport } from '../../src/rpc/types.js';
import { Cluster } from './cluster.js';

const FIGURES: FtRecoveryFigures = {
  epoch: 2, generation: 3, failed: [2], ranks: [2], replacements: [4], shrink: false,
  detectMs: 812.5, restoreMs: 40.25, totalMs: 852.75, lostIterations: 4, bytes: 16384,
};

const REPORT: RpcCallReport = {
  name: 'matvec', call: 7, ok: true, server: 2, attempts: 2, resumed: false, argBytes: 64, resultBytes: 32, ms: 12.5,
  failures: [{ stage: 'compute', server: 1, remedy: 'next-server', reason: 'silent', lostMs: 30, resentBytes: 64 }],
};

/** Each event with the exact record a board sends for it. */
const WIRE: [RuntimeEvent, string, number, string | undefined][] = [
  [{ name: 'app-start', rank: 1 }, 'app-start', 1, undefined],
  [{ name: 'app-result', rank: 0, result: { digest: 'ab', n: [1, 2] } }, 'app-result', 0, '{"digest":"ab","n":[1,2]}'],
  [{ name: 'app-error', rank: -1, reason: 'unrecoverable: checkpoint of rank 2 lost' }, 'app-error', -1, 'unrecoverable: checkpoint of rank 2 lost'],
  [{ name: 'fault', kind: 'hang', detail: 'hang 250' }, 'fault', 0, 'hang 250'],
  [{ name: 'ckpt-send', round: 3 }, 'ckpt-send', 3, undefined],
  [{ name: 'ckpt-commit', round: 4 }, 'ckpt-commit', 4, undefined],
  [{ name: 'recovery-transfer', rank: 2 }, 'recovery-transfer', 2, undefined],
  [{ name: 'suspect', node: 2 }, 'suspect', 2, undefined],
  [{ name: 'no-quorum', seen: 2, domain: 5 }, 'no-quorum', 2, '2/5'],
  [{ name: 'recovery', epoch: 1, generation: 3, failed: [2, 5], map: [0, 1, 4, 3] }, 'recovery', 1, 'gen=3 failed=2,5 map=0,1,4,3'],
  [{ name: 'recovery', epoch: 1, generation: 0, failed: [], map: [0, 1] }, 'recovery', 1, 'gen=0 failed= map=0,1'],
  [{ name: 'ft-stop', epoch: 2, reason: 'refused by node 0: app version mismatch' }, 'ft-stop', 2, 'refused by node 0: app version mismatch'],
  [{ name: 'ft-recovery', epoch: 2, figures: FIGURES }, 'ft-recovery', 2, JSON.stringify(FIGURES)],
  [{ name: 'rpc-stage', stage: 'compute', entered: 3 }, 'rpc-compute', 3, undefined],
  [{ name: 'rpc-done', client: 0, call: 7, idempotent: false }, 'rpc-done', 7, '0:7:0'],
  [{ name: 'rpc-call', call: 7, report: REPORT }, 'rpc-call', 7, JSON.stringify(REPORT)],
];

test('each event is written exactly as boards always wrote it, and reads back', (t) => {
  for (const [e, name, value, detail] of WIRE) {
    const r = encodeEvent(e);
    t.is(r.name, name);
    t.is(r.value, value);
    t.is(r.detail, detail, name);
    t.true(RUNTIME_EVENT_NAMES.includes(name), `${name} is listed`);
    t.deepEqual(parseEvent(r.name, r.value, r.detail ?? ''), e, name);
  }
});

test('an event without a detail reaches the board without one (not an empty string)', (t) => {
  const calls: unknown[][] = [];
  const sink = { event: (...args: unknown[]): void => void calls.push(args) };
  emitRuntimeEvent(sink, { name: 'suspect', node: 3 });
  emitRuntimeEvent(sink, { name: 'no-quorum', seen: 1, domain: 3 });
  t.deepEqual(calls, [['suspect', 3], ['no-quorum', 1, '1/3']]);
});

test('fault details are the console command as the board applied it', (t) => {
  t.is(faultEvent({ kind: 'crash' }).detail, 'crash');
  t.is(faultEvent({ kind: 'hang', ms: 250 }).detail, 'hang 250');
  t.is(faultEvent({ kind: 'drop', p: 0.2 }).detail, 'drop 0.2');
  t.is(faultEvent({ kind: 'partition', nodes: [1, 2] }).detail, 'partition 1,2');
  t.is(faultEvent({ kind: 'heal' }).detail, 'heal');
  t.is(faultEvent({ kind: 'delay', ms: 5 }).value, 0);
});

test('details that do not read are told apart from events that are not runtime events', (t) => {
  t.is(parseEvent('iter', 30, ''), null, 'an app event');
  t.is(parseEvent('recovery', 1, 'gen=x failed= map=0'), null);
  t.is(parseEvent('recovery', 1, 'gen=1 failed=2'), null);
  t.is(parseEvent('no-quorum', 1, '1of3'), null);
  t.is(parseEvent('rpc-done', 7, '0:7'), null);
  t.deepEqual(parseEvent('ft-recovery', 2, '{"epoch":2}'), { name: 'ft-recovery', epoch: 2, figures: null });
  t.deepEqual(parseEvent('ft-stats', 0, 'not json'), { name: 'ft-stats', rank: 0, stats: null });
  t.deepEqual(parseEvent('rpc-call', 7, '{"call":7}'), { name: 'rpc-call', call: 7, report: null });
  t.deepEqual(parseEvent('app-result', 0, 'not json'), { name: 'app-result', rank: 0, result: 'not json' });
});

test('what an FT cluster emits through its encoders parses as the runtime events they are', async (t) => {
  const c = new Cluster({ boards: 4, spares: 1, seed: 21 });
  const spec = { size: 4096, iters: 30, every: 5, frac: 0.1, iterMs: 20 };
  c.spec = spec;
  c.on((e) => {
    if (e.node === 3 && e.name === 'ckpt-commit' && e.value === 2) c.crash(2);
  });
  t.true(await c.runUntil(() => c.finished(), 60_000));
  t.deepEqual(c.wrong(spec), []);
  const names = new Set(c.events.map((e) => e.name));
  for (const n of ['ckpt-send', 'ckpt-commit', 'suspect', 'recovery-transfer', 'recovery']) t.true(names.has(n), `${n} emitted`);
  for (const e of c.events) {
    const p = parseEvent(e.name, e.value, e.detail);
    t.not(p, null, `${e.name} ${e.value} ${e.detail}`);
    t.is(p === null ? '' : encodeEvent(p).detail ?? '', e.detail, `${e.name} reads back to the same text`);
  }
  const rec = parseEvent('recovery', c.ofName('recovery', 4)[0]!.value, c.ofName('recovery', 4)[0]!.detail);
  t.like(rec, { name: 'recovery', epoch: 1, failed: [2], map: [0, 1, 4, 3] });
});
