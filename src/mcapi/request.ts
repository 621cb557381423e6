/**
 * Requests (mcapi_request_t): the handle of a non-blocking operation, and the bounded table
 * they live in. A request is PENDING until its operation completes; test / wait / waitAny
 * then report the outcome once and free the slot. Blocking calls use a slot too while they
 * wait, so the table bounds everything in flight.
 */
import { McapiError, Status } from './status.js';
import { filledArray } from '../util/next-id.js';
import type { StatusCode } from './status.js';

/** A wait's record, told when the request completes (TimedWait): no closure per wait. */
export interface Settle {
  settled(): void;
}

export type Waiter = (() => void) | Settle;

/**
 * How the runtime's own users of MCAPI (the DSM transport) learn that a request completed,
 * instead of a promise and a reaction per request (~80 XS slots per posted receive,
 * docs/FOOTPRINT.md "Round 10: MCAPI completions"): `complete(req)` is called once with the
 * request completed and already reported (its slot is free), never inside the MCAPI call that
 * completed it but in a microtask, as a promise's reaction would run. The app-facing API keeps
 * its promises (wait, waitAny, the blocking calls).
 */
export interface Completion {
  complete(req: Request<unknown>): void;
}

/**
 * Called once at the end of the microtask that tells the Completions due (CompletionQueue.after):
 * what they did in it (a reply sent by the DSM) is then known.
 */
export interface AfterTold {
  afterTold(): void;
}

/**
 * Undoes a pending operation's bookkeeping when its request is cancelled, given the request:
 * the hot paths set an engine instead of a closure per request, and the request is the
 * operation's record (a send is an OutMsg, a waiting receive waits in its endpoint's list).
 */
export interface Undo {
  undo(req: Request<unknown>): void;
}

/** A request kind's code (Request.KIND). */
export type RequestKindCode = (typeof Request.KIND)[keyof typeof Request.KIND];

export class Request<T = number> {
  /**
   * Request kinds by code (the code is in `_scopeKeep`): what started a request, for
   * diagnostics. A code instead of a string field per request: every property is an XS slot per
   * request (docs/FOOTPRINT.md "Round 12: conformance slots"). On the class, not a module-level
   * name (docs/MCAPI.md, "Files").
   */
  static readonly KIND = {
    MSG_SEND: 0,
    MSG_RECV: 1,
    PKT_SEND: 2,
    PKT_RECV: 3,
    SCL_RECV: 4,
    CONNECT: 5,
    OPEN: 6,
    CLOSE: 7,
    ENDPOINT_GET: 8,
    NODE_ATTRIBUTE: 9,
    SCL_SEND: 10,
  } as const;
  /** The names of KIND's codes, by code. */
  static readonly KINDS: readonly string[] = ['msg-send', 'msg-recv', 'pkt-send', 'pkt-recv', 'scl-recv', 'connect', 'open', 'close', 'endpoint-get', 'node-attribute', 'scl-send'];
  /** Bits of `_scopeKeep` below the scope: the kind code (4 bits) and the keep bit. */
  static readonly BELOW_SCOPE = 32;
  // `status` and `size` are set by the constructor, not by field initializers: an initializer
  // is a define, ~13 XS units more per request than the assignment (every send and receive).
  /** MCAPI_PENDING until the operation completes; then its status. */
  declare status: StatusCode;
  /** Bytes sent or received (0 for connect, open and close). */
  declare size: number;
  /**
   * @internal The result once the operation succeeded; once it failed, the failure's detail
   * (a string, or undefined) until `error` is first read, then that McapiError: one field
   * behind `value` and `error` (every property is an XS slot per request; 32 pending requests
   * fill the table, docs/FOOTPRINT.md "Round 9: conformance slots").
   */
  declare _out: unknown;
  /** @internal slot in the table, -1 once the outcome was reported */
  declare _slot: number;
  /**
   * @internal undoes the operation's bookkeeping when the request is cancelled: a closure, or
   * (hot paths) an engine that undoes the request, which is its operation's record. One field
   * for both: every property is an XS slot per request (docs/FOOTPRINT.md, Round 7; no field
   * for a separate record since Round 12: conformance slots).
   */
  declare _cancel: (() => void) | Undo | undefined;
  /**
   * @internal callbacks of wait / waitAny calls waiting for completion. This field, `_resolve`,
   * `_reject` and `_out` have no initializer: a property is an XS slot per request from the moment
   * it exists, and most requests never set them (31 waiting receives fill the conformance
   * board's table: 10 -> 7 slots each, docs/FOOTPRINT.md "Round 13b: endpoint and request
   * slots"). Unset, they read undefined; done with, they are set back to undefined.
   */
  declare _waiters: Waiter[] | undefined;
  /**
   * @internal the promise of the first blocking call waiting without a timeout (Core.waitFor),
   * settled before `_waiters` (it registered first): no settle closure or waiter array per call;
   * or the request's Completion (an internal user's): one field for both, every property is an
   * XS slot per request. A Completion stays here while it waits to be told (RequestTable.tell).
   */
  declare _resolve: ((this: void, v: unknown) => void) | Completion | undefined;
  /** @internal its reject */
  declare _reject: ((this: void, e: McapiError) => void) | undefined;
  /**
   * @internal three numbers in one field (every property is an XS slot per request,
   * docs/FOOTPRINT.md "Round 12: conformance slots"): the scope (an app run, see scope.ts; 0: the
   * board's own) that started it x BELOW_SCOPE, + its kind code (Request.KIND) x 2, + 1 when a
   * blocking call's promise resolves with the value rather than with nothing (a send). Scope
   * ids stay below 2^26 (McapiScope.IDS), so it stays a 32-bit integer.
   */
  declare _scopeKeep: number;

