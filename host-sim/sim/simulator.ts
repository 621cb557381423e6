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
import { ERR_PREFIX, OK_LINE, isFinalLine } from '../../src/console/answer.js';
import { V8Guard, watchdogReason, type WatchdogConfig } from './watchdog.js';

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

/** What a factory needs to know of a board besides its engine and node. */
export interface BoardOptions {
  /** XS metering units one step may use (the task watchdog); 0 or absent: no limit. */
  meteringLimit?: number;
  /** Set for an `--attach` board: the devices it is reached through. */
  attach?: AttachSpec;
}

/**
 * Makes the board for a slot: a simulated board (stepped in virtual time) or a real one (runs
 * on its own; host-sim/boards/real-board.ts).
 */
export type BoardFactory = (engine: EngineName, node: number, options?: BoardOptions) => Promise<SimBoard | RealBoard>;

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
   * A scenario step the board refused or that never fired leaves the run `ok` (exploratory
   * runs, `--allow-unfired-faults`). Default: the run fails naming the step.
   */
  allowUnfiredFaults?: boolean;
  /** The task watchdog (host-sim/sim/watchdog.ts); absent: off. */
  watchdog?: WatchdogConfig;
  /**
   * CPU model: virtual ns one XS metering unit costs a board (`--cpu`). 0 (or absent): boards
   * compute in zero virtual time. V8 boards have no meter and always cost 0.
   */
  cpuNsPerUnit?: number;
  /** Boards that live outside the simulator (`--attach`), by node. */
  attach?: AttachSpec[];
}

/**
 * What became of a fault or scenario step: `applied` (the board answered OK or reported the
 * fault), `refused` (the board answered ERR), `unfired` (its trigger never came, the board
 * was down, or no answer came before the run ended).
 */
export type FaultStatus = 'applied' | 'refused' | 'unfired';

export interface FaultRecord {
  /** Virtual ms it was applied (or sent, or refused); null when its trigger never fired. */
  atMs: number | null;
  board: number;
  command: string;
  /** `scenario` (a --fault or scenario step), `console` (typed by someone), `budget` (--ram). */
  source: 'scenario' | 'console' | 'budget' | 'watchdog';
  effect?: string;
  status: FaultStatus;
  /** Scenario steps: the trigger as written (`1200ms`, `iter=30`) and where the step came from. */
  trigger?: string;
  origin?: string;
  /** Why it was refused (the board's ERR reason) or did not fire. */
  reason?: string;
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
  /** Remote calls (docs/RPC.md): what the clients reported, failures by stage. */
  rpc: RpcSummary;
  /** The task watchdog: its limit (`off` when off) and the boards it halted. */
  watchdog: { limit: string; units: number; fired: { board: number; atMs: number }[] };
  /**
   * `virtual`: every board simulated, the run reproducible from its seed. `wall`: real boards
   * (Moddable processes, attached devices) took part, so the run was paced to the wall clock
   * and its trace digest differs between runs.
   */
  clock: 'virtual' | 'wall';
  /** Nodes of the real boards (engine moddable or attached). */
  realBoards: number[];
}

export interface RpcSummary {
  /** Calls finished (successfully or not), as their clients reported them. */
  calls: number;
  /** Calls that ended in an error (unavailable, timeout, maybe-executed, remote error). */
  failed: number;
  /** Attempts beyond the first, over all calls. */
  retries: number;
  /** Calls whose result came from a checkpoint or a held result at a buddy. */
  resumed: number;
  /** Failed attempts by the stage they failed in. */
  byStage: { start: number; args: number; compute: number; result: number };
  /** Virtual ms spent in failed attempts. */
  lostMs: number;
  /** Argument bytes sent again by later attempts. */
  resentBytes: number;
  /**
   * Calls delivered to their client more than once, plus non-idempotent calls whose function
   * ran to completion more than once: 0 is the exactly-once guarantee.
   */
  duplicated: number;
}

