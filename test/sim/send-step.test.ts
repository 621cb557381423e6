/**
 * Where a message round trip's critical steps write their frame (docs/PERFORMANCE.md "Round 18:
 * the send path"): two real XS boards echo 24-byte messages over udp under the CPU model, which
 * lands each frame at the units its board had run when it wrote it (round 17). A step that takes
 * a message and sends the next one writes its frame before the send's bookkeeping (the request,
 * the hop link's ack deadline, the counters), so the frame leaves well before the step ends.
 */
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { isRealBoard } from '../../host-sim/boards/real-board.js';
import { runConfig } from '../../host-sim/sim/run.js';
import { Simulator, type BoardFactory } from '../../host-sim/sim/simulator.js';
import { boardFactory } from '../../host-sim/sim/factory.js';
import type { BoardFigures } from '../../host-sim/boards/sim-board.js';
import type { BoardAction, BoardEvent } from '../../hal/driven/events.js';

/**
 * The units into a critical step at which its frame may be written at most: 6 762 / 6 799 on
 * main b152785 (the bookkeeping before the write), 6 391 / 6 428 after round 18, 6 277-6 347
 * when round 19 began (0df1b0e: the receive side's round-18 cuts), 6 080-6 151 after round 19's
 * send path (the hop link's one-method send, the net's queue rule and sendHead's arguments
 * written out, the target's checks).
 */
const FRAME_BY_UNITS = 6_250;
/** The same for a 4 KiB packet's critical step: 4 967-4 972 at 0df1b0e, 4 879-4 884 after round 19. */
const PKT_FRAME_BY_UNITS = 4_940;

interface Step {
  node: number;
  units: number;
  /** Stamps (units into the step) of the frames it wrote. */
  tx: number[];
  rx: boolean;
}

async function criticalSteps(t: ExecutionContext, mode: string, size: number): Promise<Step[]> {
  const base = boardFactory({});
  const steps: Step[] = [];
  let open = false;
  const factory: BoardFactory = async (engine, node) => {
    const b = await base(engine, node);
    if (isRealBoard(b)) throw new Error('simulated boards only');
    return {
      get engine() { return b.engine; },
      get alive() { return b.alive; },
      get exitReason() { return b.exitReason; },
      figures: (): BoardFigures => b.figures(),
      kill: () => b.kill(),
      async step(events: readonly BoardEvent[]): Promise<BoardAction[]> {
        const before = b.figures().computeTotal;
        const actions = await b.step(events);
        if (open) {
          const tx: number[] = [];
          for (const a of actions) if (a.kind === 'tx' && a.units !== undefined) tx.push(a.units);
          steps.push({ node, units: b.figures().computeTotal - before, tx, rx: events.some((e) => e.kind === 'rx') });
        }
        return actions;
      },
    };
  };
  const cfg = runConfig({
    boards: '2', engine: 'xs', topology: 'line', link: 'udp', ram: '8M', cpu: '150',
    app: 'mcapi-bench', appArgs: ['--mode', mode, '--size', String(size), '--count', '6'],
  });
  const sim: Simulator = new Simulator(cfg, factory, {
    boardEvent: (board, name) => {
      if (board !== 0) return;
      if (name === 'bench-start') open = true;
      if (name === 'bench-end') open = false;
    },
  });
  try {
    await sim.start();
    const summary = await sim.run();
    t.true(summary.ok, summary.reason);
  } finally {
    await sim.shutdown();
  }
  // A critical step takes the other board's message and sends one frame: the echo, or the next message.
  return steps.filter((s) => s.rx && s.tx.length === 1);
}

/** Every critical step of `mode` writes its frame by `limit` units into the step. */
async function writesBy(t: ExecutionContext, mode: string, size: number, limit: number): Promise<void> {
  const critical = await criticalSteps(t, mode, size);
  t.true(critical.length >= 8, `${critical.length} critical steps`);
  for (const s of critical) {
    const at = s.tx[0]!;
    t.true(at <= limit, `board ${s.node}: frame written at ${at} of ${s.units} units (at most ${limit})`);
  }
  t.log(`frames written at ${[...new Set(critical.map((s) => `${s.tx[0]} of ${s.units}`))].join(', ')} units`);
}

test('msg24 on udp: each critical step writes its frame before its bookkeeping', async (t) => {
  await writesBy(t, 'rtt', 24, FRAME_BY_UNITS);
});

test('pkt4k on udp: each critical step writes its packet by the round-19 mark', async (t) => {
  await writesBy(t, 'pkt-rtt', 4096, PKT_FRAME_BY_UNITS);
});
