/**
 * The simulator: owns virtual time and the network, and drives every board through the
 * event/action boundary of hal/driven/events.ts. Boards never see the wall clock; the same
 * seed and scenario give the same trace on every run and on both engines.
 *
 * One step of the loop takes every queued entry at the earliest virtual time, hands each board
 * its batch (XS boards step concurrently — they are separate processes), then applies the
 * boards' actions in board order, so concurrency never changes the outcome.
 *
 * With the CPU model on (SimConfig.cpuNsPerUnit > 0) a step costs the board virtual time: its
 * XS metering units x cpuNsPerUnit. Its actions then take effect when the step ends (an `apply`
 * entry queued at that instant), and whatever falls due for the board meanwhile waits in
 * arrival order until then (docs/SIMULATOR.md, "CPU model").
 */
import type { BoardAction, BoardEvent } from '../../hal/driven/events.js';
import type { BoardConfig } from '../../src/config.js';
import { EventQueue } from './event-queue.js';
import { Prng } from '../../src/util/prng.js';
import { WireDirection, type WireStats } from './wire.js';
import type { Topology } from './topology.js';
import { Trace } from './trace.js';
import type { ScenarioStep } from './scenario.js';
import type { BoardFigures, SimBoard } from '../boards/sim-board.js';

import { isRealEngine, type BoardEngineName, type EngineName } from './engines.js';
import { isRealBoard, type RealBoard } from '../boards/real-board.js';

export type { EngineName, BoardEngineName };

/** A board that lives outside the simulator and joins through serial devices (`--attach`). */
export interface AttachSpec {
  node: number;
  /** One device per link of the board, in link order. */
  links: string[];
  console: string | null;
  baud: number;
}

/**
 * Makes the board for a slot: a simulated board (stepped in virtual time) or a real one (runs
 * on its own; host-sim/boards/real-board.ts). `attach` is set for an `--attach` board.
 */
export type BoardFactory = (engine: EngineName, node: number, attach?: AttachSpec) => Promise<SimBoard | RealBoard>;

export type BoardState = 'booting' | 'running' | 'done' | 'spare' | 'halted' | 'hung';

export interface SimConfig {
  domain: number;
  boards: number;
  spares: number;
  engines: EngineName[];
  topology: Topology;
  seed: number;
  ramBytes: number;
  app: string;
  appArgs: string[];
  options: Record<string, unknown>;
  maxVirtualMs: number;
  realtime: boolean;
  scenario: ScenarioStep[];
  recordTrace: boolean;
  /** Stop a run that takes longer than this on the wall clock (benchmarks). */
  maxWallMs?: number;
  /**
   * CPU model: virtual ns one XS metering unit costs a board (`--cpu`). 0 (or absent): boards
   * compute in zero virtual time. V8 boards have no meter and always cost 0.
   */
  cpuNsPerUnit?: number;
  /** Boards that live outside the simulator (`--attach`), by node. */
  attach?: AttachSpec[];
}

export interface FaultRecord {
  atMs: number;
  board: number;
  command: string;
  /** `scenario` (a --fault or scenario step), `console` (typed by someone), `budget` (--ram). */
  source: 'scenario' | 'console' | 'budget';
  effect?: string;
}

export interface BoardSummary {
  node: number;
  rank: number;
  engine: BoardEngineName;
  state: BoardState;
  framesIn: number;
  framesOut: number;
  bytesIn: number;
  bytesOut: number;
  heapBytes: number;
  heapPeakBytes: number;
  /** Host wall time spent stepping this board (XS: includes the pipe round trip). */
  hostMs: number;
  /** XS metering units (0 on V8). */
  compute: number;
  /** Virtual ms the board spent computing under the CPU model (every boot counted; 0 when it is off). */
  cpuMs: number;
  /** Event batches the board was handed. */
  steps: number;
  boots: number;
  haltReason?: string;
  lastEvent?: { name: string; value: number };
}

export interface LinkSummary {
  a: number;
  b: number;
  kind: string;
  frames: number;
  bytes: number;
  lost: number;
  corrupted: number;
  /** What these bytes would cost on the real link, both directions summed (ms). */
  predictedMs: number;
}

/** One recovery, as the coordinator of the new view reported it (virtual times). */
export interface RecoverySummary {
  epoch: number;
  generation: number;
  failed: number[];
  /** Nodes that took the failed ranks (spares, or survivors when shrinking). */
  replacements: number[];
  ranks: number[];
  shrink: boolean;
  detectMs: number;
  restoreMs: number;
  totalMs: number;
  lostIterations: number;
  bytes: number;
}

