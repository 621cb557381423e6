/**
 * A promise wait on a request that is not the common case (Core.waitImpl): with a timeout, a
 * second waiter, or mcapi_wait's non-destructive wait. One record with methods instead of a
 * settle closure, a timeout closure and Core.setTimer's wrapper closure (~45 XS slots a wait,
 * docs/FOOTPRINT.md "Round 9: conformance slots"; ~10 now, docs/FOOTPRINT.md "Round 10: MCAPI
 * completions").
 */
import { Request } from './request.js';
import type { RequestTable, Settle } from './request.js';
import { McapiError, Status } from './status.js';
import type { StatusCode } from './status.js';

/** What a wait needs of its Core (core.ts imports this file, so not the Core type itself). */
export interface WaitHost {
  readonly requests: RequestTable;
  setTimerFor<A>(ms: number, fire: (arg: A) => void, arg: A): number;
  timerFired(id: number): void;
  clearTimer(id: number): void;
  abort<T>(req: Request<T>, status: StatusCode, detail?: string): void;
}

export class TimedWait implements Settle {
  /**
   * The timer of every timed wait: one function, the wait as its argument (static, not a module
   * function: every module-level name is a slot of the board's stack at load, docs/MCAPI.md "Files").
   */
  static onTimer(this: void, w: TimedWait): void {
    w.fired();
  }

  /**
   * The app's calls that wait on each request kind (by Request.KIND code): a timeout is raised
   * from a timer, so its stack names only the runtime's places; the message names the app's
   * call instead (it read `endpoint-get did not complete`, and the app called `getEndpoint`).
   * On the class, not a module-level name (docs/MCAPI.md, "Files").
   */
  static readonly CALLS: readonly string[] = [
    'msgSend', 'msgRecv', 'pktSend', 'pktRecv', 'sclRecv', 'pktConnect/sclConnect',
    'pktSendOpen/pktRecvOpen/sclSendOpen/sclRecvOpen', 'a close', 'getEndpoint', 'getNodeAttribute', 'sclSend',
  ];

  /** `getEndpoint (endpoint-get)`; `wait (on a msg-recv request)` for mcapi_wait (no abandon). */
  static callText(kind: string, abandon: boolean): string {
    if (!abandon) return `wait (on a ${kind} request)`;
    const call = TimedWait.CALLS[Request.KINDS.indexOf(kind)];
    return call === undefined ? kind : `${call} (${kind})`;
  }

  /** Core.setTimerFor's id while the timeout is armed, else -1. */
  private timer = -1;

  constructor(
    private readonly core: WaitHost,
    private readonly req: Request<unknown>,
    private readonly resolve: (this: void, v: unknown) => void,
    private readonly reject: (this: void, e: McapiError) => void,
    /** Resolve with the request's value (else with nothing: a send, a connect). */
    private readonly keep: boolean,
    /** On timeout, cancel the operation (a blocking call) rather than leave it pending (mcapi_wait). */
    private readonly abandon: boolean,
    private readonly timeoutMs: number,
  ) {}

  /** Wait: settle at once if the request already completed; arm the timeout unless Infinity. */
  start(): void {
    const req = this.req;
    if (!req.pending) {
      this.settled();
      return;
    }
    // Not `(req._waiters ??= []).push(this)`: typescript-to-lua emits that as a field call.
    const ws = req._waiters ?? [];
    ws.push(this);
    req._waiters = ws;
    const ms = this.timeoutMs;
    if (ms === Infinity) return;
    if (ms <= 0) this.timedOut();
    else this.timer = this.core.setTimerFor(ms, TimedWait.onTimer, this);
  }

  /** The request completed (RequestTable.notify): report it and settle the promise. */
  settled(): void {
    const core = this.core;
    const req = this.req;
    core.clearTimer(this.timer);
    this.timer = -1;
    core.requests.release(req);
    if (req.status === Status.MCAPI_SUCCESS) this.resolve(this.keep ? req.value : undefined);
    else this.reject(req.error ?? new McapiError(req.status));
  }

