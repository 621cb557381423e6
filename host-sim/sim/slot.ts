/**
 * One board's place in the simulator (a slot): what the scheduler knows of the board in it —
 * its state and generation, timers, counters, its links, and the console lines and fault steps
 * waiting for an answer — and the queue items the scheduler moves through virtual time.
 */
import type { BoardAction, BoardEvent } from '../../hal/driven/events.js';
import type { BoardFigures, SimBoard } from '../boards/sim-board.js';
import type { RealBoard } from '../boards/real-board.js';
import { isRealEngine, type BoardEngineName } from './engines.js';
import type { ScenarioStep } from './scenario.js';
import type { BoardConfig } from '../../src/config.js';
import type { Prng } from '../../src/util/prng.js';
import type { AttachSpec, BoardState, FaultRecord, SimConfig } from './sim-types.js';
import type { Topology } from './topology.js';
import { WireDirection } from './wire.js';

export type QItem =
  | { t: 'ev'; board: number; gen: number; ev: BoardEvent }
  | { t: 'scenario'; step: ScenarioStep }
  /** CPU model: the end of a step that cost virtual time; its actions take effect now. */
  | { t: 'apply'; board: number; gen: number; actions: BoardAction[]; figures: BoardFigures }
  /** CPU model: a frame or event of a step, landing at the units the board had run when it wrote it. */
  | { t: 'tx'; board: number; gen: number; action: BoardAction }
  /** Something a real board did (sent bytes, printed, halted), stamped with the virtual time it was seen at. */
  | { t: 'real'; board: number; gen: number; action: BoardAction }
  /** A real board restarted by itself (its reset). */
  | { t: 'real-restart'; board: number; gen: number };

export class Slot {
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

  /** What every boot starts from, simulated or real: a new generation, no timers, a fresh shell. */
  freshBoot(): void {
    this.gen++;
    this.boots++;
    this.timers.clear();
    this.busy = false;
    this.waiting = [];
    this.state = this.rank < 0 ? 'spare' : 'booting';
    this.haltReason = undefined;
    // A rebooted board's shell starts afresh: lines sent before were lost with it.
    for (const r of this.answers) if (r !== null && r.status === 'unfired') r.reason = `board ${this.node} rebooted before it answered`;
    this.answers = [];
    this.awaitingFault = [];
    this.outPartial = '';
  }

  get isReal(): boolean {
    return isRealEngine(this.engine);
  }

  /** True while it can still act: a board is up (or, for a real one, starting). */
  get up(): boolean {
    return this.state !== 'halted' && (this.board !== null || this.real !== null);
  }
}


/**
 * Non-empty lines completed by typed text, as the board's line assembler ends them (CR, LF or
 * CRLF once; control characters dropped): the shell answers each once.
 */
export function countTypedLines(slot: Slot, text: string): number {
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


/** Give each slot its HAL links, one per topology edge in order: the two directions of each edge. */
export function wireSlots(topology: Topology, slots: readonly Slot[], rng: Prng): [WireDirection, WireDirection][] {
  const dirs: [WireDirection, WireDirection][] = [];
  topology.edges.forEach((e, i) => {
    const ab = new WireDirection(e.model, rng);
    const ba = new WireDirection(e.model, rng);
    dirs.push([ab, ba]);
    const sa = slots[e.a]!;
    const sb = slots[e.b]!;
    const la = sa.links.length;
    const lb = sb.links.length;
    sa.links.push({ edge: i, out: ab, peer: e.b, peerLink: lb });
    sb.links.push({ edge: i, out: ba, peer: e.a, peerLink: la });
  });
  return dirs;
}

/** The configuration a board gets at its boot (the `boot` event, or a real board's start). */
export function bootConfigOf(cfg: SimConfig, slot: Slot): BoardConfig {
  return {
    domain: cfg.domain,
    node: slot.node,
    rank: slot.rank,
    boards: cfg.boards,
    // The rate too (an unlimited link has none): the hop layer times retransmissions from when a frame has left.
    links: slot.links.map((l) => {
      const m = l.out.model;
      return Number.isFinite(m.bytesPerMs) && m.bytesPerMs > 0 ? { kind: m.halKind, mtu: m.mtu, bytesPerMs: m.bytesPerMs } : { kind: m.halKind, mtu: m.mtu };
    }),
    seed: bootSeed(cfg.seed, slot.node, slot.boots),
    ramLimit: cfg.ramBytes,
    app: cfg.app,
    appArgs: cfg.appArgs,
    // cpuModel (XS boards, the ones it charges): the board hands zero-delay timers to the host,
    // so a long computation that yields ends its step there and the time it cost lets due
    // heartbeats in (docs/SIMULATOR.md).
    options: { faultsArmed: true, ...cfg.options, spares: cfg.spares, ...(cfg.cpuNsPerUnit && slot.engine === 'xs' ? { cpuModel: true } : {}) },
  };
}

/** `: board 2 (moddable): <reason>; ...` for the boards that halted, to name the cause in the stop reason. */
export function haltList(slots: readonly Slot[]): string {
  const halted = slots.filter((s) => s.haltReason !== undefined && s.haltReason !== 'fault crash');
  return halted.length ? `: ${halted.map((s) => `board ${s.node} (${s.engine}): ${s.haltReason}`).join('; ')}` : '';
}
