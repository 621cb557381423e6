/**
 * Board time: what a benchmark reports. A run is simulated with the CPU model on (each XS
 * board's step costs its metering units x ns/unit of virtual time; a frame or event lands at
 * the units spent when it was written, the step's other actions when it ends) over the link model (bytes take their time on the wire), so the virtual time between
 * two events of board 0 is what the boards would take: computing and the wire together.
 * The simulator's own work inside the boards (the driven HAL's batch encoding, marshalling
 * native helpers) is kept out of the meter and reported apart as simHal units.
 *
 * A window opens at board 0's `bench-start` and closes at its `bench-end`; windows are summed.
 * Units, simHal units and native units count the steps (of every board) that began inside a
 * window; bytes are every link's bytes on the wire inside the windows. `whole` counts every
 * step of every board and every byte of the run, windows or not: a figure taken as the
 * difference of two runs (bench/dsm.ts `benchBarriers`) counts the work other boards do between board 0's windows.
 */
import { isRealBoard } from '../host-sim/boards/real-board.js';
import { runConfig, type RunOptions } from '../host-sim/sim/run.js';
import { Simulator, type BoardFactory, type SimSummary } from '../host-sim/sim/simulator.js';
import { boardFactory } from '../host-sim/sim/factory.js';
import type { BoardAction, BoardEvent } from '../hal/driven/events.js';
import type { BoardEngine, BoardFigures, SimBoard } from '../host-sim/boards/sim-board.js';

export interface BoardTime {
  summary: SimSummary;
  /** Windows summed (bench-start .. bench-end pairs of board 0). */
  windows: number;
  /** The count board 0 reported with its last bench-end. */
  count: number;
  /** Virtual ms inside the windows. */
  ms: number;
  /** XS metering units of every board inside the windows (native helpers at their declared cost). */
  units: number;
  /** Of `units`, what native helpers were charged. */
  nativeUnits: number;
  /** The simulator's own work inside the boards, kept out of `units`. */
  simHalUnits: number;
  /** Bytes on every link inside the windows. */
  bytes: number;
  /** Frames on every link inside the windows (both directions). */
  frames: number;
  /** The whole run: every board's every step, every link's bytes, virtual ms to the end. */
  whole: RunTotals;
}

export interface RunTotals {
  /** XS metering units of every board's every step (native helpers at their declared cost). */
  units: number;
  /** The simulator's own work inside the boards over the run, kept out of `units`. */
  simHalUnits: number;
  /** Bytes on every link over the run. */
  bytes: number;
  /** Virtual ms from the start to the end of the run. */
  ms: number;
}

class WindowBoard implements SimBoard {
  constructor(
    private readonly inner: SimBoard,
    private readonly open: () => boolean,
    private readonly add: (f: BoardFigures, before: BoardFigures, inWindow: boolean) => void,
  ) {}

  get engine(): BoardEngine {
    return this.inner.engine;
  }

  get alive(): boolean {
    return this.inner.alive;
  }

  get exitReason(): string | null {
    return this.inner.exitReason;
  }

  async step(events: readonly BoardEvent[]): Promise<BoardAction[]> {
    const counted = this.open();
    const before = this.inner.figures();
    const actions = await this.inner.step(events);
    this.add(this.inner.figures(), before, counted);
    return actions;
  }

  figures(): BoardFigures {
    return this.inner.figures();
  }

  kill(): Promise<void> {
    return this.inner.kill();
  }
}

export interface BoardTimeOptions extends RunOptions {
  /** ns of board time per XS metering unit (the CPU model). */
  nsPerUnit: number;
}

/** Run `o` with the CPU model at `nsPerUnit` and measure board 0's bench windows. */
export async function boardTime(o: BoardTimeOptions): Promise<BoardTime> {
  const base = boardFactory(o.nativeBytes !== undefined ? { nativeBytes: o.nativeBytes } : {});
  let open = false;
  let openedAt = 0;
  let bytesAt = 0;
  let framesAt = 0;
  const r = { windows: 0, count: 0, ms: 0, units: 0, nativeUnits: 0, simHalUnits: 0, bytes: 0, frames: 0 };
  const whole: RunTotals = { units: 0, simHalUnits: 0, bytes: 0, ms: 0 };
  const factory: BoardFactory = async (engine, node) => {
    const made = await base(engine, node);
    // Board time is metered on simulated boards; a real one has no meter to read.
    if (isRealBoard(made)) throw new Error(`board ${node}: board time is measured on simulated boards, not ${engine}`);
    return new WindowBoard(made, () => open, (f, b, inWindow) => {
      whole.units += f.computeTotal - b.computeTotal;
      whole.simHalUnits += f.simHalTotal - b.simHalTotal;
      if (!inWindow) return;
      r.units += f.computeTotal - b.computeTotal;
      r.nativeUnits += f.nativeTotal - b.nativeTotal;
      r.simHalUnits += f.simHalTotal - b.simHalTotal;
    });
  };
  let sim: Simulator | null = null;
  const wire = (): number => (sim === null ? 0 : sim.linkSummaries().reduce((a, l) => a + l.bytes, 0));
  const wireFrames = (): number => (sim === null ? 0 : sim.linkSummaries().reduce((a, l) => a + l.frames, 0));
  const own = o.observer;
  const cfg = runConfig({ ...o, cpu: String(o.nsPerUnit) });
  sim = new Simulator(cfg, factory, {
    ...own,
    boardEvent: (board, name, value, detail) => {
      own?.boardEvent?.(board, name, value, detail);
      if (board !== 0 || sim === null) return;
      if (name === 'bench-start' && !open) {
        open = true;
        openedAt = sim.virtualNow();
        bytesAt = wire();
        framesAt = wireFrames();
      } else if (name === 'bench-end' && open) {
        open = false;
        r.windows++;
        r.count = value;
        r.ms += sim.virtualNow() - openedAt;
        r.bytes += wire() - bytesAt;
        r.frames += wireFrames() - framesAt;
      }
    },
  });
  try {
    await sim.start();
    await o.beforeRun?.(sim);
    const summary = await sim.run();
    if (!summary.ok || r.windows === 0) {
      const why = summary.boards.filter((b) => b.haltReason).map((b) => `board ${b.node}: ${b.haltReason}`).join('; ');
      throw new Error(`benchmark run of ${o.app} ${(o.appArgs ?? []).join(' ')} failed: ${summary.reason}${why ? ` (${why})` : ''}`);
    }
    whole.bytes = wire();
    whole.ms = sim.virtualNow();
    return { summary, ...r, whole };
  } finally {
    await sim.shutdown();
  }
}

/** The CPU model's figures the benches report at: the ESP32 estimate and a slower board. */
export const NS_PER_UNIT = [150, 300] as const;

export interface LinkRate {
  /** Bytes per ms on the wire. */
  bytesPerMs: number;
  /** One-way latency of the link model (ms). */
  latencyMs: number;
}
