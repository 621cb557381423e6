/**
 * The buddy role of a server (docs/RPC.md): other servers' checkpoints and held results of
 * calls, bounded in bytes, and the fences that refuse STOREs from attempts a later one has
 * superseded — one completion per call.
 */
import { assert } from '../util/assert.js';
import { ChunkAssembler, chunkCount } from './chunks.js';
import { STORE_REFUSED, type CallId } from './frames.js';
import type { RpcLimits } from './types.js';

/** Finished or taken-over calls remembered for fencing (their late STOREs are refused). */
const MAX_FENCED = 64;
/** A fence against every attempt: the client has its result. */
const ALL_ATTEMPTS = 256;

/** One complete generation a server stored here. */
export interface Stored {
  kind: number;
  gen: number;
  status: number;
  bytes: Uint8Array;
}

interface Storing {
  gen: number;
  kind: number;
  status: number;
  asm: ChunkAssembler;
}

/** A STORE chunk as the buddy reads it. */
export interface StoreChunk extends CallId {
  kind: number;
  gen: number;
  status: number;
  total: number;
  chunkBytes: number;
  index: number;
  data: Uint8Array;
}

export class BuddyStore {
  private readonly store = new Map<string, Stored>();
  private readonly storing = new Map<string, Storing>();
  /** Call -> the attempts below which STOREs are refused (FIFO, MAX_FENCED). */
  private readonly fenced = new Map<string, number>();
  private storedBytes = 0;

  constructor(
    private readonly limits: RpcLimits,
    private readonly stats: { storedBytes: number; evicted: number },
  ) {}

  get(key: string): Stored | undefined {
    return this.store.get(key);
  }

  /** The client has its result: refuse every attempt's STOREs and free what is held. */
  forget(key: string): void {
    this.fence(key, ALL_ATTEMPTS);
    this.unstore(key);
    this.storing.delete(key);
  }

  /** From now on STOREs of attempts below `attempt` are refused. */
  fence(key: string, attempt: number): void {
    const was = this.fenced.get(key) ?? 0;
    this.fenced.delete(key);
    this.fenced.set(key, Math.max(attempt, was));
    if (this.fenced.size > MAX_FENCED) this.fenced.delete(this.fenced.keys().next().value as string);
  }

  /**
   * A STORE chunk for `key`; `attempt`: the attempt of the call this board itself serves (0:
   * none). Returns the acknowledgement's `next` (STORE_REFUSED for a fenced attempt), or null
   * when the chunk gets no answer (too big, or not the start of a generation).
   */
  accept(key: string, m: StoreChunk, attempt: number): number | null {
    if (Math.max(attempt, this.fenced.get(key) ?? 0) > m.attempt) {
      // This board carries a later attempt of the call: the old server's state is superseded,
      // and its result must not be taken (fencing: one completion per call).
      return STORE_REFUSED;
    }
    const have = this.store.get(key);
    // Already complete here (an acknowledgement was lost): say so again.
    if (have !== undefined && have.gen >= m.gen) return chunkCount(m.total, m.chunkBytes);
    if (m.total > this.limits.maxValueBytes) return null;
    let s = this.storing.get(key);
    if (s === undefined || s.gen !== m.gen) {
      if (m.index !== 0) return null;
      s = { gen: m.gen, kind: m.kind, status: m.status, asm: new ChunkAssembler(m.total, m.chunkBytes) };
      this.storing.set(key, s);
    }
    const next = s.asm.accept(m.index, m.data);
    if (s.asm.complete) {
      this.storing.delete(key);
      // A generation replaces the previous one only once it is whole: a server that dies
      // mid-transfer leaves the last complete checkpoint in place.
      this.put(key, { kind: s.kind, gen: s.gen, status: s.status, bytes: s.asm.bytes });
    }
    return next;
  }

  /** Hold `s` for `key`, evicting the oldest while the bytes exceed `maxStoredBytes`. */
  put(key: string, s: Stored): void {
    this.unstore(key);
    while (this.storedBytes + s.bytes.length > this.limits.maxStoredBytes && this.store.size > 0) {
      // The oldest goes first: its call is the likeliest to be finished already.
      const oldest = this.store.keys().next().value as string;
      this.unstore(oldest);
      this.stats.evicted++;
    }
    if (s.bytes.length > this.limits.maxStoredBytes) {
      this.stats.evicted++;
      return;
    }
    this.store.set(key, s);
    this.storedBytes += s.bytes.length;
    assert(this.storedBytes <= this.limits.maxStoredBytes, 'rpc: the buddy store holds no more than maxStoredBytes');
    this.stats.storedBytes = this.storedBytes;
  }

  private unstore(key: string): void {
    const s = this.store.get(key);
    if (s === undefined) return;
    this.store.delete(key);
    this.storedBytes -= s.bytes.length;
    assert(this.storedBytes >= 0, 'rpc: stored bytes never go negative');
    this.stats.storedBytes = this.storedBytes;
  }
}