/** The parts of src/rpc's RpcCallReport the summary reads. */
interface RpcReportLike {
  call?: number;
  ok?: boolean;
  attempts?: number;
  resumed?: boolean;
  failures?: { stage?: string; lostMs?: number; resentBytes?: number }[];
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
  /** The task watchdog ended the board's last step. */
  watchdogFired = false;
  /** CPU model: a step's actions are still to be applied; events meanwhile wait in `waiting`. */
  busy = false;
  waiting: Extract<QItem, { t: 'ev' }>[] = [];
  haltReason: string | undefined;
  lastEvent: { name: string; value: number } | undefined;
  /**
   * Console lines sent to this board and not answered yet, in input order (the shell answers
   * every non-empty line once, in order): a scenario step's record, or null for a line someone
   * typed. The answers (OK / ERR) settle the steps.
   */
  answers: (FaultRecord | null)[] = [];
  /** Console output not yet ended by a newline, and the state of typed input, for counting lines. */
  outPartial = '';
  /** Scenario fault steps sent to this board whose `fault` event has not come yet. */
  awaitingFault: FaultRecord[] = [];
  typedPartial = '';
  typedAfterCr = false;
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

/**
 * Steps at one virtual instant after which the run is a livelock: something re-arms a timer
 * (or answers a frame) without virtual time moving, so no time limit would ever trip. A real run
 * takes a few dozen steps per instant at most.
 */
export const LIVELOCK_STEPS = 100_000;

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
  /** Remote calls: client reports and function completions per call (`client:call`). */
  private readonly rpcReports: RpcReportLike[] = [];
  private readonly rpcDelivered = new Map<string, number>();
  private readonly rpcCompleted = new Map<string, { n: number; idempotent: boolean }>();
  readonly faults: FaultRecord[] = [];
  private now = 0;
  private events = 0;
  private wallStart = 0;
  private stopReason = '';
  private pendingTriggers: ScenarioStep[] = [];
  /** Scenario steps that came due (time or trigger): their records are in `faults`. */
  private readonly fired = new Set<ScenarioStep>();
  private stepsSettled = false;
  private v8Guard: V8Guard | null = null;
  private readonly watchdogFired: { board: number; atMs: number }[] = [];
  /** Livelock guard: steps taken at the current virtual instant, and who took them. */
  private instant = { t: -1, steps: 0, boards: new Map<number, { events: number; timer: number | undefined }>() };
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
      seed: bootSeed(this.cfg.seed, node, slot.boots),
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
  consoleInput(node: number, text: string): void {
    const slot = this.slots[node];
    if (!slot) return;
    for (let n = countTypedLines(slot, text); n > 0; n--) slot.answers.push(null);
    this.queue.push(this.now, { t: 'ev', board: node, gen: slot.gen, ev: { kind: 'console', text } });
    this.wake?.();
  }

  /** A scenario step came due: send its command, and follow what becomes of it. */
  private fireStep(step: ScenarioStep): void {
    if (this.fired.has(step)) return;
    this.fired.add(step);
    const slot = this.slots[step.board];
    const record: FaultRecord = {
      atMs: this.now, board: step.board, command: step.command, source: 'scenario', status: 'unfired', trigger: triggerText(step), origin: step.origin,
    };
    this.faults.push(record);
    if (!slot || slot.state === 'halted' || !slot.board) {
      record.reason = `board ${step.board} was down${slot?.haltReason ? ` (${slot.haltReason})` : ''} when the step came due`;
      return;
    }
    slot.answers.push(record);
    if (/^fault\s/.test(step.command)) slot.awaitingFault.push(record);
    this.queue.push(this.now, { t: 'ev', board: step.board, gen: slot.gen, ev: { kind: 'console', text: step.command + '\n' } });
    this.wake?.();
  }

  async start(): Promise<void> {
    this.wallStart = Date.now();
    await Promise.all(this.slots.map((s) => this.bootSlot(s)));
  }

  private async bootSlot(slot: Slot): Promise<void> {
    const units = this.cfg.watchdog?.units ?? 0;
    let made: SimBoard | RealBoard;
    try {
      made = await this.factory(slot.engine === 'attached' ? (this.cfg.engines[slot.node] ?? 'xs') : slot.engine, slot.node, {
        ...(units > 0 ? { meteringLimit: units } : {}),
        ...(slot.attach ? { attach: slot.attach } : {}),
      });
    } catch (e) {
      if (!slot.isReal) throw e;
      // No firmware (no SDK, a failed build): the board cannot exist, and the run says why.
      slot.gen++;
      this.halt(slot, (e as Error).message);
      return;
    }
    if (isRealBoard(made)) return this.bootReal(slot, made);
    slot.board = made;
    this.freshBoot(slot);
    this.queue.push(this.now, { t: 'ev', board: slot.node, gen: slot.gen, ev: { kind: 'boot', config: JSON.stringify(this.bootConfig(slot.node)) } });
  }