export interface CheckpointSummary {
  /** Checkpoints committed (the most any board took part in). */
  count: number;
  /** Checkpoint data bytes sent by all boards. */
  bytesSent: number;
  /** Bytes that changed (what an ideal incremental scheme sends). */
  changedBytes: number;
  /** What full images would have cost. */
  fullImageBytes: number;
  /** Highest checkpoint RAM / checkpointed state of any board. */
  memoryMultiple: number;
}

export interface SimSummary {
  ok: boolean;
  reason: string;
  app: { name: string; result: unknown; results: Record<number, unknown> };
  traceDigest: string;
  boards: BoardSummary[];
  links: LinkSummary[];
  faults: FaultRecord[];
  recoveries: RecoverySummary[];
  checkpoints: CheckpointSummary;
  wire: { frames: number; bytes: number };
  /** Events handed to boards (frames, timers, console lines, boots). */
  events: number;
  virtualMs: number;
  wallMs: number;
  seed: number;
  /** The CPU model's virtual ns per XS metering unit (0: off). */
  cpuNsPerUnit: number;
  /**
   * `virtual`: every board simulated, the run reproducible from its seed. `wall`: real boards
   * (Moddable processes, attached devices) took part, so the run was paced to the wall clock
   * and its trace digest differs between runs.
   */
  clock: 'virtual' | 'wall';
  /** Nodes of the real boards (engine moddable or attached). */
  realBoards: number[];
}

/** The parts of src/ft's FtStats the summary reads (sent by boards as JSON). */
interface FtStatsLike {
  checkpoints?: { count?: number; bytesSent?: number; changedBytes?: number; fullImageBytes?: number };
  memory?: { peakMultiple?: number };
}

type QItem =
  | { t: 'ev'; board: number; gen: number; ev: BoardEvent }
  | { t: 'scenario'; step: ScenarioStep }
  /** CPU model: the end of a step that cost virtual time; its actions take effect now. */
  | { t: 'apply'; board: number; gen: number; actions: BoardAction[]; figures: BoardFigures }
  /** Something a real board did (sent bytes, printed, halted), stamped with the virtual time it was seen at. */
  | { t: 'real'; board: number; gen: number; action: BoardAction }
  /** A real board restarted by itself (its reset). */
  | { t: 'real-restart'; board: number; gen: number };

class Slot {
  board: SimBoard | null = null;
  /** A real board (runs on its own); `board` is then null. */
  real: RealBoard | null = null;
  state: BoardState = 'booting';
  gen = 0;
  boots = 0;
  timers = new Set<number>();
  hungUntil = 0;
  framesIn = 0;
  framesOut = 0;
  bytesIn = 0;
  bytesOut = 0;
  heapBytes = 0;
  heapPeakBytes = 0;
  hostMs = 0;
  compute = 0;
  cpuMs = 0;
  steps = 0;
  /** CPU model: a step's actions are still to be applied; events meanwhile wait in `waiting`. */
  busy = false;
  waiting: Extract<QItem, { t: 'ev' }>[] = [];
  haltReason: string | undefined;
  lastEvent: { name: string; value: number } | undefined;
  /** Scenario commands sent to this board whose fault has not been reported yet. */
  scenarioLines: string[] = [];
  /** For each HAL link index: the edge index and the direction this board sends on. */
  links: { edge: number; out: WireDirection; peer: number; peerLink: number }[] = [];
  constructor(
    readonly node: number,
    readonly rank: number,
    readonly engine: BoardEngineName,
    readonly attach: AttachSpec | undefined,
  ) {}

  get isReal(): boolean {
    return isRealEngine(this.engine);
  }

  /** True while it can still act: a board is up (or, for a real one, starting). */
  get up(): boolean {
    return this.state !== 'halted' && (this.board !== null || this.real !== null);
  }
}

export interface SimObserver {
  consoleOutput?(board: number, text: string): void;
  boardEvent?(board: number, name: string, value: number, detail: string): void;
  log?(board: number, level: string, message: string): void;
}

const TAG = { rx: 1, tx: 2, timer: 3, console: 4, consoleOut: 5, event: 6, halt: 7, reset: 8, hang: 9, boot: 10 } as const;

export class Simulator {
  private readonly queue = new EventQueue<QItem>();
  private readonly slots: Slot[] = [];
  private readonly rng: Prng;
  private readonly trace: Trace;
  private readonly dirs: [WireDirection, WireDirection][] = [];
  private readonly results = new Map<number, unknown>();
  private readonly recoveries = new Map<number, RecoverySummary>();
  private readonly ftStats = new Map<number, FtStatsLike>();
  readonly faults: FaultRecord[] = [];
  private now = 0;
  private events = 0;
  private wallStart = 0;
  private stopReason = '';
  private pendingTriggers: ScenarioStep[] = [];
  private wake: (() => void) | null = null;
  /** Real boards take part: virtual time follows the wall clock (docs/SIMULATOR.md, "Real boards"). */
  private readonly paced: boolean;
  private realClockStarted = false;

