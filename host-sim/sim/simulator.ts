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
import { UNHANDLED_REJECTION, type BoardAction, type BoardEvent } from '../../hal/driven/events.js';
import type { BoardConfig } from '../../src/config.js';
import { EventQueue } from './event-queue.js';
import { Prng } from '../../src/util/prng.js';
import { WireDirection } from './wire.js';
import { Trace } from './trace.js';
import type { ScenarioStep } from './scenario.js';
import type { BoardFigures, SimBoard } from '../boards/sim-board.js';
import { V8Guard } from './watchdog.js';
import { isRealBoard, type RealBoard } from '../boards/real-board.js';
import { BOARD_EVENT, parseEvent } from '../../src/events.js';
import { NetLayer } from '../../src/net/index.js';
import type { BoardEngineName, EngineName } from './engines.js';
import type { BoardFactory, BoardSummary, FaultRecord, LinkSummary, SimConfig, SimObserver, SimSummary } from './sim-types.js';
import { FaultSteps } from './fault-steps.js';
import { RunFigures, round3 } from './interpret.js';
import { boardSummaries, buildSummary, linkSummaries } from './summary.js';
import { Slot, bootConfigOf, bootSeed, countTypedLines, haltList, wireSlots, type QItem } from './slot.js';
import { LIVELOCK_STEPS, LivelockGuard } from './livelock.js';
import { TRACE_TAG as TAG } from './trace.js';
import { admitEvent, stepBoard } from './board-step.js';
import { startReal, toReal } from './real-io.js';
import { boundedStart, ENGINE_START_MS } from './engine-start.js';

export type { EngineName, BoardEngineName };
export type {
  AttachSpec, BoardFactory, BoardOptions, BoardState, BoardSummary, CheckpointSummary, FaultRecord, FaultStatus, LinkSummary,
  RecoverySummary, RpcSummary, SimConfig, SimObserver, SimSummary,
} from './sim-types.js';
export { bootSeed, LIVELOCK_STEPS };

export class Simulator {
  private readonly queue = new EventQueue<QItem>();
  private readonly slots: Slot[] = [];
  private readonly rng: Prng;
  private readonly trace: Trace;
  private readonly dirs: [WireDirection, WireDirection][];
  /** What the boards' runtime events mean for the summary (interpret.ts). */
  private readonly figures: RunFigures;
  /** What became of every fault (fault-steps.ts). */
  private readonly steps = new FaultSteps();
  private now = 0;
  private events = 0;
  /** Wall start of the run (maxWallMs, wallMs); with real boards, the first one's start (not its build). */
  private wallStart = 0;
  /**
   * A paced run's wall instant of virtual 0: once every engine is up (or a real board starts its own clock), moved
   * on while a simulated engine restarts. It was the run's start: the engines' start was a burst of unpaced time.
   */
  private paceStart = 0;
  private stopReason = '';
  /** What boards reported of links that cannot come up (`link-version` events), for the summary. */
  private readonly linkProblems: string[] = [];
  private pendingTriggers: ScenarioStep[] = [];
  private v8Guard: V8Guard | null = null;
  private readonly watchdogFired: { board: number; atMs: number }[] = [];
  private readonly livelock = new LivelockGuard();
  private wake: (() => void) | null = null;
  /**
   * Reboots of simulated boards still starting their engine (an xsnap process takes wall time
   * to start). The loop waits for them before it takes another step, so a reboot's boot lands
   * at the virtual instant of its reset on every run, however loaded the host is, and no board
   * is left starting (a live child process) after the run ended.
   */
  private readonly rebooting = new Set<Promise<void>>();
  /** Real boards take part: virtual time follows the wall clock (docs/SIMULATOR.md, "Real boards"). */
  private readonly paced: boolean;
  private realClockStarted = false;

