/**
 * Issue 11, defect 4: a rebooted board must come back with fresh randomness (a real board's
 * reset does), derived deterministically from the run seed and the boot count.
 */
import test from 'ava';
import type { BoardAction, BoardEvent } from '../../hal/driven/events.js';
import { emptyFigures, type SimBoard } from '../../host-sim/boards/sim-board.js';
import { runConfig } from '../../host-sim/sim/run.js';
import { Simulator } from '../../host-sim/sim/simulator.js';

/** A board that records the seed of every boot and resets itself after its first two boots. */
function resettingBoard(seeds: number[]): SimBoard {
  const figures = emptyFigures();
  return {
    engine: 'v8',
    alive: true,
    exitReason: null,
    async step(events: readonly BoardEvent[]): Promise<BoardAction[]> {
      const out: BoardAction[] = [];
      for (const ev of events) {
        if (ev.kind === 'boot') {
          seeds.push((JSON.parse(ev.config) as { seed: number }).seed);
          if (seeds.length < 3) out.push({ kind: 'reset' });
          else out.push({ kind: 'halt', reason: 'done' });
        }
      }
      return out;
    },
    figures: () => figures,
    kill: async () => {},
  };
}

async function bootSeeds(seed: string): Promise<number[]> {
  const seeds: number[] = [];
  const cfg = runConfig({ app: 'pingpong', boards: '1', seed, maxVirtual: '1s' });
  const sim = new Simulator(cfg, async () => resettingBoard(seeds));
  await sim.run();
  await sim.shutdown();
  return seeds;
}

test('each boot of a board gets its own seed; the same run seed gives the same seeds', async (t) => {
  const a = await bootSeeds('41000322');
  t.is(a.length, 3);
  t.is(new Set(a).size, 3, `boot seeds ${a.join(', ')}`);
  t.deepEqual(await bootSeeds('41000322'), a);
  t.notDeepEqual((await bootSeeds('7')).slice(1), a.slice(1));
});
