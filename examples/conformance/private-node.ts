/**
 * A second, private McapiNode on a board, for cases about initialize / finalize: it sits on a
 * Net that reaches nobody (send refuses, nothing is delivered) and a Clock built from the
 * case's sleep, so it can be initialized and finalized without disturbing the board's node.
 *
 * Both are classes with their methods on the prototype: as object literals of closures (eight,
 * plus a stats object) they held ~110 XS slots more while a node case ran, when a board's slot
 * heap is fullest (docs/FOOTPRINT.md "Round 9: conformance slots").
 */
import type { Clock } from '../../src/hal.js';
import type { Net, NetFrame, NetHandler, NetStats } from '../../src/net/net.js';
import { McapiNode } from '../../src/mcapi/index.js';
import type { McapiLimits } from '../../src/mcapi/index.js';
import type { CaseContext } from './context.js';

export class IsolatedNet implements Net {
  epoch = 0;
  /** Frames refused: the only counter that moves. */
  private unroutable = 0;

  constructor(readonly domain: number, readonly node: number) {}

  send(_frame: Omit<NetFrame, 'src' | 'epoch'>): boolean {
    this.unroutable++;
    return false;
  }

  register(_first: number, _last: number, _handler: NetHandler): void {
    // nothing is ever delivered
  }

  reachable(n: number): boolean {
    return n === this.node;
  }

  nodes(): number[] {
    return [this.node];
  }

  stats(): NetStats {
    return {
      framesIn: 0, framesOut: 0, bytesIn: 0, bytesOut: 0, forwarded: 0, retransmits: 0,
      malformed: 0, stale: 0, unroutable: this.unroutable,
    };
  }
}

export function isolatedNet(domain: number, node: number): Net {
  return new IsolatedNet(domain, node);
}

/** A Clock whose timers are the case's sleeps (cancellable by id). */
export class SleepClock implements Clock {
  private next = 1;
  private readonly live = new Set<number>();

  constructor(private readonly ctx: CaseContext) {}

  now(): number {
    return this.ctx.now();
  }

  setTimer<A = undefined>(delayMs: number, fire: (arg: A) => void, arg?: A): number {
    const id = this.next++;
    this.live.add(id);
    void this.ctx.sleep(delayMs).then(() => {
      if (this.live.delete(id)) fire(arg as A);
    });
    return id;
  }

  clearTimer(id: number): void {
    this.live.delete(id);
  }
}

export function sleepClock(ctx: CaseContext): Clock {
  return new SleepClock(ctx);
}

export function privateNode(ctx: CaseContext, limits?: Partial<McapiLimits>): McapiNode {
  return new McapiNode(new IsolatedNet(ctx.domain, ctx.node), new SleepClock(ctx), limits);
}
