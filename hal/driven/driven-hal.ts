/**
 * The board side of the simulator boundary: a Hal whose every output is recorded as a
 * BoardAction and whose every input arrives as a BoardEvent (see events.ts). Time is what
 * the host says it is; timers are requests to the host; randomness is a seeded PRNG. Runs
 * unchanged on V8 (host-sim/boards/node-board.ts) and XS (hal/xsnap).
 */
import type { Hal, HalConsole, HalLink, LinkKind, LinkReceiver, LogLevel, MemoryFigures } from '../../src/hal.js';
import type { BoardAction } from './events.js';
import type { NativeBytes } from '../../src/wire/native.js';
import { Prng } from '../../src/util/prng.js';
import { copyBytes } from '../../src/wire/bytes.js';

export interface DrivenLinkSpec {
  kind: LinkKind;
  mtu: number;
  /** The link model's rate (HalLink.bytesPerMs); absent for an unlimited link. */
  bytesPerMs?: number;
}

export interface DrivenHalOptions {
  links: readonly DrivenLinkSpec[];
  seed: number;
  /**
   * Zero-delay timers go to the host like any other instead of running at the end of the
   * batch. The simulator's CPU model sets it: a step then ends where the board yields, and the
   * time the step cost can let timers that fell due meanwhile (heartbeats) run before it goes on.
   */
  zeroDelayToHost?: boolean;
  /** Budget reported by memory().limit until a `memory` event says otherwise. */
  ramLimit: number;
  /** Virtual time at creation (ms). */
  now?: number;
  /** The board's native byte helpers (XS boards whose host serves them), see src/wire/native.ts. */
  bytes?: NativeBytes | undefined;
  /** Keeps the recording of actions out of the board's meter (XS boards); none elsewhere. */
  sim?: SimCost | undefined;
}

/**
 * The simulator's own work inside a board, kept out of the board's meter: `end(begin())`
 * around it (XS boards: hal/xsnap/meter.ts; it nests). Recording an action (the action
 * record, its place in the batch and a copy of a frame's bytes for it) is such work: a real
 * board's HAL hands the frame or the timer to its native layer instead, and what that costs
 * it (the HalLink / setTimer call, its checks, the timer bookkeeping) stays counted.
 */
export interface SimCost {
  begin(): number;
  end(mark: number): void;
  /**
   * True where `begin()` reads the board's meter: the units its VM has run in this step so far
   * (XS: the meter, the simulator's own work taken out; Lua: its instruction count). A frame's
   * tx action then carries them (BoardAction tx `units`) and the CPU model sends the frame at
   * that point of the step, as a board's UART or socket sends it when it is written.
   */
  readonly metered: boolean;
  /** Native byte-helper calls made so far in this step (XS boards; the host adds their cost). */
  readonly nativeCalls: number;
}

/** Where nothing is metered (V8): no exclusion, and frames go at the step's end. */
const NO_SIM: SimCost = { begin: () => 0, end: () => {}, metered: false, nativeCalls: 0 };

/** Why a board stopped producing actions. */
export type StopKind = 'halt' | 'reset';

/**
 * Zero-delay timers run in one batch before the rest go to the host as ordinary timers: a
 * callback that keeps re-arming itself with delay 0 must not keep the batch from ending.
 */
export const DEFERRED_PER_BATCH = 4096;

class DrivenLink implements HalLink {
  receiver: LinkReceiver | null = null;

  constructor(
    private readonly hal: DrivenHal,
    readonly index: number,
    readonly kind: LinkKind,
    readonly mtu: number,
    readonly bytesPerMs: number | undefined,
  ) {}

