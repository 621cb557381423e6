/**
 * Pushing written granules to their known readers (docs/DSM.md, "Pushing halos to known
 * readers"), for arrays allocated with `push: true`.
 *
 * Who is subscribed to what changes only by messages the two boards exchange and the home
 * answers before the reader's next barrier arrival: a FETCH served subscribes the reader to
 * the granules it asked for, a LEAVE (answered with DIFF_ACK, sent with a release's diffs)
 * takes granules out. So at the home's release of barrier e it holds at least what the reader
 * held when it arrived at e (a fetch the reader makes after its own release of e may already
 * be there: the home then pushes to a board that did not count on it, which is harmless).
 *
 * At every barrier the home sends each subscriber one batch: the subscribed granules that the
 * barrier's write notices name, as the home has them at its release, in one or more PUSH parts
 * (an empty batch is one part without ranges). The reader stores pushed bytes the way it stores
 * a fetch reply, and only into granules that are stale when they arrive and the barrier of the
 * same epoch has been taken (an earlier batch is dropped, one for the next barrier waits). An
 * acquisition that finds a subscribed granule stale waits for the home's batch of the current
 * barrier instead of fetching, then fetches whatever is still stale. Since the reader counts on
 * a batch only from homes it has subscriptions with, and the home sends one to every
 * subscriber, nobody waits for a batch that never comes.
 *
 * Leaving: granules pushed and stored that the reader has not read when the home's next batch
 * arrives are left (Laplace reads u and uu alternately: each is pushed at one barrier and read
 * before the next), and so is everything with a home whose last two batches were empty.
 */
import type { DsmFail, DsmPost, DsmShared, DsmWaits } from './port.js';
import { encodeLeave, encodePush, type LeaveMsg, type PushMsg } from './messages.js';
import type { DsmRequest, RequestIds } from './outgoing.js';
import { RangeList } from './range-list.js';
import type { SharedArrayState } from './shared-array.js';
import { DS_LEAVES, DS_MALFORMED, DS_PUSHED_BYTES, DS_PUSHES_DROPPED, DS_PUSHES_SENT, DS_PUSH_GRANULES_APPLIED, DS_PUSH_WAITS, DsmError } from './types.js';
import { assert } from '../util/assert.js';

/** Bytes of `v` (a non-negative integer) as a LEB128 varint. */
function varintBytes(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 0x80);
    n++;
  }
  return n;
}

/** Batches in a row without data after which a reader leaves everything it has with that home. */
export const EMPTY_BATCHES_TO_LEAVE = 2;

/** Room reserved per range pair in a LEAVE (two varints of any size). */
const PUSH_PAIR_ROOM = 10;
/**
 * Bytes reserved for a PUSH's part count, which is known only once the batch is cut: a part
 * holds at least one granule, and no board holds 2^28 granules (2 GiB of 8-byte granules).
 */
const PUSH_PARTS_ROOM = 4;
/** Room reserved for a LEAVE header's fixed fields (type, req, array). */
const LEAVE_FIXED_ROOM = 11;

/**
 * Per rank, per array id: granule ranges (array-local, exact). A rank's lists are an Array
 * indexed by array id (ids are the DSM's array indexes, a few), not a Map: an XS board keeps
 * an Array's items in its chunk heap but a Map's every entry in slots, and a reader keeps two
 * of these and a home one (docs/FOOTPRINT.md "Round 12: Laplace slots"). Walks go by array id.
 */
type Lists = (RangeList | undefined)[];
/**
 * By rank: an Array too, not a Map (6 XS slots and 4 an entry; a reader keeps three of these
 * and a home one, docs/FOOTPRINT.md "Round 14: DSM member slots"), walked in rank order. A rank
 * without lists holds NO_LISTS, never a hole (a hole ends a Lua array).
 */
type Subs = (Lists | typeof NO_LISTS)[];
const NO_LISTS = 0;

/** `rank`'s lists, or undefined. */
function listsOf(subs: Subs, rank: number): Lists | undefined {
  const lists = rank < subs.length ? subs[rank]! : NO_LISTS;
  return lists === NO_LISTS ? undefined : lists;
}

