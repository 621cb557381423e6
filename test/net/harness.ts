/**
 * A small deterministic link simulator for network-layer tests (and anyone else who needs
 * boards talking over imperfect links without the full host simulator): one virtual clock,
 * one event queue, seeded randomness, and wires between boards' links with latency, jitter,
 * bandwidth, loss, corruption, duplication and (for datagrams) reordering. Time is the shared
 * VirtualClock (host-sim/sim/event-queue.ts), the same (time, insertion) order the simulator uses,
 * and randomness the boards' Prng (src/util/prng.ts).
 *
 *   const net = new TestNetwork({ seed: 1 });
 *   net.addNodes([1, 2]);
 *   net.connect(1, 2, 'stream', { loss: 0.1 });
 *   net.start();                        // one NetLayer per node
 *   net.runUntil(() => net.converged(), 5000);
 */
import type { Clock, HalLink, LinkKind, LinkReceiver } from '../../src/hal.js';
import { NetLayer } from '../../src/net/net-layer.js';
import type { NetFrame } from '../../src/net/net.js';
import type { NetHost, NetOptions } from '../../src/net/options.js';
import { VirtualClock } from '../../host-sim/sim/event-queue.js';
import { Prng } from '../../src/util/prng.js';

/**
 * A Clock for one node, its timers on the network's shared VirtualClock; all of them die with
 * the node (a dead node's timers are skipped when they come due).
 */
export class NodeClock implements Clock {
  alive = true;
  private readonly active = new Set<number>();
  constructor(private readonly loop: VirtualClock) {}
  now(): number {
    return this.loop.now();
  }
  setTimer<A = undefined>(delayMs: number, fire: (arg: A) => void, arg?: A): number {
    const id = this.loop.setTimer(delayMs, () => {
      this.active.delete(id);
      if (this.alive) fire(arg as A);
    });
    this.active.add(id);
    return id;
  }
  clearTimer(id: number): void {
    if (this.active.delete(id)) this.loop.clearTimer(id);
  }
  get pending(): number {
    return this.active.size;
  }
}

export interface WireModel {
  /** One-way delay, ms. Default 1. */
  latencyMs?: number;
  /** Extra uniform delay 0..jitterMs per write; reorders datagrams (streams stay in order). */
  jitterMs?: number;
  /** Bytes per ms (0: unlimited). 921600 baud ≈ 92. Writes queue behind each other. */
  bytesPerMs?: number;
  /** Probability that a write (one frame, datagram or COBS-framed) is lost. */
  loss?: number;
  /** Stream links: probability that each delivered chunk is lost (line noise mid-frame). */
  chunkLoss?: number;
  /** Probability that one random bit of a write is flipped. */
  corrupt?: number;
  /** Probability that a write is delivered twice. */
  duplicate?: number;
  /** Stream links: deliver each write in random chunks of 1..chunkMax bytes. Default 64. */
  chunkMax?: number;
  /**
   * Datagram links: the transport checks packets (as UDP's checksum and the MAC's CRC do), so a
   * corrupted write is discarded instead of delivered. Default false: damage reaches the node.
   */
  checked?: boolean;
  /** The links do not tell the HAL their rate (HalLink.bytesPerMs absent), as a target that cannot. Default false. */
  hideRate?: boolean;
}

export class SimLink implements HalLink {
  receiver: LinkReceiver | null = null;
  /** Everything written, for tests that inspect the wire. */
  written = 0;
  wire: Wire | null = null;
  /** HalLink.bytesPerMs: the wire model's rate, unless the model hides it. */
  bytesPerMs?: number;
  constructor(readonly owner: SimNode, readonly index: number, readonly kind: LinkKind, readonly mtu: number) {}
  write(bytes: Uint8Array): void {
    this.written += bytes.length;
    this.wire?.transmit(this, bytes);
  }
}

/** Both directions between two links. */
export class Wire {
  up = true;
  private busyUntil = new Map<SimLink, number>();
  private lastArrival = new Map<SimLink, number>();
  /** Corrupted datagrams a checked transport discarded. */
  discarded = 0;
  constructor(
    readonly a: SimLink,
    readonly b: SimLink,
    public model: Required<WireModel>,
    private readonly loop: VirtualClock,
    private readonly rng: Prng,
  ) {}

