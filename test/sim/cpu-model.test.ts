/**
 * The CPU model (`--cpu NS_PER_UNIT`): XS boards' metered computation costs virtual time, a
 * busy board takes what falls due only once it is free, and what a step did takes effect when
 * it ends. Off (0), runs are what they always were.
 */
import test from 'ava';
import { runConfig, runDomain } from '../../host-sim/sim/run.js';
import { Simulator, type EngineName } from '../../host-sim/sim/simulator.js';
import { resultDigest } from '../../host-sim/campaign/classify.js';
import { runCampaign } from '../../host-sim/campaign/campaign.js';
import { emptyFigures, type BoardFigures, type SimBoard } from '../../host-sim/boards/sim-board.js';
import type { BoardAction, BoardEvent } from '../../hal/driven/events.js';
import { NATIVE_CALL_UNITS, NATIVE_UNITS_PER_BYTE, NativeHost } from '../../host-sim/boards/native-host.js';
import { NATIVE_MARK, OP_CRC32 } from '../../hal/xsnap/native-protocol.js';
import { runChild } from '../util/child.js';

const bin = new URL('../../../bin/mcdsm.js', import.meta.url).pathname;
const pingpong = { app: 'pingpong', boards: '4', topology: 'ring', link: 'uart:921600', appArgs: ['--rounds', '3', '--packets', '4', '--scalars', '4'] };
const laplace = { app: 'laplace', appArgs: ['--n', '32', '--iters', '12'], boards: '4', spares: '1', topology: 'full', link: 'uart:921600', engine: 'xs' };

test('XS boards: virtual time grows by at least the busiest board\'s computation, results unchanged', async (t) => {
  const off = await runDomain({ ...pingpong, engine: 'xs', seed: '3' });
  const on = await runDomain({ ...pingpong, engine: 'xs', seed: '3', cpu: '1000' });
  t.true(off.ok && on.ok, `${off.reason} / ${on.reason}`);
  t.deepEqual(on.app.results, off.app.results);
  t.is(off.cpuNsPerUnit, 0);
  t.is(on.cpuNsPerUnit, 1000);
  t.true(off.boards.every((b) => b.cpuMs === 0), 'the model is off by default');
  for (const b of on.boards) {
    t.true(b.compute > 0);
    t.true(Math.abs(b.cpuMs - (b.compute * 1000) / 1e6) < 0.01, `board ${b.node}: cpuMs ${b.cpuMs} = compute ${b.compute} x 1000 ns`);
  }
  const busiestMs = Math.max(...on.boards.map((b) => (b.compute * 1000) / 1e6));
  t.true(busiestMs > 100, `pingpong computes for real (${busiestMs} ms at 1000 ns/unit)`);
  t.true(on.virtualMs > off.virtualMs + 0.8 * busiestMs, `virtual ${on.virtualMs} ms with --cpu 1000 vs ${off.virtualMs} ms without (busiest board ${busiestMs} ms)`);
  t.not(on.traceDigest, off.traceDigest, 'frames go out later');
});

test('XS boards: the same seed and --cpu give the same trace twice; a faster CPU finishes sooner', async (t) => {
  const a = await runDomain({ ...pingpong, engine: 'xs', seed: '5', link: 'uart:921600,loss=0.02', cpu: '150' });
  const b = await runDomain({ ...pingpong, engine: 'xs', seed: '5', link: 'uart:921600,loss=0.02', cpu: '150' });
  const c = await runDomain({ ...pingpong, engine: 'xs', seed: '5', link: 'uart:921600,loss=0.02', cpu: '300' });
  t.true(a.ok, a.reason);
  t.is(a.traceDigest, b.traceDigest);
  t.is(a.virtualMs, b.virtualMs);
  t.deepEqual(a.boards.map((x) => [x.compute, x.cpuMs]), b.boards.map((x) => [x.compute, x.cpuMs]));
  t.true(c.ok, c.reason);
  t.true(c.virtualMs > a.virtualMs, `${c.virtualMs} ms at 300 ns/unit > ${a.virtualMs} ms at 150`);
});

