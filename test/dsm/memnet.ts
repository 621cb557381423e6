/**
 * An in-memory DSM transport for tests: every message waits in one pool and a seeded random
 * generator picks which one is delivered next (any order, across and within board pairs), while
 * a manual virtual clock moves a little with each delivery and fires timers when the pool is
 * empty. `run` starts one async function per board and drives everything until they settle.
 * The clock is the shared VirtualClock and the generator the boards' Prng, as everywhere else.
 */
import { VirtualClock } from '../../host-sim/sim/event-queue.js';
import { Prng } from '../../src/util/prng.js';
import { Dsm, type DsmOptions, type DsmTransport } from '../../src/dsm/index.js';

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
  readonly rng: Prng;
  private readonly pool: InFlight[] = [];
  /** Bytes carried between each ordered pair, index from * size + to. */
  readonly pairBytes: number[];
  private readonly fifo: boolean;
  private readonly dead: Set<number>;

  constructor(
    readonly size: number,
    options: MemNetOptions = {},
  ) {
    this.rng = new Prng(options.seed ?? 1);
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
        receiver: null,
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
    let i = this.rng.below(this.pool.length);
    if (this.fifo) {
      // The oldest message of the chosen pair goes first.
      const { from, to } = this.pool[i]!;
      i = this.pool.findIndex((m) => m.from === from && m.to === to);
    }
    const [m] = this.pool.splice(i, 1);
    const t = this.transports[m!.to]!;
    t.receiver?.receive(m!.from, m!.bytes);
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
      rig.clock.advance(rig.net.rng.random() * 0.5);
      rig.net.deliverOne();
    } else if (!rig.clock.step()) {
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