  constructor(slot: number, kind: RequestKindCode) {
    this.status = Status.MCAPI_PENDING;
    this.size = 0;
    this._slot = slot;
    this._scopeKeep = kind * 2;
  }

  /** What started it, for diagnostics: 'msg-send', 'pkt-recv', 'connect', ... (Request.KIND). */
  get kind(): string {
    return Request.KINDS[(this._scopeKeep & 31) >>> 1]!;
  }

  /** The operation's result once it completed successfully (an Endpoint, a handle, a buffer, a size). */
  get value(): T | undefined {
    return this.status === Status.MCAPI_SUCCESS ? (this._out as T) : undefined;
  }

  /**
   * The error once it completed unsuccessfully: made when first read, then the same object at
   * every read. An Error on XS holds a slot per stack frame where it was made (the stack it
   * captures: ~15-30 slots in a receive callback), and most failed requests' errors are never
   * read (a cancelled receive, a failure reported to a promise that makes its own): a request
   * keeps its failure's detail string until then (docs/FOOTPRINT.md "Round 11b: conformance slots").
   */
  get error(): McapiError | null {
    const s = this.status;
    if (s === Status.MCAPI_SUCCESS || s === Status.MCAPI_PENDING) return null;
    const out = this._out;
    if (typeof out === 'object' && out !== null) return out as McapiError;
    const err = new McapiError(s, out as string | undefined);
    err.size = this.size;
    this._out = err;
    return err;
  }

  /**
   * @internal The detail `error` has or will have after its status name (undefined: none),
   * without making the error: waitAny's own error, of the same status, carries it.
   */
  _errorDetail(): string | undefined {
    const out = this._out;
    if (typeof out !== 'object' || out === null) return out as string | undefined;
    const msg = (out as McapiError).message;
    const name = McapiError.text(this.status);
    return msg.startsWith(`${name}: `) ? msg.slice(name.length + 2) : msg === name ? undefined : msg;
  }

  get pending(): boolean {
    return this.status === Status.MCAPI_PENDING;
  }

  /** True while the request still occupies a slot (its outcome has not been reported). */
  get live(): boolean {
    return this._slot >= 0;
  }

  /**
   * A reported request lets go of its value (a message's view): a receive its Completion keeps to
   * post again later (McapiNode.msgRecvC's `reuse`) holds no message meanwhile. Pending: no effect.
   * Last in the class: XS finds a prototype's properties in order, and the getters come first.
   */
  dropValue(): void {
    if (this._slot < 0 && this.status === Status.MCAPI_SUCCESS) this._out = undefined;
  }
}