  /** What every boot starts from, simulated or real: a new generation, no timers, a fresh shell. */
  private freshBoot(slot: Slot): void {
    slot.gen++;
    slot.boots++;
    slot.timers.clear();
    slot.busy = false;
    slot.waiting = [];
    slot.state = slot.rank < 0 ? 'spare' : 'booting';
    slot.haltReason = undefined;
    // A rebooted board's shell starts afresh: lines sent before were lost with it.
    for (const r of slot.answers) if (r !== null && r.status === 'unfired') r.reason = `board ${slot.node} rebooted before it answered`;
    slot.answers = [];
    slot.awaitingFault = [];
    slot.outPartial = '';
  }

  /**
   * Start a real board. What it does from then on arrives asynchronously (pty reads) and is
   * queued as `real` items at the virtual time it was seen, so the loop applies it like a
   * simulated board's actions.
   */
  private async bootReal(slot: Slot, real: RealBoard): Promise<void> {
    slot.real = real;
    this.freshBoot(slot);
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
    const wallMs = this.cfg.watchdog?.v8WallMs ?? 0;
    this.v8Guard = wallMs > 0 && this.slots.some((s) => s.engine === 'node') ? new V8Guard(this.slots.length, wallMs) : null;
    this.v8Guard?.start();
    try {
      await this.loop();
    } finally {
      await this.v8Guard?.stop();
    }
    return this.summary();
  }

