/**
 * A promise wait on a request that is not the common case (Core.waitImpl): with a timeout, a
 * second waiter, or mcapi_wait's non-destructive wait. One record with methods instead of a
 * settle closure, a timeout closure and Core.setTimer's wrapper closure (~45 XS slots a wait,
 * docs/TARGETS.md "Round 9: conformance slots"; ~10 now, docs/TARGETS.md "Round 10: MCAPI
 * completions").
 */
import type { Core } from './core.js';
import type { Request, Settle } from './request.js';
import { McapiError, Status } from './status.js';

export class TimedWait implements Settle {
  /**
   * The timer of every timed wait: one function, the wait as its argument (static, not a module
   * function: every module-level name is a slot of the board's stack at load, docs/MCAPI.md "Files").
   */
  static onTimer(this: void, w: TimedWait): void {
    w.fired();
  }

  /** Core.setTimerFor's id while the timeout is armed, else -1. */
  private timer = -1;

  constructor(
    private readonly core: Core,
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
    if (ws !== null) {
      const i = ws.indexOf(this);
      if (i >= 0) ws.splice(i, 1);
    }
    if (this.abandon) {
      this.core.abort(req, Status.MCAPI_TIMEOUT);
      this.core.requests.release(req);
    }
    this.reject(new McapiError(Status.MCAPI_TIMEOUT, `${req.kind} did not complete within ${String(this.timeoutMs)} ms`));
  }
}