  write(bytes: Uint8Array): void {
    if (!(bytes instanceof Uint8Array)) throw new TypeError(`links[${this.index}].write: bytes must be a Uint8Array`);
    if (this.kind === 'datagram' && bytes.length > this.mtu) {
      throw new RangeError(`links[${this.index}].write: datagram of ${bytes.length} bytes exceeds mtu ${this.mtu}`);
    }
    if (bytes.length === 0) return;
    // The caller may reuse its buffer as soon as write returns: the action keeps a copy. The
    // copy and the record are the simulator's (a real HAL's native write takes the bytes).
    const hal = this.hal;
    const sim = hal.sim;
    const m = sim.begin();
    hal.record(sim.metered
      ? { kind: 'tx', link: this.index, bytes: copyBytes(bytes), units: m, natives: sim.nativeCalls }
      : { kind: 'tx', link: this.index, bytes: copyBytes(bytes) });
    sim.end(m);
  }
}

class DrivenConsole implements HalConsole {
  onInput: ((text: string) => void) | null = null;

  constructor(private readonly hal: DrivenHal) {}

  write(text: string): void {
    if (typeof text !== 'string') throw new TypeError('console.write: text must be a string');
    if (text.length === 0) return;
    this.hal.record({ kind: 'console', text });
  }
}

export class DrivenHal implements Hal {
  readonly links: readonly HalLink[];
  readonly bytes?: NativeBytes;
  readonly console: HalConsole;
  /** @internal Keeps the recording of actions out of the meter (DrivenHalOptions.sim). */
  readonly sim: SimCost;
  private readonly linkList: DrivenLink[];
  private readonly consoleImpl: DrivenConsole;
  private readonly timers = new Map<number, (arg: unknown) => void>();
  /** The argument of each host timer set with one (a Deadline's); most timers have none. */
  private readonly timerArgs = new Map<number, unknown>();
  // Zero-delay timers waiting for the end of the turn (runDeferred), in the order they were set:
  // parallel arrays from `soonHead` on (a cleared one leaves a null), `soonLive` of them live.
  // Their length is soonIds.length: soonFns has holes under Lua, where `#` is unreliable.
  private soonIds: number[] = [];
  private soonFns: ((() => void) | null)[] = [];
  private soonHead = 0;
  private soonLive = 0;
  /** Bumped whenever the arrays are emptied, so a round in progress knows to stop. */
  private soonGen = 0;
  private deferredRun = 0;
  /** Set by hang() and event() until the next batch: zero-delay timers then go to the host. */
  private holdDeferred = false;
  private readonly zeroDelayToHost: boolean;
  private readonly prng: Prng;
  private actions: BoardAction[] = [];
  private nextTimerId = 1;
  private time: number;
  private memUsed = 0;
  private memLimit: number;
  private stopKind: StopKind | null = null;

  constructor(options: DrivenHalOptions) {
    this.linkList = options.links.map((l, i) => new DrivenLink(this, i, l.kind, l.mtu, l.bytesPerMs));
    this.links = this.linkList;
    this.consoleImpl = new DrivenConsole(this);
    this.console = this.consoleImpl;
    this.prng = new Prng(options.seed);
    this.memLimit = options.ramLimit;
    this.time = options.now ?? 0;
    this.zeroDelayToHost = options.zeroDelayToHost === true;
    if (options.bytes !== undefined) this.bytes = options.bytes;
    this.sim = options.sim ?? NO_SIM;
  }

  // ---- Hal (what the runtime calls) ----

  now(): number {
    return this.time;
  }

  setTimer<A = undefined>(delayMs: number, fire: (arg: A) => void, arg?: A): number {
    if (typeof delayMs !== 'number' || Number.isNaN(delayMs)) {
      throw new TypeError(`setTimer: delayMs must be a number, got ${String(delayMs)}`);
    }
    if (typeof fire !== 'function') throw new TypeError('setTimer: fire must be a function');
    const id = this.nextTimerId++;
    if (this.stopKind !== null) return id;
    if (delayMs <= 0 && !this.holdDeferred && !this.zeroDelayToHost) {
      // The end of this turn is still in this batch (see src/hal.ts): no host timer, no extra step.
      // By index, not push: soonFns may have holes (see above). A timer with an argument due
      // this turn (rare: a deadline already passed) gets a closure for the few steps it waits.
      this.soonFns[this.soonIds.length] = arg === undefined ? (fire as () => void) : () => fire(arg);
      this.soonIds.push(id);
      this.soonLive++;
      return id;
    }
    this.timers.set(id, fire as (arg: unknown) => void);
    if (arg !== undefined) this.timerArgs.set(id, arg);
    const sim = this.sim;
    const m = sim.begin();
    this.record({ kind: 'timer-set', id, at: this.time + Math.max(0, delayMs) });
    sim.end(m);
    return id;
  }

