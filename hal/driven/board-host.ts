/**
 * Applies batches of BoardEvents to one board and collects its BoardActions. Shared by the
 * in-process V8 board (host-sim/boards/node-board.ts) and the XS board entry (hal/xsnap), so both engines run
 * the same event loop and produce the same actions for the same events.
 *
 * A crashing board never throws through here: an exception out of the boot function or a
 * runtime callback becomes a `halt` action carrying its message, as a board that hit an
 * uncaught exception would stop.
 */
import type { Hal } from '../../src/hal.js';
import type { BoardConfig } from '../../src/config.js';
import type { NativeBytes } from '../../src/wire/native.js';
import { UNHANDLED_REJECTION, type BoardAction, type BoardEvent } from './events.js';
import { DrivenHal } from './driven-hal.js';
import { errorText as placedErrorText } from '../../src/runtime/error-text.js';
import type { DrivenLinkSpec, SimCost, StopKind } from './driven-hal.js';

export type BootFunction = (hal: Hal, config: BoardConfig) => void;

export type BoardState = 'new' | 'running' | StopKind;

export interface BoardHostCounters {
  /** Events that found nobody to take them: before boot, after a stop, unknown link or timer, no listener. */
  dropped: number;
  /** Callbacks that threw, and rejections nobody handled (each halts the board). */
  crashes: number;
}

export class BoardHost {
  private hal: DrivenHal | null = null;
  private readonly own: BoardAction[] = [];
  private now = 0;
  private memUsed = 0;
  private memLimit = -1;
  private failed = false;
  readonly counters: BoardHostCounters = { dropped: 0, crashes: 0 };

  /**
   * `natives`: asked at each boot for the board's native byte helpers (Hal.bytes), when it has them.
   * `sim`: keeps the simulator's own work out of the board's meter (DrivenHalOptions.sim).
   */
  constructor(
    private readonly boot: BootFunction,
    private readonly natives: () => NativeBytes | undefined = () => undefined,
    private readonly sim?: SimCost,
  ) {}

  get state(): BoardState {
    if (this.failed) return 'halt';
    if (this.hal === null) return 'new';
    return this.hal.stopped ?? 'running';
  }

  /** The board's Hal once booted (for host-side inspection in tests). */
  get drivenHal(): DrivenHal | null {
    return this.hal;
  }

  /** Applies `events` from index `from` on, in order. */
  apply(events: readonly BoardEvent[], from = 0): void {
    for (let i = from; i < events.length; i++) this.applyOne(events[i]!);
  }

  /**
   * Applies the batch's leading `time` and `memory` events (facts about the world: no board
   * code runs for them) and returns the index of the first other event, for `apply`. The XS
   * entry applies them with the batch's decoding, outside the board's meter: a real board
   * reads its clock when it asks and gets no event for it.
   */
  applyFacts(events: readonly BoardEvent[]): number {
    let i = 0;
    for (; i < events.length; i++) {
      const k = events[i]!.kind;
      if (k !== 'time' && k !== 'memory') break;
      this.applyOne(events[i]!);
    }
    return i;
  }

  /**
   * Call once every promise job of the batch has settled: runs the zero-delay timers that are
   * due at the end of this turn. True when it ran any: let the promise jobs settle and call
   * again. The XS entry and the V8 board both loop on it, so both run the same rounds.
   */
  settle(): boolean {
    const hal = this.hal;
    if (hal === null || hal.stopped !== null) return false;
    return hal.runDeferred((err) => this.crash(hal, 'timer handler', err));
  }

  takeActions(): BoardAction[] {
    const halActions = this.hal === null ? [] : this.hal.takeActions();
    if (this.own.length === 0) return halActions;
    const out = this.own.splice(0, this.own.length);
    for (const a of halActions) out.push(a);
    return out;
  }

  /** Stop the board from outside (e.g. an undecodable batch); recorded as a halt action. */
  fail(reason: string): void {
    if (this.hal !== null) {
      this.hal.halt(reason);
      return;
    }
    if (!this.failed) this.own.push({ kind: 'halt', reason });
    this.failed = true;
  }