function listOf(subs: Subs, rank: number, array: number): RangeList {
  while (subs.length <= rank) subs.push(NO_LISTS);
  let lists = subs[rank]!;
  if (lists === NO_LISTS) subs[rank] = lists = [];
  let list = lists[array];
  if (!list) lists[array] = list = new RangeList();
  return list;
}

function hasAny(lists: Lists | undefined): boolean {
  if (!lists) return false;
  for (let a = 0; a < lists.length; a++) {
    const l = lists[a];
    if (l && !l.empty) return true;
  }
  return false;
}

/**
 * Add every range of `lists` (rank `rank`'s) to `to`, array by array. An empty list makes
 * nothing in `to`: a reader that read all it was pushed (Laplace) leaves nothing, and kept no
 * Map entry and empty lists for it until its next release (~15 XS slots, docs/FOOTPRINT.md
 * "Round 14: DSM member slots").
 */
function copyLists(lists: Lists, rank: number, to: Subs): void {
  for (let a = 0; a < lists.length; a++) {
    const list = lists[a];
    if (!list || list.empty) continue;
    const dst = listOf(to, rank, a);
    for (let i = 0; i < list.count; i++) dst.add(list.start(i), list.end(i));
  }
}

/** Ranges ([start, end) pairs) valid for `st`: non-empty, ascending, inside the array, every page homed by `home`. */
function validRanges(st: SharedArrayState, ranges: readonly number[], home: number): boolean {
  const gpp = st.granulesPerPage;
  let prev = 0;
  for (let i = 0; i < ranges.length; i += 2) {
    const s = ranges[i]!;
    const e = ranges[i + 1]!;
    if (s < prev || e <= s || e > st.granules) return false;
    for (let p = Math.floor(s / gpp); p * gpp < e; p++) if (st.homes[p] !== home) return false;
    prev = e;
  }
  return true;
}

/** One PUSH part being built. */
interface Part {
  array: number;
  ranges: number[];
  data: Uint8Array[];
  bytes: number;
}

/** The home's side: subscriptions, and the batch each subscriber gets at a barrier. */
export class PushHome {
  private readonly subs: Subs = [];

  constructor(
    private readonly arrays: readonly SharedArrayState[],
    /** The Dsm: its posts, limits and figures (DsmShared: no copy of them here). */
    private readonly port: DsmPost & DsmShared,
  ) {}

  /** A FETCH of these granule ranges of a push array was served to `from` (ranges checked). */
  subscribe(from: number, st: SharedArrayState, ranges: readonly number[]): void {
    const list = listOf(this.subs, from, st.id);
    for (let i = 0; i < ranges.length; i += 2) list.add(ranges[i]!, ranges[i + 1]!);
  }

  /** LEAVE from `from`: false when it names no push array of ours or granules outside it (the caller refuses it). */
  leave(from: number, m: LeaveMsg): boolean {
    const st = this.arrays[m.array];
    if (!st || !st.push) return false;
    for (let i = 0; i < m.ranges.length; i += 2) if (m.ranges[i + 1]! > st.granules) return false;
    const list = listsOf(this.subs, from)?.[m.array];
    if (list) for (let i = 0; i < m.ranges.length; i += 2) list.remove(m.ranges[i]!, m.ranges[i + 1]!);
    return true;
  }

  /** Subscribers and their granules of array `array` (tests and figures). */
  subscribers(array: number): Map<number, RangeList> {
    const out = new Map<number, RangeList>();
    for (let r = 0; r < this.subs.length; r++) {
      const l = listsOf(this.subs, r)?.[array];
      if (l && !l.empty) out.set(r, l);
    }
    return out;
  }