  constructor(
    private readonly cfg: SimConfig,
    private readonly factory: BoardFactory,
    private readonly observer: SimObserver = {},
  ) {
    this.figures = new RunFigures((node, message) => this.observer.log?.(node, 'warn', message));
    this.rng = new Prng(cfg.seed ^ 0x5eed);
    this.trace = new Trace(cfg.recordTrace);
    const total = cfg.boards + cfg.spares;
    for (let n = 0; n < total; n++) {
      const attach = cfg.attach?.find((a) => a.node === n);
      this.slots.push(new Slot(n, n < cfg.boards ? n : -1, attach ? 'attached' : (cfg.engines[n] ?? 'node'), attach));
      this.trace.nameBoard(n, n < cfg.boards ? `board ${n} (rank ${n})` : `board ${n} (spare)`);
    }
    this.dirs = wireSlots(cfg.topology, this.slots, this.rng);
    this.paced = cfg.realtime || this.slots.some((s) => s.isReal);
    for (const step of cfg.scenario) {
      if (step.atMs !== undefined) this.queue.push(step.atMs, { t: 'scenario', step });
      else this.pendingTriggers.push(step);
    }
  }

  /** Every fault record so far (the summary's `faults`, in the order they were made). */
  get faults(): readonly FaultRecord[] {
    return this.steps.faults;
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
    return bootConfigOf(this.cfg, this.slots[node]!);
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
    const slot = this.slots[step.board];
    if (this.steps.due(step, slot, this.now) === null || slot === undefined) return;
    this.queue.push(this.now, { t: 'ev', board: step.board, gen: slot.gen, ev: { kind: 'console', text: step.command + '\n' } });
    this.wake?.();
  }

  async start(): Promise<void> {
    this.wallStart = Date.now();
    // Real boards (whose clock runs from their start) start once every simulated engine is up; built meanwhile.
    const simulated = Promise.all(this.slots.filter((s) => !s.isReal).map((s) => this.bootSlot(s)));
    const simulatedUp = simulated.then(() => undefined, () => undefined);
    await Promise.all([simulated, ...this.slots.filter((s) => s.isReal).map((s) => this.bootSlot(s, simulatedUp))]);
    if (!this.realClockStarted) this.paceStart = Date.now() - this.now;
  }

  /** Start a reset board again; a simulated one is waited for by the loop (see `rebooting`). */
  private reboot(slot: Slot): void {
    const booting = this.bootSlot(slot).then(
      () => this.wake?.(),
      (e: unknown) => this.halt(slot, `reboot failed: ${(e as Error).message}`),
    );
    if (slot.isReal) return;
    this.rebooting.add(booting);
    void booting.finally(() => this.rebooting.delete(booting));
  }

  private async settleReboots(): Promise<void> {
    const since = Date.now();
    while (this.rebooting.size > 0) await Promise.all([...this.rebooting]);
    // An engine's restart is no board time: the pace waits too, unless a real board's clock runs.
    if (!this.slots.some((s) => s.isReal)) this.paceStart += Date.now() - since;
  }

  private async bootSlot(slot: Slot, realAfter?: Promise<void>): Promise<void> {
    const units = this.cfg.watchdog?.units ?? 0;
    let made: SimBoard | RealBoard;
    try {
      const making = this.factory(slot.engine === 'attached' ? (this.cfg.engines[slot.node] ?? 'xs') : slot.engine, slot.node, {
        ...(units > 0 ? { meteringLimit: units } : {}),
        ...(slot.attach ? { attach: slot.attach } : {}),
      });
      // A real board's factory builds its firmware (bounded there); a simulated engine only starts.
      made = slot.isReal ? await making : await boundedStart(making, this.cfg.engineStartMs ?? ENGINE_START_MS, `board ${slot.node} (${slot.engine})`);
    } catch (e) {
      if (!slot.isReal) throw e;
      // No firmware (no SDK, a failed build): the board cannot exist, and the run says why.
      slot.gen++;
      this.halt(slot, (e as Error).message);
      return;
    }
    if (isRealBoard(made)) return this.bootReal(slot, made, realAfter);
    slot.board = made;
    slot.freshBoot();
    this.queue.push(this.now, { t: 'ev', board: slot.node, gen: slot.gen, ev: { kind: 'boot', config: JSON.stringify(this.bootConfig(slot.node)) } });
  }

