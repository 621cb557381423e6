/**
 * The Hal of a real board running the Moddable SDK: timers from `timer`, time from `time`,
 * UART links and the console through ECMA-419 `embedded:io/serial`, logging through trace(),
 * memory figures from `instrumentation`, randomness from Math.random (the hardware RNG on an
 * ESP32 / Pico).
 *
 * As in the simulator (hal/driven/board-host.ts), an exception out of a runtime callback
 * halts the board with the callback named, instead of reaching XS's uncaught-exception
 * handler (which would restart the chip and lose the reason).
 */
import Timer from 'timer';
import Time from 'time';
import Instrumentation from 'instrumentation';
import type { Hal, HalConsole, HalLink, LogLevel, MemoryFigures } from '../../src/hal.js';
import type { NativeBytes } from '../../src/wire/native.js';
import { SerialLink, linkWhere, portName } from './serial-link.js';
import { SerialConsole, TraceConsole } from './serial-console.js';
import type { SerialLinkSpec, SerialPortSpec } from './specs.js';
import type { TxStats } from './tx-queue.js';
import { TimerSchedule } from './timer-schedule.js';
import type { TimerFire } from './timer-schedule.js';

export interface ModdableHalOptions {
  /** One UART per link, in link index order. */
  links: readonly SerialLinkSpec[];
  /** The console's port (the USB serial of most boards), or null for trace() output only. */
  console: SerialPortSpec | null;
  /** Console transmit queue limit in bytes. Default 2048. */
  consoleTxLimit?: number;
  /** The heap budget reported by memory().limit. */
  ramLimit: number;
  /**
   * Factor from the engine's slot bytes to the board's: 1 on a chip; 0.5 on a 64-bit lin host,
   * whose 32-byte slots would double the figures an ESP32 (16-byte slots) reports.
   */
  slotScale?: number;
  /** How the platform restarts the chip; without it reset() halts instead. */
  restart?: () => void;
  /** Also trace() every Hal.event (they are for the simulator's trace; off by default). */
  traceEvents?: boolean;
  /**
   * Called for every Hal.event before it is dropped (the firmware prints `app-result` and
   * `app-error` on the console from here). An exception out of it is ignored.
   */
  onEvent?: (name: string, value: number, detail: string | undefined) => void;
  /** The firmware's native byte helpers (hal/moddable/native-bytes.ts), when it has the C module. */
  bytes?: NativeBytes;
  /**
   * The heap probe, a developer tool (docs/TARGETS.md "Heap probe"; lin's mcdsm-platform
   * `heapProbe`): called with `always` false after every callback the Hal runs (timer, link
   * receive, console input), which prints only a new peak of the live set, and with `always`
   * true at every Hal.event and log line. Unset (the default, and always on a chip): no calls.
   */
  probe?: (label: string, always: boolean) => void;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function errorText(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

export class ModdableHal implements Hal {
  readonly links: readonly HalLink[];
  readonly bytes?: NativeBytes;
  readonly console: HalConsole;
  private readonly serialLinks: SerialLink[];
  private readonly consoleImpl: SerialConsole | TraceConsole;
  /** Every pending setTimer, behind one Moddable Timer (timer-schedule.ts: no slots per timer). */
  private readonly schedule = new TimerSchedule();
  /** The Moddable Timer armed for the earliest due time (`armedAt`), or null. */
  private armed: Timer | null = null;
  private armedAt = -1;
  /** The armed Timer's callback: runs one due timer, then arms again. */
  private readonly onTimer: () => void;
  private readonly options: ModdableHalOptions;
  private lastTicks: number;
  private elapsed = 0;
  private halted: string | null = null;
  /** After a halt, console input still reaches onInput (a halted board can be re-provisioned). */
  private consoleAfterHalt = false;
  /** Why a port could not be opened, in link order, the console last. Empty when all opened. */
  readonly openErrors: readonly string[];
  private readonly slotHeap: number | undefined;
  private readonly chunkHeap: number | undefined;
  private readonly probe: ((label: string, always: boolean) => void) | null;

  constructor(options: ModdableHalOptions) {
    this.options = options;
    this.probe = options.probe ?? null;
    if (options.bytes !== undefined) this.bytes = options.bytes;
    this.lastTicks = Time.ticks;
    this.onTimer = () => {
      const firedAt = this.armedAt;
      this.armed = null;
      this.armedAt = -1;
      if (this.halted !== null) return;
      // One timer per Moddable callback, as when each had its own Timer: the promise jobs a
      // callback queues run before the next timer fires. Due: at or before the time this Timer
      // was armed for (the tick clock may read a little earlier), or before now.
      const s = this.schedule;
      const now = this.now();
      const fire: TimerFire | null = s.take(firedAt > now ? firedAt : now);
      if (fire !== null) {
        const arg = s.takenArg;
        s.takenArg = undefined;
        try {
          fire(arg);
        } catch (err) {
          this.halt(`uncaught exception in timer: ${errorText(err)}`);
        }
        if (this.probe !== null) this.probe('timer', false);
      }
      if (this.halted === null) this.arm();
    };
    // Opening a port never throws out of here: the console is opened first (so a failure of
    // the rest can be reported on it), and what could not be opened is listed in openErrors
    // for the firmware to halt with.
    const errors: string[] = [];
    let consoleImpl: SerialConsole | TraceConsole = new TraceConsole();
    if (options.console !== null) {
      try {
        // The Hal itself runs the ports' callbacks (guard, guardConsole): no closure per port.
        consoleImpl = new SerialConsole(options.console, options.consoleTxLimit ?? 2048, this);
      } catch (e) {
        errors.push(`console: cannot open ${portName(options.console)}: ${errorMessage(e)}`);
      }
    }
    this.consoleImpl = consoleImpl;
    this.console = consoleImpl;
    this.serialLinks = options.links.map((spec, i) => new SerialLink(i, spec, this));
    for (const link of this.serialLinks) if (link.openError !== null) errors.push(link.openError);
    this.links = this.serialLinks;
    this.openErrors = errors;
    // Instrumentation exists in builds that have it (debug builds); otherwise memory() says 0 used.
    this.slotHeap = Instrumentation.map('XS Slot Heap Used');
    this.chunkHeap = Instrumentation.map('XS Chunk Heap Used');
  }

  /** Milliseconds since this Hal started, from the tick counter, continuous across its wrap. */
  now(): number {
    const ticks = Time.ticks;
    this.elapsed += Time.delta(this.lastTicks, ticks);
    this.lastTicks = ticks;
    return this.elapsed;
  }

  setTimer<A = undefined>(delayMs: number, fire: (arg: A) => void, arg?: A): number {
    if (typeof delayMs !== 'number' || Number.isNaN(delayMs)) throw new TypeError(`setTimer: delayMs must be a number, got ${String(delayMs)}`);
    if (typeof fire !== 'function') throw new TypeError('setTimer: fire must be a function');
    // A halted board runs no timer: an id that names none.
    if (this.halted !== null) return 0;
    const id = this.schedule.add(this.now() + Math.max(0, delayMs), fire as TimerFire, arg);
    this.arm();
    return id;
  }

  clearTimer(id: number): void {
    // The armed Timer may now wake for nothing: it finds no timer due and arms for the next.
    this.schedule.remove(id);
  }

  /** Arm the Moddable Timer for the earliest pending timer, unless it already wakes by then. */
  private arm(): void {
    const at = this.schedule.earliest();
    if (at < 0) return;
    if (this.armed !== null) {
      if (this.armedAt <= at) return;
      Timer.clear(this.armed);
    }
    this.armedAt = at;
    const delay = at - this.now();
    this.armed = Timer.set(this.onTimer, delay > 0 ? delay : 0);
  }

  log(level: LogLevel, message: string): void {
    trace(`${level}: ${message}\n`);
    if (this.probe !== null) this.probe(`log ${message}`, true);
  }

  memory(): MemoryFigures {
    let used = 0;
    if (this.slotHeap !== undefined) used += Math.round((Instrumentation.get(this.slotHeap) ?? 0) * (this.options.slotScale ?? 1));
    if (this.chunkHeap !== undefined) used += Instrumentation.get(this.chunkHeap) ?? 0;
    return { used, limit: this.options.ramLimit };
  }

  random(): number {
    return Math.random();
  }

  event(name: string, value: number, detail?: string): void {
    if (this.options.traceEvents === true) trace(`event ${name} ${value}${detail === undefined ? '' : ` ${detail}`}\n`);
    if (this.probe !== null) this.probe(`event ${name} ${value}`, true);
    const hook = this.options.onEvent;
    if (hook === undefined || this.halted !== null) return;
    try {
      hook(name, value, detail);
    } catch {
      // a reporting hook must not take the runtime down
    }
  }

  /**
   * Stops the board for good: timers cancelled, links and console input closed, the reason
   * on the console and in the log. Later Hal calls do nothing.
   */
  halt(reason: string): void {
    if (this.halted !== null) return;
    this.halted = reason;
    trace(`HALT: ${reason}\n`);
    // A notice line (`#`): readers of the console skip it between answers.
    this.consoleImpl.write(`# HALT ${reason}\r\n`);
    if (this.armed !== null) Timer.clear(this.armed);
    this.armed = null;
    this.schedule.clear();
    for (const link of this.serialLinks) link.close();
    if (!this.consoleAfterHalt) this.consoleImpl.onInput = null;
  }

  /**
   * The board's last line, `# ABORT <why>`, when XS is about to abort (firmware/abort-hook.ts):
   * written to the console port at once, after whatever it still had queued, since nothing
   * queued is sent once XS has aborted. A TraceConsole board has it in the trace already.
   */
  abortNotice(why: string): void {
    if (this.consoleImpl instanceof SerialConsole) this.consoleImpl.writeNow(`# ABORT ${why}\r\n`, Timer.delay);
  }

  /**
   * Keep serving console input after a halt: the firmware's provisioning shell (`config set`,
   * `reset`) stays usable on a board that could not boot. Output still works after a halt.
   */
  keepConsoleAfterHalt(): void {
    this.consoleAfterHalt = true;
  }

  reset(): void {
    if (this.options.restart !== undefined) {
      trace('RESET\n');
      this.options.restart();
      return;
    }
    this.halt('reset requested, but this firmware has no restart hook');
  }

  /** A real hang: Timer.delay blocks the VM, so nothing (timers, links, console) is served meanwhile. */
  hang(ms: number): void {
    if (typeof ms !== 'number' || !(ms >= 0)) throw new RangeError(`hang: ms must be a number >= 0, got ${String(ms)}`);
    Timer.delay(ms);
  }

  /** Why the board halted, or null. */
  get haltReason(): string | null {
    return this.halted;
  }

  /** Transmit queue figures per link, then the console's (serial console only). */
  txStats(): TxStats[] {
    const out = this.serialLinks.map((l) => l.stats());
    if (this.consoleImpl instanceof SerialConsole) out.push(this.consoleImpl.stats());
    return out;
  }

  /** @internal Runs the console's input callback (SerialConsole's ConsoleGuard). */
  guardConsole(where: string, run: () => void): void {
    if (this.halted !== null && this.consoleAfterHalt) {
      try {
        run();
      } catch (err) {
        trace(`console after halt: ${errorText(err)}\n`);
      }
      return;
    }
    this.guard(where, run);
  }

  /**
   * @internal SerialLink's LinkGuard: a link's received bytes to its receiver; an exception
   * halts the board with where it came from. The place's name is made only for a halt or the probe.
   */
  linkInput(link: SerialLink, bytes: Uint8Array): void {
    const receiver = link.receiver;
    if (this.halted !== null || receiver === null) return;
    try {
      receiver.input(bytes);
    } catch (err) {
      this.halt(`uncaught exception in ${linkWhere(link.index)}: ${errorText(err)}`);
    }
    if (this.probe !== null) this.probe(linkWhere(link.index), false);
  }

  /** @internal Runs the console's callback; an exception halts the board with where it came from. */
  guard(where: string, run: () => void): void {
    if (this.halted !== null) return;
    try {
      run();
    } catch (err) {
      this.halt(`uncaught exception in ${where}: ${errorText(err)}`);
    }
    if (this.probe !== null) this.probe(where, false);
  }
}