  transmit(from: SimLink, bytes: Uint8Array): void {
    if (!this.up) return;
    const to = from === this.a ? this.b : this.a;
    const m = this.model;
    const start = Math.max(this.loop.now(), this.busyUntil.get(from) ?? 0);
    const txTime = m.bytesPerMs > 0 ? bytes.length / m.bytesPerMs : 0;
    this.busyUntil.set(from, start + txTime);
    if (this.rng.random() < m.loss) return;
    const copies = this.rng.random() < m.duplicate ? 2 : 1;
    for (let c = 0; c < copies; c++) {
      const data = bytes.slice();
      if (this.rng.random() < m.corrupt) {
        const bit = this.rng.below(data.length * 8);
        data[bit >>> 3] ^= 1 << (bit & 7);
        if (m.checked && to.kind === 'datagram') {
          this.discarded++;
          continue;
        }
      }
      let at = start + txTime + m.latencyMs + this.rng.random() * m.jitterMs;
      if (to.kind === 'stream') {
        // A byte stream never reorders; it arrives in chunks, and line noise may eat some.
        at = Math.max(at, this.lastArrival.get(to) ?? 0);
        this.lastArrival.set(to, at);
        for (let off = 0; off < data.length;) {
          const n = 1 + this.rng.below(m.chunkMax);
          const piece = data.subarray(off, off + n);
          off += n;
          if (this.rng.random() < m.chunkLoss) continue;
          this.deliver(to, piece, at);
        }
      } else {
        this.deliver(to, data, at);
      }
    }
  }

  private deliver(to: SimLink, data: Uint8Array, at: number): void {
    this.loop.schedule(at, () => {
      if (this.up && to.owner.alive && to.receiver !== null) to.receiver.input(data);
    });
  }
}

export interface SimNodeOptions {
  /** Overrides of the net options for this node (domain/node/host are filled in). */
  net?: Partial<NetOptions>;
}

/** A log line's level, as the net layer reports it (NetHost.log). */
export type NetLogLevel = 'error' | 'warn' | 'info' | 'debug';

/**
 * A simulated node, and its net layer's host (NetHost): its random numbers, and the layer's
 * reports forwarded to the hooks a test sets (they survive a restart, like a board's wiring).
 */
export class SimNode implements NetHost {
  alive = true;
  onLog: ((level: NetLogLevel, message: string) => void) | null = null;
  onUndeliverable: ((node: number, frames: number) => void) | null = null;
  onVersionMismatch: ((link: number, version: number) => void) | null = null;
  readonly links: SimLink[] = [];
  readonly clock: NodeClock;
  readonly rng: Prng;
  net!: NetLayer;
  /** Every frame delivered to this node's catch-all handler, in order. */
  readonly received: NetFrame[] = [];
  constructor(readonly id: number, loop: VirtualClock, seed: number, readonly options: SimNodeOptions) {
    this.clock = new NodeClock(loop);
    this.rng = new Prng(seed);
  }

  random(): number {
    return this.rng.random();
  }

  log(level: NetLogLevel, message: string): void {
    if (this.onLog !== null) this.onLog(level, message);
  }

  undeliverable(node: number, frames: number): void {
    if (this.onUndeliverable !== null) this.onUndeliverable(node, frames);
  }

  versionMismatch(link: number, version: number): void {
    if (this.onVersionMismatch !== null) this.onVersionMismatch(link, version);
  }
}

export interface TestNetworkOptions {
  seed?: number;
  domain?: number;
  /** Net options for every node (per-node overrides in addNode). */
  net?: Partial<NetOptions>;
  /** Register a catch-all handler for types 0x10..0xff that records into `received`. Default true. */
  record?: boolean;
  /** Every node's net log (SimNode.onLog at addNode). Default: silent. */
  log?: (level: NetLogLevel, message: string) => void;
}

const DEFAULT_WIRE: Required<WireModel> = {
  latencyMs: 1, jitterMs: 0, bytesPerMs: 0, loss: 0, chunkLoss: 0, corrupt: 0, duplicate: 0, chunkMax: 64, checked: false, hideRate: false,
};

export class TestNetwork {
  readonly loop = new VirtualClock();
  readonly nodes = new Map<number, SimNode>();
  readonly wires: Wire[] = [];
  private readonly rng: Prng;
  private readonly seed: number;

  constructor(private readonly options: TestNetworkOptions = {}) {
    this.seed = options.seed ?? 1;
    this.rng = new Prng(this.seed * 7919 + 17);
  }