  private applyOne(e: BoardEvent): void {
    // Time and memory figures are facts about the world, kept even before boot.
    if (e.kind === 'time') {
      this.now = e.now;
      if (this.hal !== null) this.hal.advance(e.now);
      return;
    }
    if (e.kind === 'memory') {
      this.memUsed = e.used;
      this.memLimit = e.limit;
      if (this.hal !== null) this.hal.setMemory(e.used, e.limit);
      return;
    }
    if (this.failed || (this.hal !== null && this.hal.stopped !== null)) {
      this.counters.dropped++;
      return;
    }
    if (e.kind === 'boot') {
      this.bootWith(e.config);
      return;
    }
    const hal = this.hal;
    if (hal === null) {
      this.counters.dropped++;
      return;
    }
    let delivered = true;
    try {
      switch (e.kind) {
        case 'rx':
          delivered = hal.receive(e.link, e.bytes);
          break;
        case 'timer':
          delivered = hal.fireTimer(e.id);
          break;
        case 'console':
          delivered = hal.input(e.text);
          break;
      }
    } catch (err) {
      this.crash(hal, `${e.kind} handler`, err);
    }
    if (!delivered) this.counters.dropped++;
  }

  private bootWith(configText: string): void {
    if (this.hal !== null) {
      this.hal.log('error', 'boot event for a board that is already running: ignored');
      this.counters.dropped++;
      return;
    }
    let config: BoardConfig;
    try {
      config = parseBootConfig(configText);
    } catch (err) {
      this.fail(`bad boot config: ${errorText(err)}`);
      return;
    }
    const hal = new DrivenHal({
      links: config.links, seed: config.seed, ramLimit: config.ramLimit, now: this.now,
      zeroDelayToHost: config.options['cpuModel'] === true,
      bytes: this.natives(),
      sim: this.sim,
    });
    if (this.memLimit >= 0) hal.setMemory(this.memUsed, this.memLimit);
    this.hal = hal;
    try {
      this.boot(hal, config);
    } catch (err) {
      this.crash(hal, 'boot', err);
    }
  }

  /**
   * A promise of the board's code rejected and nobody handled it by the end of the turn (an app
   * callback the runtime called from a promise job threw, an async function nobody awaited
   * failed): the board halts naming the error and its places. A Moddable firmware aborts
   * there (XS exit 8); before, the simulated board printed `Unhandled exception` and went on.
   * The engine tells: xsnap's end of turn (hal/xsnap/install.ts), Node's `unhandledRejection`
   * during the board's step (host-sim/boards/node-board.ts).
   */
  unhandledRejection(reason: unknown): void {
    const hal = this.hal;
    this.counters.crashes++;
    const text = `${UNHANDLED_REJECTION}: ${placedErrorText(reason)}`;
    if (hal === null) this.fail(text);
    else hal.halt(text);
  }

  private crash(hal: DrivenHal, where: string, err: unknown): void {
    this.counters.crashes++;
    hal.halt(`uncaught exception in ${where}: ${errorText(err)}`);
  }
}

export function errorText(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

/**
 * Checks the fields the driven Hal itself needs (links, seed, ramLimit); the runtime's boot
 * validates the rest. Throws naming the bad field.
 */
export function parseBootConfig(text: string): BoardConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new SyntaxError(`config is not JSON (${errorText(err)})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new TypeError('config must be an object');
  const c = raw as Record<string, unknown>;
  if (!Array.isArray(c['links'])) throw new TypeError('config.links must be an array');
  const links: DrivenLinkSpec[] = [];
  (c['links'] as unknown[]).forEach((l, i) => {
    const link = (typeof l === 'object' && l !== null ? l : {}) as Record<string, unknown>;
    const kind = link['kind'];
    if (kind !== 'stream' && kind !== 'datagram') throw new TypeError(`config.links[${i}].kind must be 'stream' or 'datagram'`);
    const mtu = link['mtu'];
    if (typeof mtu !== 'number' || !Number.isInteger(mtu) || mtu <= 0) {
      throw new TypeError(`config.links[${i}].mtu must be a positive integer`);
    }
    const rate = link['bytesPerMs'];
    if (rate !== undefined && (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0)) {
      throw new TypeError(`config.links[${i}].bytesPerMs must be a positive number when given`);
    }
    links.push(rate === undefined ? { kind, mtu } : { kind, mtu, bytesPerMs: rate });
  });
  const seed = c['seed'];
  if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new TypeError('config.seed must be a finite number');
  const ramLimit = c['ramLimit'];
  if (typeof ramLimit !== 'number' || !(ramLimit >= 0)) throw new TypeError('config.ramLimit must be a number >= 0');
  return raw as BoardConfig;
}