export class RequestTable {
  /** RequestTable.scope while a closed scope's facade is being called. */
  static readonly CLOSED_SCOPE = -1;
  readonly limit: number;
  private readonly slots: (Request<unknown> | null)[];
  private hint = 0;
  /** @internal Requests in the table; written only here (MessageSender.sendI reads it: checkRoom's test without a call). */
  count = 0;
  /**
   * The scope the node is working for during the current call (McapiNode.openScope): requests
   * allocated meanwhile belong to it. 0: the board's own; CLOSED_SCOPE: a call through a scope
   * that was closed (refused by Core.checkInit).
   */
  scope = 0;
  /**
   * @internal The Completions due (tell), made at the first one: a node whose requests all have
   * promises (the conformance board, pingpong) pays one slot, not ~25. Read by Responses to
   * hook the end of their microtask (CompletionQueue.after).
   */
  told: CompletionQueue | null = null;

  constructor(limit: number) {
    this.limit = limit;
    this.slots = filledArray<Request<unknown> | null>(limit, null);
  }

  get used(): number {
    return this.count;
  }

  /**
   * False for a request in a slot of another table. A request whose outcome was reported has
   * no slot and passes (its own checks then say it was reported or cancelled): no field naming
   * its table, a slot per request on XS (docs/FOOTPRINT.md "Round 9: conformance slots").
   */
  owns(req: Request<unknown>): boolean {
    return req._slot < 0 || this.slots[req._slot] === req;
  }

  /** A new PENDING request; MCAPI_ERR_REQUEST_LIMIT when every slot is taken. */
  alloc<T>(kind: RequestKindCode): Request<T> {
    if (this.count >= this.limit) this.checkRoom();
    let i = this.hint;
    while (this.slots[i] !== null && this.slots[i] !== undefined) i = i + 1 === this.limit ? 0 : i + 1;
    const req = new Request<T>(i, kind);
    req._scopeKeep = this.scope * Request.BELOW_SCOPE + kind * 2;
    this.slots[i] = req as Request<unknown>;
    this.count++;
    this.hint = i + 1 === this.limit ? 0 : i + 1;
    return req;
  }

  /** MCAPI_ERR_REQUEST_LIMIT when every slot is taken (a send checks before its frame goes, MessageSender.sendI). */
  checkRoom(): void {
    if (this.count >= this.limit) {
      throw new McapiError(Status.MCAPI_ERR_REQUEST_LIMIT, `all ${String(this.limit)} requests are in use`);
    }
  }

  /**
   * `req`, a new PENDING request of a subclass that carries its operation's fields (a send's
   * OutMsg), into a free slot: one record per operation instead of a request and a record.
   */
  add<T>(req: Request<T>): Request<T> {
    // place's work inline: a send's hot path, one call (XS units per message, bench mcapi).
    if (this.count >= this.limit) this.checkRoom();
    let i = this.hint;
    while (this.slots[i] !== null && this.slots[i] !== undefined) i = i + 1 === this.limit ? 0 : i + 1;
    req._slot = i;
    // Its scope and kind, `keep` false.
    req._scopeKeep = this.scope * Request.BELOW_SCOPE + (req._scopeKeep & 30);
    this.slots[i] = req as Request<unknown>;
    this.count++;
    this.hint = i + 1 === this.limit ? 0 : i + 1;
    return req;
  }

  /**
   * `req`, a request whose outcome was reported, PENDING again in a free slot instead of a new
   * object (an internal user's posted receive, McapiNode.msgRecvC: no request per message).
   * Apart from alloc (and its slot search repeated) so that alloc, on every application call,
   * pays nothing for it.
   */
  reuse<T>(req: Request<T>, kind: RequestKindCode): Request<T> {
    if (req._slot >= 0 || (req._scopeKeep & 30) !== kind * 2 || req._resolve !== undefined || req._waiters !== undefined) {
      throw new McapiError(Status.MCAPI_ERR_REQUEST_INVALID, 'only a reported request of the same kind, with no wait on it, can be reused');
    }
    req.status = Status.MCAPI_PENDING;
    req.size = 0;
    req._out = undefined;
    // add's slot search written out here too (a posted receive made pending again after every
    // message: a call less, docs/PERFORMANCE.md "Round 15").
    if (this.count >= this.limit) this.checkRoom();
    let i = this.hint;
    while (this.slots[i] !== null && this.slots[i] !== undefined) i = i + 1 === this.limit ? 0 : i + 1;
    req._slot = i;
    // Its scope and kind, and `keep` false (a reused request starts again, as a new one).
    req._scopeKeep = this.scope * Request.BELOW_SCOPE + (req._scopeKeep & 30);
    this.slots[i] = req as Request<unknown>;
    this.count++;
    this.hint = i + 1 === this.limit ? 0 : i + 1;
    return req;
  }