test('--cpu 0 is the model off: the same trace as no --cpu, and XS still matches V8', async (t) => {
  const xs = await runDomain({ ...pingpong, engine: 'xs', seed: '3', cpu: '0' });
  const v8 = await runDomain({ ...pingpong, engine: 'node', seed: '3' });
  t.true(xs.ok, xs.reason);
  t.is(xs.traceDigest, v8.traceDigest);
  t.is(xs.virtualMs, v8.virtualMs);
});

test('V8 boards cost nothing under the CPU model: the same run as without it', async (t) => {
  const on = await runDomain({ ...pingpong, engine: 'node', seed: '3', cpu: '1000' });
  const off = await runDomain({ ...pingpong, engine: 'node', seed: '3' });
  t.is(on.traceDigest, off.traceDigest);
  t.true(on.boards.every((b) => b.cpuMs === 0));
});

test('laplace on XS with --cpu: the fault-free digest, and a crash at a virtual time is still recovered', async (t) => {
  const off = await runDomain({ ...laplace, seed: '5' });
  const on = await runDomain({ ...laplace, seed: '5', cpu: '150' });
  t.true(off.ok && on.ok, `${off.reason} / ${on.reason}`);
  const digest = resultDigest(off);
  t.truthy(digest);
  t.is(resultDigest(on), digest);
  const busiestMs = Math.max(...on.boards.map((b) => b.cpuMs));
  t.true(on.virtualMs > off.virtualMs + 0.8 * busiestMs, `${on.virtualMs} vs ${off.virtualMs} + ${busiestMs}`);
  // Half-way through the run with the CPU model (the run without it is over by then).
  const at = Math.round(on.virtualMs / 2);
  t.true(at > off.virtualMs);
  const crashed = await runDomain({ ...laplace, seed: '5', cpu: '150', fault: [`crash:1@${at}ms`] });
  t.true(crashed.ok, crashed.reason);
  t.is(resultDigest(crashed), digest);
  t.is(crashed.faults.length, 1);
  t.is(crashed.faults[0]!.effect, 'crash');
  t.true((crashed.faults[0]!.atMs ?? -1) >= at, `the crash at ${crashed.faults[0]!.atMs} ms, not before ${at} ms`);
  t.deepEqual(crashed.recoveries.map((r) => r.failed), [[1]]);
});

test('a campaign forwards --cpu to every run, the fault-free reference included', async (t) => {
  const args = ['--n', '32', '--iters', '10'];
  const off = await runDomain({ ...laplace, appArgs: args, spares: '2', seed: '11' });
  const c = await runCampaign({
    app: 'laplace', appArgs: args, boards: 4, spares: 2, engine: 'xs', runs: 2, seed: 11, link: 'uart:921600,loss=0,corrupt=0', topology: 'full',
    kinds: ['crash'], iterations: 10, ckptEvery: 0, workers: 1, cpuNsPerUnit: 150,
  });
  t.is(c.reference, resultDigest(off) ?? 'no digest');
  t.is(c.identical, 2, JSON.stringify(c.reports.map((r) => [r.faults, r.outcome, r.reason])));
  // Laplace's computation at 150 ns/unit takes seconds of virtual time; without it, well under one.
  t.true(off.virtualMs < 1000, `${off.virtualMs}`);
  for (const r of c.reports) t.true(r.virtualMs > 2 * off.virtualMs, `${r.faults.join(' ')}: ${r.virtualMs} ms`);
});

/**
 * A board whose behaviour is a script: for each batch it records what it got and when, then
 * reports `units` of computation and the actions the script gives. It stands in for the
 * runtime so the test can place computation and frames exactly.
 */
class ScriptedBoard implements SimBoard {
  readonly engine = 'xs' as const;
  readonly alive = true;
  readonly exitReason = null;
  readonly seen: { now: number; events: string[] }[] = [];
  private readonly stats: BoardFigures = emptyFigures();
  constructor(private readonly script: (now: number, events: BoardEvent[]) => { units: number; actions: BoardAction[] }) {}
  async step(events: readonly BoardEvent[]): Promise<BoardAction[]> {
    const [time, ...rest] = events;
    const now = time!.kind === 'time' ? time!.now : NaN;
    this.seen.push({ now, events: rest.map(describe) });
    const r = this.script(now, rest);
    this.stats.steps++;
    this.stats.compute = r.units;
    this.stats.computeTotal += r.units;
    return r.actions;
  }
  figures(): BoardFigures {
    return { ...this.stats };
  }
  async kill(): Promise<void> {}
}

