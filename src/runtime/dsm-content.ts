/**
 * The DSM's part of a fault-tolerance checkpoint (docs/FT.md §12), wired by the board runtime:
 * FT's `CheckpointContent` port implemented over the DSM's own hooks (`Dsm.sharedArrays`,
 * `Dsm.lend`, `Dsm.onAllocated`), so neither layer imports the other. Its content: the pages
 * this rank homes, one segment `dsm/<array>/<first page>` per run of consecutive home pages,
 * and the segment `dsm` naming the arrays that existed (in allocation order). Only what changed
 * since the last checkpoint crosses the wire: the FT core diffs the segments against its
 * committed copy.
 *
 * After a rollback the next run has a fresh DSM. The saved pages go back in as the app
 * allocates its arrays again (the same calls in the same order), before any board can fetch
 * from them: home pages take the saved bytes and every other page of a saved array becomes
 * stale, so it is fetched from its home (restored there the same way) when it is read.
 *
 * An app may leave scratch arrays out (`select`): data it rewrites before reading it. They are
 * not saved, and after a rollback they start from zeros, as when they were allocated.
 *
 * The content is consistent when the rank checkpoints right after a barrier: every board's
 * writes of the interval have reached their homes, and this rank writes nothing before its
 * checkpoint commits (the checkpoint is collective and every rank waits for it).
 *
 * The pages are *lent* to FT (`release`), not copied at the call: FT sends the changed spans
 * from the live pages and copies them into its image only at commit. Other ranks may resume
 * before this board has the commit (it reaches boards at different times) and send diffs to
 * these pages; the DSM holds them back, unacknowledged, until `release` (`Dsm.lend`), so the
 * bytes stay as captured. That saves the tentative copy of the changes: with one buddy the
 * checkpoint memory peaks at 2 + d times the state instead of 2 + 2d. The DSM option
 * `lend: false` makes the content copy instead (no `release`).
 */
import type { Dsm } from '../dsm/index.js';
import type { AllocListener } from '../dsm/dsm.js';
import type { DsmLend } from '../dsm/home.js';
import type { CheckpointContent, Segment } from '../ft/index.js';
import { utf8Decode, utf8Encode } from '../util/utf8.js';
import { assert } from '../util/assert.js';

/** A shared array's state as the DSM hands it to `onAllocated` (its pages, homes and stale map). */
type SharedArrayState = ReturnType<Dsm['sharedArrays']>[number];

export const DSM_CONTENT_PREFIX = 'dsm';

/** The lend of a content without a DSM (nothing to end). */
const NO_LEND: DsmLend = Object.freeze({ end(): void {} });

/** `release` of every content: one module-level function (in flash on Moddable), not a closure per run. */
function releaseCapture(this: DsmCheckpointContent): void {
  this.endLend();
}

export interface DsmContentFigures {
  /** Home pages captured by the last checkpoint call. */
  capturedPages: number;
  /** Pages written back from a checkpoint into this run's DSM. */
  restoredPages: number;
  /** Non-home pages marked stale by the restore. */
  stalePages: number;
  /** Captures whose pages are still lent (FT has not released them yet). */
  openLends: number;
}

export class DsmCheckpointContent implements CheckpointContent, AllocListener {
  readonly prefix = DSM_CONTENT_PREFIX;
  readonly figures: DsmContentFigures = { capturedPages: 0, restoredPages: 0, stalePages: 0, openLends: 0 };
  private dsm: Dsm | null = null;
  /** Restored pages by array name (null: nothing restored, or a fresh start). */
  private saved: Map<string, Map<number, Uint8Array>> | null = null;
  /**
   * Names of the arrays checkpoints save (null: every array): the list as given, not a Set (an
   * app names a few, and may name them again at every iteration, as Laplace does).
   */
  private only: readonly string[] | null = null;
  /** The open lends, oldest first: FT releases each round's capture once, in order. */
  private readonly lends: DsmLend[] = [];

  /**
   * FT calls this once per capture, when the round is committed (its image holds a copy),
   * aborted or settled by a recovery: the oldest open capture's pages may change again, and
   * the diffs held back for them are applied. Undefined when the DSM's option `lend` is false:
   * FT then copies the pages at the call.
   */
  release: ((this: DsmCheckpointContent) => void) | undefined = releaseCapture;