  /**
   * This board took barrier `epoch`; `own` and `others` are its write notices and everyone
   * else's (global granules). Called before the application runs again, so the pushed bytes
   * are the home's as of its release.
   */
  release(epoch: number, own: RangeList, others: RangeList): void {
    if (this.subs.length === 0) return;
    const written = new RangeList();
    written.addAll(own);
    written.addAll(others);
    for (let to = 0; to < this.subs.length; to++) {
      const lists = listsOf(this.subs, to);
      if (lists === undefined || !hasAny(lists)) continue;
      const parts: Part[] = [];
      for (let array = 0; array < lists.length; array++) {
        const list = lists[array];
        const st = this.arrays[array];
        if (!list || !st) continue;
        this.collect(st, list, written, parts, epoch);
      }
      if (parts.length === 0) parts.push({ array: 0, ranges: [], data: [], bytes: 0 });
      for (const p of parts) {
        this.port.figures[DS_PUSHES_SENT]!++;
        this.port.figures[DS_PUSHED_BYTES]! += p.bytes;
        const message = encodePush(epoch, parts.length, p.array, p.ranges, p.data, p.bytes);
        assert(message.length <= this.port.limits.maxMessage, 'dsm: a PUSH part outgrew maxMessage');
        this.port.post(to, message);
      }
    }
  }

  /**
   * Append to `parts` the granules of `list` that `written` names, cut to fit maxMessage. The
   * header is reserved at the size its varints can take for this epoch and array (not at five
   * bytes each): a halo row of 258 granules and its header fit a 2080-byte message in one part
   * where the five-byte reserve cut off two granules into a part of its own (docs/PERFORMANCE.md
   * "Round 9c").
   */
  private collect(st: SharedArrayState, list: RangeList, written: RangeList, parts: Part[], epoch: number): void {
    const base = st.granuleBase;
    const wanted: number[] = [];
    for (let i = 0; i < list.count; i++) written.forEachIn(list.start(i) + base, list.end(i) + base, (s, e) => wanted.push(s - base, e - base));
    const g = st.granule;
    // A pair is a start delta and a length, both at most the array's granules; a part has fewer
    // pairs than maxMessage / 2 (each pair takes two bytes at least).
    const pairRoom = 2 * varintBytes(st.granules);
    const fixedRoom = 1 + varintBytes(epoch) + PUSH_PARTS_ROOM + varintBytes(st.id) + varintBytes(this.port.limits.maxMessage >>> 1);
    let cur: Part | null = null;
    for (let i = 0; i < wanted.length; i += 2) {
      let s = wanted[i]!;
      const e = wanted[i + 1]!;
      while (s < e) {
        const room = cur === null ? 0 : Math.floor((this.port.limits.maxMessage - fixedRoom - pairRoom * (cur.ranges.length / 2 + 1) - cur.bytes) / g);
        if (cur === null || room <= 0) {
          cur = { array: st.id, ranges: [], data: [], bytes: 0 };
          parts.push(cur);
          continue;
        }
        const n = Math.min(e - s, room);
        cur.ranges.push(s, s + n);
        cur.data.push(st.local(s * g, (s + n) * g));
        cur.bytes += n * g;
        s += n;
      }
    }
  }

  close(): void {
    this.subs.length = 0;
  }
}

/** The home's batch for the current barrier, as far as it arrived. */
interface Batch {
  parts: number;
  got: number;
  granules: number;
}

/** The running DSM call's wait for the batches of `homes` (one call runs at a time: at most one wait). */
interface Waiter {
  homes: number[];
  timer: number;
}

/** The push wait's timer fired (a function and the reader as its argument: no closure per wait). */
function pushesLate(reader: PushReader): void {
  reader.late();
}

/** The reader's side: its subscriptions, the batches of the current barrier, waiting and leaving. */
export class PushReader {
  private readonly subs: Subs = [];
  /** Granules pushed and stored here that were not read since. */
  private readonly unread: Subs = [];
  /** Granules to leave with the next release. */
  private readonly leaving: Subs = [];
  /** Barriers taken (the epoch pushes must carry to be stored). */
  private epoch = 0;
  /** Homes this board had subscriptions with when it took barrier `epoch`: each sends a batch. */
  private expected: number[] = [];
  /**
   * The batches of the current barrier by home rank: an Array (made afresh at each barrier; its
   * items are not slots), not a Map and a Set of ~10 XS slots each (Round 14). Read by index
   * only, never walked: a rank without a batch is a hole.
   */
  private batches: (Batch | undefined)[] = [];
  /** Parts of the next barrier's batches, which arrived before this board took it. */
  private early: { from: number; m: PushMsg }[] = [];
  /** Batches in a row without data, by home rank: an Array (its items are not slots), not a Map of ~10 slots. */
  private readonly emptyRun: number[] = [];
  /** A lock grant marked granules stale since the barrier: pushes (as of the barrier) may not be stored over them. */
  private granted = false;
  private waiter: Waiter | null = null;

