/**
 * A simulated board's engine start is bounded on the wall clock (host-sim/sim/engine-start.ts).
 * Before, the loop waited for it without a bound: an engine that never came up (at the run's
 * start or at a reboot) held the run for ever and said nothing. Each case races the run with a
 * guard far beyond the bound, so the code before fails on the guard instead of hanging ava.
 * The boards that do start are V8 boards (in-process, up at once): a real engine's start on a
 * loaded host can take longer than the short bound used here (an XS board took > 500 ms with
 * the suite running beside it).
 */
import test from 'ava';
import type { SimBoard } from '../../host-sim/boards/sim-board.js';
import { emptyFigures } from '../../host-sim/boards/sim-board.js';
import { runConfig } from '../../host-sim/sim/run.js';
import { Simulator, type BoardFactory } from '../../host-sim/sim/simulator.js';
import { boardFactory } from '../../host-sim/sim/factory.js';

/** The bound given to these runs: short, the engines here either start at once or never. */
const START_MS = 500;
/** How long a case may take before it counts as hung (the code before never ended). */
const GUARD_MS = 20_000;

const never = new Promise<never>(() => undefined);

function guarded<T>(p: Promise<T>): Promise<T | 'hung'> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<'hung'>((r) => (timer = setTimeout(() => r('hung'), GUARD_MS)));
  return Promise.race([p, guard]).finally(() => clearTimeout(timer));
}

test('an engine that never starts at the run\'s start: the run fails naming the board and the bound', async (t) => {
  const real = boardFactory();
  const factory: BoardFactory = (engine, node, o) => (node === 1 ? never : real(engine, node, o));
  const cfg = { ...runConfig({ app: 'idle', appArgs: ['--ms', '100'], boards: '2', engine: 'node' }), engineStartMs: START_MS };
  const sim = new Simulator(cfg, factory);
  try {
    const r = await guarded(sim.run().then((s) => `ran: ${s.reason}`, (e: Error) => e.message));
    t.is(r, `board 1 (node): its engine did not start within ${START_MS} ms of wall time`);
  } finally {
    await sim.shutdown();
  }
});

test('an engine that never starts again after a reboot: the board halts naming it, and the run ends', async (t) => {
  const real = boardFactory();
  let made = 0;
  const factory: BoardFactory = (engine, node, o) => (made++ === 0 ? real(engine, node, o) : never);
  const cfg = { ...runConfig({ app: 'idle', appArgs: ['--ms', '1000'], boards: '1', engine: 'node', fault: ['reboot:0@100ms'] }), engineStartMs: START_MS };
  const sim = new Simulator(cfg, factory);
  try {
    const s = await guarded(sim.run());
    if (s === 'hung') return t.fail(`the run did not end within ${GUARD_MS} ms`);
    t.false(s.ok);
    t.is(s.boards[0]!.state, 'halted');
    t.is(s.boards[0]!.haltReason, `reboot failed: board 0 (node): its engine did not start within ${START_MS} ms of wall time`);
  } finally {
    await sim.shutdown();
  }
});

test('an engine that comes up after the bound is killed, not left running', async (t) => {
  let killed = 0;
  const late: SimBoard = {
    engine: 'v8', alive: true, exitReason: null,
    step: async () => [],
    figures: () => emptyFigures(),
    kill: async () => void killed++,
  };
  const factory: BoardFactory = () => new Promise((r) => setTimeout(() => r(late), START_MS * 2));
  const cfg = { ...runConfig({ app: 'idle', boards: '1', engine: 'node' }), engineStartMs: START_MS };
  const sim = new Simulator(cfg, factory);
  try {
    const r = await guarded(sim.run().then(() => 'ran', (e: Error) => e.message));
    t.regex(String(r), /its engine did not start within/);
    await new Promise((res) => setTimeout(res, START_MS * 2));
    t.is(killed, 1);
  } finally {
    await sim.shutdown();
  }
});
