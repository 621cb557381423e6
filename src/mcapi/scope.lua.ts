/**
 * Lua build of scope.ts. Scopes exist for fault tolerance (a rolled-back run's MCAPI objects
 * go with it), which does not run on Lua boards; the view there is the node itself, so a
 * scope on Lua does not stamp or end anything but its own `closed` flag and the closer call.
 */
import type { RequestTable } from './request.js';

/** scope.ts's table of scoped wrappers: none on Lua (the view is the node). */
export type ScopedMethods = Readonly<Record<string, unknown>>;

/** scope.ts's ScopeOwner: what a scope ends its objects through. */
export interface ScopeOwner {
  closeScopeOf(id: number, why: string): void;
}

export function scopedMethods(_proto: object, _fields: readonly string[]): ScopedMethods {
  return {};
}

export class McapiScope<N extends object> {
  /**
   * Scope ids wrap below this (0 is the board's own, RequestTable.CLOSED_SCOPE marks a closed
   * view): 2^26, so that a request's `_scopeKeep`, id x Request.BELOW_SCOPE + 31 at most, stays
   * a 32-bit integer.
   */
  static readonly IDS = 0x4000000;
  readonly mcapi: N;
  private closedV = false;

  constructor(
    private readonly node: N & ScopeOwner,
    _table: { readonly requests: RequestTable },
    readonly id: number,
    _methods: ScopedMethods,
  ) {
    this.mcapi = node;
  }

  get closed(): boolean {
    return this.closedV;
  }

  close(why: string): void {
    if (this.closedV) return;
    this.closedV = true;
    this.node.closeScopeOf(this.id, why);
  }
}