  clearTimer(id: number): void {
    if (this.soonLive > 0) {
      const i = this.soonIds.indexOf(id, this.soonHead);
      if (i >= 0) {
        if (this.soonFns[i] !== null && this.soonFns[i] !== undefined) {
          this.soonFns[i] = null;
          // The last one waiting cleared (MCAPI's flush timer when the answer carried the
          // batch: every message of a ping-pong): empty the arrays now. Left to the next
          // runDeferred that runs one, they grew by an entry a message, and this indexOf with them.
          // Not `--this.soonLive === 0`: typescript-to-lua emits that through a string-keyed temporary.
          this.soonLive--;
          if (this.soonLive === 0) {
            // clearSoon without new arrays (nobody else holds them; a round in progress stops).
            this.soonGen++;
            this.soonIds.length = 0;
            this.soonFns.length = 0;
            this.soonHead = 0;
          }
        }
        return;
      }
    }
    if (this.timers.delete(id)) {
      this.timerArgs.delete(id);
      const sim = this.sim;
      const m = sim.begin();
      this.record({ kind: 'timer-clear', id });
      sim.end(m);
    }
  }

  log(level: LogLevel, message: string): void {
    this.record({ kind: 'log', level, message: String(message) });
  }

  memory(): MemoryFigures {
    return { used: this.memUsed, limit: this.memLimit };
  }

  random(): number {
    return this.prng.random();
  }

  /**
   * The host may act on an event before the board goes on (a scenario's fault trigger): what
   * is due at the end of this turn, and every zero-delay timer set later in this batch, becomes
   * a host timer at the same virtual time, run in the next step — so `event('x'); setTimer(0, f)`
   * lets a fault triggered by `x` land before `f`, as it would with the timer on a real board.
   */
  event(name: string, value: number, detail?: string): void {
    // Stamped like a frame (the CPU model lands it when it was raised: a bench window opens
    // where its first frame is written); the record is the simulator's work, as a frame's.
    const sim = this.sim;
    const m = sim.begin();
    this.record(sim.metered
      ? { kind: 'event', name, value, detail: detail ?? '', units: m, natives: sim.nativeCalls }
      : { kind: 'event', name, value, detail: detail ?? '' });
    sim.end(m);
    this.holdDeferred = true;
    this.deferToHost();
  }

  /**
   * Records the halt and silences the board: every later Hal output is dropped, so code that
   * keeps running after the call has no effect, as on a board that stopped. It does not
   * throw, so a halt from inside a promise job cannot turn into an unhandled rejection.
   */
  halt(reason: string): void {
    if (this.stopKind !== null) return;
    this.record({ kind: 'halt', reason: String(reason) });
    this.stop('halt');
  }

  /** Recorded like halt; the host restarts the board with a fresh VM and a new boot event. */
  reset(): void {
    if (this.stopKind !== null) return;
    this.record({ kind: 'reset' });
    this.stop('reset');
  }

  /** The host delays this board's next events by `ms`; actions recorded after this call happen after the hang. */
  hang(ms: number): void {
    if (typeof ms !== 'number' || !(ms >= 0)) throw new RangeError(`hang: ms must be a number >= 0, got ${String(ms)}`);
    this.record({ kind: 'hang', ms });
    // A hung board runs nothing until the hang is over: what was due at the end of this turn
    // becomes a host timer, which the host holds back until then.
    this.holdDeferred = true;
    this.deferToHost();
  }

  // ---- host side (BoardHost) ----

