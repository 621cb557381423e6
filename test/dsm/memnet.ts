/**
 * An in-memory DSM transport for tests: every message waits in one pool and a seeded random
 * generator picks which one is delivered next (any order, across and within board pairs), while
 * a manual virtual clock moves a little with each delivery and fires timers when the pool is
 * empty. `run` starts one async function per board and drives everything until they settle.
 */
import type { Clock } from '../../src/hal.js';
import { Dsm, type DsmOptions, type DsmTransport } from '../../src/dsm/index.js';

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** XS's BigInt.fromArrayBuffer (unsigned, big-endian), for V8. */
export function fromArrayBuffer(buffer: ArrayBuffer): bigint {
  const b = new Uint8Array(buffer);
  let hex = '0x0';
  for (let i = 0; i < b.length; i++) hex += (b[i]! < 16 ? '0' : '') + b[i]!.toString(16);
  return BigInt(hex);
}

/**
 * Run `make` with BigInt.fromArrayBuffer defined, so DSMs built inside take XS's native
 * snapshot and twin-compare paths (a DSM looks for the function when it is built).
 */
export function withNativeCompare<T>(make: () => T): T {
  const target = BigInt as unknown as { fromArrayBuffer?: unknown };
  target.fromArrayBuffer = fromArrayBuffer;
  try {
    return make();
  } finally {
    delete target.fromArrayBuffer;
  }
}

export class VirtualClock implements Clock {
  private t = 0;
  private nextId = 1;
  private readonly timers = new Map<number, { at: number; fire: () => void }>();

  now(): number {
    return this.t;
  }

  setTimer(delayMs: number, fire: () => void): number {
    const id = this.nextId++;
    this.timers.set(id, { at: this.t + Math.max(0, delayMs), fire });
    return id;
  }

  clearTimer(id: number): void {
    this.timers.delete(id);
  }

  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Move time forward by `ms`, firing due timers in order. */
  advance(ms: number): void {
    const target = this.t + ms;
    for (;;) {
      const next = this.earliest();
      if (!next || next[1].at > target) break;
      this.timers.delete(next[0]);
      this.t = next[1].at;
      next[1].fire();
    }
    this.t = target;
  }

  /** Jump to the earliest timer and fire it; false when there is none. */
  fireNext(): boolean {
    const next = this.earliest();
    if (!next) return false;
    this.timers.delete(next[0]);
    if (next[1].at > this.t) this.t = next[1].at;
    next[1].fire();
    return true;
  }

  private earliest(): [number, { at: number; fire: () => void }] | null {
    let best: [number, { at: number; fire: () => void }] | null = null;
    for (const e of this.timers) if (!best || e[1].at < best[1].at) best = e;
    return best;
  }
}

interface InFlight {
  from: number;
  to: number;
  bytes: Uint8Array;
}

export interface MemNetOptions {
  seed?: number;
  /** Keep order per (from, to) pair, as the network layer does. Default false: any order. */
  fifo?: boolean;
  maxMessage?: number;
  /** Boards whose messages are dropped both ways (a dead board). */
  dead?: number[];
}

export class MemNet {
  readonly transports: DsmTransport[] = [];
  readonly random: () => number;
  private readonly pool: InFlight[] = [];
  /** Bytes carried between each ordered pair, index from * size + to. */
  readonly pairBytes: number[];
  private readonly fifo: boolean;
  private readonly dead: Set<number>;

  constructor(
    readonly size: number,
    options: MemNetOptions = {},
  ) {
    this.random = mulberry32(options.seed ?? 1);
    this.fifo = options.fifo ?? false;
    this.dead = new Set(options.dead ?? []);
    this.pairBytes = new Array<number>(size * size).fill(0);
    for (let rank = 0; rank < size; rank++) {
      const t: DsmTransport = {
        rank,
        size,
        ...(options.maxMessage !== undefined ? { maxMessage: options.maxMessage } : {}),
        send: (to, bytes) => {
          if (bytes.length > (options.maxMessage ?? Infinity)) throw new Error(`message of ${bytes.length} bytes exceeds maxMessage`);
          if (this.dead.has(rank) || this.dead.has(to)) return;
          this.pairBytes[rank * size + to]! += bytes.length;
          this.pool.push({ from: rank, to, bytes: bytes.slice() });
        },
        onMessage: null,
      };
      this.transports.push(t);
    }
  }

  get pending(): number {
    return this.pool.length;
  }

  get totalBytes(): number {
    return this.pairBytes.reduce((a, b) => a + b, 0);
  }

  /** Inject raw bytes as if `from` had sent them to `to`. */
  inject(from: number, to: number, bytes: Uint8Array): void {
    this.pool.push({ from, to, bytes });
  }

  deliverOne(): void {
    let i = Math.floor(this.random() * this.pool.length);
    if (this.fifo) {
      // The oldest message of the chosen pair goes first.
      const { from, to } = this.pool[i]!;
      i = this.pool.findIndex((m) => m.from === from && m.to === to);
    }
    const [m] = this.pool.splice(i, 1);
    const t = this.transports[m!.to]!;
    t.onMessage?.(m!.from, m!.bytes);
  }
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: Error };

export interface Rig {
  net: MemNet;
  clock: VirtualClock;
  dsms: Dsm[];
}

export function makeRig(size: number, netOptions: MemNetOptions = {}, dsmOptions: DsmOptions = {}): Rig {
  const net = new MemNet(size, netOptions);
  const clock = new VirtualClock();
  const dsms = net.transports.map((t) => new Dsm(t, clock, dsmOptions));
  return { net, clock, dsms };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Run `body` on every board of `rig` and drive messages and time until all settle.
 * Throws if nothing can move while a board is still waiting (a hang the DSM should have
 * turned into an error).
 */
export async function drive<T>(rig: Rig, body: (dsm: Dsm, rank: number) => Promise<T>): Promise<Outcome<T>[]> {
  const outcomes: (Outcome<T> | undefined)[] = rig.dsms.map(() => undefined);
  rig.dsms.forEach((dsm, rank) => {
    body(dsm, rank).then(
      (value) => (outcomes[rank] = { ok: true, value }),
      (error: Error) => (outcomes[rank] = { ok: false, error }),
    );
  });
  for (let steps = 0; ; steps++) {
    await tick();
    if (outcomes.every((o) => o !== undefined)) break;
    if (rig.net.pending > 0) {
      rig.clock.advance(rig.net.random() * 0.5);
      rig.net.deliverOne();
    } else if (!rig.clock.fireNext()) {
      throw new Error(`deadlock: boards ${outcomes.flatMap((o, r) => (o ? [] : [r])).join(', ')} never finished`);
    }
    if (steps > 5_000_000) throw new Error('drive: too many steps');
  }
  return outcomes as Outcome<T>[];
}

/** Values of every board, or the first board's error. */
export function values<T>(outcomes: Outcome<T>[]): T[] {
  return outcomes.map((o, r) => {
    if (!o.ok) throw new Error(`rank ${r}: ${o.error.message}`);
    return o.value;
  });
}