  constructor(
    private readonly arrays: readonly SharedArrayState[],
    private readonly violations: string[],
    /** The Dsm: its failure record, clock, limits and figures (DsmShared: no copy of them here). */
    private readonly port: DsmFail & DsmShared & DsmWaits,
  ) {}

  /** This board sent a FETCH of these ranges of a push array to `home`: the home subscribes it on serving it. */
  subscribed(home: number, st: SharedArrayState, ranges: readonly number[]): void {
    const list = listOf(this.subs, home, st.id);
    for (let i = 0; i < ranges.length; i += 2) list.add(ranges[i]!, ranges[i + 1]!);
  }

  /** The homes and granules of `st` this board is subscribed to (tests). */
  subscriptions(st: SharedArrayState): Map<number, RangeList> {
    const out = new Map<number, RangeList>();
    for (let h = 0; h < this.subs.length; h++) {
      const l = listsOf(this.subs, h)?.[st.id];
      if (l && !l.empty) out.set(h, l);
    }
    return out;
  }

  /** Barrier `epoch` was taken and its notices marked stale: the batches of `epoch` count from now. */
  barrierTaken(epoch: number): void {
    this.epoch = epoch;
    this.granted = false;
    this.batches = [];
    const expected: number[] = (this.expected = []);
    for (let h = 0; h < this.subs.length; h++) if (hasAny(listsOf(this.subs, h))) expected.push(h);
    const early = this.early;
    this.early = [];
    for (const { from, m } of early) this.receive(from, m);
  }

  /** A lock grant marked granules stale: this interval's pushes are dropped and nobody waits for them. */
  grantTaken(): void {
    this.granted = true;
  }

  receive(from: number, m: PushMsg): void {
    if (m.epoch === this.epoch + 1) {
      this.early.push({ from, m });
      return;
    }
    if (m.epoch > this.epoch + 1) {
      this.port.figures[DS_MALFORMED]!++;
      return;
    }
    if (m.epoch < this.epoch) {
      this.port.figures[DS_PUSHES_DROPPED]!++;
      return;
    }
    let b = this.batches[from];
    if (!b) {
      // The first part of this home's batch: what its previous batch brought and nobody read is left.
      this.batches[from] = b = { parts: m.parts, got: 0, granules: 0 };
      const unread = listsOf(this.unread, from);
      if (unread) {
        copyLists(unread, from, this.leaving);
        this.unread[from] = NO_LISTS;
      }
    }
    b.got++;
    if (this.granted) this.port.figures[DS_PUSHES_DROPPED]!++;
    else if (m.ranges.length > 0) b.granules += this.store(from, m);
    if (b.got >= b.parts) this.batchDone(from, b);
  }

  /** Store the stale granules of a PUSH; returns the granules it carried (0 when malformed). */
  private store(from: number, m: PushMsg): number {
    const st = this.arrays[m.array];
    let total = 0;
    for (let i = 0; i < m.ranges.length; i += 2) total += m.ranges[i + 1]! - m.ranges[i]!;
    if (!st || !st.push || !validRanges(st, m.ranges, from) || m.data.length !== total * st.granule) {
      this.port.figures[DS_MALFORMED]!++;
      return 0;
    }
    const g = st.granule;
    for (let i = 0, at = 0; i < m.ranges.length; i += 2) {
      const s = m.ranges[i]!;
      const e = m.ranges[i + 1]!;
      for (let a = st.stale.next(s, e, true); a < e; ) {
        const z = st.stale.next(a, e, false);
        st.storeIncoming(a * g, m.data.subarray(at + (a - s) * g, at + (z - s) * g), this.violations);
        st.stale.clear(a, z);
        listOf(this.unread, from, st.id).add(a, z);
        this.port.figures[DS_PUSH_GRANULES_APPLIED]! += z - a;
        a = z < e ? st.stale.next(z, e, true) : e;
      }
      at += (e - s) * g;
    }
    return total;
  }