  constructor(
    private readonly cfg: SimConfig,
    private readonly factory: BoardFactory,
    private readonly observer: SimObserver = {},
  ) {
    this.rng = new Prng(cfg.seed ^ 0x5eed);
    this.trace = new Trace(cfg.recordTrace);
    const total = cfg.boards + cfg.spares;
    for (let n = 0; n < total; n++) {
      const attach = cfg.attach?.find((a) => a.node === n);
      this.slots.push(new Slot(n, n < cfg.boards ? n : -1, attach ? 'attached' : (cfg.engines[n] ?? 'node'), attach));
      this.trace.nameBoard(n, n < cfg.boards ? `board ${n} (rank ${n})` : `board ${n} (spare)`);
    }
    cfg.topology.edges.forEach((e, i) => {
      const ab = new WireDirection(e.model, this.rng);
      const ba = new WireDirection(e.model, this.rng);
      this.dirs.push([ab, ba]);
      const sa = this.slots[e.a]!;
      const sb = this.slots[e.b]!;
      const la = sa.links.length;
      const lb = sb.links.length;
      sa.links.push({ edge: i, out: ab, peer: e.b, peerLink: lb });
      sb.links.push({ edge: i, out: ba, peer: e.a, peerLink: la });
    });
    this.paced = cfg.realtime || this.slots.some((s) => s.isReal);
    for (const step of cfg.scenario) {
      if (step.atMs !== undefined) this.queue.push(step.atMs, { t: 'scenario', step });
      else this.pendingTriggers.push(step);
    }
  }

  get boardCount(): number {
    return this.slots.length;
  }

  /** Where each real board lives (process, devices), by node; simulated boards are left out. */
  realBoardInfo(): { node: number; engine: BoardEngineName; description: string }[] {
    return this.slots.filter((s) => s.real !== null).map((s) => ({ node: s.node, engine: s.engine, description: s.real!.description }));
  }

  virtualNow(): number {
    return this.now;
  }

  bootConfig(node: number): BoardConfig {
    const slot = this.slots[node]!;
    return {
      domain: this.cfg.domain,
      node,
      rank: slot.rank,
      boards: this.cfg.boards,
      links: slot.links.map((l) => ({ kind: l.out.model.halKind, mtu: l.out.model.mtu })),
      seed: (this.cfg.seed * 1000003 + node * 7919) >>> 0,
      ramLimit: this.cfg.ramBytes,
      app: this.cfg.app,
      appArgs: this.cfg.appArgs,
      // cpuModel (XS boards, the ones it charges): the board hands zero-delay timers to the host,
      // so a long computation that yields ends its step there and the time it cost lets due
      // heartbeats in (docs/SIMULATOR.md).
      options: { faultsArmed: true, ...this.cfg.options, spares: this.cfg.spares, ...(this.cfg.cpuNsPerUnit && slot.engine === 'xs' ? { cpuModel: true } : {}) },
    };
  }

  /** Text typed on a board's console (from TCP, a pty or a test), delivered at the current virtual time. */
  consoleInput(node: number, text: string, source: 'scenario' | 'console' = 'console'): void {
    const slot = this.slots[node];
    if (!slot) return;
    if (source === 'scenario') slot.scenarioLines.push(text.trim());
    this.queue.push(this.now, { t: 'ev', board: node, gen: slot.gen, ev: { kind: 'console', text } });
    this.wake?.();
  }

  async start(): Promise<void> {
    this.wallStart = Date.now();
    await Promise.all(this.slots.map((s) => this.bootSlot(s)));
  }

  private async bootSlot(slot: Slot): Promise<void> {
    let made: SimBoard | RealBoard;
    try {
      made = await this.factory(slot.engine === 'attached' ? (this.cfg.engines[slot.node] ?? 'xs') : slot.engine, slot.node, slot.attach);
    } catch (e) {
      if (!slot.isReal) throw e;
      // No firmware (no SDK, a failed build): the board cannot exist, and the run says why.
      slot.gen++;
      this.halt(slot, (e as Error).message);
      return;
    }
    if (isRealBoard(made)) return this.bootReal(slot, made);
    slot.board = made;
    slot.gen++;
    slot.boots++;
    slot.timers.clear();
    slot.busy = false;
    slot.waiting = [];
    slot.state = slot.rank < 0 ? 'spare' : 'booting';
    slot.haltReason = undefined;
    this.queue.push(this.now, { t: 'ev', board: slot.node, gen: slot.gen, ev: { kind: 'boot', config: JSON.stringify(this.bootConfig(slot.node)) } });
  }

