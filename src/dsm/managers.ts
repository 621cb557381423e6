/**
 * The manager roles of the DSM, each a small state machine fed by the core's message
 * dispatch: the alloc checker (rank 0) and the lock manager (every board, for the locks whose
 * name hashes to it). The barrier is a tree of all boards (barrier.ts). They answer through `post`, which
 * the core routes to the transport or, for itself, to a local queue.
 */
import type { Clock } from '../hal.js';
import { assert } from '../util/assert.js';
import { Reader, copyMessage } from './codec.js';
import { HEADER_ROOM } from './limits.js';
import { describeSpec, readSpec } from './alloc-spec.js';
import { encodeAllocAnswer, encodeLockGrant } from './messages.js';
import { RangeList } from './range-list.js';

import type { DsmPost } from './port.js';

function listRanks(ranks: number[]): string {
  return `rank${ranks.length === 1 ? '' : 's'} ${ranks.join(', ')}`;
}

interface AllocRound {
  specs: (Uint8Array | null)[];
  n: number;
  timer: number;
}

/** Checks that every board allocated the same array at the same position in the order. */
export class AllocChecker {
  private readonly rounds = new Map<number, AllocRound>();

  constructor(
    private readonly self: number,
    private readonly size: number,
    private readonly clock: Clock,
    private readonly timeoutMs: number,
    private readonly maxMessage: number,
    private readonly port: DsmPost,
    /** The last alloc decided (a checker made again after an idle spell goes on from there: Sync). */
    private done = 0,
  ) {}

  /** No alloc round is open (every one decided): its owner may drop it and keep `last`. */
  get idle(): boolean {
    return this.rounds.size === 0;
  }

  /** The last alloc decided. */
  get last(): number {
    return this.done;
  }

  arrive(from: number, seq: number, spec: Uint8Array): boolean {
    if (seq <= this.done || seq > this.done + 2) return false;
    let round = this.rounds.get(seq);
    if (!round) {
      round = { specs: [], n: 0, timer: -1 };
      for (let r = 0; r < this.size; r++) round.specs.push(null);
      this.rounds.set(seq, round);
    }
    if (round.specs[from]) return false;
    round.specs[from] = spec.slice();
    round.n++;
    if (from === this.self && round.timer < 0) {
      round.timer = this.clock.setTimer(this.timeoutMs, () => this.expire(seq));
    }
    if (round.n === this.size) this.complete(seq, round);
    return true;
  }

  private complete(seq: number, round: AllocRound): void {
    assert(round.n === this.size, 'alloc checker: compared an incomplete round');
    this.end(seq, round);
    const first = round.specs[0]!;
    let mismatch = -1;
    for (let r = 1; r < this.size && mismatch < 0; r++) if (!sameBytes(first, round.specs[r]!)) mismatch = r;
    if (mismatch < 0) {
      const ok = encodeAllocAnswer(seq, null);
      for (let r = 0; r < this.size; r++) this.port.post(r, copyMessage(ok));
      return;
    }
    const a = readSpec(new Reader(first), this.size);
    const b = readSpec(new Reader(round.specs[mismatch]!), this.size);
    const text =
      `dsm.alloc: boards disagree on shared array #${seq - 1} '${a.name}': ` +
      `rank 0 allocates ${describeSpec(a)}, rank ${mismatch} allocates ${describeSpec(b)}`;
    this.broadcastError(seq, text, round);
  }

  private expire(seq: number): void {
    const round = this.rounds.get(seq);
    if (!round) return;
    round.timer = -1;
    this.end(seq, round);
    const missing: number[] = [];
    for (let r = 0; r < this.size; r++) if (!round.specs[r]) missing.push(r);
    const mine = readSpec(new Reader(round.specs[this.self]!), this.size);
    const text = `dsm.alloc('${mine.name}'): timed out after ${this.timeoutMs} ms: ${listRanks(missing)} did not allocate it`;
    this.broadcastError(seq, text, round);
  }

  private broadcastError(seq: number, text: string, round: AllocRound): void {
    // The text must fit one message: long home range lists are cut short.
    const room = this.maxMessage - HEADER_ROOM;
    const fitted = text.length > room ? `${text.slice(0, room - 3)}...` : text;
    const bytes = encodeAllocAnswer(seq, fitted);
    for (let r = 0; r < this.size; r++) if (round.specs[r]) this.port.post(r, copyMessage(bytes));
  }

  private end(seq: number, round: AllocRound): void {
    if (round.timer >= 0) this.clock.clearTimer(round.timer);
    round.timer = -1;
    this.rounds.delete(seq);
    if (seq > this.done) this.done = seq;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

interface LockRecord {
  holder: number;
  queue: { rank: number; epoch: number }[];
  /** Barrier epoch the notices belong to: older notices were already spread by that barrier. */
  noticeEpoch: number;
  notices: RangeList;
}

/** Manages the locks whose names hash to this board: a FIFO of waiters per lock. */
export class LockManager {
  private readonly locks = new Map<string, LockRecord>();

  constructor(
    private readonly size: number,
    private readonly maxRecords: number,
    private readonly noticeCap: number,
    private readonly port: DsmPost,
  ) {}

  request(from: number, epoch: number, name: string): boolean {
    let rec = this.locks.get(name);
    if (!rec) {
      if (this.locks.size >= this.maxRecords) return false;
      rec = { holder: -1, queue: [], noticeEpoch: 0, notices: new RangeList(this.noticeCap) };
      this.locks.set(name, rec);
    }
    for (const q of rec.queue) if (q.rank === from) return false;
    if (rec.queue.length >= this.size) return false;
    // A request from the holder itself overtook its release: it waits its turn like anyone.
    if (rec.holder < 0 && rec.queue.length === 0) this.grant(name, rec, from, epoch);
    else rec.queue.push({ rank: from, epoch });
    return true;
  }

  release(from: number, epoch: number, name: string, notices: RangeList): boolean {
    const rec = this.locks.get(name);
    if (!rec || rec.holder !== from) return false;
    if (epoch > rec.noticeEpoch) {
      rec.notices.clear();
      rec.noticeEpoch = epoch;
    }
    rec.notices.addAll(notices);
    rec.holder = -1;
    const next = rec.queue.shift();
    if (next) this.grant(name, rec, next.rank, next.epoch);
    return true;
  }

  private grant(name: string, rec: LockRecord, to: number, epoch: number): void {
    assert(rec.holder < 0, 'lock manager: granted a lock that is held');
    rec.holder = to;
    // A board that already passed the barrier the stored notices belong to has applied them.
    this.port.post(to, encodeLockGrant(name, rec.noticeEpoch >= epoch ? rec.notices : new RangeList()));
  }
}