  /** @internal The oldest open capture's lend ends (`release`). */
  endLend(): void {
    const end = this.lends.shift();
    assert(end !== undefined, 'dsm: a checkpoint capture was released twice');
    this.figures.openLends = this.lends.length;
    end.end();
  }

  /** Save only these arrays (by name) from now on; null: every array (the default). */
  select(names: readonly string[] | null): void {
    this.only = names === null ? null : names.slice();
  }

  /** The DSM whose home pages this content saves; its arrays are restored as they are allocated. */
  attach(dsm: Dsm): void {
    this.dsm = dsm;
    dsm.onAllocated = this;
    if (!dsm.limits.lend) this.release = undefined;
  }

  capture(): readonly Segment[] {
    const dsm = this.dsm;
    const only = this.only;
    const arrays = dsm === null ? [] : only === null ? dsm.sharedArrays() : dsm.sharedArrays().filter((a) => only.includes(a.name));
    // Every capture gets its lend (empty ones too): FT releases each capture once, in order.
    if (this.release !== undefined) {
      this.lends.push(dsm === null ? NO_LEND : dsm.lendPages(arrays));
      this.figures.openLends = this.lends.length;
    }
    if (arrays.length === 0) return [];
    const out: Segment[] = [{ name: DSM_CONTENT_PREFIX, bytes: utf8Encode(arrays.map((a) => a.name).join('\n')) }];
    let pages = 0;
    for (const st of arrays) {
      const ps = st.pageSize;
      // One segment per run of consecutive home pages (`runEnd`), not per page: each segment is
      // a dozen XS slots in every image, pending round and stream that holds it (Laplace N=64's
      // band: 17 pages, 1 segment; docs/FOOTPRINT.md "Round 9: Laplace slots"), and FT diffs a
      // run as well as its pages.
      for (let p = 0; p < st.pages; p = st.runEnd[p]!) {
        if (st.homes[p] !== st.rank) continue;
        const end = st.runEnd[p]!;
        out.push({ name: `${DSM_CONTENT_PREFIX}/${st.name}/${p}`, bytes: st.local(p * ps, end * ps) });
        pages += end - p;
      }
    }
    this.figures.capturedPages = pages;
    return out;
  }

  restore(segments: readonly Segment[]): void {
    const saved = new Map<string, Map<number, Uint8Array>>();
    for (const s of segments) {
      if (s.name === DSM_CONTENT_PREFIX) {
        const text = utf8Decode(s.bytes);
        for (const name of text.length > 0 ? text.split('\n') : []) if (!saved.has(name)) saved.set(name, new Map());
      }
    }
    const head = DSM_CONTENT_PREFIX.length + 1;
    for (const s of segments) {
      const cut = s.name.lastIndexOf('/');
      if (s.name === DSM_CONTENT_PREFIX || cut < head) continue;
      const name = s.name.slice(head, cut);
      const page = Number(s.name.slice(cut + 1));
      const pages = saved.get(name);
      // A page of an array the index does not name cannot be placed: ignored.
      if (pages !== undefined && Number.isInteger(page) && page >= 0) pages.set(page, s.bytes);
    }
    this.saved = saved.size > 0 ? saved : null;
  }

  /** @internal AllocListener (Dsm.onAllocated): an array of this run was allocated; restore its saved pages. */
  arrayAllocated(st: SharedArrayState): void {
    const pages = this.saved?.get(st.name);
    // Arrays allocated after the checkpoint start from zeros on every board, as they did.
    if (pages === undefined) return;
    this.saved!.delete(st.name);
    const ps = st.pageSize;
    const gpp = st.granulesPerPage;
    for (let p = 0; p < st.pages; p++) {
      if (st.homes[p] === st.rank) continue;
      st.stale.mark(p * gpp, (p + 1) * gpp);
      this.figures.stalePages++;
    }
    // A saved segment starts at its page and holds one or more whole pages (a run of home pages).
    for (const [first, b] of pages) {
      for (let k = 0; k * ps < b.length && first + k < st.pages; k++) {
        const p = first + k;
        if (st.homes[p] !== st.rank) continue;
        st.local(p * ps, (p + 1) * ps).set(b.subarray(k * ps, Math.min(b.length, (k + 1) * ps)));
        this.figures.restoredPages++;
      }
    }
  }
}