function describe(e: BoardEvent): string {
  switch (e.kind) {
    case 'rx':
      return `rx:${new TextDecoder().decode(e.bytes)}`;
    case 'timer':
      return `timer:${e.id}`;
    case 'console':
      return `console:${e.text.trim()}`;
    default:
      return e.kind;
  }
}

const frame = (text: string): BoardAction => ({ kind: 'tx', link: 0, bytes: new TextEncoder().encode(text) });
const result = (rank: number): BoardAction => ({ kind: 'event', name: 'app-result', value: rank, detail: '0' });

/**
 * Board 0 boots in 1000 units, sends frames A and B and arms timer 1 for 0.5 ms and timer 2
 * for 3 ms; timer 1's step clears timer 3, armed at boot for 1.2 ms. Board 1 boots in 5000
 * units and reports its result when it has both frames. On an ideal link (1 us latency).
 */
async function scripted(cpu: string): Promise<{ b0: ScriptedBoard; b1: ScriptedBoard; virtualMs: number; ok: boolean }> {
  const b0 = new ScriptedBoard((now, evs) => {
    if (evs.some((e) => e.kind === 'boot')) {
      return { units: 1000, actions: [frame('A'), { kind: 'timer-set', id: 1, at: now + 0.5 }, { kind: 'timer-set', id: 3, at: now + 1.2 }, { kind: 'timer-set', id: 2, at: now + 3 }, frame('B')] };
    }
    const timers = evs.filter((e) => e.kind === 'timer').map((e) => (e.kind === 'timer' ? e.id : 0));
    if (timers.includes(1)) return { units: 500, actions: [{ kind: 'timer-clear', id: 3 }] };
    if (timers.includes(2)) return { units: 10, actions: [result(0)] };
    return { units: 10, actions: [] };
  });
  let frames = 0;
  const b1 = new ScriptedBoard((_now, evs) => {
    if (evs.some((e) => e.kind === 'boot')) return { units: 5000, actions: [] };
    frames += evs.filter((e) => e.kind === 'rx').length;
    return { units: 10, actions: frames === 2 ? [result(1)] : [] };
  });
  const boards = [b0, b1];
  const cfg = runConfig({ app: 'idle', boards: '2', link: 'ideal', cpu });
  const sim = new Simulator(cfg, async (_engine: EngineName, node: number) => boards[node]!);
  const s = await sim.run();
  await sim.shutdown();
  return { b0, b1, virtualMs: s.virtualMs, ok: s.ok };
}

test('a busy board takes a frame that arrives meanwhile only when it is free; effects happen at the end of a step', async (t) => {
  const off = await scripted('0');
  t.true(off.ok);
  // Without the model: the frames arrive 1 us after boot, timer 1 fires at 0.5 ms and clears timer 3.
  t.deepEqual(off.b1.seen.map((x) => [round(x.now), x.events]), [[0, ['boot']], [0.001, ['rx:A', 'rx:B']]]);
  t.deepEqual(off.b0.seen.map((x) => [round(x.now), x.events]), [[0, ['boot']], [0.5, ['timer:1']], [3, ['timer:2']]]);

  const on = await scripted('1000');
  t.true(on.ok);
  // Board 0 computes its boot for 1 ms: its frames go out at 1 ms and reach board 1 at
  // 1.001 ms, but board 1 computes its own boot until 5 ms and takes them then, in order.
  t.deepEqual(on.b1.seen.map((x) => [round(x.now), x.events]), [[0, ['boot']], [5, ['rx:A', 'rx:B']]]);
  // Timer 1 (armed for 0.5 ms) fires when the boot step ends at 1 ms; its step (0.5 ms) clears
  // timer 3, which fell due at 1.2 ms while it ran, so timer 3 never fires; timer 2 fires at 3 ms.
  t.deepEqual(on.b0.seen.map((x) => [round(x.now), x.events]), [[0, ['boot']], [1, ['timer:1']], [3, ['timer:2']]]);
  // The run ends when board 1's last step (10 units) has taken effect.
  t.is(on.virtualMs, 5.01);
});

