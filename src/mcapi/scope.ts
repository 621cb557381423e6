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

export class McapiScope<N extends object> {
  /** Scope ids wrap below this (0 is the board's own, RequestTable.CLOSED_SCOPE marks a closed view). */
  static readonly IDS = 0x7fffffff;
  /** The node as this scope's owner sees it: the same API, scoped. */
  readonly mcapi: N;
  private closedV = false;

  constructor(
    node: N,
    private readonly table: { readonly requests: RequestTable },
    readonly id: number,
    private readonly closer: (id: number, why: string) => void,
  ) {
    const view = Object.create(node) as N;
    // Most derived class first: a method it overrides is wrapped once, as it is called.
    for (let proto = Object.getPrototypeOf(node) as object | null; proto !== null && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
      for (const name of Object.getOwnPropertyNames(proto)) {
        if (name === 'constructor' || name === 'finalize' || Object.prototype.hasOwnProperty.call(view, name)) continue;
        const d = Object.getOwnPropertyDescriptor(proto, name);
        if (d === undefined || typeof d.value !== 'function') continue;
        const fn = d.value as Method;
        Object.defineProperty(view, name, { value: (...args: unknown[]): unknown => this.call(fn, node, args) });
      }
    }
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

  private call(fn: Method, node: N, args: unknown[]): unknown {
    const requests = this.table.requests;
    const prev = requests.scope;
    requests.scope = this.closedV ? RequestTable.CLOSED_SCOPE : this.id;
    try {
      return fn.apply(node, args);
    } finally {
      requests.scope = prev;
    }
  }
}
