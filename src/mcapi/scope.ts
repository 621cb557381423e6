/**
 * A scope: one owner's view of a McapiNode (McapiNode.openScope). Under fault tolerance each
 * run of an app gets one, so that the endpoints, channels and requests the run made go with
 * it when a rollback supersedes it, and the next run can create the same ports again
 * (docs/FT.md, "MCAPI under fault tolerance").
 *
 * The view has every method of the node (of every class in its prototype chain: McapiNode and
 * McapiNodeBase); each call runs on the node with the scope marked on the request table, so
 * what the call allocates (requests, endpoints) is stamped with the scope. Blocking calls
 * allocate their request synchronously, before their first await, so they are stamped too.
 * Generic in the node's type so this file needs no import of node.ts (which imports it).
 */
import { RequestTable } from './request.js';

type Method = (...args: unknown[]) => unknown;

/**
 * The prototype of every scope's view of one node class (scopedView): frozen and built once at
 * module level, so in flash on a preloaded Moddable firmware.
 */
export type ScopedMethods = object;

/** Where a scope's view keeps its scope (its one own property). */
const SCOPE_OF = Symbol('mcapi scope');

interface ScopedView {
  readonly [SCOPE_OF]: McapiScope<object>;
}

/** What a scope ends its objects through: the node (McapiNodeBase), not a closure over it. */
export interface ScopeOwner {
  /** @internal End what scope `id` made (McapiScope.close). */
  closeScopeOf(id: number, why: string): void;
}

/**
 * The prototype of a node class's scoped views, built once per class at module level and
 * frozen (in flash on a preloaded Moddable firmware): inheriting from `proto` (a view is an
 * instance of the node's class), a wrapper of every method of every class in the chain (the
 * most derived first: a method it overrides is wrapped once) that finds its scope through the
 * view it is called on, a getter for each of the node's own fields (`fields`: what the node's
 * getters and an owner read, e.g. `limits`), and `finalize`. A view is then an object with one
 * property, its scope. It was an object inheriting from the node with one property slot per
 * method (~85 XS slots every fault-tolerant run held while it ran: docs/FOOTPRINT.md "Round 22:
 * the resident set"); before that a wrapper per method per view (Round 9).
 */
export function scopedMethods(proto: object, fields: readonly string[]): ScopedMethods {
  const out = Object.create(proto) as Record<string, unknown>;
  const own = (name: string): boolean => Object.prototype.hasOwnProperty.call(out, name);
  for (let p = proto as object | null; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
    for (const name of Object.getOwnPropertyNames(p)) {
      if (name === 'constructor' || name === 'finalize' || own(name)) continue;
      const d = Object.getOwnPropertyDescriptor(p, name);
      if (d === undefined || typeof d.value !== 'function') continue;
      const fn = d.value as Method;
      Object.defineProperty(out, name, {
        value: function (this: ScopedView, ...args: unknown[]): unknown {
          return this[SCOPE_OF]._call(fn, args);
        },
      });
    }
  }
  for (const name of fields) {
    Object.defineProperty(out, name, {
      get(this: ScopedView): unknown {
        return this[SCOPE_OF]._field(name);
      },
    });
  }
  // mcapi_finalize from the owner ends its own objects, never the board's node.
  Object.defineProperty(out, 'finalize', {
    value: function (this: ScopedView): void {
      this[SCOPE_OF].close('finalized by its owner');
    },
  });
  return Object.freeze(out);
}

export class McapiScope<N extends object> {
  /**
   * Scope ids wrap below this (0 is the board's own, RequestTable.CLOSED_SCOPE marks a closed
   * view): 2^26, so that a request's `_scopeKeep`, id x Request.BELOW_SCOPE + 31 at most, stays
   * a 32-bit integer.
   */
  static readonly IDS = 0x4000000;
  /** The node as this scope's owner sees it: the same API, scoped. */
  readonly mcapi: N;
  private closedV = false;

  constructor(
    private readonly node: N & ScopeOwner,
    private readonly table: { readonly requests: RequestTable },
    readonly id: number,
    /** scopedMethods of the node's class (module-level: shared by every scope of every node). */
    methods: ScopedMethods,
  ) {
    const view = Object.create(methods) as N;
    Object.defineProperty(view, SCOPE_OF, { value: this });
    this.mcapi = view;
  }

  get closed(): boolean {
    return this.closedV;
  }

  /** End everything of this scope (see McapiNode.openScope). Idempotent. */
  close(why: string): void {
    if (this.closedV) return;
    this.closedV = true;
    this.node.closeScopeOf(this.id, why);
  }

  /** @internal a method of the node, called for this scope (the wrappers of scopedMethods). */
  _call(fn: Method, args: unknown[]): unknown {
    const requests = this.table.requests;
    const prev = requests.scope;
    requests.scope = this.closedV ? RequestTable.CLOSED_SCOPE : this.id;
    try {
      return fn.apply(this.node, args);
    } finally {
      requests.scope = prev;
    }
  }

  /** @internal one of the node's own fields, read through the view (scopedMethods' getters). */
  _field(name: string): unknown {
    return (this.node as unknown as Record<string, unknown>)[name];
  }
}