test('events that fall due while a board computes are delivered in the order they fell due', async (t) => {
  // Board 1 computes 4 ms on frame X (sent by board 0 at boot). Meanwhile a console line
  // (scenario, 1 ms), its own timer 7 (armed at boot for 1.5 ms) and frame Y (sent by board 0
  // at 2 ms) fall due.
  const b0 = new ScriptedBoard((now, evs) => {
    if (evs.some((e) => e.kind === 'boot')) return { units: 0, actions: [frame('X'), { kind: 'timer-set', id: 1, at: now + 2 }] };
    if (evs.some((e) => e.kind === 'timer')) return { units: 0, actions: [frame('Y'), result(0)] };
    return { units: 0, actions: [] };
  });
  const b1 = new ScriptedBoard((now, evs) => {
    if (evs.some((e) => e.kind === 'boot')) return { units: 0, actions: [{ kind: 'timer-set', id: 7, at: now + 1.5 }] };
    if (evs.some((e) => describe(e) === 'rx:X')) return { units: 4000, actions: [] };
    return { units: 10, actions: evs.some((e) => describe(e) === 'rx:Y') ? [result(1)] : [] };
  });
  const boards = [b0, b1];
  const cfg = runConfig({ app: 'idle', boards: '2', link: 'ideal', cpu: '1000' });
  cfg.scenario = [{ board: 1, command: 'hello', atMs: 1, origin: 'test' }];
  // A scripted board has no shell to answer the line.
  cfg.allowUnfiredFaults = true;
  const sim = new Simulator(cfg, async (_e: EngineName, node: number) => boards[node]!);
  const s = await sim.run();
  await sim.shutdown();
  t.true(s.ok, s.reason);
  t.deepEqual(b1.seen.map((x) => [round(x.now), x.events]), [[0, ['boot']], [0.001, ['rx:X']], [4.001, ['console:hello', 'timer:7', 'rx:Y']]]);
  t.is(s.boards[1]!.cpuMs, 4.01);
  t.is(s.boards[0]!.cpuMs, 0);
  t.is(s.virtualMs, 4.011);
});

test('a frame goes when it was written: two frames of one step land apart by the units between them', async (t) => {
  // Board 0's boot step costs 1000 units (1 ms at 1000 ns/unit): it writes A after 200 units,
  // B after 900 and reports its result; C carries no units (a board with no meter) and goes at
  // the step's end, with the rest of the step. Board 1 is free and takes each when it arrives.
  const at = (text: string, units: number): BoardAction => ({ kind: 'tx', link: 0, bytes: new TextEncoder().encode(text), units });
  const b0 = new ScriptedBoard((_now, evs) => ({ units: evs.some((e) => e.kind === 'boot') ? 1000 : 0, actions: evs.some((e) => e.kind === 'boot') ? [at('A', 200), at('B', 900), frame('C'), result(0)] : [] }));
  let frames = 0;
  const b1 = new ScriptedBoard((_now, evs) => {
    frames += evs.filter((e) => e.kind === 'rx').length;
    return { units: evs.some((e) => e.kind === 'boot') ? 0 : 10, actions: frames === 3 ? [result(1)] : [] };
  });
  const boards = [b0, b1];
  const cfg = runConfig({ app: 'idle', boards: '2', link: 'ideal', cpu: '1000' });
  const sim = new Simulator(cfg, async (_e: EngineName, node: number) => boards[node]!);
  const s = await sim.run();
  await sim.shutdown();
  t.true(s.ok, s.reason);
  // Ideal link: 1 us latency. A at 0.2 ms, B 700 units (0.7 ms) later, C at the step's end.
  t.deepEqual(b1.seen.map((x) => [round(x.now), x.events]), [[0, ['boot']], [0.201, ['rx:A']], [0.901, ['rx:B']], [1.001, ['rx:C']]]);
  // The run ends when board 1's last step (10 units, on C) has taken effect.
  t.is(s.virtualMs, 1.011);
});

