/**
 * Issue 11, defect 1: a run whose timers re-arm without virtual time advancing must end with a
 * livelock verdict instead of spinning forever, and the DSM request watchdog must not re-arm
 * for a remaining 1e-12 ms (the reproducer from the issue).
 */
import test from 'ava';
import type { BoardAction, BoardEvent } from '../../hal/driven/events.js';
import { emptyFigures, type SimBoard } from '../../host-sim/boards/sim-board.js';
import { runConfig, runDomain } from '../../host-sim/sim/run.js';
import { LIVELOCK_STEPS, Simulator } from '../../host-sim/sim/simulator.js';

/** A board that, once booted, re-arms timer 7 for the instant it is already at. */
function spinningBoard(spin: boolean): SimBoard {
  let now = 0;
  const figures = emptyFigures();
  return {
    engine: 'v8',
    alive: true,
    exitReason: null,
    async step(events: readonly BoardEvent[]): Promise<BoardAction[]> {
      figures.steps++;
      const out: BoardAction[] = [];
      for (const ev of events) {
        if (ev.kind === 'time') now = ev.now;
        if (ev.kind === 'boot' || (ev.kind === 'timer' && spin)) out.push({ kind: 'timer-set', id: 7, at: now });
      }
      return out;
    },
    figures: () => figures,
    kill: async () => {},
  };
}

test('a board re-arming a timer at the same instant ends the run with a livelock verdict', async (t) => {
  const cfg = runConfig({ app: 'pingpong', boards: '2', seed: '1', maxVirtual: '10s' });
  const sim = new Simulator(cfg, async (_engine, node) => spinningBoard(node === 1));
  const s = await sim.run();
  await sim.shutdown();
  t.false(s.ok);
  t.regex(s.reason, /^livelock at t=0 ms on board 1 \(timer 7\)/);
  t.true(s.events > LIVELOCK_STEPS);
});

test('issue 11 defect 1 reproducer: the DSM watchdog does not livelock the run', async (t) => {
  const s = await runDomain({
    app: 'laplace', boards: '4', spares: '2', engine: 'node', topology: 'full',
    link: 'uart:921600,loss=0.01,corrupt=0.001', seed: '11000260',
    fault: ['partition:2@iter=55:1', 'heal:2@5452ms'], maxVirtual: '120s',
    appArgs: ['--n', '64', '--iters', '60'], maxWallMs: 120_000,
  });
  t.notRegex(s.reason, /livelock|wall time/, s.reason);
  t.true(s.virtualMs > 0);
});
