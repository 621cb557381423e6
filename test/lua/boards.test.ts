/**
 * Lua boards in the simulator: each board a real lua5.1 (strict `bit`) or lua5.3 process
 * running the runtime compiled by typescript-to-lua (dist/lua). Against V8 and XS boards:
 * pingpong (messages, packet channels, 64-bit scalar channels) gives the same result and the
 * same frames and bytes on every board; a mixed XS + V8 + Lua 5.1 + Lua 5.3 domain runs it to
 * the same result as an all-XS one; the whole MCAPI conformance suite passes (81 cases); the
 * console's `stats` and `status` answer as on V8 boards.
 */
import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDomain } from '../../host-sim/sim/run.js';
import type { SimSummary as DomainSummary } from '../../host-sim/sim/simulator.js';
import { runConformance } from '../../host-sim/commands/conformance.js';
import { allCases } from '../../examples/conformance/cases/index.js';

async function pingpong(engine: string, boards: number, link = 'uart:921600', seed = '7'): Promise<DomainSummary> {
  return runDomain({ app: 'pingpong', appArgs: [], boards: String(boards), engine, topology: 'ring', link, ram: '4M', seed });
}

/** What must match between engines: per-board traffic, state and the app's result. */
function traffic(s: DomainSummary): unknown {
  return s.boards.map((b) => ({ node: b.node, state: b.state, framesIn: b.framesIn, framesOut: b.framesOut, bytesIn: b.bytesIn, bytesOut: b.bytesOut }));
}

test('pingpong on Lua 5.1 and Lua 5.3 boards: same result, frames and bytes as on V8 boards', async (t) => {
  const v8 = await pingpong('node', 3);
  t.true(v8.ok, v8.reason);
  for (const engine of ['lua51', 'lua53']) {
    const lua = await pingpong(engine, 3);
    t.true(lua.ok, `${engine}: ${lua.reason}`);
    t.deepEqual(lua.app.result, v8.app.result, engine);
    t.deepEqual(traffic(lua), traffic(v8), engine);
    // Everything that crossed a board boundary, in the same order at the same virtual times.
    t.is(lua.traceDigest, v8.traceDigest, engine);
    // The boards really ran Lua: an engine of their own, instruction counts, a heap figure.
    t.true(lua.boards.every((b) => b.engine === engine && b.compute > 0 && b.heapPeakBytes > 0), engine);
  }
});

test('a mixed domain (XS, V8, Lua 5.1, Lua 5.3) runs pingpong like an all-XS domain', async (t) => {
  const xs = await pingpong('xs', 4);
  const mixed = await pingpong('xs,node,lua51,lua53', 4);
  t.true(xs.ok, xs.reason);
  t.true(mixed.ok, mixed.reason);
  t.deepEqual(mixed.boards.map((b) => b.engine), ['xs', 'node', 'lua51', 'lua53']);
  t.deepEqual(mixed.app.result, xs.app.result);
  t.deepEqual(traffic(mixed), traffic(xs));
  t.is(mixed.traceDigest, xs.traceDigest);
});

test('over a lossy, corrupting UART ring the mixed domain still has the all-XS trace digest', async (t) => {
  const link = 'uart:115200,loss=0.05,corrupt=0.01';
  const xs = await pingpong('xs', 4, link, '3');
  const mixed = await pingpong('xs,lua51,node,lua53', 4, link, '3');
  t.true(xs.ok, xs.reason);
  t.true(mixed.ok, mixed.reason);
  t.deepEqual(mixed.app.result, xs.app.result);
  t.deepEqual(traffic(mixed), traffic(xs));
  t.is(mixed.traceDigest, xs.traceDigest);
});

for (const engine of ['lua51', 'lua53'] as const) {
  test(`the whole MCAPI conformance suite passes on ${engine} boards`, async (t) => {
    const r = await runConformance(engine);
    t.true(r.ok, r.reason);
    t.deepEqual(r.failures, []);
    t.is(r.failed, 0);
    t.is(r.skipped, 0);
    // Every case of the suite ran: none filtered, none lost.
    t.is(r.passed, allCases().length);
  });
}

/** Board 1's console output for a scenario of console lines typed 10 ms apart (idle, 2 boards). */
async function consoleAnswers(engine: string, lines: readonly string[]): Promise<string[]> {
  const file = join(mkdtempSync(join(tmpdir(), 'mcdsm-lua-')), 'scenario.txt');
  writeFileSync(file, lines.map((l, i) => `at ${String(10 * (i + 1))}ms board 1: ${l}\n`).join(''));
  const out: string[] = [];
  const s = await runDomain({
    app: 'idle', appArgs: [], boards: '2', engine, topology: 'ring', link: 'uart:921600', ram: '4M', seed: '1',
    scenario: file, allowUnfiredFaults: true, observer: { consoleOutput: (b, text) => void (b === 1 && out.push(text)) },
  });
  if (!s.ok) throw new Error(`${engine}: ${s.reason}`);
  return out;
}

for (const engine of ['lua51', 'lua53'] as const) {
  test(`${engine}: the console's stats list their fields as V8 does; status reports the Lua heap`, async (t) => {
    const lines = ['stats', 'fault drop 1.5', 'bogus', 'status'];
    const v8 = await consoleAnswers('node', lines);
    const lua = await consoleAnswers(engine, lines);
    t.is(lua.length, lines.length);
    // Records built by adding keys (src/util/figures.ts) and spreads (McapiNode.stats): the
    // Lua build had listed their fields sorted, so the text (and the trace digest) differed.
    t.is(lua[0], v8[0]);
    t.is(lua[1], v8[1]);
    t.is(lua[2], v8[2]);
    // The heap figure is the board's own (Lua's) and was 0: every other field as on V8.
    const heap = /heap=(\d+) /.exec(lua[3] ?? '');
    t.truthy(heap, lua[3]);
    t.true(Number(heap?.[1]) > 100_000, lua[3]);
    t.is(lua[3]?.replace(/heap=\d+ /, ''), v8[3]?.replace(/heap=\d+ /, ''));
  });
}

test('--cpu charges a Lua board its instruction count, as docs/LUA.md says (not zero virtual time)', async (t) => {
  const run = (cpu: string): Promise<DomainSummary> =>
    runDomain({ app: 'pingpong', appArgs: [], boards: '2', engine: 'xs,lua53', topology: 'ring', link: 'uart:921600', ram: '4M', seed: '1', cpu });
  const off = await run('0');
  const on = await run('150');
  t.true(off.ok && on.ok, `${String(off.reason)} ${String(on.reason)}`);
  const lua = on.boards[1]!;
  t.is(lua.engine, 'lua53');
  // 150 ns per instruction: the Lua board's CPU time is its instruction count's, and the run
  // takes longer in virtual time than with the model off.
  t.true(lua.compute > 0);
  t.true(Math.abs(lua.cpuMs - (lua.compute * 150) / 1e6) <= 0.05 * lua.cpuMs + 1, `${String(lua.cpuMs)} ms for ${String(lua.compute)} units`);
  t.true(on.virtualMs > off.virtualMs + 50, `${String(on.virtualMs)} vs ${String(off.virtualMs)}`);
});