  /** Complete successfully; false when the request was no longer pending. */
  succeed<T>(req: Request<T>, value: T, size: number): boolean {
    if (req.status !== Status.MCAPI_PENDING) return false;
    req.status = Status.MCAPI_SUCCESS;
    req._out = value;
    req.size = size;
    // Written only when set: a request that never had an undo (a message, a posted receive)
    // would gain the property, an XS slot it keeps for as long as it is reused (FOOTPRINT Round 22).
    if (req._cancel !== undefined) req._cancel = undefined;
    // notify's work written out, with tell, release and the queue's add for a Completion (every
    // message of the DSM transport, sent or received): one call instead of five, and a blocking
    // call's promise one call less (docs/PERFORMANCE.md "Round 15"). fail keeps notify.
    const resolve = req._resolve;
    if (resolve !== undefined) {
      // Reported: the slot is free (release's work).
      const slot = req._slot;
      if (slot >= 0) {
        if (this.slots[slot] === (req as Request<unknown>)) {
          this.slots[slot] = null;
          this.count--;
        }
        req._slot = -1;
      }
      if (req._reject === undefined) {
        // A Completion (tell's work): told in the batch's microtask.
        let q = this.told;
        if (q === null) {
          q = new CompletionQueue();
          this.told = q;
        }
        const due = q.due;
        due.push(req as Request<unknown>);
        if (due.length === 1) q.schedule();
      } else {
        req._resolve = undefined;
        req._reject = undefined;
        (resolve as (this: void, v: unknown) => void)((req._scopeKeep & 1) === 1 ? value : undefined);
      }
    }
    const ws = req._waiters;
    if (ws === undefined) return true;
    req._waiters = undefined;
    for (const w of ws) {
      if (typeof w === 'function') w();
      else w.settled();
    }
    return true;
  }

  /** Complete with an error; false when the request was no longer pending. */
  fail<T>(req: Request<T>, status: StatusCode, detail?: string, size = 0): boolean {
    if (req.status !== Status.MCAPI_PENDING) return false;
    // The detail, not an McapiError: `error` makes that when it is first read.
    req.status = status;
    req._out = detail;
    req.size = size;
    if (req._cancel !== undefined) req._cancel = undefined;
    this.notify(req);
    return true;
  }

  /** Free the slot: the outcome has been reported. */
  release<T>(req: Request<T>): void {
    if (req._slot < 0) return;
    if (this.slots[req._slot] === (req as Request<unknown>)) {
      this.slots[req._slot] = null;
      this.count--;
    }
    req._slot = -1;
  }

  /** Requests still pending, in slot order (for finalize). */
  pending(): Request<unknown>[] {
    const out: Request<unknown>[] = [];
    // By index up to the limit: a free slot is a hole in Lua, where for-of stops at the first.
    for (let i = 0; i < this.limit; i++) {
      const r = this.slots[i];
      if (r !== null && r !== undefined && r.pending) out.push(r);
    }
    return out;
  }

  /** Requests of one scope in a slot, pending or completed-but-unreported. */
  ofScope(scope: number): Request<unknown>[] {
    const out: Request<unknown>[] = [];
    // `_scopeKeep` is scope * BELOW_SCOPE plus the kind and keep bits.
    const lo = scope * Request.BELOW_SCOPE;
    const hi = lo + Request.BELOW_SCOPE;
    for (let i = 0; i < this.limit; i++) {
      const r = this.slots[i];
      if (r !== null && r !== undefined && r._scopeKeep >= lo && r._scopeKeep < hi) out.push(r);
    }
    return out;
  }

