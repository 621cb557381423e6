/**
 * The records of the DSM's application calls (dsm.ts): one per call, run one after another;
 * a call that waits keeps its place in `step` and goes on when the part it waits on tells
 * (DsmWaits), so no promise or suspended async function is held inside the runtime.
 */
import type { AllocSpec } from './alloc-spec.js';
import type { DsmRequest } from './outgoing.js';
import type { WaitValue } from './port.js';
import type { SharedArrayState } from './shared-array.js';
import type { DsmError, DsmMode } from './types.js';

export const OP_ALLOC = 0;
export const OP_ACQUIRE = 1;
export const OP_BARRIER = 2;
export const OP_LOCK = 3;
export const OP_UNLOCK = 4;

/**
 * A DSM call while it is queued or runs: one record per call, and the app's promise (made by
 * `call`) the only promise. The record is the call's whole state between its steps; the part
 * it waits for (request window, barrier, lock or alloc wait, push batches, a lend) tells the
 * Dsm when that is over (DsmWaits), and the Dsm runs the call's next step. An async function
 * suspended at an `await` held ~68 XS slots, and each promise on the way with its resolving
 * functions ~17-25 more (docs/FOOTPRINT.md "Round 16: DSM calls without promises").
 */
interface OpBase {
  /** The next call in the queue. */
  next: Op | null;
  /** Where the call goes on when its wait is over (its step function's own numbering). */
  step: number;
  /** What the call's last wait ended with (DsmWaits.waitOver). */
  value: WaitValue;
  /** The call's wait failed (DsmWaits.waitFailed): it rejects with this. */
  failure: Error | null;
  /** The app's promise's resolving functions; null for unlock's background work. */
  resolve: ((value: never) => void) | null;
  reject: ((e: unknown) => void) | null;
}

export interface AllocOp extends OpBase {
  kind: typeof OP_ALLOC;
  /** What the ALLOC says (null once it is sent). */
  spec: AllocSpec | null;
  homes: number[];
  /** The array, allocated here before the ALLOC is sent. */
  st: SharedArrayState | null;
}

export interface AcquireOp extends OpBase {
  kind: typeof OP_ACQUIRE;
  st: SharedArrayState;
  start: number;
  end: number;
  mode: DsmMode;
}

export interface BarrierOp extends OpBase {
  kind: typeof OP_BARRIER;
  /** The release's diffs until they are handed to the request window. */
  diffs: DsmRequest[] | null;
  violations: string[];
}

export interface LockOp extends OpBase {
  kind: typeof OP_LOCK;
  name: string;
}

export interface UnlockOp extends OpBase {
  kind: typeof OP_UNLOCK;
  name: string;
  diffs: DsmRequest[] | null;
  /** The barrier epoch of the release. */
  epoch: number;
}

export type Op = AllocOp | AcquireOp | BarrierOp | LockOp | UnlockOp;
