/**
 * What a conformance case sees, and the assertion helpers it uses. Board code: no host
 * globals; every assertion throws an Error whose message says what was expected.
 */
import type { Endpoint, McapiNode, StatusCode } from '../../src/mcapi/index.js';
import { McapiError, statusName } from '../../src/mcapi/index.js';

export interface CaseContext {
  /** This board's rank in the case: 0 .. boards-1. */
  readonly rank: number;
  /** Boards taking part in the case (the case's `boards`). */
  readonly boards: number;
  /** This board's MCAPI node, initialized. */
  readonly mcapi: McapiNode;
  readonly domain: number;
  readonly node: number;
  /** Port k (0 .. ports-1) reserved for this case: the same number on every board. */
  port(k: number): number;
  /** Node id of the board with `rank`. */
  peerNode(rank: number): number;
  /** Barrier among the case's boards; `tag` names the phase (unique within the case). */
  sync(tag: string): Promise<void>;
  /**
   * How long one operation of the case waits for another board (a connect, an open, a wait, a
   * lookup), in ms: the run's `--timeout-ms` (default 1000). Virtual time in the simulator; on
   * wall-clock boards a loaded host stretches every step, so the runner raises it there.
   */
  readonly timeoutMs: number;
  /** Look up <domain, peerNode(rank), port(k)> (waits for it to be created, up to timeoutMs). */
  peer(rank: number, k: number, timeoutMs?: number): Promise<Endpoint>;
  sleep(ms: number): Promise<void>;
  now(): number;
  log(message: string): void;
  assert(cond: boolean, what: string): void;
  assertEqual<T>(actual: T, expected: T, what: string): void;
  assertBytes(actual: Uint8Array, expected: Uint8Array, what: string): void;
  /** `actual` must be pattern(n, seed), checked in place (no expected copy). */
  assertPattern(actual: Uint8Array, n: number, seed: number, what: string): void;
  /** Run `fn`; it must throw McapiError with `status`. Returns the error. */
  assertThrowsStatus(fn: () => unknown, status: StatusCode, what: string): McapiError;
  /** `p` must reject with McapiError carrying `status`. Returns the error. */
  assertRejectsStatus(p: Promise<unknown>, status: StatusCode, what: string): Promise<McapiError>;
}

export interface Case {
  readonly name: string;
  readonly boards: 2 | 3;
  /** Ports reserved for the case (default 4). */
  readonly ports?: number;
  run(ctx: CaseContext): Promise<void>;
}

export function describeError(e: unknown): string {
  if (e instanceof McapiError) return `McapiError ${statusName(e.status)} (${e.message})`;
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}

function show(v: unknown): string {
  if (typeof v === 'bigint') return `${v.toString()}n`;
  if (v instanceof Uint8Array) {
    const head: number[] = [];
    for (let i = 0; i < v.length && i < 16; i++) head.push(v[i]!);
    return `[${head.join(',')}${v.length > 16 ? ',...' : ''}] (${String(v.length)} bytes)`;
  }
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map((x) => show(x)).join(',')}]`;
  return String(v);
}

/** The assertion half of a CaseContext. */
export const assertions = {
  assert(cond: boolean, what: string): void {
    if (!cond) throw new Error(`assertion failed: ${what}`);
  },
  assertEqual<T>(actual: T, expected: T, what: string): void {
    if (Array.isArray(actual) && Array.isArray(expected)) {
      if (actual.length === expected.length && actual.every((x, i) => x === expected[i])) return;
    } else if (actual === expected) {
      return;
    }
    throw new Error(`${what}: expected ${show(expected)}, got ${show(actual)}`);
  },
  assertBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
    let same = actual.length === expected.length;
    for (let i = 0; same && i < actual.length; i++) if (actual[i] !== expected[i]) same = false;
    if (!same) throw new Error(`${what}: expected ${show(expected)}, got ${show(actual)}`);
  },
  assertPattern(actual: Uint8Array, n: number, seed: number, what: string): void {
    let same = actual.length === n;
    for (let i = 0; same && i < n; i++) if (actual[i] !== ((i + seed) & 0xff)) same = false;
    if (!same) throw new Error(`${what}: expected ${show(pattern(Math.min(n, 17), seed))} (${String(n)} bytes), got ${show(actual)}`);
  },
  assertThrowsStatus(fn: () => unknown, status: StatusCode, what: string): McapiError {
    let r: unknown;
    try {
      r = fn();
    } catch (e) {
      if (e instanceof McapiError && e.status === status) return e;
      throw new Error(`${what}: expected ${statusName(status)}, got ${describeError(e)}`);
    }
    if (r instanceof Promise) r.catch(() => undefined);
    throw new Error(`${what}: expected ${statusName(status)}, but the call succeeded`);
  },
  async assertRejectsStatus(p: Promise<unknown>, status: StatusCode, what: string): Promise<McapiError> {
    try {
      await p;
    } catch (e) {
      if (e instanceof McapiError && e.status === status) return e;
      throw new Error(`${what}: expected ${statusName(status)}, got ${describeError(e)}`);
    }
    throw new Error(`${what}: expected ${statusName(status)}, but it resolved`);
  },
};

/** Bytes 0..n-1 offset by `seed` (mod 256): recognisable payloads. */
export function pattern(n: number, seed = 0): Uint8Array {
  return fillPattern(new Uint8Array(n), seed);
}

/** Fill `b` with pattern(b.length, seed) and return it (a large payload reused per send). */
export function fillPattern(b: Uint8Array, seed: number): Uint8Array {
  for (let i = 0; i < b.length; i++) b[i] = (i + seed) & 0xff;
  return b;
}
