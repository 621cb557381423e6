/**
 * The MCAPI conformance suite as a board app: every board runs the cases with its own rank, in
 * the same order, kept in step by a barrier. `conformance -- --case <substring>` runs the cases
 * whose name contains the substring; `--timeout-ms <ms>` is how long one operation of a case
 * waits for another board (default 1000) and `--case-timeout <ms>` bounds each case (default 5
 * operations' worth); virtual ms in the simulator. Every board returns the same { passed,
 * failed, skipped, failures }.
 *
 * Besides each case's own assertions, a case fails when it leaves requests or endpoints behind
 * on any board (bounded memory is part of conformance). A case that failed (timed out, most
 * likely) may have left endpoints and channels on its ports: the runner removes them before the
 * next case, so one slow case does not make the later ones fail (cleanCasePorts).
 */
import type { App, AppContext, AppValue } from '../../src/app.js';
import { Endpoint, McapiError, Status } from '../../src/mcapi/index.js';
import type { McapiNode, StatusCode } from '../../src/mcapi/index.js';
import { Barrier } from './barrier.js';
import { allCases } from './cases/index.js';
import { assertions, describeError } from './context.js';
import type { Case, CaseContext } from './context.js';

/** How long a case's in-flight requests may take to settle before they count as leaked (ms). */
const SETTLE_MS = 2000;
const SETTLE_STEP_MS = 20;

/** Port of the barrier endpoint; cases get ports from FIRST_CASE_PORT up. */
export const BARRIER_PORT = 100;
export const FIRST_CASE_PORT = 101;
const DEFAULT_PORTS = 4;
/** How long one operation of a case waits for another board (CaseContext.timeoutMs), by default. */
export const DEFAULT_OP_TIMEOUT_MS = 1000;
/** A case's timeout, unless given, in operation timeouts (5000 ms at the default). */
const CASE_TIMEOUT_OPS = 5;

export interface ConformanceOptions {
  /** Run only cases whose name contains this. */
  filter: string;
  /** One operation's timeout (CaseContext.timeoutMs; DEFAULT_OP_TIMEOUT_MS if not given). */
  timeoutMs?: number;
  caseTimeoutMs: number;
}

function positiveMs(flag: string, v: string): number {
  const n = Number(v);
  if (!(n > 0) || !Number.isFinite(n)) throw new Error(`${flag} must be a positive number of ms, got ${v}`);
  return n;
}

export function parseConformanceArgs(args: readonly string[]): ConformanceOptions {
  const o: ConformanceOptions = { filter: '', timeoutMs: DEFAULT_OP_TIMEOUT_MS, caseTimeoutMs: 0 };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const v = args[i + 1];
    if (a === '--case' && v !== undefined) {
      o.filter = v;
      i++;
    } else if (a === '--case-timeout' && v !== undefined) {
      o.caseTimeoutMs = positiveMs(a, v);
      i++;
    } else if (a === '--timeout-ms' && v !== undefined) {
      o.timeoutMs = positiveMs(a, v);
      i++;
    } else {
      throw new Error(`conformance: unknown argument ${String(a)} (use --case <substring>, --timeout-ms <ms>, --case-timeout <ms>)`);
    }
  }
  if (o.caseTimeoutMs === 0) o.caseTimeoutMs = CASE_TIMEOUT_OPS * (o.timeoutMs ?? DEFAULT_OP_TIMEOUT_MS);
  return o;
}

/** Ports of every case, by position in allCases(): the same on every board whatever the filter. */
export function casePorts(cases: readonly Case[]): number[] {
  const bases: number[] = [];
  let next = FIRST_CASE_PORT;
  for (const c of cases) {
    bases.push(next);
    next += c.ports ?? DEFAULT_PORTS;
  }
  return bases;
}

/**
 * The cases' timeouts, watched by one sleeper per board that follows the current case's
 * deadline in steps: when a case ends, the next case takes over the same sleeper, so one sleep at
 * most is pending. A sleep of the whole timeout per case (as before) kept every finished case's
 * timer, promise and reactions alive for 5 s: on a lin board that was more than half of the
 * suite's slot heap (11 119 slots grown to; 5 008 with this), docs/TARGETS.md "Footprint".
 */