  /** Every request in a slot, pending or completed-but-unreported. */
  all(): Request<unknown>[] {
    const out: Request<unknown>[] = [];
    for (let i = 0; i < this.limit; i++) {
      const r = this.slots[i];
      if (r !== null && r !== undefined) out.push(r);
    }
    return out;
  }

  /**
   * Tell `done` when `req` completes (McapiNode.onComplete): at once (in a microtask) if it
   * already did. A request has one Completion and then no promise wait: MCAPI_ERR_REQUEST_INVALID
   * otherwise (mcapi_test on it would report it twice).
   */
  attach<T>(req: Request<T>, done: Completion): void {
    if (typeof done !== 'object' || done === null || typeof done.complete !== 'function') {
      throw new McapiError(Status.MCAPI_ERR_PARAMETER, 'a completion needs a complete(req) method');
    }
    if (req._resolve !== undefined || req._waiters !== undefined) {
      throw new McapiError(Status.MCAPI_ERR_REQUEST_INVALID, 'the request is already waited on');
    }
    req._resolve = done;
    if (req.status !== Status.MCAPI_PENDING) this.tell(req);
  }

  /** Completions waiting for their microtask (diagnostics and tests). */
  get untold(): number {
    return this.told === null ? 0 : this.told.due.length;
  }

  /** The request completed and has a Completion: report it (free the slot) and tell it in a microtask. */
  private tell<T>(req: Request<T>): void {
    this.release(req);
    let q = this.told;
    if (q === null) {
      q = new CompletionQueue();
      this.told = q;
    }
    q.add(req as Request<unknown>);
  }

  private notify<T>(req: Request<T>): void {
    const resolve = req._resolve;
    if (resolve !== undefined) {
      // A blocking call's promise always sets both functions; a Completion leaves `_reject`
      // unset (one compare on the promise path, cheaper on XS than a typeof).
      const reject = req._reject;
      if (reject === undefined) {
        this.tell(req);
      } else {
        req._resolve = undefined;
        req._reject = undefined;
        this.release(req);
        if (req.status === Status.MCAPI_SUCCESS) (resolve as (this: void, v: unknown) => void)((req._scopeKeep & 1) === 1 ? req.value : undefined);
        else reject(req.error ?? new McapiError(req.status));
      }
    }
    const ws = req._waiters;
    if (ws === undefined) return;
    req._waiters = undefined;
    for (const w of ws) {
      if (typeof w === 'function') w();
      else w.settled();
    }
  }
}

/** Completed requests whose Completion is still to be told, in completion order, and their microtask. */
export class CompletionQueue {
  readonly due: Request<unknown>[] = [];
  /** A settled promise: `tick.then(drain)` runs the Completions in a microtask. */
  private readonly tick: Promise<void> = Promise.resolve();
  private readonly drain = (): void => this.tellAll();
  /**
   * @internal Told once at the end of the microtask, after every Completion due (set while
   * `due` is not empty, by Responses.schedule). The queue itself is made only on a node whose
   * requests have Completions.
   */
  after: AfterTold | undefined = undefined;

  add(req: Request<unknown>): void {
    const due = this.due;
    due.push(req);
    // One microtask per batch: the first completion of a turn schedules it, the rest join the list.
    if (due.length === 1) this.schedule();
  }

  /** The batch's microtask (RequestTable.succeed adds to `due` itself and calls this at its first). */
  schedule(): void {
    void this.tick.then(this.drain);
  }

  /** The microtask: every Completion due, in completion order, including those due meanwhile. */
  private tellAll(): void {
    const due = this.due;
    try {
      while (due.length > 0) {
        const req = due.shift()!;
        const done = req._resolve as Completion;
        req._resolve = undefined;
        done.complete(req);
      }
      const a = this.after;
      if (a !== undefined) {
        this.after = undefined;
        a.afterTold();
      }
    } finally {
      // A Completion threw (a bug, seen as an unhandled rejection): the rest still get told.
      if (due.length > 0) void this.tick.then(this.drain);
    }
  }
}
