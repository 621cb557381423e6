/**
 * The Hal of a NodeMCU board (ESP8266 or ESP32 firmware, Lua 5.1 or 5.3), compiled to Lua by
 * the Lua build (dist/lua/<target>/hal/nodemcu/): timers from `tmr` (a zero delay is a
 * `node.task.post`, the end of this turn), time from `node.uptime()` (ESP32) or `tmr.now()`
 * (ESP8266, µs wrapping at 2^31, accumulated so now() stays monotonic), UART links through
 * `uart`, UDP links through `net.createUDPSocket`, the console on UART0 (or the ESP32
 * `console` module), memory from Lua's own count, restart through `node.restart`.
 *
 * Every entry from the firmware (a timer, a posted task, received bytes, console input) goes
 * through `enter`: the callback, then every promise job it started (the prelude's JS-ordered
 * queue, mcdsm_drain_jobs), so a turn ends as on XS; an exception halts the board with the
 * callback named, as ModdableHal does, instead of reaching NodeMCU's panic handler.
 */
import type { Hal, HalConsole, HalLink, LinkKind, LinkReceiver, LogLevel, MemoryFigures } from '../../src/hal.js';
import { bytesToString, stringToBytes } from '../lua/lua-bytes.js';

/** One link: a UART (stream) or a UDP socket towards one peer (datagrams). */
export type NodemcuLinkSpec =
  | { kind: 'stream'; mtu: number; uart: number; baud: number }
  | { kind: 'datagram'; mtu: number; udp: { port: number; peer: string; peerPort: number } };

export interface NodemcuHalOptions {
  links: readonly NodemcuLinkSpec[];
  /** The console UART (0 on every NodeMCU board) and its baud, or null for no console. */
  console: { uart: number; baud: number } | null;
  ramLimit: number;
}

/** tmr.now() counts µs modulo 2^31 on the ESP8266. */
const TMR_NOW_WRAP = 2 ** 31;
/** The longest single tmr alarm (NodeMCU's documented maximum on older SDKs); longer delays re-arm. */
const MAX_ALARM_MS = 6870947;
/** hang(): busy-wait slices short enough for the ESP8266 watchdog (fed between them). */
const HANG_SLICE_MS = 100;

function errorText(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  if (typeof err === 'object' && err !== null && 'message' in err) return String((err as { message: unknown }).message);
  return String(err);
}

/** A UART (stream) or a UDP socket towards one peer (datagram): bytes out as one Lua string. */
class NodemcuLink implements HalLink {
  receiver: LinkReceiver | null = null;
  constructor(
    readonly index: number,
    readonly kind: LinkKind,
    readonly mtu: number,
    private readonly send: (data: string) => void,
    /** HalLink.bytesPerMs: a UART's baud / 10 (8N1); unknown for UDP. */
    readonly bytesPerMs?: number,
  ) {}

  write(bytes: Uint8Array): void {
    this.send(bytesToString(bytes));
  }
}

class UartConsole implements HalConsole {
  onInput: ((text: string) => void) | null = null;
  constructor(private readonly id: number) {}

  write(text: string): void {
    const esp32Console = _G.console;
    if (esp32Console !== undefined) esp32Console.write(text);
    else uart.write(this.id, text);
  }
}

export class NodemcuHal implements Hal {
  readonly links: readonly HalLink[];
  readonly console: HalConsole;
  private readonly consoleImpl: UartConsole | null;
  /** Console input after a halt still reaches the shell: main.ts's provisioning console. */
  private consoleAfterHalt = false;
  private readonly timers = new Map<number, NodemcuTimer | null>();
  private readonly sockets: NodemcuUdpSocket[] = [];
  private readonly uartIds: number[] = [];
  private readonly options: NodemcuHalOptions;
  private nextTimerId = 1;
  private lastMicros: number;
  private elapsedMs = 0;
  private halted: string | null = null;

  constructor(options: NodemcuHalOptions) {
    this.options = options;
    this.lastMicros = this.micros();
    const links: HalLink[] = [];
    for (let i = 0; i < options.links.length; i++) {
      const spec = options.links[i]!;
      if (spec.kind === 'stream') {
        const id = spec.uart;
        const link = new NodemcuLink(i, 'stream', spec.mtu, (data) => uart.write(id, data), spec.baud / 10000);
        uart.setup(spec.uart, spec.baud, 8, uart.PARITY_NONE, uart.STOPBITS_1, 0);
        if (uart.start !== undefined) uart.start(spec.uart);
        this.onUart(spec.uart, (data) => this.enter('link receive', () => link.receiver?.input(stringToBytes(data))));
        this.uartIds.push(spec.uart);
        links.push(link);
      } else {
        const socket = net.createUDPSocket();
        const { peer, peerPort } = spec.udp;
        const link = new NodemcuLink(i, 'datagram', spec.mtu, (data) => socket.send(peerPort, peer, data));
        socket.on('receive', (_s, data) => this.enter('link receive', () => link.receiver?.input(stringToBytes(data))));
        socket.listen(spec.udp.port);
        this.sockets.push(socket);
        links.push(link);
      }
    }
    this.links = links;
    let consoleImpl: UartConsole | null = null;
    if (options.console !== null) {
      const c = new UartConsole(options.console.uart);
      consoleImpl = c;
      const onData = (data: string): void => this.enterConsole(() => c.onInput?.(data));
      const esp32Console = _G.console;
      if (esp32Console !== undefined) {
        esp32Console.on('data', 0, onData);
      } else {
        uart.setup(options.console.uart, options.console.baud, 8, uart.PARITY_NONE, uart.STOPBITS_1, 0);
        // run_input 0 (onUart): console bytes come to us, not to NodeMCU's Lua interpreter.
        this.onUart(options.console.uart, onData);
      }
    }
    this.consoleImpl = consoleImpl;
    this.console = consoleImpl ?? { write: () => undefined, onInput: null };
  }

