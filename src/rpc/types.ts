/**
 * The remote-call API's types, statuses and limits (docs/RPC.md). A call goes through four
 * stages, as in the Ninf GridRPC paper (seed 004): start-up, argument transfer, computation,
 * result return; each failure is reported with the stage it happened in.
 */

export type RpcTypedArray = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;
/** What arguments and results can be: JSON-compatible values and typed arrays, nested. */
export type RpcValue = null | boolean | number | string | RpcTypedArray | RpcValue[] | { [key: string]: RpcValue };

export const RpcStatus = {
  /** No candidate server accepted or finished the call; `failures` says what happened at each. */
  UNAVAILABLE: 'RPC_UNAVAILABLE',
  /** The call's deadline passed. */
  TIMEOUT: 'RPC_TIMEOUT',
  /** The remote function threw; the message is its error's. */
  REMOTE_ERROR: 'RPC_REMOTE_ERROR',
  /**
   * A non-idempotent call lost its server after the computation began and no buddy holds a
   * checkpoint or its result: running it elsewhere could complete it twice, so it fails instead.
   */
  MAYBE_EXECUTED: 'RPC_MAYBE_EXECUTED',
  /** An argument or result cannot be encoded (not JSON-compatible, a function, undefined...). */
  BAD_VALUE: 'RPC_BAD_VALUE',
  /** A bad argument to serve/call (name, options), or a limit of this board. */
  PARAMETER: 'RPC_PARAMETER',
} as const;

export type RpcStatusName = (typeof RpcStatus)[keyof typeof RpcStatus];

export class RpcError extends Error {
  constructor(
    readonly status: RpcStatusName,
    message: string,
    readonly failures: readonly RpcFailure[] = [],
  ) {
    super(`${status}: ${message}`);
  }
}
// Moddable freezes Error.prototype at preload: assigning `this.name` would throw there.
Object.defineProperty(RpcError.prototype, 'name', { value: 'RpcError', configurable: true, writable: true });

export type RpcStage = 'start' | 'args' | 'compute' | 'result';
export const RPC_STAGES: readonly RpcStage[] = ['start', 'args', 'compute', 'result'];

/** One failed attempt of a call, as the client saw it. */
export interface RpcFailure {
  stage: RpcStage;
  server: number;
  /** What the client did about it. */
  remedy: 'next-server' | 'resume-at-buddy' | 'fail';
  /** Why the stage failed (timeout, refusal, ...). */
  reason: string;
  /** Virtual ms from the attempt's start to the failure's detection. */
  lostMs: number;
  /** Argument bytes this attempt had sent, which the next attempt sends again. */
  resentBytes: number;
}

/** What the client reports of each finished call (event `rpc-call`, the simulator's summary). */
export interface RpcCallReport {
  name: string;
  call: number;
  ok: boolean;
  status?: RpcStatusName;
  server: number;
  attempts: number;
  /** True when the result came from a checkpoint or held result at a buddy. */
  resumed: boolean;
  failures: RpcFailure[];
  argBytes: number;
  resultBytes: number;
  ms: number;
}

export interface CallOptions {
  /** Candidate servers in order; default: every other node of the domain, from the next one up. */
  servers?: readonly number[];
  /** The whole call must finish within this many ms (default: none). */
  deadlineMs?: number;
  /**
   * The function may run more than once for one call without harm (default true). A
   * non-idempotent call is never run to completion twice: after a failure during computation
   * it resumes only where its checkpoint or held result is, or fails with MAYBE_EXECUTED.
   */
  idempotent?: boolean;
}

/** What a served function gets besides its argument. */
export interface ServeControl {
  /** The state of the last checkpoint this call stored (a resumed call), or null. */
  readonly restored: RpcValue;
  /** The calling board. */
  readonly client: number;
  /** Which attempt of the call this is (1 = first). */
  readonly attempt: number;
  /**
   * Store `state` in the buddy board's RAM (the next server the client would try), so a retry
   * resumes from it. Resolves true once the buddy holds it, false when no buddy could take it.
   */
  checkpoint(state: RpcValue): Promise<boolean>;
  /** Let timers (progress reports, heartbeats) run inside a long computation. */
  yield(): Promise<void>;
}

export type ServedFunction = (args: RpcValue, control: ServeControl) => Promise<RpcValue> | RpcValue;

export interface ServeOptions {
  /** Calls of this function run at most this many at once on this board (default 2). */
  concurrency?: number;
}

/** The API apps see as `ctx.rpc`. */
export interface Rpc {
  serve(name: string, fn: ServedFunction, options?: ServeOptions): void;
  call(name: string, args: RpcValue, options?: CallOptions): Promise<RpcValue>;
  /** Calls this board made, finished so far. */
  reports(): readonly RpcCallReport[];
  /** Stop serving and calling: pending calls fail, the endpoint is deleted. */
  close(): void;
}

/** Protocol timing and sizes; every one is a named, overridable limit (options.rpc). */
export interface RpcLimits {
  /** Bytes of argument or result per chunk message. */
  chunkBytes: number;
  /** Chunks in flight before an acknowledgement. */
  window: number;
  /** Start-up: how long a server may take to be found and to accept. */
  startMs: number;
  /** Argument transfer / result return: silence after which a chunk counts as lost. */
  chunkMs: number;
  /** How many times a chunk is resent before the stage fails. */
  chunkRetries: number;
  /** Computation: the server reports progress this often... */
  progressMs: number;
  /** ...and the client gives up after this much silence. */
  silenceMs: number;
  /**
   * Passes over the candidate list before a call gives up (a server that timed out at start-up
   * may only have been unreachable while the routes healed), with startMs between passes; also
   * how often a non-idempotent call asks its buddy to carry it on.
   */
  rounds: number;
  /** Calls served at once on a board (all functions). */
  maxServing: number;
  /** Bytes of checkpoints and held results a board keeps for other servers' calls. */
  maxStoredBytes: number;
  /** Largest argument or result in bytes. */
  maxValueBytes: number;
}

export const DEFAULT_RPC_LIMITS: RpcLimits = {
  chunkBytes: 1024,
  window: 4,
  startMs: 1500,
  chunkMs: 800,
  chunkRetries: 3,
  progressMs: 250,
  silenceMs: 2000,
  rounds: 3,
  maxServing: 4,
  maxStoredBytes: 64 * 1024,
  maxValueBytes: 256 * 1024,
};

/** The MCAPI port every board's remote-call endpoint uses (apps pick low ports; DSM is 40). */
export const RPC_PORT = 48;
