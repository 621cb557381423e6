/**
 * A test cluster for the fault-tolerance module: real NetLayer instances over the network
 * engineer's TestNetwork (virtual time, seeded links), one FaultTolerance per node, and a
 * small deterministic app per rank whose final state depends on every step it took (so a
 * wrong restore changes the result). The event loop is stepped one event at a time and the
 * promise jobs drained after each, as the simulator does for a board's batch.
 */
import { TestNetwork } from '../net/harness.js';
import type { LinkKind } from '../../src/hal.js';
import type { WireModel } from '../net/harness.js';
import { FaultTolerance } from '../../src/ft/fault-tolerance.js';
import type { FtHal } from '../../src/ft/fault-tolerance.js';
import type { FtOptions } from '../../src/ft/options.js';
import type { FtRun } from '../../src/ft/run.js';
import type { AppValue } from '../../src/app.js';
import type { NetOptions } from '../../src/net/options.js';

export interface AppSpec {
  /** Bytes of state per rank. */
  size: number;
  iters: number;
  /** Checkpoint every this many iterations (0: never). */
  every: number;
  /** Fraction of the state each iteration rewrites. */
  frac: number;
  /** Virtual ms per iteration. */
  iterMs: number;
  /** Use opportunity() instead of checkpoint() (the checkpointEvery option decides). */
  opportunities?: boolean;
  /** Extra app state saved with each checkpoint. */
  extra?: (rank: number, k: number) => unknown;
  /** Lend the state to FT (CheckpointContent.release) instead of having it copied. */
  lend?: boolean;
  /** Background checkpoints: the call resolves at capture and the app writes on at once. */
  background?: boolean;
}

export interface EventRecord {
  at: number;
  node: number;
  name: string;
  value: number;
  detail: string;
}

export interface ClusterOptions {
  seed?: number;
  boards: number;
  spares?: number;
  topology?: 'ring' | 'line' | 'full';
  kind?: LinkKind;
  wire?: WireModel;
  ft?: Partial<FtOptions>;
  /** Nodes whose `version` differs (a spare built from other code). */
  otherVersion?: number[];
  net?: Partial<NetOptions>;
}

/** The app's step: rewrite a window of the state, each byte depending on its old value. */
export function step(data: Uint8Array, rank: number, k: number, frac: number): void {
  const n = Math.max(1, Math.floor(data.length * frac));
  const start = ((k * 131 + rank * 17) * 64) % data.length;
  for (let j = 0; j < n; j++) {
    const i = (start + j) % data.length;
    data[i] = ((data[i] as number) * 31 + k + rank + 1) & 0xff;
  }
}

export function initial(size: number, rank: number): Uint8Array {
  const d = new Uint8Array(size);
  for (let i = 0; i < size; i++) d[i] = (i * 7 + rank * 13) & 0xff;
  return d;
}