  /**
   * Start a real board. What it does from then on arrives asynchronously (pty reads) and is
   * queued as `real` items at the virtual time it was seen, so the loop applies it like a
   * simulated board's actions.
   */
  private async bootReal(slot: Slot, real: RealBoard): Promise<void> {
    slot.real = real;
    slot.gen++;
    slot.boots++;
    slot.timers.clear();
    slot.busy = false;
    slot.waiting = [];
    slot.state = slot.rank < 0 ? 'spare' : 'booting';
    slot.haltReason = undefined;
    const gen = slot.gen;
    const push = (action: BoardAction): void => {
      if (slot.gen !== gen) return;
      this.queue.push(this.realNow(), { t: 'real', board: slot.node, gen, action });
      this.wake?.();
    };
    this.trace.digest(this.now, slot.node, TAG.boot, '');
    if (!this.realClockStarted && this.now === 0) {
      // The wall clock the real boards share starts when the first of them does, not before
      // its firmware was built (that can take a minute).
      this.realClockStarted = true;
      this.wallStart = Date.now();
    }
    try {
      await real.start(this.bootConfig(slot.node), {
        linkData: (link, bytes) => push({ kind: 'tx', link, bytes }),
        consoleText: (text) => push({ kind: 'console', text }),
        event: (name, value, detail) => push({ kind: 'event', name, value, detail }),
        halted: (reason) => push({ kind: 'halt', reason }),
        restarted: () => {
          if (slot.gen !== gen) return;
          this.queue.push(this.realNow(), { t: 'real-restart', board: slot.node, gen });
          this.wake?.();
        },
      });
    } catch (e) {
      this.halt(slot, (e as Error).message);
    }
  }

  /** The virtual time of something a real board did just now: the wall clock's, never before the loop's. */
  private realNow(): number {
    return Math.max(this.now, Date.now() - this.wallStart);
  }

  private realAlive(): boolean {
    return this.slots.some((s) => s.real !== null && s.state !== 'halted');
  }

  /** Run until every rank has a result, every board is down, virtual time runs out or nothing is left to do. */
  async run(): Promise<SimSummary> {
    if (this.wallStart === 0) await this.start();
    while (!this.stopReason) {
      const t = this.queue.peekTime();
      // A real board can still send something: an empty queue is not a stall, and the time
      // limit is the wall clock's.
      const real = this.realAlive();
      if (t === Infinity && !real) {
        this.stopReason = this.allDone() ? 'done' : 'stalled: no pending events (a board is waiting for something that never comes)';
        break;
      }
      if (t > this.cfg.maxVirtualMs && (!real || this.realNow() > this.cfg.maxVirtualMs)) {
        this.stopReason = `${real ? 'virtual (= wall) time' : 'virtual time'} limit of ${this.cfg.maxVirtualMs} ms reached`;
        break;
      }
      if (this.cfg.maxWallMs !== undefined && Date.now() - this.wallStart > this.cfg.maxWallMs) {
        this.stopReason = `wall time limit of ${this.cfg.maxWallMs} ms reached`;
        break;
      }
      if (this.paced) await this.waitWall(Math.min(t, this.cfg.maxVirtualMs + 1));
      if (this.stopReason) break;
      if (this.queue.peekTime() < t || t > this.cfg.maxVirtualMs) continue;
      this.now = Math.max(this.now, t);
      await this.stepAt(t);
      if (this.allDone()) this.stopReason = 'done';
      else if (this.slots.every((s) => s.state === 'halted' || s.state === 'spare')) this.stopReason = `every working board is down${this.haltList()}`;
    }
    return this.summary();
  }

