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

/** The name of each method of a node class and its scoped wrapper (scopedMethods). */
export type ScopedMethods = Readonly<Record<string, Method>>;

/** Where a scope's view keeps its scope (an own, non-enumerable property). */
const SCOPE_OF = Symbol('mcapi scope');

interface ScopedView {
  readonly [SCOPE_OF]: McapiScope<object>;
}

/**
 * The scoped wrapper of every method of a node class (of every class in its prototype chain,
 * the most derived first: a method it overrides is wrapped once), built once per class at
 * module level: frozen, so in flash on a preloaded Moddable firmware. Each wrapper finds its
 * scope through the view it is called on. A wrapper per method per view cost ~7 XS slots each,
 * ~400 slots for every fault-tolerant run (docs/FOOTPRINT.md "Round 9: Laplace slots"); a view
 * now holds one property slot per method.
 */
export function scopedMethods(proto: object): ScopedMethods {
  const out: Record<string, Method> = {};
  for (let p = proto as object | null; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
    for (const name of Object.getOwnPropertyNames(p)) {
      if (name === 'constructor' || name === 'finalize' || Object.prototype.hasOwnProperty.call(out, name)) continue;
      const d = Object.getOwnPropertyDescriptor(p, name);
      if (d === undefined || typeof d.value !== 'function') continue;
      const fn = d.value as Method;
      out[name] = function (this: ScopedView, ...args: unknown[]): unknown {
        return this[SCOPE_OF]._call(fn, args);
      };
    }
  }
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
    private readonly node: N,
    private readonly table: { readonly requests: RequestTable },
    readonly id: number,
    private readonly closer: (id: number, why: string) => void,
    /** scopedMethods of the node's class (module-level: shared by every scope of every node). */
    methods: ScopedMethods,
  ) {
    const view = Object.create(node) as N;
    Object.defineProperty(view, SCOPE_OF, { value: this });
    for (const name of Object.keys(methods)) Object.defineProperty(view, name, { value: methods[name] });
    // mcapi_finalize from the owner ends its own objects, never the board's node.
    Object.defineProperty(view, 'finalize', { value: (): void => this.close('finalized by its owner') });
    this.mcapi = view;
  }

  get closed(): boolean {
    return this.closedV;
  }

  /** End everything of this scope (see McapiNode.openScope). Idempotent. */
  close(why: string): void {
    if (this.closedV) return;
    this.closedV = true;
    this.closer(this.id, why);
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
}
