/**
 * The task watchdog (docs/SIMULATOR.md, "Task watchdog"): like an ESP32's, it ends a board
 * that does not yield — one simulator step (a batch of events, up to the point where every
 * promise job of the board has settled) that computes for longer than the limit.
 *
 * XS boards are metered: the limit is a number of XS metering units per step, handed to
 * xsnap-worker (`-l`), which stops the VM when the step exceeds it; under the CPU model the
 * limit is board time, converted at its ns per unit. The board is then halted with
 * "board 2 did not yield for … (task watchdog)".
 *
 * V8 boards run inside the simulator's own thread and cannot be interrupted: a V8 board in
 * `for (;;) {}` blocks the simulator itself. What can be caught is that: a guard thread sees
 * the simulator's thread stop answering and, past the wall-clock limit, prints which boards
 * were stepping and kills the process (SIGKILL: a blocked thread runs no signal handler; the
 * shell reports status 137) instead of leaving it frozen.
 */
import { Worker } from 'node:worker_threads';
import { SpecError, parseDurationMs } from './link-model.js';

/** Default limit without the CPU model: ~20 s of a loaded host, minutes of a real board. */
export const DEFAULT_WATCHDOG_UNITS = 1_000_000_000;
/** Default limit under the CPU model (board time); an ESP32's task watchdog defaults to 5 s. */
export const DEFAULT_WATCHDOG_BOARD_MS = 60_000;
/** Default wall-clock guard for V8 boards, which cannot be metered. */
export const DEFAULT_V8_GUARD_MS = 60_000;

export interface WatchdogConfig {
  /** XS metering units one step may use (0: off). */
  units: number;
  /** How the limit reads in messages: `60 s of board time (400000000 units at 150 ns/unit)`. */
  label: string;
  /** Wall-clock ms the simulator's thread may stay blocked by a V8 board (0: off). */
  v8WallMs: number;
}

export const WATCHDOG_OFF: WatchdogConfig = { units: 0, label: 'off', v8WallMs: 0 };

/**
 * `--watchdog`: `off`; a number of XS metering units (`1000000000`, `1e9`); or a duration
 * (`10s`, `500ms`): board time under the CPU model, and the V8 guard's wall-clock limit.
 */
export function parseWatchdog(text: string | undefined, cpuNsPerUnit: number): WatchdogConfig {
  const t = (text ?? '').trim();
  if (t === 'off' || t === '0') return WATCHDOG_OFF;
  if (t === '' || t === 'default') {
    if (cpuNsPerUnit > 0) return fromBoardMs(DEFAULT_WATCHDOG_BOARD_MS, cpuNsPerUnit, DEFAULT_V8_GUARD_MS);
    return { units: DEFAULT_WATCHDOG_UNITS, label: `${DEFAULT_WATCHDOG_UNITS} XS metering units`, v8WallMs: DEFAULT_V8_GUARD_MS };
  }
  if (/^\d+(\.\d+)?(e\d+)?$/i.test(t)) {
    const units = Math.floor(Number(t));
    if (!Number.isSafeInteger(units) || units < 1000) throw new SpecError(`--watchdog: "${t}" must be at least 1000 XS metering units (or a time such as 10s, or off)`);
    return { units, label: `${units} XS metering units`, v8WallMs: DEFAULT_V8_GUARD_MS };
  }
  let ms: number;
  try {
    ms = parseDurationMs(t, '--watchdog');
  } catch {
    throw new SpecError(`--watchdog: "${t}" must be off, a number of XS metering units (1e9) or a time (10s, 500ms)`);
  }
  if (!(ms >= 1)) throw new SpecError(`--watchdog: "${t}" must be at least 1ms`);
  if (cpuNsPerUnit > 0) return fromBoardMs(ms, cpuNsPerUnit, ms);
  // Without the CPU model XS boards have no board time: they keep the units default, and the
  // time is the V8 guard's.
  return { units: DEFAULT_WATCHDOG_UNITS, label: `${DEFAULT_WATCHDOG_UNITS} XS metering units`, v8WallMs: ms };
}

function fromBoardMs(ms: number, nsPerUnit: number, v8WallMs: number): WatchdogConfig {
  const units = Math.max(1000, Math.floor((ms * 1e6) / nsPerUnit));
  return { units, label: `${ms / 1000} s of board time (${units} XS metering units at ${nsPerUnit} ns/unit)`, v8WallMs };
}

/** The halt reason of a board the watchdog ended. */
export function watchdogReason(node: number, cfg: WatchdogConfig): string {
  return `board ${node} did not yield for ${cfg.label} (task watchdog)`;
}

const GUARD_SOURCE = `
const { workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const a = new Int32Array(workerData.sab);
let last = Atomics.load(a, 0);
let since = Date.now();
setInterval(() => {
  const beat = Atomics.load(a, 0);
  if (beat !== last || Atomics.load(a, 1) === 0) { last = beat; since = Date.now(); return; }
  if (Date.now() - since < workerData.limitMs) return;
  const boards = [];
  for (let i = 0; i < workerData.boards; i++) if (Atomics.load(a, 2 + i) !== 0) boards.push(i);
  writeSync(2, '\\nmcdsm: ' + (boards.length === 1 ? 'board ' + boards[0] : 'a V8 board (' + (boards.length ? 'one of ' + boards.join(', ') : 'unknown') + ')') +
    ' did not yield for ' + Math.round(workerData.limitMs / 1000) + ' s of wall-clock time (task watchdog).' +
    ' V8 boards (--engine node) run inside the simulator and cannot be interrupted: the run is ended.' +
    ' On --engine xs the board would be halted and the run would go on.\\n');
  // process.exit in a worker ends only the worker; the blocked main thread takes no signal handler.
  process.kill(process.pid, 'SIGKILL');
}, 100);
`;

/**
 * The V8 guard: a thread that ends the process when the simulator's thread stays blocked
 * (its heartbeat, a shared counter, stops) while a run is on.
 */
export class V8Guard {
  private readonly shared: Int32Array;
  private worker: Worker | null = null;
  private beat: NodeJS.Timeout | null = null;

  constructor(
    private readonly boards: number,
    private readonly limitMs: number,
  ) {
    this.shared = new Int32Array(new SharedArrayBuffer(4 * (2 + boards)));
  }

  start(): void {
    if (this.worker !== null || this.limitMs <= 0) return;
    this.worker = new Worker(GUARD_SOURCE, {
      eval: true,
      workerData: { sab: this.shared.buffer, limitMs: this.limitMs, boards: this.boards },
    });
    this.worker.unref();
    Atomics.store(this.shared, 1, 1);
    this.beat = setInterval(() => Atomics.add(this.shared, 0, 1), 50);
    this.beat.unref();
  }

  /** A V8 board starts (true) or ends (false) a step. */
  stepping(node: number, on: boolean): void {
    if (node >= 0 && node < this.boards) Atomics.store(this.shared, 2 + node, on ? 1 : 0);
  }

  async stop(): Promise<void> {
    Atomics.store(this.shared, 1, 0);
    if (this.beat !== null) clearInterval(this.beat);
    this.beat = null;
    const w = this.worker;
    this.worker = null;
    if (w !== null) await w.terminate();
  }
}
