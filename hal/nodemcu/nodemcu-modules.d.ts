/**
 * The NodeMCU firmware's C modules as the NodeMCU HAL calls them (typescript-to-lua sees
 * `this: void` functions as plain `module.fn(...)` calls and methods as `obj:fn(...)`). Only
 * what hal/nodemcu uses; both firmware lines are covered: ESP8266 (`uart.on("data", ...)` on
 * UART0 only, `tmr.now()` in µs wrapping at 2^31) and ESP32 (`uart.on(id, "data", ...)` after
 * `uart.start(id)`, `node.uptime()` in µs, the `console` module owning UART0). Fields that only
 * one line has are optional. Only the Lua build (tsconfig.lua.json) includes this file.
 */
interface NodemcuTimer {
  alarm(interval: number, mode: number, fn: (this: void, t: NodemcuTimer) => void): boolean;
  stop(): boolean;
  unregister(): void;
}

interface NodemcuUdpSocket {
  listen(port: number, ip?: string): void;
  on(event: 'receive', fn: (this: void, s: NodemcuUdpSocket, data: string, port: number, ip: string) => void): void;
  send(port: number, ip: string, data: string): void;
  close(): void;
}

declare const uart: {
  PARITY_NONE: number;
  STOPBITS_1: number;
  setup(this: void, id: number, baud: number, databits: number, parity: number, stopbits: number, echoOrPins?: number | Record<string, number>): number;
  /** ESP32 only: a UART other than the console must be started after setup. */
  start?: (this: void, id: number) => boolean;
  write(this: void, id: number, data: string): void;
  on(this: void, ...args: unknown[]): void;
};

declare const tmr: {
  ALARM_SINGLE: number;
  create(this: void): NodemcuTimer;
  /** ESP8266: the system counter in µs, wrapping at 2^31. */
  now?: (this: void) => number;
  delay(this: void, us: number): void;
  wdclr?: (this: void) => void;
};

declare const node: {
  heap(this: void): number;
  restart(this: void): void;
  /** ESP32: µs since boot. */
  uptime?: (this: void) => number;
  random?: (this: void) => number;
  task: { LOW_PRIORITY: number; MEDIUM_PRIORITY: number; post(this: void, priority: number, fn: (this: void) => void): void };
};

declare const file: {
  getcontents(this: void, name: string): string | undefined;
  putcontents(this: void, name: string, data: string): boolean | undefined;
  remove(this: void, name: string): void;
};

declare const net: { createUDPSocket(this: void): NodemcuUdpSocket };

/** ESP32 (dev-esp32): the console module owns the console UART. */
interface NodemcuConsole {
  on(this: void, event: 'data', n: number, fn?: (this: void, data: string) => void): void;
  write(this: void, data: string): void;
}

/** Lua's global table: the ESP32 `console` module is reached through it (TSTL rewrites `console.*` itself). */
declare const _G: { console?: NodemcuConsole };

declare const math: { random(this: void): number };