  now(): number {
    const us = this.micros();
    const wrap = node.uptime !== undefined ? Infinity : TMR_NOW_WRAP;
    let delta = us - this.lastMicros;
    if (delta < 0 && wrap !== Infinity) delta += wrap;
    this.lastMicros = us;
    this.elapsedMs += delta / 1000;
    return this.elapsedMs;
  }

  setTimer<A = undefined>(delayMs: number, fire: (arg: A) => void, arg?: A): number {
    if (typeof delayMs !== 'number' || delayMs !== delayMs) throw new TypeError(`setTimer: delayMs must be a number, got ${String(delayMs)}`);
    const id = this.nextTimerId++;
    if (this.halted !== null) return id;
    // Every tmr alarm here has a closure of its own anyway: the argument rides in one more.
    const run = arg === undefined ? (fire as () => void) : () => fire(arg);
    if (delayMs <= 0) {
      // The end of this turn: a task runs after the current callback (and its promise jobs).
      this.timers.set(id, null);
      node.task.post(node.task.MEDIUM_PRIORITY, () => {
        if (!this.timers.has(id)) return;
        this.timers.delete(id);
        this.enter('timer', run);
      });
      return id;
    }
    this.arm(id, Math.ceil(delayMs), run);
    return id;
  }

  clearTimer(id: number): void {
    const t = this.timers.get(id);
    if (t === undefined) return;
    this.timers.delete(id);
    if (t !== null) t.unregister();
  }

  log(level: LogLevel, message: string): void {
    this.notice(`${level}: ${message}`);
  }

  memory(): MemoryFigures {
    // Lua's own heap: what the runtime holds (code in LFS does not count, as on a chip).
    return { used: Math.floor(collectgarbage('count') * 1024), limit: this.options.ramLimit };
  }

  random(): number {
    return node.random !== undefined ? node.random() : math.random();
  }

  event(name: string, value: number, detail?: string): void {
    // As the Moddable firmware: results on the console as notices; the rest is the simulator's.
    if (name === 'app-result' || name === 'app-error') this.notice(`${name} rank=${String(value)} ${detail ?? ''}`);
  }

  halt(reason: string): void {
    if (this.halted !== null) return;
    this.halted = reason;
    this.notice(`HALT ${reason}`);
    for (const t of this.timers.values()) if (t !== null) t.unregister();
    this.timers.clear();
    for (const id of this.uartIds) this.offUart(id);
    for (const s of this.sockets) s.close();
    if (this.consoleImpl !== null && !this.consoleAfterHalt) this.consoleImpl.onInput = null;
  }

  /** Keep serving console input after a halt (the provisioning console of hal/nodemcu/main.ts). */
  keepConsoleAfterHalt(): void {
    this.consoleAfterHalt = true;
  }

  reset(): void {
    this.notice('RESET');
    node.restart();
  }

  /** A real hang: the VM busy-waits (feeding the ESP8266 watchdog), nothing is served meanwhile. */
  hang(ms: number): void {
    if (typeof ms !== 'number' || !(ms >= 0)) throw new RangeError(`hang: ms must be a number >= 0, got ${String(ms)}`);
    let left = ms;
    while (left > 0) {
      const slice = Math.min(left, HANG_SLICE_MS);
      tmr.delay(slice * 1000);
      if (tmr.wdclr !== undefined) tmr.wdclr();
      left -= slice;
    }
  }

  get haltReason(): string | null {
    return this.halted;
  }

  /** Run a firmware callback as one turn: the callback, then every promise job it started. */
  enter(where: string, run: () => void): void {
    if (this.halted !== null) return;
    try {
      run();
      mcdsm_drain_jobs();
    } catch (err) {
      this.halt(`uncaught exception in ${where}: ${errorText(err)}`);
    }
  }

  private enterConsole(run: () => void): void {
    if (this.halted === null || !this.consoleAfterHalt) {
      this.enter('console input', run);
      return;
    }
    try {
      run();
      mcdsm_drain_jobs();
    } catch (err) {
      this.notice(`console after halt: ${errorText(err)}`);
    }
  }

  private notice(line: string): void {
    this.consoleImpl?.write(`# ${line}\r\n`);
  }

  private micros(): number {
    if (node.uptime !== undefined) return node.uptime();
    return tmr.now !== undefined ? tmr.now() : 0;
  }

  /** Long delays re-arm: one tmr alarm covers at most MAX_ALARM_MS. */
  private arm(id: number, delayMs: number, fire: () => void): void {
    const t = tmr.create();
    this.timers.set(id, t);
    const step = Math.min(delayMs, MAX_ALARM_MS);
    t.alarm(step, tmr.ALARM_SINGLE, () => {
      if (this.timers.get(id) !== t) return;
      t.unregister();
      if (delayMs > step) {
        this.arm(id, delayMs - step, fire);
        return;
      }
      this.timers.delete(id);
      this.enter('timer', fire);
    });
  }

  /**
   * `uart.on` for "data", every byte as it comes (n = 0): the ESP32 takes the id first; the
   * ESP8266 receives on UART0 only, with run_input 0 so the bytes bypass its Lua interpreter.
   */
  private onUart(id: number, fn: (data: string) => void): void {
    if (uart.start !== undefined) uart.on(id, 'data', 0, fn);
    else if (id === 0) uart.on('data', 0, fn, 0);
    else throw new Error(`uart ${String(id)} cannot receive on an ESP8266 (only UART0 can): use a UDP link`);
  }

  private offUart(id: number): void {
    if (uart.start !== undefined) uart.on(id, 'data');
    else if (id === 0) uart.on('data');
  }
}
