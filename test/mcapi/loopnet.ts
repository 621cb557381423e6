/**
 * A test-only in-memory Net and a manual virtual clock. LoopNet stands in for src/net ONLY in
 * the MCAPI unit tests: it connects several McapiNode instances in one process, delivering
 * every frame after a fixed virtual latency, in order per (source, destination) pair, exactly
 * once (unless a test injects a fault). The real network layer is tested in test/net. Time is
 * the shared VirtualClock (host-sim/sim/event-queue.ts): time only moves when clock.step() is called.
 */
import { VirtualClock } from '../../host-sim/sim/event-queue.js';
import type { Net, NetFrame, NetHandler, NetStats } from '../../src/net/net.js';
import { bufferConcat, ownBuffer } from '../../src/wire/bytes.js';
import { McapiNode } from '../../src/mcapi/index.js';
import type { McapiLimits } from '../../src/mcapi/index.js';
import type { AppContext } from '../../src/app.js';

export interface Tap {
  (frame: NetFrame): 'deliver' | 'drop';
}

export class LoopNet implements Net {
  readonly domain: number;
  readonly node: number;
  epoch = 0;
  private readonly hub: LoopHub;
  private readonly handlers: { first: number; last: number; handler: NetHandler }[] = [];
  private readonly st: NetStats = {
    framesIn: 0, framesOut: 0, bytesIn: 0, bytesOut: 0, forwarded: 0, retransmits: 0,
    malformed: 0, stale: 0, unroutable: 0,
  };
  /** Refuse this many of the next send() calls (as a full transmit queue would). */
  refuse = 0;
  /** Every frame sent, in order (payload copies), when recording. */
  readonly sent: NetFrame[] = [];
  record = false;

  constructor(hub: LoopHub, domain: number, node: number) {
    this.hub = hub;
    this.domain = domain;
    this.node = node;
  }

  /** Net.sendHead: `head` then the payload, as one payload. */
  sendHead(type: number, dst: number, srcPort: number, dstPort: number, head: Uint8Array, data: Uint8Array): boolean {
    // On XS joined by memcpy (test/mcapi/xs-cost: nothing per byte), elsewhere by set().
    const concat = bufferConcat();
    let payload: Uint8Array;
    if (concat !== undefined) {
      payload = new Uint8Array(concat.call(ownBuffer(head), ownBuffer(data)));
    } else {
      payload = new Uint8Array(head.length + data.length);
      payload.set(head, 0);
      payload.set(data, head.length);
    }
    return this.send({ type, dst, srcPort, dstPort, payload });
  }

  send(frame: Omit<NetFrame, 'src' | 'epoch'>): boolean {
    if (this.refuse > 0) {
      this.refuse--;
      this.st.unroutable++;
      return false;
    }
    const to = this.hub.net(frame.dst);
    if (to === null) {
      this.st.unroutable++;
      return false;
    }
    // Copy now, as src/net does: the caller may reuse its buffer once send returns.
    const f: NetFrame = { ...frame, src: this.node, epoch: this.epoch, payload: frame.payload.slice() };
    this.st.framesOut++;
    this.st.bytesOut += f.payload.length;
    if (this.record) this.sent.push(f);
    this.hub.carry(f, to);
    return true;
  }

  register(first: number, last: number, handler: NetHandler): void {
    this.handlers.push({ first, last, handler });
  }

  reachable(node: number): boolean {
    return this.hub.net(node) !== null;
  }

  nodes(): number[] {
    return this.hub.nodeIds();
  }

  stats(): NetStats {
    return { ...this.st };
  }

  /** Deliver a frame to this node's handlers (also used by tests to inject raw frames). */
  deliver(f: NetFrame): void {
    this.st.framesIn++;
    this.st.bytesIn += f.payload.length;
    for (const h of this.handlers) if (f.type >= h.first && f.type <= h.last) h.handler(f);
  }
}

export class LoopHub {
  readonly clock = new VirtualClock();
  readonly domain: number;
  latencyMs = 0.1;
  /** Extra latency of one frame (ms), e.g. packets held back while control messages pass. */
  extraLatency: ((f: NetFrame) => number) | null = null;
  /** Sees every frame before delivery; may drop it (fault tests). */
  tap: Tap | null = null;
  private readonly nets = new Map<number, LoopNet>();

  constructor(domain = 1) {
    this.domain = domain;
  }

  add(node: number): LoopNet {
    const n = new LoopNet(this, this.domain, node);
    this.nets.set(node, n);
    return n;
  }

  net(node: number): LoopNet | null {
    return this.nets.get(node) ?? null;
  }

  nodeIds(): number[] {
    return [...this.nets.keys()].sort((a, b) => a - b);
  }

  carry(f: NetFrame, to: LoopNet): void {
    this.clock.setTimer(this.latencyMs + (this.extraLatency !== null ? this.extraLatency(f) : 0), () => {
      if (this.tap !== null && this.tap(f) === 'drop') return;
      to.deliver(f);
    });
  }

  /** Let every queued promise job run. */
  async settle(): Promise<void> {
    await new Promise<void>((r) => setImmediate(r));
  }

  /** Run virtual time until `p` settles; throws on deadlock or past `maxMs` of virtual time. */
  async run<T>(p: Promise<T>, maxMs = 600_000): Promise<T> {
    let done = false;
    p.then(() => { done = true; }, () => { done = true; });
    await this.settle();
    while (!done) {
      if (this.clock.now() > maxMs) throw new Error(`virtual time passed ${String(maxMs)} ms`);
      if (!this.clock.step()) {
        await this.settle();
        if (!done) throw new Error('deadlock: promise pending and no timer set');
        break;
      }
      await this.settle();
    }
    return p;
  }

  /** Run every timer due within `ms` of virtual time from now. */
  async advance(ms: number): Promise<void> {
    const until = this.clock.now() + ms;
    await this.settle();
    while (this.clock.step(until)) await this.settle();
    this.clock.advanceTo(until);
    await this.settle();
  }

  sleep(ms: number): Promise<void> {
    return new Promise((r) => this.clock.setTimer(ms, r));
  }
}

/** A hub with `n` initialized McapiNodes on nodes 1..n. */
export function makeNodes(n: number, limits?: Partial<McapiLimits>): { hub: LoopHub; nodes: McapiNode[] } {
  const hub = new LoopHub(1);
  const nodes: McapiNode[] = [];
  for (let i = 1; i <= n; i++) {
    const net = hub.add(i);
    const m = new McapiNode(net, hub.clock, limits);
    m.initialize(1, i);
    nodes.push(m);
  }
  return { hub, nodes };
}

/**
 * An app context per node on the hub, rank r on node r + 1 of domain 1 (the conformance app's
 * view of a loop network): virtual time and sleeps from the hub, no DSM, no remote calls.
 */
export function hubContexts(hub: LoopHub, nodes: readonly McapiNode[]): AppContext[] {
  return nodes.map((mcapi, rank) => ({
    domain: 1,
    node: rank + 1,
    rank,
    boards: nodes.length,
    args: [],
    mcapi,
    nodeOfRank: (r: number) => r + 1,
    now: () => hub.clock.now(),
    sleep: (ms: number) => hub.sleep(ms),
    log: () => undefined,
    event: () => undefined,
    random: () => 0.5,
    dsm: () => Promise.reject(new Error('no DSM on a loop network')),
    get rpc(): never {
      throw new Error('no remote calls on a loop network');
    },
  }));
}