  get now(): number {
    return this.loop.now();
  }

  addNode(id: number, options: SimNodeOptions = {}): SimNode {
    const n = new SimNode(id, this.loop, this.seed * 1000003 + id * 101 + 5, options);
    n.onLog = this.options.log ?? null;
    this.nodes.set(id, n);
    return n;
  }

  addNodes(ids: readonly number[]): void {
    for (const id of ids) this.addNode(id);
  }

  node(id: number): SimNode {
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  net(id: number): NetLayer {
    return this.node(id).net;
  }

  /** A new link on each node, joined by a wire. Returns the wire (its model can be changed later). */
  connect(a: number, b: number, kind: LinkKind = 'stream', model: WireModel = {}, mtu = 65535): Wire {
    const na = this.node(a);
    const nb = this.node(b);
    const la = new SimLink(na, na.links.length, kind, mtu);
    const lb = new SimLink(nb, nb.links.length, kind, mtu);
    na.links.push(la);
    nb.links.push(lb);
    const w = new Wire(la, lb, { ...DEFAULT_WIRE, ...model }, this.loop, this.rng);
    if (w.model.bytesPerMs > 0 && !w.model.hideRate) {
      la.bytesPerMs = w.model.bytesPerMs;
      lb.bytesPerMs = w.model.bytesPerMs;
    }
    la.wire = w;
    lb.wire = w;
    this.wires.push(w);
    return w;
  }

  /** Wires between a and b (in either direction). */
  wiresBetween(a: number, b: number): Wire[] {
    return this.wires.filter(
      (w) => (w.a.owner.id === a && w.b.owner.id === b) || (w.a.owner.id === b && w.b.owner.id === a),
    );
  }

  line(ids: readonly number[], kind: LinkKind = 'stream', model: WireModel = {}): void {
    for (let i = 0; i + 1 < ids.length; i++) this.connect(ids[i], ids[i + 1], kind, model);
  }

  ring(ids: readonly number[], kind: LinkKind = 'stream', model: WireModel = {}): void {
    this.line(ids, kind, model);
    this.connect(ids[ids.length - 1], ids[0], kind, model);
  }

  /** Create and start a NetLayer on every node that has none yet. */
  start(): void {
    for (const n of this.nodes.values()) {
      if (n.net !== undefined) continue;
      this.boot(n);
    }
  }

  private boot(n: SimNode): void {
    n.net = new NetLayer(n.links, n.clock, {
      domain: this.options.domain ?? 1,
      node: n.id,
      host: n,
      ...this.options.net,
      ...n.options.net,
    });
    if (this.options.record ?? true) n.net.register(0x10, 0xff, (f) => n.received.push(f));
    n.net.start();
  }

  /** The node stops dead: no more timers, nothing in or out (its links stay attached). */
  kill(id: number): void {
    const n = this.node(id);
    n.alive = false;
    n.clock.alive = false;
    n.net.stop();
  }

  /** A killed node starts again from scratch (RAM lost), with the same id and links. */
  restart(id: number): void {
    const n = this.node(id);
    n.alive = true;
    n.clock.alive = true;
    for (const l of n.links) l.receiver = null;
    n.received.length = 0;
    this.boot(n);
  }

  run(ms: number): void {
    this.loop.advance(ms);
  }

  runUntil(done: () => boolean, maxMs: number): boolean {
    return this.loop.runUntil(done, maxMs);
  }

  /** Every link whose wire is connected and whose both ends are alive is up on both ends. */
  allLinksUp(): boolean {
    return this.wires.every(
      (w) => !w.up || !w.a.owner.alive || !w.b.owner.alive ||
        (w.a.owner.net.linkStats()[w.a.index].up && w.b.owner.net.linkStats()[w.b.index].up),
    );
  }

  /** Every live node reaches exactly the live nodes, and its routing has settled. */
  converged(): boolean {
    const alive = [...this.nodes.values()].filter((n) => n.alive).map((n) => n.id).sort((a, b) => a - b);
    for (const n of this.nodes.values()) {
      if (!n.alive) continue;
      if (!n.net.converged(alive)) return false;
      const seen = n.net.nodes();
      if (seen.length !== alive.length || seen.some((x, i) => x !== alive[i])) return false;
    }
    return true;
  }
}
