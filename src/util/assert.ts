/**
 * Invariants of the protocol cores. An `InvariantError` means this runtime is wrong, not its
 * input: nothing in src/ catches it (decode paths throw their own decode errors, which are
 * counted and dropped), so a broken invariant stops the board with a reason instead of
 * continuing on corrupted state. Messages are constant strings: building a message on every
 * passing check would cost board time on hot paths.
 */
export class InvariantError extends Error {
  /** On the prototype: Moddable freezes Error.prototype at preload (see docs/TARGETS.md). */
  override get name(): string {
    return 'InvariantError';
  }
}

/** Throws an InvariantError saying `what` when `cond` is false. */
export function assert(cond: boolean, what: string): asserts cond {
  if (!cond) throw new InvariantError(what);
}
