/**
 * What a board sends as a client of the homes: FETCH requests for the stale granules of a
 * range, and a release's DIFF messages (the runs of every written page homed elsewhere), cut
 * to fit `maxMessage`. Building only: the request window sends them.
 */
import { assert } from '../util/assert.js';
import { varintSize, type Writer } from './codec.js';
import { FETCH_PAIR_ROOM, RUN_HEADER_BYTES, RUN_ROOM, VARINT_BYTES } from './limits.js';
import { beginDiff, encodeFetch, encodeFetchRange } from './messages.js';
import type { RangeList } from './range-list.js';
import type { Outgoing } from './request-window.js';
import type { SharedArrayState } from './shared-array.js';
import { DS_DIFF_BYTES, type DsmFigures } from './types.js';

/** What a fetch's reply is checked against and stored into: the array and the granule ranges asked for (start, end pairs). */
export interface FetchInfo {
  st: SharedArrayState;
  ranges: number[];
  /** Bytes the reply carries: the ranges' granules x granule (counted as they are added, not again per reply). */
  bytes: number;
}

/** A fetch (FetchInfo) or a diff (null) in the request window. */
export type DsmRequest = Outgoing<FetchInfo | null>;

/** Where a request's ids come from (the request window). */
export interface RequestIds {
  newId(): number;
}

/** Who hears a release's write notices, in global granules (the Dsm: its `own` list, and `known` once it locks). */
export interface NoticeSink {
  notice(s: number, e: number): void;
}

/** The DIFF being built for one home (buildDiffs). */
interface DiffWriter {
  w: Writer;
  req: number;
  prev: number;
}

/** The DIFF for `home` is full or the array's diffs are built: it joins `diffs`. */
function flushDiff(writers: Map<number, DiffWriter>, home: number, max: number, diffs: DsmRequest[]): void {
  const cur = writers.get(home);
  if (!cur) return;
  // Each run took at most what was left after its header (RUN_HEADER_BYTES).
  assert(cur.w.length <= max, 'release: a diff outgrew maxMessage');
  diffs.push({ to: home, req: cur.req, bytes: cur.w.finish(), info: null });
  writers.delete(home);
}

/**
 * FETCH requests for the stale granules of bytes [b0, b1) of `st`, per home, in order. On the
 * way of every fetch (the reader's step before its FETCH leaves): the stale ranges of the first
 * home go in a plain list and a Map is made only when a second home has some too.
 */
export function buildFetches(st: SharedArrayState, b0: number, b1: number, rank: number, max: number, ids: RequestIds): DsmRequest[] {
  const g = st.granule;
  const g1 = Math.ceil(b1 / g);
  const gpp = st.granulesPerPage;
  const p0 = Math.floor(b0 / st.pageSize);
  const home0 = st.homes[p0]!;
  if (home0 !== rank && st.runEnd[p0]! * gpp >= g1) {
    // The usual fetch (a page, a halo): the range lies in one run of another home's pages and
    // its stale granules are one range that one request asks for. No lists, one request.
    const s = st.stale.next(Math.floor(b0 / g), g1, true);
    if (s >= g1) return [];
    const e = st.stale.next(s, g1, false);
    // The reply (type byte, request id of at most VARINT_BYTES, data) fits one message; the
    // request fits too (limits.ts: maxMessage >= 64, a FETCH of one range is at most 21 bytes).
    if ((e - s) * g <= max - 1 - VARINT_BYTES && (e === g1 || st.stale.next(e, g1, true) === g1)) {
      const req = ids.newId();
      return [{ to: home0, req, bytes: encodeFetchRange(req, st.id, s, e - s), info: { st, ranges: [s, e], bytes: (e - s) * g } }];
    }
  }
  return listFetches(st, b0, b1, rank, max, ids);
}

/** buildFetches' general case: stale ranges per home, cut into requests that fit `max`. */
function listFetches(st: SharedArrayState, b0: number, b1: number, rank: number, max: number, ids: RequestIds): DsmRequest[] {
  const g = st.granule;
  const g1 = Math.ceil(b1 / g);
  const gpp = st.granulesPerPage;
  let firstHome = -1;
  let firstList: number[] | null = null;
  let perHome: Map<number, number[]> | null = null;
  // Page runs of one home at a time: runs this board homes are never stale and are skipped
  // whole, and a stale run found inside another home's run needs no further split.
  for (let p = Math.floor(b0 / st.pageSize); p * gpp < g1; p = st.runEnd[p]!) {
    const home = st.homes[p]!;
    if (home === rank) continue;
    const end = Math.min(g1, st.runEnd[p]! * gpp);
    for (let s = st.stale.next(Math.max(Math.floor(b0 / g), p * gpp), end, true); s < end; ) {
      const e = st.stale.next(s, end, false);
      let list: number[] | undefined;
      if (firstList === null) {
        firstHome = home;
        list = firstList = [];
      } else if (home === firstHome) {
        list = firstList;
      } else {
        if (perHome === null) perHome = new Map([[firstHome, firstList]]);
        list = perHome.get(home);
        if (!list) perHome.set(home, (list = []));
      }
      list.push(s, e);
      s = e < end ? st.stale.next(e, end, true) : end;
    }
  }
  const out: DsmRequest[] = [];
  if (perHome !== null) for (const [home, list] of perHome) fetchesOf(st, home, list, max, ids, out);
  else if (firstList !== null) fetchesOf(st, firstHome, firstList, max, ids, out);
  return out;
}