  /**
   * Start a real board. What it does from then on arrives asynchronously (pty reads) and is
   * queued as `real` items at the virtual time it was seen, so the loop applies it like a
   * simulated board's actions.
   */
  private async bootReal(slot: Slot, real: RealBoard, before?: Promise<void>): Promise<void> {
    await before;
    slot.real = real;
    slot.freshBoot();
    this.trace.digest(this.now, slot.node, TAG.boot, '');
    if (!this.realClockStarted && this.now === 0) {
      // The wall clock the real boards share starts when the first of them does, not before
      // its firmware was built (that can take a minute).
      this.realClockStarted = true;
      this.paceStart = this.wallStart = Date.now();
    }
    try {
      await startReal(slot, real, this.bootConfig(slot.node), (item) => {
        this.queue.push(this.realNow(), item);
        this.wake?.();
      });
    } catch (e) {
      this.halt(slot, (e as Error).message);
    }
  }

  /** The virtual time of something a real board did just now: the wall clock's, never before the loop's. */
  private realNow(): number {
    return Math.max(this.now, Date.now() - this.paceStart);
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
      if (this.rebooting.size > 0) await this.settleReboots();
      if (this.stopReason) break;
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
      const livelock = this.livelock.step(t, round3);
      if (livelock !== null) {
        this.stopReason = livelock;
        break;
      }
      await this.stepAt(t);
      // A reason the step set (an app error, the watchdog) is the one to report.
      if (this.stopReason) break;
      if (this.allDone()) this.stopReason = 'done';
      else if (this.slots.every((s) => s.state === 'halted' || s.state === 'spare')) this.stopReason = `every working board is down${haltList(this.slots)}`;
      // Every halted board named, a crash too: here it is why the run ends.
      else if (this.nobodyLeftToFinish()) this.stopReason = `every board is done or halted, and no rank's result can still come: ${this.slots.filter((s) => s.state === 'halted').map((s) => `board ${s.node} (${s.engine}): ${s.haltReason ?? 'halted'}`).join('; ')}`;
    }
  }

  private async waitWall(t: number): Promise<void> {
    const due = this.paceStart + t;
    const wait = due - Date.now();
    if (wait > 1) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => ((this.wake = null), resolve()), wait);
        this.wake = () => (clearTimeout(timer), (this.wake = null), resolve());
      });
    }
  }

  /**
   * In a run paced to the wall clock (real boards, or --realtime): every board has either finished
   * or halted, no spare stands by and nothing reboots, yet a rank has no result. A done board
   * still retransmits to the dead one, so the queue never empties and the run went on until
   * --max-virtual, ten minutes of wall time by default (a Moddable board that aborted after its
   * first frames; `fault crash` typed into a --realtime run's console). Runs in virtual time end
   * on their own in seconds and are left as they were.
   */
  private nobodyLeftToFinish(): boolean {
    if (!this.paced || this.rebooting.size > 0) return false;
    return this.slots.some((s) => s.state === 'halted') && this.slots.every((s) => s.state === 'halted' || s.state === 'done');
  }

  private allDone(): boolean {
    for (let r = 0; r < this.cfg.boards; r++) if (!this.figures.results.has(r)) return false;
    return true;
  }

  private async stepAt(t: number): Promise<void> {
    const batches = new Map<number, BoardEvent[]>();
    const deferred: { at: number; item: QItem }[] = [];
    const admit = (item: Extract<QItem, { t: 'ev' }>): void => {
      const slot = this.slots[item.board]!;
      if (slot.real !== null) {
        if (toReal(slot, item, t, this.trace)) this.events++;
        return;
      }
      if (!admitEvent(slot, item, t, batches, deferred)) return;
      this.events++;
      this.livelock.took(item.board, item.ev);
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
            if (a.detail === 'crash' && slot.haltReason === 'fault crash') this.steps.effect(slot.node, 'crash');
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
        this.steps.effect(slot.node, 'reboot');
        this.trace.add({ name: 'reboot', cat: 'fault', ph: 'i', s: 'g', ts: t * 1000, tid: slot.node });
        continue;
      }
      if (item.t === 'tx') {
        // A frame or event of a step that still computes (the same test as its 'apply').
        const slot = this.slots[item.board]!;
        if (item.gen === slot.gen && slot.busy) this.apply(slot, item.action);
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
    const outs = await Promise.all(order.map((node) => stepBoard(this.slots[node]!, batches.get(node)!, this.cfg.watchdog, this.v8Guard)));
    const nsPerUnit = this.cfg.cpuNsPerUnit ?? 0;
    order.forEach((node, i) => {
      const slot = this.slots[node]!;
      const out = outs[i]!;
      for (const ev of batches.get(node)!) this.trace.digestEvent(t, node, ev);
      const costMs = (out.units * nsPerUnit) / 1e6;
      if (costMs > 0 && slot.board) {
        slot.cpuMs += costMs;
        slot.busy = true;
        // What the host ran counts now, so compute and cpuMs agree even if the run ends mid-step.
        slot.hostMs = out.figures.hostMs;
        slot.compute = out.figures.computeTotal;
        slot.steps = out.figures.steps;
        const rest = this.sendWhenWritten(slot, t, out.actions, out.units, nsPerUnit);
        this.queue.push(t + costMs, { t: 'apply', board: node, gen: slot.gen, actions: rest, figures: out.figures });
      } else {
        this.finishStep(slot, out.actions, out.figures);
      }
    });
  }

  /**
   * CPU model: a board's UART or socket sends a frame when it is written, not when the step
   * that wrote it ends. Each frame or runtime event that carries the units its board had run
   * when it wrote it (BoardAction tx / event `units`: XS and Lua boards) lands at
   * `t + units x ns`, in the order written; the rest of the step's actions (timers, console
   * output, halts; and frames without units) are returned for its end.
   */
  private sendWhenWritten(slot: Slot, t: number, actions: readonly BoardAction[], units: number, nsPerUnit: number): BoardAction[] {
    const rest: BoardAction[] = [];
    for (const a of actions) {
      if ((a.kind !== 'tx' && a.kind !== 'event') || a.units === undefined) {
        rest.push(a);
        continue;
      }
      const at = t + (Math.min(Math.max(0, a.units), units) * nsPerUnit) / 1e6;
      if (at > t) this.queue.push(at, { t: 'tx', board: slot.node, gen: slot.gen, action: a });
      else this.apply(slot, a);
    }
    return rest;
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
        this.steps.faults.push({ atMs: t, board: node, command: 'out of memory', source: 'budget', status: 'applied' });
        // A Lua board's bytes cost ~16 B each in tables: the default 160k budget is an XS board's.
        const hint = slot.engine === 'lua51' || slot.engine === 'lua53' ? ` (a Lua board needs about 4 MB in the simulator: --ram 4M, docs/LUA.md)` : '';
        this.halt(slot, `out of memory: heap ${f.heapBytes} B exceeds the ${this.cfg.ramBytes} B budget${hint}`);
      }
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
        this.steps.readAnswers(slot, a.text, t);
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
        this.steps.effect(node, 'reboot');
        this.trace.add({ name: 'reboot', cat: 'fault', ph: 'i', s: 'g', ts: t * 1000, tid: node });
        void slot.board?.kill();
        void slot.real?.kill();
        slot.board = null;
        slot.real = null;
        slot.state = 'booting';
        this.reboot(slot);
        return;
      case 'hang':
        this.trace.digest(t, node, TAG.hang, String(a.ms));
        this.steps.effect(node, `hang ${a.ms} ms`);
        this.trace.add({ name: 'hang', cat: 'fault', ph: 'X', ts: t * 1000, dur: a.ms * 1000, tid: node });
        slot.hungUntil = t + a.ms;
        return;
    }
  }

  private halt(slot: Slot, reason: string): void {
    if (slot.state === 'halted') return;
    if (slot.watchdogFired) {
      slot.watchdogFired = false;
      this.watchdogFired.push({ board: slot.node, atMs: round3(this.now) });
      this.steps.faults.push({ atMs: this.now, board: slot.node, command: 'task watchdog', source: 'watchdog', status: 'applied', effect: `halt: ${reason}` });
      // Without spares nobody takes the rank over: the run cannot end well, so it ends now.
      if (this.cfg.spares === 0) this.stopReason = reason;
    }
    if (slot.isReal && slot.framesOut === 0 && slot.lastEvent === undefined && !reason.startsWith('fault ')) {
      // A real board that stops before it sent or reported anything did not boot (bad config,
      // XS abort, missing device): the domain cannot run as configured, so say so now rather
      // than let the others wait for it until the time limit.
      this.stopReason ||= `board ${slot.node} (${slot.engine}) did not boot: ${reason}`;
    }
    // The app's own error (a rejection nobody handled: hal/driven/board-host.ts) ends the run
    // as an app failure does, unless a spare takes the rank over; before, the halted board's
    // peers went on retransmitting to it until --max-virtual, and the reason was not shown.
    if (reason.startsWith(UNHANDLED_REJECTION) && this.cfg.spares === 0) this.stopReason ||= `board ${slot.node} (${slot.engine}) halted: ${reason}`;
    void slot.board?.kill();
    slot.board = null;
    // A halted real board is powered off: its process (or our hold on its devices) goes.
    void slot.real?.kill();
    slot.state = 'halted';
    slot.haltReason = reason;
    this.steps.effect(slot.node, reason === 'fault crash' ? 'crash' : `halt: ${reason}`);
    this.trace.add({ name: `halt: ${reason}`, cat: 'fault', ph: 'i', s: 'g', ts: this.now * 1000, tid: slot.node });
  }

  /** A runtime event a board reported (src/events.ts): figures, an applied fault, or the app's progress and triggers. */
  private onBoardEvent(slot: Slot, name: string, value: number, detail: string): void {
    const t = this.now;
    this.trace.digest(t, slot.node, TAG.event, `${name}=${value}:${detail}`);
    this.trace.add({ name: `${name}=${value}`, cat: 'app', ph: 'i', s: 't', ts: t * 1000, tid: slot.node, args: detail ? { detail } : {} });
    if (this.figures.take(slot.node, name, value, detail)) return;
    const e = parseEvent(name, value, detail);
    if (e !== null && e.name === 'fault') {
      const command = this.steps.applied(slot, e.kind, e.detail, t);
      this.trace.add({ name: command, cat: 'fault', ph: 'i', s: 't', ts: t * 1000, tid: slot.node });
      return;
    }
    if (e !== null && e.name === 'link-version') {
      // Not the board's progress (its last event stays the app's): a cause for the summary.
      // (The board's own log line, `net: link 0: ...`, reaches the observer as any log does.)
      this.linkProblems.push(`board ${slot.node} ${NetLayer.versionText(e.link, e.peer, e.ours)}`);
      return;
    }
    slot.lastEvent = { name, value };
    if (name === BOARD_EVENT.APP_START) slot.state = 'running';
    if (name === BOARD_EVENT.APP_RESULT) {
      this.figures.takeResult(value, detail);
      slot.state = 'done';
    }
    if (name === BOARD_EVENT.APP_ERROR) {
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

  boardSummaries(): BoardSummary[] {
    return boardSummaries(this.slots, this.now);
  }

  linkSummaries(): LinkSummary[] {
    return linkSummaries(this.cfg, this.dirs);
  }

  summary(): SimSummary {
    // At the end: steps that never came due, or were never answered, did not fire.
    if (this.stopReason) this.steps.settle(this.cfg.scenario, this.slots, this.now);
    return buildSummary({
      cfg: this.cfg, slots: this.slots, dirs: this.dirs, figures: this.figures, steps: this.steps, stopReason: this.stopReason,
      traceDigest: this.trace.finish(), events: this.events, now: this.now, wallMs: Date.now() - this.wallStart,
      watchdogFired: this.watchdogFired, paced: this.paced, linkProblems: this.linkProblems,
    });
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
    await this.settleReboots();
    await Promise.all(this.slots.map((s) => s.board?.kill()));
    await Promise.all(this.slots.map((s) => s.real?.kill()));
  }
}