test('a frame written after native calls carries their declared cost (the host knows it, the board counts the calls)', (t) => {
  const host = new NativeHost();
  const crc = (n: number): void => {
    host.answer(new Uint8Array([NATIVE_MARK, OP_CRC32, ...new Uint8Array(n)]));
  };
  crc(100);
  crc(1000);
  const one = NATIVE_CALL_UNITS + 100 * NATIVE_UNITS_PER_BYTE.crc32;
  const two = one + NATIVE_CALL_UNITS + 1000 * NATIVE_UNITS_PER_BYTE.crc32;
  t.deepEqual([host.chargedBy(0), host.chargedBy(1), host.chargedBy(2), host.chargedBy(9)], [0, one, two, two]);
  t.is(host.take(), two);
  t.is(host.chargedBy(1), 0, 'a new step counts its own calls');
});

function round(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}

function mcdsm(...args: string[]) {
  const r = runChild(process.execPath, [bin, ...args]);
  return { code: r.code, out: r.out, err: r.err };
}

for (const bad of ['-5', 'fast', '1e3x', '']) {
  test(`sim --cpu "${bad}" fails before anything starts, naming --cpu`, (t) => {
    const r = mcdsm('sim', 'examples/pingpong', '--engine', 'node', '--consoles', 'none', `--cpu=${bad}`);
    t.is(r.code, 2, r.err);
    t.regex(r.err, /--cpu/);
    t.notRegex(r.out, /boards up/);
  });
}

test('campaign --cpu with a bad value fails naming --cpu', (t) => {
  const r = mcdsm('campaign', 'examples/laplace', '--runs', '1', '--cpu', 'slow');
  t.is(r.code, 2);
  t.regex(r.err, /--cpu: "slow"/);
});

test('sim --cpu on V8 boards warns that they are modelled as infinitely fast', (t) => {
  const r = mcdsm('sim', 'examples/pingpong', '--boards', '2', '--engine', 'node', '--consoles', 'none', '--cpu', '150', '--json', '--', '--rounds', '1');
  t.is(r.code, 0, r.err);
  t.regex(r.err, /--cpu 150: V8 boards .* infinitely fast/);
  t.is(r.err.split('\n').filter((l) => /warning/.test(l)).length, 1, 'one line');
  const s = JSON.parse(r.out);
  t.is(s.cpuNsPerUnit, 150);
  t.true(s.boards.every((b: { cpuMs: number }) => b.cpuMs === 0));
});

test('sim --cpu on XS boards: no warning, cpuMs in the summary and a cpu column in the table', (t) => {
  const r = mcdsm('sim', 'examples/pingpong', '--boards', '2', '--engine', 'xs', '--consoles', 'none', '--quiet', '--cpu', '150', '--json', '--', '--rounds', '1');
  t.is(r.code, 0, r.err);
  t.notRegex(r.err, /warning/);
  // With --json the people's part is on stderr, the summary alone on stdout.
  t.regex(r.err, /cpu 150 ns\/unit/);
  t.regex(r.err, /heap +cpu +last event/);
  const s = JSON.parse(r.out);
  t.true(s.boards.every((b: { cpuMs: number }) => b.cpuMs > 0));
});

test('a slow board stays alive while it computes: Laplace yields, so its heartbeats go out between slices', async (t) => {
  // N = 128 on 4 boards: rank 0 hashes a 33 KB band at the end, some 6M XS units; at
  // 1000 ns/unit that is 6 s in one piece, three times the 2 s heartbeat timeout. Without the
  // yields (or with zero-delay timers run inside the step) rank 0 is suspected and, with no
  // spare, the run stops.
  const r = await runDomain({ app: 'laplace', appArgs: ['--n', '128', '--iters', '2', '--ckpt-every', '0'], boards: '4', engine: 'xs', topology: 'full', link: 'udp', ram: '8M', cpu: '1000' });
  t.true(r.ok, r.reason);
  t.deepEqual(r.recoveries, []);
  const busiest = Math.max(...r.boards.map((b) => b.cpuMs));
  t.true(busiest > 4000, `rank 0 computed ${busiest} ms of board time, longer than the timeout`);
  const ref = await runDomain({ app: 'laplace', appArgs: ['--n', '128', '--iters', '2', '--ckpt-every', '0'], boards: '4', engine: 'node', topology: 'full', link: 'udp', ram: '8M' });
  t.deepEqual(r.app.result, ref.app.result);
});