  private async waitWall(t: number): Promise<void> {
    const due = this.wallStart + t;
    const wait = due - Date.now();
    if (wait > 1) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => ((this.wake = null), resolve()), wait);
        this.wake = () => (clearTimeout(timer), (this.wake = null), resolve());
      });
    }
  }

  /** `: board 2 (moddable): <reason>; ...` for the boards that halted, to name the cause in the stop reason. */
  private haltList(): string {
    const halted = this.slots.filter((s) => s.haltReason !== undefined && s.haltReason !== 'fault crash');
    return halted.length ? `: ${halted.map((s) => `board ${s.node} (${s.engine}): ${s.haltReason}`).join('; ')}` : '';
  }

  private allDone(): boolean {
    for (let r = 0; r < this.cfg.boards; r++) if (!this.results.has(r)) return false;
    return true;
  }

  private async stepAt(t: number): Promise<void> {
    const batches = new Map<number, BoardEvent[]>();
    const deferred: { at: number; item: QItem }[] = [];
    const admit = (item: Extract<QItem, { t: 'ev' }>): void => {
      const slot = this.slots[item.board]!;
      if (slot.real !== null) {
        this.toReal(slot, item, t);
        return;
      }
      if (slot.state === 'halted' || !slot.board) return;
      if (slot.busy) {
        // Still computing: it takes the event (a timer's validity included) once it is free.
        slot.waiting.push(item);
        return;
      }
      if (item.ev.kind === 'timer' && (item.gen !== slot.gen || !slot.timers.delete(item.ev.id))) return;
      if (slot.hungUntil > t) {
        // A hung board takes nothing in: bytes on the wire are lost, timers fire late.
        if (item.ev.kind === 'timer') {
          slot.timers.add(item.ev.id);
          deferred.push({ at: slot.hungUntil, item });
        }
        return;
      }
      let batch = batches.get(item.board);
      if (!batch) batches.set(item.board, (batch = [{ kind: 'time', now: t }]));
      batch.push(item.ev);
      this.events++;
      if (item.ev.kind === 'rx') {
        slot.framesIn++;
        slot.bytesIn += item.ev.bytes.length;
      }
    };
    while (this.queue.peekTime() === t) {
      const { item } = this.queue.pop()!;
      if (item.t === 'scenario') {
        this.consoleInput(item.step.board, item.step.command + '\n', 'scenario');
        continue;
      }
      if (item.t === 'real') {
        const slot = this.slots[item.board]!;
        if (item.gen !== slot.gen || slot.real === null) continue;
        if (slot.state === 'halted') {
          // The trace (stdout) and the console are separate pipes: the `fault crash` event can
          // arrive after the HALT it caused. Record it with the effect already seen.
          const a = item.action;
          if (a.kind === 'event' && a.name === 'fault') {
            this.onBoardEvent(slot, a.name, a.value, a.detail);
            if (a.detail === 'crash' && slot.haltReason === 'fault crash') this.recordEffect(slot.node, 'crash');
          }
          continue;
        }
        this.apply(slot, item.action);
        continue;
      }
      if (item.t === 'real-restart') {
        const slot = this.slots[item.board]!;
        if (item.gen !== slot.gen || slot.real === null || slot.state === 'halted') continue;
        slot.boots++;
        slot.state = slot.rank < 0 ? 'spare' : 'booting';
        this.trace.digest(t, slot.node, TAG.reset, '');
        this.recordEffect(slot.node, 'reboot');
        this.trace.add({ name: 'reboot', cat: 'fault', ph: 'i', s: 'g', ts: t * 1000, tid: slot.node });
        continue;
      }
      if (item.t === 'apply') {
        const slot = this.slots[item.board]!;
        if (item.gen !== slot.gen || !slot.busy) continue;
        slot.busy = false;
        this.finishStep(slot, item.actions, item.figures);
        // What fell due while it computed, in the order it fell due, ahead of anything due now.
        const waiting = slot.waiting;
        slot.waiting = [];
        for (const w of waiting) admit(w);
        continue;
      }
      admit(item);
    }
    for (const d of deferred) this.queue.push(d.at, d.item);
    const order = [...batches.keys()].sort((a, b) => a - b);
    const outs = await Promise.all(
      order.map(async (node) => {
        const slot = this.slots[node]!;
        const board = slot.board!;
        const before = board.figures().computeTotal;
        let actions: BoardAction[];
        try {
          actions = await board.step(batches.get(node)!);
        } catch (e) {
          actions = [{ kind: 'halt', reason: `board process failed: ${(e as Error).message}` }];
        }
        const figures = board.figures();
        return { actions, figures, units: Math.max(0, figures.computeTotal - before) };
      }),
    );
    const nsPerUnit = this.cfg.cpuNsPerUnit ?? 0;
    order.forEach((node, i) => {
      const slot = this.slots[node]!;
      const out = outs[i]!;
      for (const ev of batches.get(node)!) this.digestEvent(t, node, ev);
      const costMs = (out.units * nsPerUnit) / 1e6;
      if (costMs > 0 && slot.board) {
        slot.cpuMs += costMs;
        slot.busy = true;
        // What the host ran counts now, so compute and cpuMs agree even if the run ends mid-step.
        slot.hostMs = out.figures.hostMs;
        slot.compute = out.figures.computeTotal;
        slot.steps = out.figures.steps;
        this.queue.push(t + costMs, { t: 'apply', board: node, gen: slot.gen, actions: out.actions, figures: out.figures });
      } else {
        this.finishStep(slot, out.actions, out.figures);
      }
    });
  }

  /**
   * An event due for a real board, now: bytes the link model delivers are written to its
   * link's tty, console input to its console. It keeps its own timers and boots itself.
   */
  private toReal(slot: Slot, item: Extract<QItem, { t: 'ev' }>, t: number): void {
    const real = slot.real!;
    if (item.gen !== slot.gen || slot.state === 'halted') return;
    const ev = item.ev;
    if (ev.kind === 'rx') {
      slot.framesIn++;
      slot.bytesIn += ev.bytes.length;
      this.events++;
      this.digestEvent(t, slot.node, ev);
      real.writeLink(ev.link, ev.bytes);
    } else if (ev.kind === 'console') {
      this.events++;
      this.digestEvent(t, slot.node, ev);
      real.writeConsole(ev.text);
    }
  }

  /** A step's effects, at the current virtual time: its actions, then its figures (and the --ram check). */
  private finishStep(slot: Slot, actions: readonly BoardAction[], f: BoardFigures): void {
    const t = this.now;
    const node = slot.node;
    for (const a of actions) this.apply(slot, a);
    if (slot.board && slot.state !== 'halted') {
      slot.heapBytes = f.heapBytes;
      slot.heapPeakBytes = Math.max(slot.heapPeakBytes, f.heapPeakBytes);
      slot.hostMs = f.hostMs;
      slot.compute = f.computeTotal;
      slot.steps = f.steps;
      if (f.heapBytes > this.cfg.ramBytes) {
        this.faults.push({ atMs: t, board: node, command: 'out of memory', source: 'budget' });
        this.halt(slot, `out of memory: heap ${f.heapBytes} B exceeds the ${this.cfg.ramBytes} B budget`);
      }
    }
  }

  private digestEvent(t: number, node: number, ev: BoardEvent): void {
    switch (ev.kind) {
      case 'rx':
        this.trace.digest(t, node, TAG.rx, String(ev.link), ev.bytes);
        break;
      case 'timer':
        this.trace.digest(t, node, TAG.timer, String(ev.id));
        break;
      case 'console':
        this.trace.digest(t, node, TAG.console, ev.text);
        this.trace.add({ name: `console> ${ev.text.trim()}`, cat: 'console', ph: 'i', s: 't', ts: t * 1000, tid: node });
        break;
      case 'boot':
        this.trace.digest(t, node, TAG.boot, '');
        break;
      case 'time':
        break;
    }
  }

  private apply(slot: Slot, a: BoardAction): void {
    const t = this.now;
    const node = slot.node;
    switch (a.kind) {
      case 'tx': {
        const link = slot.links[a.link];
        if (!link) return;
        slot.framesOut++;
        slot.bytesOut += a.bytes.length;
        this.trace.digest(t, node, TAG.tx, String(a.link), a.bytes);
        const d = link.out.transmit(t, a.bytes);
        this.trace.add({ name: `${node}->${link.peer}`, cat: 'link', ph: 'X', ts: t * 1000, dur: Math.max(0.001, (d ? d.at - t : 0) * 1000), tid: node, args: { bytes: a.bytes.length, lost: d === null } });
        if (d) {
          const peer = this.slots[link.peer]!;
          this.queue.push(d.at, { t: 'ev', board: link.peer, gen: peer.gen, ev: { kind: 'rx', link: link.peerLink, bytes: d.bytes } });
        }
        return;
      }
      case 'timer-set':
        slot.timers.add(a.id);
        this.queue.push(Math.max(a.at, t), { t: 'ev', board: node, gen: slot.gen, ev: { kind: 'timer', id: a.id } });
        return;
      case 'timer-clear':
        slot.timers.delete(a.id);
        return;
      case 'console':
        this.trace.digest(t, node, TAG.consoleOut, a.text);
        this.observer.consoleOutput?.(node, a.text);
        return;
      case 'log':
        this.observer.log?.(node, a.level, a.message);
        return;
      case 'event':
        this.onBoardEvent(slot, a.name, a.value, a.detail);
        return;
      case 'halt':
        this.trace.digest(t, node, TAG.halt, a.reason);
        this.halt(slot, a.reason);
        return;
      case 'reset':
        this.trace.digest(t, node, TAG.reset, '');
        this.recordEffect(node, 'reboot');
        this.trace.add({ name: 'reboot', cat: 'fault', ph: 'i', s: 'g', ts: t * 1000, tid: node });
        void slot.board?.kill();
        void slot.real?.kill();
        slot.board = null;
        slot.real = null;
        slot.state = 'booting';
        void this.bootSlot(slot).then(() => this.wake?.());
        return;
      case 'hang':
        this.trace.digest(t, node, TAG.hang, String(a.ms));
        this.recordEffect(node, `hang ${a.ms} ms`);
        this.trace.add({ name: 'hang', cat: 'fault', ph: 'X', ts: t * 1000, dur: a.ms * 1000, tid: node });
        slot.hungUntil = t + a.ms;
        return;
    }
  }

  /** Note what a fault the board reported did (the board reports the command, the host sees the effect). */
  private recordEffect(node: number, effect: string): void {
    for (let i = this.faults.length - 1; i >= 0; i--) {
      const f = this.faults[i]!;
      if (f.board === node && f.effect === undefined) {
        f.effect = effect;
        return;
      }
    }
  }

  private halt(slot: Slot, reason: string): void {
    if (slot.state === 'halted') return;
    if (slot.isReal && slot.framesOut === 0 && slot.lastEvent === undefined && !reason.startsWith('fault ')) {
      // A real board that stops before it sent or reported anything did not boot (bad config,
      // XS abort, missing device): the domain cannot run as configured, so say so now rather
      // than let the others wait for it until the time limit.
      this.stopReason ||= `board ${slot.node} (${slot.engine}) did not boot: ${reason}`;
    }
    void slot.board?.kill();
    slot.board = null;
    // A halted real board is powered off: its process (or our hold on its devices) goes.
    void slot.real?.kill();
    slot.state = 'halted';
    slot.haltReason = reason;
    this.recordEffect(slot.node, reason === 'fault crash' ? 'crash' : `halt: ${reason}`);
    this.trace.add({ name: `halt: ${reason}`, cat: 'fault', ph: 'i', s: 'g', ts: this.now * 1000, tid: slot.node });
  }

  private onBoardEvent(slot: Slot, name: string, value: number, detail: string): void {
    const t = this.now;
    this.trace.digest(t, slot.node, TAG.event, `${name}=${value}:${detail}`);
    this.trace.add({ name: `${name}=${value}`, cat: 'app', ph: 'i', s: 't', ts: t * 1000, tid: slot.node, args: detail ? { detail } : {} });
    if (name === 'ft-recovery' || name === 'ft-stats') {
      this.onFtFigures(slot.node, name, value, detail);
      return;
    }
    if (name === 'fault') {
      // The board applied a fault command (from any console line); attribute it to the scenario
      // when the scenario sent that command.
      const command = `fault ${detail}`;
      const i = slot.scenarioLines.indexOf(command);
      if (i >= 0) slot.scenarioLines.splice(i, 1);
      // The host sees a simulated board's crash, reboot or hang as the action that follows; a
      // real board hangs by itself (nothing follows) and its crash arrives as a HALT line.
      const follows = slot.real !== null ? /^(crash|reboot)/ : /^(crash|reboot|hang)/;
      const effect = slot.real !== null && detail.startsWith('hang ') ? `${detail} ms (on the board)` : detail;
      this.faults.push({ atMs: t, board: slot.node, command, source: i >= 0 ? 'scenario' : 'console', ...(follows.test(detail) ? {} : { effect }) });
      this.trace.add({ name: command, cat: 'fault', ph: 'i', s: 't', ts: t * 1000, tid: slot.node });
      return;
    }
    slot.lastEvent = { name, value };
    if (name === 'app-start') slot.state = 'running';
    if (name === 'app-result') {
      let v: unknown = null;
      try {
        v = JSON.parse(detail);
      } catch {
        v = detail;
      }
      this.results.set(value, v);
      slot.state = 'done';
    }
    if (name === 'app-error') {
      this.stopReason = `board ${slot.node} (rank ${value}): app failed: ${detail}`;
    }
    this.observer.boardEvent?.(slot.node, name, value, detail);
    this.pendingTriggers = this.pendingTriggers.filter((step) => {
      if (step.board !== slot.node && step.onAnyBoard !== true) return true;
      if (step.onEvent?.name !== name) return true;
      if (step.onEvent.value !== undefined && step.onEvent.value !== value) return true;
      this.consoleInput(step.board, step.command + '\n', 'scenario');
      return false;
    });
  }

  private onFtFigures(node: number, name: string, value: number, detail: string): void {
    let v: unknown;
    try {
      v = JSON.parse(detail);
    } catch {
      this.observer.log?.(node, 'warn', `unreadable ${name} figures: ${detail.slice(0, 80)}`);
      return;
    }
    if (typeof v !== 'object' || v === null) return;
    if (name === 'ft-stats') {
      this.ftStats.set(node, v as FtStatsLike);
      return;
    }
    const r = v as Partial<RecoverySummary>;
    const num = (x: unknown) => (typeof x === 'number' ? x : 0);
    const nums = (x: unknown) => (Array.isArray(x) ? x.filter((n): n is number => typeof n === 'number') : []);
    this.recoveries.set(value, {
      epoch: num(r.epoch ?? value),
      generation: num(r.generation),
      failed: nums(r.failed),
      replacements: nums(r.replacements),
      ranks: nums(r.ranks),
      shrink: r.shrink === true,
      detectMs: round3(num(r.detectMs)),
      restoreMs: round3(num(r.restoreMs)),
      totalMs: round3(num(r.totalMs)),
      lostIterations: num(r.lostIterations),
      bytes: num(r.bytes),
    });
  }

  private checkpointSummary(): CheckpointSummary {
    const all = [...this.ftStats.values()];
    const c = (f: (s: FtStatsLike) => number | undefined) => all.map((s) => f(s) ?? 0);
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    return {
      count: Math.max(0, ...c((s) => s.checkpoints?.count)),
      bytesSent: sum(c((s) => s.checkpoints?.bytesSent)),
      changedBytes: sum(c((s) => s.checkpoints?.changedBytes)),
      fullImageBytes: sum(c((s) => s.checkpoints?.fullImageBytes)),
      memoryMultiple: round3(Math.max(0, ...c((s) => s.memory?.peakMultiple))),
    };
  }

  boardSummaries(): BoardSummary[] {
    return this.slots.map((s) => ({
      node: s.node,
      rank: s.rank,
      engine: s.engine,
      state: s.hungUntil > this.now ? 'hung' : s.state,
      framesIn: s.framesIn,
      framesOut: s.framesOut,
      bytesIn: s.bytesIn,
      bytesOut: s.bytesOut,
      heapBytes: s.heapBytes,
      heapPeakBytes: s.heapPeakBytes,
      hostMs: Math.round(s.hostMs),
      compute: s.compute,
      cpuMs: round3(s.cpuMs),
      steps: s.steps,
      boots: s.boots,
      ...(s.haltReason !== undefined ? { haltReason: s.haltReason } : {}),
      ...(s.lastEvent !== undefined ? { lastEvent: s.lastEvent } : {}),
    }));
  }

  linkSummaries(): LinkSummary[] {
    return this.cfg.topology.edges.map((e, i) => {
      const [ab, ba] = this.dirs[i]!;
      const sum = (k: keyof WireStats) => ab.stats[k] + ba.stats[k];
      return {
        a: e.a,
        b: e.b,
        kind: e.model.kind === 'uart' ? `uart:${e.model.baud}` : e.model.kind,
        frames: sum('frames'),
        bytes: sum('bytes'),
        lost: sum('lost'),
        corrupted: sum('corrupted'),
        predictedMs: round3(sum('busyMs')),
      };
    });
  }

  summary(): SimSummary {
    const links = this.linkSummaries();
    const results: Record<number, unknown> = {};
    for (const [r, v] of [...this.results.entries()].sort((a, b) => a[0] - b[0])) results[r] = v;
    return {
      ok: this.stopReason === 'done',
      reason: this.stopReason,
      app: { name: this.cfg.app, result: this.results.get(0) ?? null, results },
      traceDigest: this.trace.finish(),
      boards: this.boardSummaries(),
      links,
      faults: this.faults,
      recoveries: [...this.recoveries.values()].sort((a, b) => a.epoch - b.epoch),
      checkpoints: this.checkpointSummary(),
      wire: { frames: links.reduce((a, l) => a + l.frames, 0), bytes: links.reduce((a, l) => a + l.bytes, 0) },
      events: this.events,
      virtualMs: round3(this.now),
      wallMs: Date.now() - this.wallStart,
      seed: this.cfg.seed,
      cpuNsPerUnit: this.cfg.cpuNsPerUnit ?? 0,
      clock: this.paced && this.slots.some((s) => s.isReal) ? 'wall' : 'virtual',
      realBoards: this.slots.filter((s) => s.isReal).map((s) => s.node),
    };
  }

  writeTrace(path: string): void {
    this.trace.write(path);
  }

  /** Stop the loop from outside (Ctrl-C). */
  stop(reason: string): void {
    this.stopReason = reason;
    this.wake?.();
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.board?.kill()));
    await Promise.all(this.slots.map((s) => s.real?.kill()));
  }
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