const WATCHDOG_STEP_MS = 250;

export class CaseWatchdog {
  private deadline = 0;
  private limitMs = 0;
  private expire: ((e: Error) => void) | null = null;
  private watching = false;
  /**
   * `check`, bound once for the watchdog's life (8 XS slots): each step is a reaction on the
   * step's sleep, not an `async` loop suspended at an `await` (~43 slots held for the whole
   * suite, docs/FOOTPRINT.md "Round 10: conformance slots").
   */
  private readonly step: () => void;

  /** `time` is the app context itself: two closures around it were ~24 XS slots for the whole run. */
  constructor(private readonly time: Pick<AppContext, 'now' | 'sleep'>) {
    this.step = this.check.bind(this);
  }

  /**
   * `p`, or a rejection if it has not settled within `ms`; the caller calls `end()` once it
   * settled. Settling a settled promise does nothing, so no `settled` flag or wrapper closure
   * per case (~20 XS slots, "Round 9"), and `p` settles the guard's promise through its own
   * resolving functions: no two reactions over the case's generation (~20 XS slots per case,
   * "Round 11b"). A late case's outcome settles only its own, long settled, guard.
   */
  guard(p: Promise<void>, ms: number): Promise<void> {
    this.deadline = this.time.now() + ms;
    this.limitMs = ms;
    return new Promise<void>((resolve, reject) => {
      this.expire = reject;
      p.then(resolve, reject);
      if (!this.watching) {
        this.watching = true;
        this.check();
      }
    });
  }

  /** The guarded case settled (or expired): stop watching it, the sleeper stops at its next step. */
  end(): void {
    this.expire = null;
  }

  /** One step: expire the current case if its deadline passed, else sleep until it or the next step. */
  private check(): void {
    const expire = this.expire;
    if (expire === null) {
      this.watching = false;
      return;
    }
    const left = this.deadline - this.time.now();
    if (left <= 0) {
      this.expire = null;
      this.watching = false;
      expire(new Error(`case did not finish within ${String(this.limitMs)} ms`));
      return;
    }
    void this.time.sleep(Math.min(WATCHDOG_STEP_MS, left)).then(this.step);
  }
}

/**
 * What one case sees while it runs, built when the case starts and dropped when it ends. A class
 * with its methods on the prototype: the object literal with eight closures and a copy of the
 * five assertions it replaces cost ~60 XS slots more per case on a board (docs/FOOTPRINT.md,
 * "Round 7: conformance memory").
 */
export class CaseRun implements CaseContext {
  private phase = 0;

  constructor(
    private readonly app: AppContext,
    private readonly barrier: Barrier,
    private readonly c: Case,
    private readonly index: number,
    private readonly base: number,
    private readonly ports: number,
    readonly timeoutMs: number = DEFAULT_OP_TIMEOUT_MS,
  ) {}

  // Read through from the app context and the case: five copies were five XS slots per case
  // ("Round 11b: conformance slots").
  get rank(): number {
    return this.app.rank;
  }

  get boards(): number {
    return this.c.boards;
  }

  get mcapi(): McapiNode {
    return this.app.mcapi;
  }

  get domain(): number {
    return this.app.domain;
  }

  get node(): number {
    return this.app.node;
  }

  port(k: number): number {
    if (!Number.isInteger(k) || k < 0 || k >= this.ports) throw new Error(`port(${String(k)}): the case reserved ${String(this.ports)} ports`);
    return this.base + k;
  }

  peerNode(r: number): number {
    return this.app.nodeOfRank(r);
  }

  /**
   * The barrier's own promise (its verdict is ignored here): an `async` method around it held a
   * suspended frame and two more promises while the case waits (~43 XS slots, "Round 9").
   */
  sync(tag: string): Promise<void> {
    this.phase++;
    return this.barrier.sync(`c${String(this.index)}:${String(this.phase)}:${tag}`, this.c.boards) as Promise<unknown> as Promise<void>;
  }

