/**
 * A board that reports a neighbour in another frame version (the `link-version` board event,
 * docs/PROTOCOL.md §1): the simulator's summary lists it, in its JSON and in its text.
 */
import test from 'ava';
import type { BoardAction, BoardEvent } from '../../hal/driven/events.js';
import { emptyFigures, type SimBoard } from '../../host-sim/boards/sim-board.js';
import { runConfig } from '../../host-sim/sim/run.js';
import { Simulator } from '../../host-sim/sim/simulator.js';
import { summaryText } from '../../host-sim/sim/status-view.js';

function reportingBoard(report: boolean): SimBoard {
  const figures = emptyFigures();
  return {
    engine: 'v8',
    alive: true,
    exitReason: null,
    async step(events: readonly BoardEvent[]): Promise<BoardAction[]> {
      figures.steps++;
      return events.some((e) => e.kind === 'boot') && report ? [{ kind: 'event', name: 'link-version', value: 0, detail: '3 4' }] : [];
    },
    figures: () => figures,
    kill: async () => {},
  };
}

test('the summary names the link a board cannot bring up for its peer\'s frame version', async (t) => {
  const cfg = runConfig({ app: 'pingpong', boards: '2', seed: '1', maxVirtual: '1s' });
  const sim = new Simulator(cfg, async (_engine, node) => reportingBoard(node === 1));
  const s = await sim.run();
  await sim.shutdown();
  const line = 'board 1 link 0: peer sends frame version 3, this board speaks 4; flash both with the same mcdsm version';
  t.deepEqual(s.linkProblems, [line]);
  t.true(summaryText(s).includes(`link problems:\n  ${line}`));
  // Not the board's progress: its last event stays unset.
  t.is(s.boards.find((b) => b.node === 1)!.lastEvent, undefined);
});