/** The FETCH requests to `home` for its stale granule ranges `list` (start, end pairs), appended to `out`. */
function fetchesOf(st: SharedArrayState, home: number, list: number[], max: number, ids: RequestIds, out: DsmRequest[]): void {
  const g = st.granule;
  // The reply carries the data, so a request asks for at most what fits in one message:
  // the data after the reply's type byte and request id. A request's ranges are gathered
  // first (its length counted as encodeFetch will write it), then encoded at once.
  let maxGranules = 0;
  let cur: (DsmRequest & { info: FetchInfo }) | null = null;
  let length = 0;
  let granules = 0;
  let prev = 0;
  for (let i = 0; i < list.length; i += 2) {
    let s = list[i]!;
    const e = list[i + 1]!;
    while (s < e) {
      if (cur === null || granules >= maxGranules || length + FETCH_PAIR_ROOM > max) {
        if (cur !== null) cur.bytes = encodeFetch(cur.req, st.id, cur.info.ranges);
        const req = ids.newId();
        cur = { to: home, req, bytes: new Uint8Array(0), info: { st, ranges: [], bytes: 0 } };
        out.push(cur);
        length = 1 + varintSize(req) + varintSize(st.id);
        maxGranules = Math.floor((max - 1 - varintSize(req)) / g);
        assert(maxGranules > 0, 'fetch: a reply cannot carry one granule');
        granules = 0;
        prev = 0;
      }
      const n = Math.min(e - s, maxGranules - granules);
      length += varintSize(s - prev) + varintSize(n);
      cur.info.ranges.push(s, s + n);
      cur.info.bytes += n * g;
      granules += n;
      prev = s + n;
      s += n;
    }
  }
  if (cur !== null) cur.bytes = encodeFetch(cur.req, st.id, cur.info.ranges);
}

/**
 * The writes of one array in the interval that ends: a notice (to `sink`, global granules)
 * for every declared range of a home page and for every run of a page homed elsewhere, and
 * the DIFF messages carrying those runs, appended to `diffs`. Objects with methods, not
 * closures, and no Map of writers until a page homed elsewhere was written: at every barrier,
 * for every array (docs/FOOTPRINT.md "Round 18").
 */
export function buildDiffs(
  st: SharedArrayState,
  max: number,
  scratch: RangeList,
  ids: RequestIds,
  sink: NoticeSink,
  figures: DsmFigures,
  diffs: DsmRequest[],
): void {
  const g = st.granule;
  const ps = st.pageSize;
  const gb = st.granuleBase;
  const declared = st.declared;
  for (let i = 0; declared !== null && i < declared.count; i++) {
    const s = declared.start(i);
    const e = declared.end(i);
    for (let p = Math.floor(s / ps); p * ps < e; p = st.runEnd[p]!) {
      if (!st.isHome(p)) continue;
      sink.notice(gb + Math.floor(Math.max(s, p * ps) / g), gb + Math.ceil(Math.min(e, st.runEnd[p]! * ps) / g));
    }
  }
  // Made by the first page homed elsewhere that was written (Laplace's bands write none).
  let writers: Map<number, DiffWriter> | null = null;
  for (const page of st.dirtyPages()) {
    const home = st.homes[page]!;
    writers ??= new Map<number, DiffWriter>();
    st.pageRuns(page, scratch);
    for (let i = 0; i < scratch.count; i++) {
      let s = scratch.start(i);
      const e = scratch.end(i);
      sink.notice(gb + Math.floor(s / g), gb + Math.ceil(e / g));
      while (s < e) {
        let cur = writers.get(home);
        if (cur && cur.w.length + RUN_ROOM >= max) {
          flushDiff(writers, home, max, diffs);
          cur = undefined;
        }
        if (!cur) {
          const req = ids.newId();
          cur = { w: beginDiff(req, st.id, max), req, prev: 0 };
          writers.set(home, cur);
        }
        const n = Math.min(e - s, max - cur.w.length - RUN_HEADER_BYTES);
        cur.w.varint(s - cur.prev).varint(n).bytes(st.local(s, s + n));
        figures[DS_DIFF_BYTES]! += n;
        cur.prev = s + n;
        s += n;
      }
    }
  }
  if (writers !== null) for (const home of [...writers.keys()]) flushDiff(writers, home, max, diffs);
}

/** Requests reordered round-robin over their destinations, so transfers from several homes overlap. */
export function interleave<T extends { to: number }>(list: T[]): T[] {
  // One request (a page fetch, a one-page diff) is in order already: no Map for it.
  if (list.length < 2) return list;
  const by = new Map<number, T[]>();
  for (const o of list) {
    let q = by.get(o.to);
    if (!q) by.set(o.to, (q = []));
    q.push(o);
  }
  if (by.size < 2) return list;
  const out: T[] = [];
  for (let i = 0; i < list.length && out.length < list.length; i++) {
    for (const q of by.values()) {
      const o = q[i];
      if (o !== undefined) out.push(o);
    }
  }
  return out;
}