  /** @internal The timeout's timer fired (TimedWait.onTimer). */
  fired(): void {
    this.core.timerFired(this.timer);
    this.timer = -1;
    this.timedOut();
  }

  private timedOut(): void {
    const req = this.req;
    const ws = req._waiters;
    if (ws !== undefined) {
      const i = ws.indexOf(this);
      if (i >= 0) ws.splice(i, 1);
    }
    if (this.abandon) {
      this.core.abort(req, Status.MCAPI_TIMEOUT);
      this.core.requests.release(req);
    }
    this.reject(new McapiError(Status.MCAPI_TIMEOUT, `${TimedWait.callText(req.kind, this.abandon)} did not complete within ${String(this.timeoutMs)} ms`));
  }
}

/** One of waitAny's requests: tells its WaitAny which index completed (a record, not a closure). */
class AnyHook implements Settle {
  constructor(readonly any: WaitAny, readonly index: number) {}

  settled(): void {
    this.any.report(this.index);
  }
}

/**
 * mcapi_wait_any's wait (Core.waitAny) as one record and a small hook per request, instead of a
 * detach closure, a report closure, a closure per request, a timeout closure and its timer
 * wrapper (~110 XS slots for two requests; docs/FOOTPRINT.md "Round 10: MCAPI completions").
 */
export class WaitAny {
  static onTimer(this: void, w: WaitAny): void {
    w.fired();
  }

  private timer = -1;
  private readonly hooks: AnyHook[] = [];

  constructor(
    private readonly core: WaitHost,
    private readonly reqs: readonly Request<unknown>[],
    private readonly resolve: (this: void, i: number) => void,
    private readonly reject: (this: void, e: McapiError) => void,
    private readonly timeoutMs: number,
  ) {}

  /** Report a request that already completed, else hook every request and arm the timeout. */
  start(): void {
    const reqs = this.reqs;
    for (let i = 0; i < reqs.length; i++) {
      const r = reqs[i];
      if (r !== undefined && !r.pending) {
        this.report(i);
        return;
      }
    }
    for (let i = 0; i < reqs.length; i++) {
      const r = reqs[i];
      if (r === undefined) continue;
      const hook = new AnyHook(this, i);
      this.hooks.push(hook);
      // Not `(r._waiters ??= []).push(hook)`: typescript-to-lua emits that as a field call.
      const ws = r._waiters ?? [];
      ws.push(hook);
      r._waiters = ws;
    }
    const t = this.timeoutMs;
    if (t <= 0) this.fired();
    else if (t !== Infinity) this.timer = this.core.setTimerFor(t, WaitAny.onTimer, this);
  }

  /** Request `i` completed: unhook the others, report it, settle. */
  report(i: number): void {
    this.detach();
    const r = this.reqs[i]!;
    this.core.requests.release(r);
    if (r.status === Status.MCAPI_SUCCESS) {
      this.resolve(i);
    } else {
      // The request's own error's detail (its status is this error's: not said twice),
      // without making that error: the app may never read `r.error`.
      const e = new McapiError(r.status, r._errorDetail());
      e.index = i;
      e.size = r.size;
      this.reject(e);
    }
  }

  /** @internal The timeout ran out (or was 0): every request stays pending. */
  fired(): void {
    if (this.timer >= 0) this.core.timerFired(this.timer);
    this.timer = -1;
    this.detach();
    this.reject(new McapiError(Status.MCAPI_TIMEOUT, `none of ${String(this.reqs.length)} requests completed within ${String(this.timeoutMs)} ms`));
  }

  private detach(): void {
    for (const h of this.hooks) {
      const ws = this.reqs[h.index]!._waiters;
      if (ws === undefined) continue;
      const k = ws.indexOf(h);
      if (k >= 0) ws.splice(k, 1);
    }
    this.core.clearTimer(this.timer);
    this.timer = -1;
  }
}
