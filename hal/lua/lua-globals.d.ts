/**
 * The few Lua globals the Lua-only entries (hal/lua/*.ts, hal/nodemcu/*.ts) call, as
 * typescript-to-lua sees them: `this: void` so calls are emitted without a self argument.
 * Only the Lua build (tsconfig.lua.json) includes this file.
 */
declare function print(this: void, ...args: unknown[]): void;
declare const io: {
  read(this: void, format: string | number): string | undefined;
  write(this: void, text: string): void;
  stdout: { write(this: void, self: unknown, text: string): void; flush(this: void, self: unknown): void };
};
declare const os: { getenv(this: void, name: string): string | undefined; clock(this: void): number };
declare const string: {
  byte(this: void, s: string, i: number, j?: number): number;
  char(this: void, ...codes: number[]): string;
  sub(this: void, s: string, i: number, j?: number): string;
};
declare const collectgarbage: (this: void, what: string) => number;
/** From hal/lua/prelude.lua: runs every queued promise job; the count it ran. */
declare function mcdsm_drain_jobs(this: void): number;
declare const _VERSION: string;
