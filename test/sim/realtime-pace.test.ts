/**
 * A --realtime run paces virtual time to the wall clock from the moment every board's engine is
 * up, and stops the pace while a rebooted board's engine starts again. Before, the pace started
 * with the run: the time the engines took to start (2.6 s seen on a loaded host) was replayed
 * as a burst of unpaced virtual time, so a realtime app lost that much of its wall time (and a
 * console command typed at wall second 1 landed seconds later in the app's time).
 *
 * The engines' start is made slow on purpose (ENGINE_START_MS, longer than the app): real XS
 * boards behind a factory that waits first, as a loaded host would. Each assertion is a lower
 * bound the pace guarantees (a timer never fires early), so a slower host cannot break it.
 */
import test from 'ava';
import { runConfig } from '../../host-sim/sim/run.js';
import { Simulator, type BoardFactory } from '../../host-sim/sim/simulator.js';
import { boardFactory } from '../../host-sim/sim/factory.js';

/** How long each engine takes to start here: longer than APP_MS, so a burst would swallow the whole app. */
const ENGINE_START_MS = 1500;
/** The idle app's length (virtual = wall ms in a paced run). */
const APP_MS = 600;
/** Date.now() is whole milliseconds: the pace's bound can look 1-2 ms short when read back. */
const CLOCK_SLACK_MS = 5;
/**
 * The reboot's engine start is timed from the factory call, the pace's pause from when the loop
 * waits for it: the host work between the two (the rest of the step that reset the board) is
 * not paused, and takes longer on a loaded host. Before, the whole app (600 ms) was lost.
 */
const RESTART_SLACK_MS = 300;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The real factory behind one that waits `delay(n)` ms first (n: the how-manieth board made); records the wall time it spent. */
function slowFactory(delay: (n: number) => number): { factory: BoardFactory; waitedMs: () => number; lastMadeAt: () => number } {
  const real = boardFactory();
  let made = 0;
  let waited = 0;
  let last = 0;
  const factory: BoardFactory = async (engine, node, options) => {
    const ms = delay(made++);
    const t0 = Date.now();
    await sleep(ms);
    const board = await real(engine, node, options);
    waited += Date.now() - t0;
    last = Date.now();
    return board;
  };
  return { factory, waitedMs: () => waited, lastMadeAt: () => last };
}

test('a --realtime run starts its pace once every engine is up: the app gets its whole length of wall time', async (t) => {
  const cfg = runConfig({ app: 'idle', appArgs: ['--ms', String(APP_MS)], boards: '2', engine: 'xs', realtime: true, maxVirtual: '60s' });
  const slow = slowFactory(() => ENGINE_START_MS);
  const sim = new Simulator(cfg, slow.factory);
  try {
    const s = await sim.run();
    const after = Date.now() - slow.lastMadeAt();
    t.true(s.ok, s.reason);
    t.true(s.virtualMs >= APP_MS, `virtual ${s.virtualMs} ms`);
    // Before: ~0 ms (the app's 600 ms were replayed at once after the 1.5 s start).
    t.true(after >= s.virtualMs - CLOCK_SLACK_MS, `the run went on ${after} ms of wall time after the last engine was up, for ${s.virtualMs} ms of virtual time`);
  } finally {
    await sim.shutdown();
  }
});

test('the pace waits while a rebooted board\'s engine starts again', async (t) => {
  // One board, rebooted at 100 ms: its idle app starts over and runs APP_MS more.
  const cfg = runConfig({ app: 'idle', appArgs: ['--ms', String(APP_MS)], boards: '1', engine: 'xs', realtime: true, maxVirtual: '60s', fault: ['reboot:0@100ms'] });
  // The first start is quick; the reboot's is slow.
  const slow = slowFactory((n) => (n === 0 ? 0 : ENGINE_START_MS));
  const sim = new Simulator(cfg, slow.factory);
  try {
    await sim.start();
    const t0 = Date.now();
    const startedMs = slow.waitedMs();
    const s = await sim.run();
    const paced = Date.now() - t0 - (slow.waitedMs() - startedMs);
    t.true(s.ok, s.reason);
    t.true(s.boards[0]!.boots >= 2, `boots ${s.boards[0]!.boots}`);
    t.true(s.virtualMs >= 100 + APP_MS, `virtual ${s.virtualMs} ms`);
    // Before: the reboot's 1.5 s start was replayed as a burst: ~0.1 s of wall time besides it.
    t.true(paced >= s.virtualMs - RESTART_SLACK_MS, `${paced} ms of wall time besides the engine's restart, for ${s.virtualMs} ms of virtual time`);
  } finally {
    await sim.shutdown();
  }
});