  peer(r: number, k: number, timeoutMs = this.timeoutMs): Promise<Endpoint> {
    return this.mcapi.getEndpoint(this.domain, this.app.nodeOfRank(r), this.port(k), timeoutMs);
  }

  sleep(ms: number): Promise<void> {
    return this.app.sleep(ms);
  }

  now(): number {
    return this.app.now();
  }

  log(m: string): void {
    this.app.log('info', `[${this.c.name}] ${m}`);
  }

  assert(cond: boolean, what: string): void {
    assertions.assert(cond, what);
  }

  assertEqual<T>(actual: T, expected: T, what: string): void {
    assertions.assertEqual(actual, expected, what);
  }

  assertBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
    assertions.assertBytes(actual, expected, what);
  }

  assertPattern(actual: Uint8Array, n: number, seed: number, what: string): void {
    assertions.assertPattern(actual, n, seed, what);
  }

  assertThrowsStatus(fn: () => unknown, status: StatusCode, what: string): McapiError {
    return assertions.assertThrowsStatus(fn, status, what);
  }

  assertRejectsStatus(p: Promise<unknown>, status: StatusCode, what: string): Promise<McapiError> {
    return assertions.assertRejectsStatus(p, status, what);
  }
}

/**
 * The node's requests in a slot, the barrier's own receive left out: whether it holds a request
 * at a given moment depends on when its messages arrive, not on the case (Barrier.post).
 */
function caseRequests(mcapi: McapiNode, barrier: Barrier): number {
  return mcapi.stats().requests - barrier.heldRequests();
}

function endpointCount(mcapi: McapiNode): number {
  return mcapi.stats().endpoints;
}

/** Delete this node's endpoint on `port`: true when none is left there. */
function removeEndpoint(ctx: AppContext, port: number): boolean {
  try {
    ctx.mcapi.deleteEndpoint(new Endpoint(ctx.domain, ctx.node, port));
    return true;
  } catch (e) {
    // None there; anything else (still connected, open, a connect in flight) keeps it for now.
    return e instanceof McapiError && e.status === Status.MCAPI_ERR_ENDP_INVALID;
  }
}

/**
 * After a failed case (on every board, between its end and the next case's start): delete the
 * endpoints left on the case's ports. A case that timed out stops at its await, so its own
 * cleanup never ran, and what it left held the node's bounded resources: on three starved lin
 * boards a packet connect timed out and its receive endpoint's buffer reservation made every
 * later packet case fail with MCAPI_ERR_MEM_LIMIT (docs/MCAPI.md 7, "A case that times out").
 * An endpoint whose timed-out connect is still being closed (src/mcapi/connect.ts) becomes
 * deletable within a round trip: retried for SETTLE_MS. Returns the endpoints still there (a
 * channel side the case opened and never closed: only its handle closes it).
 */
export async function cleanCasePorts(ctx: AppContext, base: number, ports: number): Promise<number> {
  for (let waited = 0; ; waited += SETTLE_STEP_MS) {
    let left = 0;
    for (let p = base; p < base + ports; p++) if (!removeEndpoint(ctx, p)) left++;
    if (left === 0 || waited >= SETTLE_MS) return left;
    await ctx.sleep(SETTLE_STEP_MS);
  }
}