  private batchDone(from: number, b: Batch): void {
    const run = b.granules > 0 ? 0 : (this.emptyRun[from] ?? 0) + 1;
    this.emptyRun[from] = run;
    if (run >= EMPTY_BATCHES_TO_LEAVE) {
      const lists = listsOf(this.subs, from);
      if (lists) copyLists(lists, from, this.leaving);
    }
    const w = this.waiter;
    if (w === null || !w.homes.every((h) => this.complete(h))) return;
    this.waiter = null;
    this.port.clock.clearTimer(w.timer);
    this.port.waitOver(undefined);
  }

  private complete(home: number): boolean {
    const b = this.batches[home];
    return b !== undefined && b.got >= b.parts;
  }

  /**
   * Granules [g0, g1) of `st` are about to be read: false when nothing need wait, else true, and
   * the Dsm hears (`waitOver`, or `waitFailed` naming the silent homes after requestTimeoutMs)
   * when the batches of homes this board counts on that will bring stale subscribed granules
   * have come.
   */
  waitFor(st: SharedArrayState, g0: number, g1: number): boolean {
    assert(this.waiter === null, 'push: two waits at once');
    if (this.granted) return false;
    const homes: number[] = [];
    for (const h of this.expected) {
      if (this.complete(h)) continue;
      const list = listsOf(this.subs, h)?.[st.id];
      if (!list) continue;
      let stale = false;
      list.forEachIn(g0, g1, (s, e) => {
        if (!stale && st.stale.next(s, e, true) < e) stale = true;
      });
      if (stale) homes.push(h);
    }
    if (homes.length === 0) return false;
    this.port.figures[DS_PUSH_WAITS]!++;
    this.waiter = { homes, timer: this.port.clock.setTimer(this.port.limits.requestTimeoutMs, pushesLate, this) };
    return true;
  }

  /** @internal The push wait's timer fired: the wait fails naming the homes still silent. */
  late(): void {
    const w = this.waiter;
    if (w === null) return;
    this.waiter = null;
    const silent = w.homes.filter((h) => !this.complete(h));
    this.port.waitFailed(
      this.port.fail(new DsmError('TIMEOUT', `dsm: no push from rank${silent.length > 1 ? 's' : ''} ${silent.join(', ')} for barrier ${this.epoch} within ${this.port.limits.requestTimeoutMs} ms`)),
    );
  }

  /** Granules [g0, g1) of `st` were read: what was pushed there is wanted. */
  read(st: SharedArrayState, g0: number, g1: number): void {
    const unread = this.unread;
    for (let h = 0; h < unread.length; h++) listsOf(unread, h)?.[st.id]?.remove(g0, g1);
  }

  /** LEAVE requests for what is to be left (taken out of the subscriptions now), for a release to send with its diffs. */
  leaves(ids: RequestIds): DsmRequest[] {
    const out: DsmRequest[] = [];
    for (let h = 0; h < this.leaving.length; h++) {
      const lists = listsOf(this.leaving, h);
      if (lists === undefined) continue;
      for (let array = 0; array < lists.length; array++) {
        const list = lists[array];
        const sub = listsOf(this.subs, h)?.[array];
        if (!list || !sub) continue;
        const ranges: number[] = [];
        for (let i = 0; i < list.count; i++) sub.forEachIn(list.start(i), list.end(i), (s, e) => ranges.push(s, e));
        for (let i = 0; i < ranges.length; i += 2) sub.remove(ranges[i]!, ranges[i + 1]!);
        const perMessage = 2 * Math.floor((this.port.limits.maxMessage - LEAVE_FIXED_ROOM) / PUSH_PAIR_ROOM);
        for (let i = 0; i < ranges.length; i += perMessage) {
          const req = ids.newId();
          out.push({ to: h, req, bytes: encodeLeave(req, array, ranges.slice(i, i + perMessage)), info: null });
        }
      }
    }
    this.leaving.length = 0;
    this.port.figures[DS_LEAVES]! += out.length;
    return out;
  }

  /** The DSM is closed: nothing waits any more. */
  close(): void {
    const w = this.waiter;
    if (w !== null) {
      this.waiter = null;
      this.port.clock.clearTimer(w.timer);
      this.port.waitFailed(this.port.fail(new DsmError('FAILED', 'dsm: closed while waiting for a push')));
    }
    this.early = [];
    this.subs.length = 0;
  }
}