  private async loop(): Promise<void> {
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
      if (this.livelocked(t)) break;
      await this.stepAt(t);
      // A reason the step set (an app error, the watchdog) is the one to report.
      if (this.stopReason) break;
      if (this.allDone()) this.stopReason = 'done';
      else if (this.slots.every((s) => s.state === 'halted' || s.state === 'spare')) this.stopReason = `every working board is down${this.haltList()}`;
    }
  }

  /** Count a step at `t`; too many at one instant end the run with a livelock verdict. */
  private livelocked(t: number): boolean {
    const i = this.instant;
    if (t !== i.t) {
      i.t = t;
      i.steps = 0;
      i.boards.clear();
    }
    if (++i.steps <= LIVELOCK_STEPS) return false;
    let worst = -1;
    let most = -1;
    for (const [node, b] of i.boards) if (b.events > most) (worst = node), (most = b.events);
    const timer = worst >= 0 ? i.boards.get(worst)!.timer : undefined;
    const where = worst >= 0 ? ` on board ${worst}${timer !== undefined ? ` (timer ${timer})` : ''}` : '';
    this.stopReason = `livelock at t=${round3(t)} ms${where}: ${LIVELOCK_STEPS} steps without virtual time advancing`;
    return true;
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
        // A hung board takes nothing in: bytes on the wire are lost, timers fire late, and
        // console input waits in the UART's buffer to be answered after the hang.
        if (item.ev.kind === 'timer') {
          slot.timers.add(item.ev.id);
          deferred.push({ at: slot.hungUntil, item });
        } else if (item.ev.kind === 'console') {
          deferred.push({ at: slot.hungUntil, item });
        }
        return;
      }
      let batch = batches.get(item.board);
      if (!batch) batches.set(item.board, (batch = [{ kind: 'time', now: t }]));
      batch.push(item.ev);
      this.events++;
      let seen = this.instant.boards.get(item.board);
      if (!seen) this.instant.boards.set(item.board, (seen = { events: 0, timer: undefined }));
      seen.events++;
      if (item.ev.kind === 'timer') seen.timer = item.ev.id;
      if (item.ev.kind === 'rx') {
        slot.framesIn++;
        slot.bytesIn += item.ev.bytes.length;
      }
    };
    while (this.queue.peekTime() === t) {
      const { item } = this.queue.pop()!;
      if (item.t === 'scenario') {
        this.fireStep(item.step);
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
        this.v8Guard?.stepping(node, slot.engine === 'node');
        try {
          actions = await board.step(batches.get(node)!);
        } catch (e) {
          actions = [{ kind: 'halt', reason: `board process failed: ${(e as Error).message}` }];
        } finally {
          this.v8Guard?.stepping(node, false);
        }
        const wd = this.cfg.watchdog;
        if (wd && wd.units > 0 && board.exitReason !== null && /metering limit reached/.test(board.exitReason)) {
          actions = [{ kind: 'halt', reason: watchdogReason(node, wd) }];
          slot.watchdogFired = true;
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
        this.faults.push({ atMs: t, board: node, command: 'out of memory', source: 'budget', status: 'applied' });
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
        this.readAnswers(slot, a.text);
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
    if (slot.watchdogFired) {
      slot.watchdogFired = false;
      this.watchdogFired.push({ board: slot.node, atMs: round3(this.now) });
      this.faults.push({ atMs: this.now, board: slot.node, command: 'task watchdog', source: 'watchdog', status: 'applied', effect: `halt: ${reason}` });
      // Without spares nobody takes the rank over: the run cannot end well, so it ends now.
      if (this.cfg.spares === 0) this.stopReason = reason;
    }
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
    if (name === 'rpc-call' || name === 'rpc-done') {
      this.onRpcEvent(slot.node, name, detail);
      return;
    }
    if (name === 'fault') {
      // The board applied a fault command (from any console line). It is the scenario's when
      // the oldest unanswered scenario step to this board is a fault of that kind.
      const command = `fault ${detail}`;
      const kind = detail.split(' ')[0]!;
      const i = slot.awaitingFault.findIndex((r) => r.command.split(/\s+/)[1] === kind);
      const step = i >= 0 ? slot.awaitingFault.splice(i, 1)[0] : undefined;
      // The host sees a simulated board's crash, reboot or hang as the action that follows; a
      // real board hangs by itself (nothing follows) and its crash arrives as a HALT line.
      const follows = slot.real !== null ? /^(crash|reboot)/ : /^(crash|reboot|hang)/;
      const effectText = slot.real !== null && detail.startsWith('hang ') ? `${detail} ms (on the board)` : detail;
      const effect = follows.test(detail) ? {} : { effect: effectText };
      if (step) Object.assign(step, { atMs: t, status: 'applied' as const, ...effect });
      else this.faults.push({ atMs: t, board: slot.node, command, source: 'console', status: 'applied', ...effect });
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
      this.fireStep(step);
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

  private onRpcEvent(node: number, name: string, detail: string): void {
    if (name === 'rpc-done') {
      // `client:call:idempotent`, from the server whose function finished.
      const [client, call, idem] = detail.split(':');
      const key = `${client}:${call}`;
      const c = this.rpcCompleted.get(key) ?? { n: 0, idempotent: idem === '1' };
      c.n++;
      this.rpcCompleted.set(key, c);
      return;
    }
    let r: RpcReportLike;
    try {
      r = JSON.parse(detail) as RpcReportLike;
    } catch {
      this.observer.log?.(node, 'warn', `unreadable rpc-call report: ${detail.slice(0, 80)}`);
      return;
    }
    this.rpcReports.push(r);
    const key = `${node}:${String(r.call)}`;
    this.rpcDelivered.set(key, (this.rpcDelivered.get(key) ?? 0) + 1);
  }

  private rpcSummary(): RpcSummary {
    const byStage = { start: 0, args: 0, compute: 0, result: 0 };
    let lostMs = 0;
    let resentBytes = 0;
    for (const r of this.rpcReports) {
      for (const f of r.failures ?? []) {
        if (f.stage !== undefined && f.stage in byStage) byStage[f.stage as keyof typeof byStage]++;
        lostMs += typeof f.lostMs === 'number' ? f.lostMs : 0;
        resentBytes += typeof f.resentBytes === 'number' ? f.resentBytes : 0;
      }
    }
    let duplicated = 0;
    for (const n of this.rpcDelivered.values()) if (n > 1) duplicated++;
    for (const c of this.rpcCompleted.values()) if (!c.idempotent && c.n > 1) duplicated++;
    return {
      calls: this.rpcReports.length,
      failed: this.rpcReports.filter((r) => r.ok !== true).length,
      retries: this.rpcReports.reduce((a, r) => a + Math.max(0, (r.attempts ?? 1) - 1), 0),
      resumed: this.rpcReports.filter((r) => r.resumed === true).length,
      byStage,
      lostMs: round3(lostMs),
      resentBytes,
      duplicated,
    };
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

  /** Answers on a board's console settle the scenario steps sent to it, in input order. */
  private readAnswers(slot: Slot, text: string): void {
    const parts = (slot.outPartial + text).split('\n');
    slot.outPartial = parts.pop()!;
    for (const raw of parts) {
      const line = raw.replace(/\r$/, '');
      if (!isFinalLine(line)) continue;
      const r = slot.answers.shift();
      if (r === undefined || r === null || r.status !== 'unfired') continue;
      if (line === OK_LINE) {
        r.status = 'applied';
        r.atMs = this.now;
      } else {
        r.status = 'refused';
        r.atMs = this.now;
        r.reason = line.slice(ERR_PREFIX.length).trim() || 'refused';
      }
    }
  }

  /** At the end: steps that never came due, or were never answered, did not fire. */
  private settleSteps(): void {
    if (this.stepsSettled || !this.stopReason) return;
    this.stepsSettled = true;
    for (const r of this.faults) {
      if (r.source === 'scenario' && r.status === 'unfired' && r.reason === undefined) {
        r.reason = `board ${r.board} did not answer before the run ended`;
      }
    }
    for (const step of this.cfg.scenario) {
      if (this.fired.has(step)) continue;
      const slot = this.slots[step.board];
      const reason = step.atMs !== undefined
        ? `the run ended at ${round3(this.now)} ms, before ${step.atMs} ms`
        : `trigger ${triggerText(step)} never fired${slot?.lastEvent ? ` (board ${step.board} last reported ${slot.lastEvent.name}=${slot.lastEvent.value})` : ''}`;
      this.faults.push({ atMs: null, board: step.board, command: step.command, source: 'scenario', status: 'unfired', trigger: triggerText(step), origin: step.origin, reason });
    }
  }

  /** The first scenario step that did not happen, as the run's failure reason, or null. */
  private stepFailure(): string | null {
    if (this.cfg.allowUnfiredFaults === true) return null;
    const bad = this.faults.filter((f) => f.source === 'scenario' && f.status !== 'applied');
    if (bad.length === 0) return null;
    const f = bad[0]!;
    const more = bad.length > 1 ? ` (and ${bad.length - 1} more step(s) that did not happen)` : '';
    return `${f.origin ?? 'scenario step'} (board ${f.board}: ${f.command}) ${f.status === 'refused' ? 'was refused' : 'did not fire'}: ${f.reason ?? ''}${more}; use --allow-unfired-faults for exploratory runs`;
  }

  summary(): SimSummary {
    this.settleSteps();
    const stepFailure = this.stopReason === 'done' ? this.stepFailure() : null;
    const links = this.linkSummaries();
    const results: Record<number, unknown> = {};
    for (const [r, v] of [...this.results.entries()].sort((a, b) => a[0] - b[0])) results[r] = v;
    return {
      ok: this.stopReason === 'done' && stepFailure === null,
      reason: stepFailure ?? this.stopReason,
      app: { name: this.cfg.app, result: this.results.get(0) ?? null, results },
      traceDigest: this.trace.finish(),
      boards: this.boardSummaries(),
      links,
      faults: [...this.faults].sort((a, b) => (a.atMs ?? Infinity) - (b.atMs ?? Infinity)),
      recoveries: [...this.recoveries.values()].sort((a, b) => a.epoch - b.epoch),
      checkpoints: this.checkpointSummary(),
      wire: { frames: links.reduce((a, l) => a + l.frames, 0), bytes: links.reduce((a, l) => a + l.bytes, 0) },
      events: this.events,
      virtualMs: round3(this.now),
      wallMs: Date.now() - this.wallStart,
      seed: this.cfg.seed,
      cpuNsPerUnit: this.cfg.cpuNsPerUnit ?? 0,
      rpc: this.rpcSummary(),
      watchdog: { limit: this.cfg.watchdog?.label ?? 'off', units: this.cfg.watchdog?.units ?? 0, fired: this.watchdogFired },
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

function triggerText(step: ScenarioStep): string {
  if (step.atMs !== undefined) return `${step.atMs}ms`;
  const e = step.onEvent;
  return e === undefined ? '?' : e.value === undefined ? e.name : `${e.name}=${e.value}`;
}

/**
 * Non-empty lines completed by typed text, as the board's line assembler ends them (CR, LF or
 * CRLF once; control characters dropped): the shell answers each once.
 */
function countTypedLines(slot: Slot, text: string): number {
  let n = 0;
  for (const ch of text) {
    if (ch === '\n' && slot.typedAfterCr) {
      slot.typedAfterCr = false;
      continue;
    }
    slot.typedAfterCr = ch === '\r';
    if (ch === '\r' || ch === '\n') {
      if (slot.typedPartial.trim().length > 0) n++;
      slot.typedPartial = '';
    } else if (ch === '\x03' || ch === '\x15') {
      slot.typedPartial = '';
    } else if (ch >= ' ' && ch !== '\x7f') {
      slot.typedPartial += ch;
    }
  }
  return n;
}

/**
 * The random seed a board gets at boot `boots` (1 = first): a real board has fresh randomness
 * after every reset (new link session ids, incarnation, broadcast numbers), and a replay needs
 * the same numbers again, so each boot's seed derives from the run seed, the node and the boot
 * count. The first boot keeps the seed it always had.
 */
export function bootSeed(runSeed: number, node: number, boots: number): number {
  const first = (runSeed * 1000003 + node * 7919) >>> 0;
  if (boots <= 1) return first;
  let h = (first ^ Math.imul(boots, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