export async function runConformance(ctx: AppContext, options: ConformanceOptions): Promise<{
  passed: number; failed: number; skipped: number; failures: { name: string; message: string }[];
}> {
  const mcapi = ctx.mcapi;
  const cases = allCases();
  const watchdog = new CaseWatchdog(ctx);
  const barrier = await Barrier.open(mcapi, ctx.domain, ctx.rank, ctx.boards, (r) => ctx.nodeOfRank(r), BARRIER_PORT);
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const failures: { name: string; message: string }[] = [];
  try {
    // Each case's first port, counted as the loop goes (what casePorts gives, without an array
    // of 81 numbers held through the run: 2.6 KB of chunks on lin).
    let nextBase = FIRST_CASE_PORT;
    for (let i = 0; i < cases.length; i++) {
      const c = cases[i]!;
      const base = nextBase;
      nextBase += c.ports ?? DEFAULT_PORTS;
      if (options.filter !== '' && c.name.indexOf(options.filter) < 0) continue;
      if (c.boards > ctx.boards) {
        skipped++;
        continue;
      }
      // Names the case for the lin heap probe (docs/TARGETS.md "Heap probe"), which traces debug
      // lines and samples the heap at each: the live set between cases.
      ctx.log('debug', `case ${c.name}`);
      await barrier.sync(`c${String(i)}:start`, ctx.boards);
      // Two numbers, not the stats object (35 XS slots) held through the case: read by plain
      // functions, so no local of this suspended frame keeps it (`const s0 = mcapi.stats()`
      // here did, at every case's peak: docs/FOOTPRINT.md "Round 13: conformance slots").
      const requestsBefore = caseRequests(mcapi, barrier);
      const endpointsBefore = endpointCount(mcapi);
      let ok = true;
      let message = '';
      if (ctx.rank < c.boards) {
        const ports = c.ports ?? DEFAULT_PORTS;
        const cctx = new CaseRun(ctx, barrier, c, i, base, ports, options.timeoutMs);
        try {
          try {
            await watchdog.guard(c.run(cctx), options.caseTimeoutMs);
          } finally {
            watchdog.end();
          }
          // A leak is a request that stays. On real boards (wall-clock time) a barrier send of the
          // case may still await its delivery acknowledgement when the case returns, and one from
          // before the case may finish during it: let in-flight requests settle first (bounded).
          let requestsAfter = caseRequests(mcapi, barrier);
          for (let waited = 0; requestsAfter > requestsBefore && waited < SETTLE_MS; waited += SETTLE_STEP_MS) {
            await ctx.sleep(SETTLE_STEP_MS);
            requestsAfter = caseRequests(mcapi, barrier);
          }
          if (requestsAfter > requestsBefore) {
            throw new Error(`left ${String(requestsAfter - requestsBefore)} request(s) behind`);
          }
          const endpointsAfter = endpointCount(mcapi);
          if (endpointsAfter !== endpointsBefore) {
            throw new Error(`left ${String(endpointsAfter - endpointsBefore)} endpoint(s) behind`);
          }
        } catch (e) {
          ok = false;
          message = describeError(e);
        }
      }
      const v = await barrier.sync(`c${String(i)}:end`, ctx.boards, ok, message);
      if (v.ok) {
        passed++;
      } else {
        failed++;
        failures.push({ name: c.name, message: v.message });
        ctx.log('warn', `conformance: FAIL ${c.name}: ${v.message}`);
        if (ctx.rank < c.boards) {
          const left = await cleanCasePorts(ctx, base, c.ports ?? DEFAULT_PORTS);
          if (left > 0) ctx.log('warn', `conformance: ${c.name} left ${String(left)} endpoint(s) with an open channel on its ports`);
        }
      }
    }
    await barrier.sync('done', ctx.boards);
  } finally {
    barrier.close();
  }
  return { passed, failed, skipped, failures };
}

export const conformanceApp: App = {
  name: 'conformance',
  options: [
    { name: 'case', value: 'SUBSTRING', help: 'only cases whose name contains it' },
    { name: 'timeout-ms', value: 'MS', help: 'how long one operation of a case waits for another board (default 1000)' },
    { name: 'case-timeout', value: 'MS', help: 'per-case timeout (default 5 x --timeout-ms)' },
  ],
  /**
   * The suite's own promise, not an `async` layer around it: a suspended frame held through the
   * whole run (~43 XS slots on every board, docs/FOOTPRINT.md "Round 10: conformance slots").
   * Bad arguments reject, as they did from the async form.
   */
  main(ctx: AppContext): Promise<AppValue> {
    let options: ConformanceOptions;
    try {
      options = parseConformanceArgs(ctx.args);
    } catch (e) {
      return Promise.reject(e);
    }
    return runConformance(ctx, options);
  },
};