export function digest(data: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < data.length; i++) h = Math.imul(h ^ (data[i] as number), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/** What a fault-free run computes for `rank`. */
export function expected(spec: AppSpec, rank: number): string {
  const d = initial(spec.size, rank);
  for (let k = 0; k < spec.iters; k++) step(d, rank, k, spec.frac);
  return digest(d);
}

export interface RankResult {
  digest: string;
  node: number;
  epoch: number;
  k: number;
}

const drain = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class Cluster {
  readonly net: TestNetwork;
  readonly ft = new Map<number, FaultTolerance>();
  readonly events: EventRecord[] = [];
  readonly logs: string[] = [];
  readonly results = new Map<number, RankResult>();
  readonly errors: string[] = [];
  readonly stops = new Map<number, string>();
  readonly starts: { node: number; rank: number; generation: number; at: number }[] = [];
  /** The latest run of each rank. */
  readonly runs = new Map<number, FtRun>();
  readonly dead = new Set<number>();
  readonly nodes: number[];
  spec: AppSpec | null = null;
  private hooks: ((e: EventRecord) => void)[] = [];
  private readonly hungUntil = new Map<number, number>();

  constructor(readonly o: ClusterOptions) {
    // Links are declared dead faster than the FT timeout, as the board defaults also arrange.
    this.net = new TestNetwork({ seed: o.seed ?? 1, record: false, net: { helloMs: 50, ...o.net } });
    const total = o.boards + (o.spares ?? 0);
    this.nodes = Array.from({ length: total }, (_, i) => i);
    this.net.addNodes(this.nodes);
    const kind = o.kind ?? 'datagram';
    const wire = { latencyMs: 1, ...o.wire };
    const topo = o.topology ?? 'ring';
    if (topo === 'full') {
      for (let a = 0; a < total; a++) for (let b = a + 1; b < total; b++) this.net.connect(a, b, kind, wire);
    } else if (topo === 'line' || total < 3) this.net.line(this.nodes, kind, wire);
    else this.net.ring(this.nodes, kind, wire);
    this.net.start();
    for (const n of this.nodes) this.boot(n);
  }

  private boot(n: number): void {
    const node = this.net.node(n);
    const hal: FtHal = {
      now: () => node.clock.now(),
      setTimer: (ms, fire, arg) => {
        // A hung board's timers fire late, when it runs again.
        const later = (): void => {
          const until = this.hungUntil.get(n) ?? 0;
          if (this.net.now < until) node.clock.setTimer(until - this.net.now, later);
          else fire(arg!);
        };
        return node.clock.setTimer(ms, later);
      },
      clearTimer: (id) => node.clock.clearTimer(id),
      random: () => node.rng.random(),
      log: (level, message) => this.logs.push(`${this.net.now.toFixed(1)} n${n} ${level}: ${message}`),
      event: (name, value, detail) => {
        const e = { at: this.net.now, node: n, name, value, detail: detail ?? '' };
        this.events.push(e);
        for (const h of this.hooks) h(e);
      },
    };
    const version = this.o.otherVersion?.includes(n) ? 'app v2' : 'app v1';
    const ft = new FaultTolerance(node.net, hal, {
      boards: this.o.boards,
      version,
      heartbeatMs: 100,
      timeoutMs: 800,
      startGraceMs: 3000,
      checkpointTimeoutMs: 5000,
      recoveryTimeoutMs: 10000,
      rtoMs: 1000,
      routeLagMs: node.net.options.deadMs,
      ...this.o.ft,
    });
    ft.listen({ startRun: (run) => this.startRun(n, ft, run), ftStopped: (reason) => void this.stops.set(n, reason) });
    this.ft.set(n, ft);
    ft.start();
  }

  /** Call `fn` for every event from now on. */
  on(fn: (e: EventRecord) => void): void {
    this.hooks.push(fn);
  }

  /** Crash `node` as the simulator does after an event: before anything it does next. */
  crash(node: number): void {
    this.dead.add(node);
    this.net.loop.schedule(this.net.now, () => {
      if (this.net.node(node).alive) this.net.kill(node);
    });
  }

  /** Crash `node` the first time it emits `name` (with `value` if given). */
  crashOn(node: number, name: string, value?: number): void {
    let done = false;
    this.on((e) => {
      if (done || e.node !== node || e.name !== name || (value !== undefined && e.value !== value)) return;
      done = true;
      this.crash(node);
    });
  }

  /** A crashed node boots again with its RAM lost (same id and links). */
  reboot(node: number): void {
    this.net.restart(node);
    this.dead.delete(node);
    this.boot(node);
  }

  /**
   * Stop `node` for `ms` (Hal.hang): its wires carry nothing either way and its FT timers fire
   * late. (Its network layer's own timers keep running: close enough for the FT's purposes.)
   */
  hang(node: number, ms: number): void {
    const wires = this.net.wires.filter((w) => w.a.owner.id === node || w.b.owner.id === node);
    for (const w of wires) w.up = false;
    this.hungUntil.set(node, this.net.now + ms);
    this.net.loop.schedule(this.net.now + ms, () => {
      for (const w of wires) w.up = true;
    });
  }

  private startRun(n: number, ft: FaultTolerance, run: FtRun): void {
    this.starts.push({ node: n, rank: run.rank, generation: run.generation, at: this.net.now });
    this.runs.set(run.rank, run);
    const spec = this.spec;
    if (spec === null) return;
    void this.app(n, ft, run, spec).catch((e: Error) => {
      if (run.active && !this.dead.has(n)) this.errors.push(`node ${n} rank ${run.rank}: ${e.message}`);
    });
  }

  private sleep(n: number, ms: number): Promise<void> {
    return new Promise((resolve) => this.net.node(n).clock.setTimer(ms, resolve));
  }

  private async app(n: number, ft: FaultTolerance, run: FtRun, spec: AppSpec): Promise<void> {
    const rank = run.rank;
    const data = run.generation === 0 ? initial(spec.size, rank) : new Uint8Array(spec.size);
    let lent = 0;
    run.addContent({
      prefix: 'data',
      capture: () => {
        if (spec.lend === true) lent++;
        return [{ name: 'data/state', bytes: data }];
      },
      restore: (segs) => {
        const s = segs.find((x) => x.name === 'data/state');
        if (s === undefined || s.bytes.length !== data.length) throw new Error(`rank ${rank}: restore without data/state`);
        data.set(s.bytes);
      },
      ...(spec.lend === true ? { release: () => void lent-- } : {}),
    });
    const restored = run.restored as { k?: number } | null;
    let k = restored?.k ?? 0;
    if (run.generation > 0 && restored?.k === undefined) throw new Error(`rank ${rank}: restored without k`);
    while (k < spec.iters) {
      // A lending content promises its bytes stay as captured until released.
      if (lent !== 0) throw new Error(`rank ${rank}: data written while lent to FT`);
      step(data, rank, k, spec.frac);
      k++;
      run.report(k);
      await this.sleep(n, spec.iterMs);
      if (!run.active) return;
      const state: AppValue = spec.extra === undefined ? { k } : { k, extra: spec.extra(rank, k) as AppValue };
      if (spec.opportunities) await run.opportunity(k, () => state);
      else if (spec.every > 0 && k % spec.every === 0) await run.checkpoint(state, k, spec.background === true ? { background: true } : undefined);
    }
    if (run.active && !this.dead.has(n)) this.results.set(rank, { digest: digest(data), node: n, epoch: run.epoch, k });
    void ft;
  }

  get now(): number {
    return this.net.now;
  }

  /** Step events (draining promise jobs after each) until `done` or `maxMs` of virtual time. */
  async runUntil(done: () => boolean, maxMs: number): Promise<boolean> {
    const loop = this.net.loop;
    const limit = loop.now() + maxMs;
    await drain();
    while (!done()) {
      const before = loop.fired;
      loop.runUntil(() => loop.fired !== before, limit - loop.now());
      if (loop.fired === before) return done();
      await drain();
    }
    return true;
  }

  async run(ms: number): Promise<void> {
    await this.runUntil(() => false, ms);
  }

  /** Every rank has a result, or every live board has stopped. */
  finished(): boolean {
    return this.results.size === this.o.boards || this.live().every((f) => f.phase === 'stopped');
  }

  ofName(name: string, node?: number): EventRecord[] {
    return this.events.filter((e) => e.name === name && (node === undefined || e.node === node));
  }

  live(): FaultTolerance[] {
    return this.nodes.filter((n) => !this.dead.has(n)).map((n) => this.ft.get(n) as FaultTolerance);
  }

  /** Wrong results, as text (empty when every rank matches the fault-free run). */
  wrong(spec: AppSpec): string[] {
    const out: string[] = [];
    for (let r = 0; r < this.o.boards; r++) {
      const got = this.results.get(r);
      const want = expected(spec, r);
      if (got === undefined) out.push(`rank ${r}: no result`);
      else if (got.digest !== want) out.push(`rank ${r}: ${got.digest} != ${want}`);
    }
    return out;
  }
}