  get stopped(): StopKind | null {
    return this.stopKind;
  }

  /** Number of timers set and not yet fired or cleared. */
  get pendingTimers(): number {
    return this.timers.size + this.soonLive;
  }

  /** Zero-delay timers waiting for runDeferred. */
  get deferredTimers(): number {
    return this.soonLive;
  }

  record(action: BoardAction): void {
    if (this.stopKind === null) this.actions.push(action);
  }

  takeActions(): BoardAction[] {
    const out = this.actions;
    this.actions = [];
    return out;
  }

  /** A new batch: virtual time moves to `now`. */
  advance(now: number): void {
    this.time = now;
    this.deferredRun = 0;
    this.holdDeferred = false;
  }

  /**
   * The end of a turn: the caller saw every promise job settle. Runs the zero-delay timers set
   * so far, in the order they were set; those they set in turn wait for the next call (after
   * the promise jobs these started). Returns true when it ran any, so the caller lets the
   * promise jobs settle and calls again. An exception from a callback goes to `onError`.
   */
  runDeferred(onError: (err: unknown) => void): boolean {
    if (this.soonLive === 0 || this.stopKind !== null) return false;
    if (this.deferredRun >= DEFERRED_PER_BATCH) {
      this.deferToHost();
      return false;
    }
    const fns = this.soonFns;
    const end = this.soonIds.length;
    const gen = this.soonGen;
    let ran = false;
    // A callback may empty the arrays (event(), hang(), halt()): the round ends there.
    for (let i = this.soonHead; i < end && this.soonGen === gen; i++) {
      const fire = fns[i];
      if (fire === null || fire === undefined) continue;
      fns[i] = null;
      this.soonLive--;
      this.soonHead = i + 1;
      this.deferredRun++;
      ran = true;
      try {
        fire();
      } catch (err) {
        onError(err);
      }
    }
    if (this.soonGen === gen) {
      this.soonHead = end;
      this.compactSoon();
    }
    return ran;
  }

  setMemory(used: number, limit: number): void {
    this.memUsed = used;
    this.memLimit = limit;
  }

  /** Runs the timer's callback; false when the id is unknown (cleared earlier in the batch). */
  fireTimer(id: number): boolean {
    const fire = this.timers.get(id);
    if (fire === undefined) return false;
    this.timers.delete(id);
    const arg = this.timerArgs.get(id);
    if (arg !== undefined) this.timerArgs.delete(id);
    fire(arg);
    return true;
  }

  /** Delivers received bytes; false when the link does not exist or nobody listens. */
  receive(link: number, bytes: Uint8Array): boolean {
    const l = this.linkList[link];
    if (l === undefined || l.receiver === null) return false;
    l.receiver.input(bytes);
    return true;
  }

  /** Delivers console input; false when nobody listens. */
  input(text: string): boolean {
    const handler = this.consoleImpl.onInput;
    if (handler === null) return false;
    handler(text);
    return true;
  }

  /** Hand every waiting zero-delay timer to the host, due now. */
  private deferToHost(): void {
    for (let i = this.soonHead; i < this.soonIds.length; i++) {
      const fire = this.soonFns[i];
      if (fire === null || fire === undefined) continue;
      const id = this.soonIds[i]!;
      this.timers.set(id, fire);
      this.record({ kind: 'timer-set', id, at: this.time });
    }
    this.clearSoon();
  }

  private clearSoon(): void {
    this.soonGen++;
    this.soonIds = [];
    this.soonFns = [];
    this.soonHead = 0;
    this.soonLive = 0;
  }

  /** Drop the entries before soonHead once none after it is waiting. */
  private compactSoon(): void {
    if (this.soonLive === 0) this.clearSoon();
  }

  private stop(kind: StopKind): void {
    this.stopKind = kind;
    this.timers.clear();
    this.timerArgs.clear();
    this.clearSoon();
    for (const l of this.linkList) l.receiver = null;
    this.consoleImpl.onInput = null;
  }
}
