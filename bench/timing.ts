/** Timing helpers for benchmarks: wall time between two runtime events of a simulated run. */
import { isRealBoard } from '../host-sim/boards/real-board.js';
import { performance } from 'node:perf_hooks';
import { runConfig, runDomain, type RunOptions } from '../host-sim/sim/run.js';
import { Simulator, type BoardFactory, type SimObserver, type SimSummary } from '../host-sim/sim/simulator.js';
import { boardFactory } from '../host-sim/sim/factory.js';
import type { BoardAction, BoardEvent } from '../hal/driven/events.js';
import type { BoardEngine, BoardFigures, SimBoard } from '../host-sim/boards/sim-board.js';

export interface TimedRun {
  summary: SimSummary;
  /** Wall ms between `bench-start` and `bench-end` reported by board 0. */
  ms: number;
  count: number;
}

/** Run an app and time it between its `bench-start` and `bench-end` events on board 0. */
export async function timedRun(o: RunOptions): Promise<TimedRun> {
  let start = NaN;
  let end = NaN;
  let count = 0;
  const summary = await runDomain({
    ...o,
    observer: {
      boardEvent: (board, name, value) => {
        if (board !== 0) return;
        if (name === 'bench-start') start = performance.now();
        if (name === 'bench-end') {
          end = performance.now();
          count = value;
        }
      },
    },
  });
  if (!summary.ok || !(end > start)) {
    const why = summary.boards.filter((b) => b.haltReason).map((b) => `board ${b.node}: ${b.haltReason}`).join('; ');
    throw new Error(`benchmark run of ${o.app} ${(o.appArgs ?? []).join(' ')} failed: ${summary.reason}${why ? ` (${why})` : ''}`);
  }
  return { summary, ms: end - start, count };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function round(v: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** A board that adds the XS compute of the steps its owner wants counted (asked as each step begins). */
class CountingBoard implements SimBoard {
  constructor(
    private readonly inner: SimBoard,
    private readonly counting: () => boolean,
    private readonly add: (units: number) => void,
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
    const counted = this.counting();
    const before = this.inner.figures().computeTotal;
    const actions = await this.inner.step(events);
    if (counted) this.add(this.inner.figures().computeTotal - before);
    return actions;
  }

  figures(): BoardFigures {
    return this.inner.figures();
  }

  kill(): Promise<void> {
    return this.inner.kill();
  }
}

/**
 * runDomain with metering: `counting(board)` is asked as each step of a board begins, and
 * the XS compute of the steps it said yes to is summed per board. The observer sees the
 * events before the step that follows them begins, so it can open and close windows; the
 * caller's own `o.observer` is told too.
 */
export async function runMetered(
  o: RunOptions,
  observer: SimObserver,
  counting: (board: number) => boolean,
): Promise<{ summary: SimSummary; compute: number[] }> {
  const base = boardFactory();
  const compute: number[] = [];
  const factory: BoardFactory = async (engine, node) => {
    while (compute.length <= node) compute.push(0);
    const inner = await base(engine, node);
    // A real board (Moddable process) has no XS meter the host can read.
    if (isRealBoard(inner)) return inner;
    return new CountingBoard(inner, () => counting(node), (units) => (compute[node]! += units));
  };
  const own = o.observer;
  const both: SimObserver = own
    ? {
        ...own,
        boardEvent: (board, name, value, detail) => {
          observer.boardEvent?.(board, name, value, detail);
          own.boardEvent?.(board, name, value, detail);
        },
      }
    : observer;
  const sim = new Simulator(runConfig(o), factory, both);
  try {
    await sim.start();
    await o.beforeRun?.(sim);
    const summary = await sim.run();
    if (o.trace !== undefined) sim.writeTrace(o.trace);
    return { summary, compute };
  } finally {
    await sim.shutdown();
  }
}

function failure(o: RunOptions, summary: SimSummary): Error {
  const why = summary.boards.filter((b) => b.haltReason).map((b) => `board ${b.node}: ${b.haltReason}`).join('; ');
  return new Error(`benchmark run of ${o.app} ${(o.appArgs ?? []).join(' ')} failed: ${summary.reason}${why ? ` (${why})` : ''}`);
}

export interface IntervalRun {
  summary: SimSummary;
  /** Sum of the wall ms of every `bench-start` .. `bench-end` interval of board 0. */
  ms: number;
  /** Intervals summed. */
  count: number;
  /** XS compute of every board in the steps that began inside those intervals (0 on V8). */
  compute: number;
}

/**
 * Run an app that brackets each timed operation with `bench-start` / `bench-end` on board 0
 * and sum the intervals, so what happens between them (setup, barriers) is not counted. An
 * interval opens when the host applies the step that reported `bench-start` (that step's
 * own work is outside) and closes when it applies the step that reported `bench-end`.
 */
export async function timedIntervals(o: RunOptions): Promise<IntervalRun> {
  let start = NaN;
  let ms = 0;
  let count = 0;
  const { summary, compute } = await runMetered(
    o,
    {
      boardEvent: (board, name) => {
        if (board !== 0) return;
        if (name === 'bench-start') start = performance.now();
        if (name === 'bench-end' && !Number.isNaN(start)) {
          ms += performance.now() - start;
          count++;
          start = NaN;
        }
      },
    },
    () => !Number.isNaN(start),
  );
  if (!summary.ok || count === 0) throw failure(o, summary);
  return { summary, ms, count, compute: compute.reduce((a, b) => a + b, 0) };
}

/**
 * Per board, the XS compute of its steps from the one after its `from` event up to and
 * including the one that reported its `to` event (each board its own window).
 */
export async function meteredWindows(
  o: RunOptions,
  from: { name: string; value?: number },
  to: { name: string; value?: number },
): Promise<{ summary: SimSummary; compute: number[] }> {
  const open: boolean[] = [];
  const hit = (w: { name: string; value?: number }, name: string, value: number): boolean =>
    w.name === name && (w.value === undefined || w.value === value);
  const run = await runMetered(
    o,
    {
      boardEvent: (board, name, value) => {
        if (hit(from, name, value)) open[board] = true;
        if (hit(to, name, value)) open[board] = false;
      },
    },
    (board) => open[board] === true,
  );
  if (!run.summary.ok) throw failure(o, run.summary);
  return run;
}
