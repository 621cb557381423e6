/**
 * A second, private McapiNode on a board, for cases about initialize / finalize: it sits on a
 * Net that reaches nobody (send refuses, nothing is delivered) and a Clock built from the
 * case's sleep, so it can be initialized and finalized without disturbing the board's node.
 */
import type { Clock } from '../../src/hal.js';
import type { Net, NetStats } from '../../src/net/net.js';
import { McapiNode } from '../../src/mcapi/index.js';
import type { McapiLimits } from '../../src/mcapi/index.js';
import type { CaseContext } from './context.js';

export function isolatedNet(domain: number, node: number): Net {
  const stats: NetStats = {
    framesIn: 0, framesOut: 0, bytesIn: 0, bytesOut: 0, forwarded: 0, retransmits: 0,
    malformed: 0, stale: 0, unroutable: 0,
  };
  return {
    domain,
    node,
    epoch: 0,
    send: () => {
      stats.unroutable++;
      return false;
    },
    register: () => undefined,
    reachable: (n: number) => n === node,
    nodes: () => [node],
    stats: () => ({ ...stats }),
  };
}

/** A Clock whose timers are the case's sleeps (cancellable by id). */
export function sleepClock(ctx: CaseContext): Clock {
  let next = 1;
  const live = new Set<number>();
  return {
    now: () => ctx.now(),
    setTimer<A = undefined>(delayMs: number, fire: (arg: A) => void, arg?: A): number {
      const id = next++;
      live.add(id);
      void ctx.sleep(delayMs).then(() => {
        if (live.delete(id)) fire(arg as A);
      });
      return id;
    },
    clearTimer(id: number): void {
      live.delete(id);
    },
  };
}

export function privateNode(ctx: CaseContext, limits?: Partial<McapiLimits>): McapiNode {
  return new McapiNode(isolatedNet(ctx.domain, ctx.node), sleepClock(ctx), limits);
}
