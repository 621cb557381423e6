/**
 * This board as a client of the homes: fetching stale granules, sending a release's diffs,
 * and taking the replies (FETCH_DATA, DIFF_ACK, DIFF_HELD, REQ_ERR) through the request
 * window. What the requests hold is built in outgoing.ts.
 */
import type { NativeCopy } from './bytes.js';
import { Msg, type DsmMessage, type FetchDataMsg, type PushMsg } from './messages.js';
import { buildDiffs, buildFetches, interleave, type DsmRequest, type FetchInfo, type NoticeSink } from './outgoing.js';
import { PushReader } from './push.js';
import { RangeList } from './range-list.js';
import { RequestWindow, type WindowOwner } from './request-window.js';
import type { DsmPort, DsmShared, DsmWaits } from './port.js';
import type { SharedArrayState } from './shared-array.js';
import { DS_DIFFS, DS_FETCHED_BYTES, DS_FETCHES, DS_MALFORMED, DsmError } from './types.js';

/** The replies a client takes. */
export type ReplyMessage = Extract<DsmMessage, { type: typeof Msg.FETCH_DATA | typeof Msg.DIFF_ACK | typeof Msg.DIFF_HELD | typeof Msg.REQ_ERR }>;

export class Client implements WindowOwner {
  private readonly requests: RequestWindow<FetchInfo | null>;
  private readonly scratch = new RangeList();
  /** The board's native copy (Hal.bytes), which takes a fetched page into the array. */
  private readonly copy: NativeCopy | undefined;
  /** Subscriptions to homes' pushes, and the batches of the current barrier. */
  readonly push: PushReader;

  constructor(
    private readonly port: DsmPort & DsmShared & DsmWaits,
    /** Writes through read-only views noticed while data arrived (reported by the next acquire or release). */
    private readonly violations: string[],
    arrays: readonly SharedArrayState[],
  ) {
    const { limits, clock } = port;
    this.push = new PushReader(arrays, violations, port);
    this.requests = new RequestWindow<FetchInfo | null>(clock, limits.window, limits.requestTimeoutMs, port, this);
    this.copy = clock.bytes?.copy;
  }

  /** @internal WindowOwner: what the requests fail with when nobody answers. */
  timedOut(silent: number[]): Error {
    return this.port.fail(new DsmError('TIMEOUT', `dsm: no reply from rank${silent.length > 1 ? 's' : ''} ${silent.join(', ')} within ${this.port.limits.requestTimeoutMs} ms`));
  }

  /**
   * Bytes [b0, b1) are about to be read, of a push array: true when the running call must first
   * wait for the batches of homes that will push stale subscribed granules of it (the Dsm hears,
   * `waitOver`). Then `fetchStale`.
   */
  awaitPushes(st: SharedArrayState, b0: number, b1: number): boolean {
    return st.push && this.push.waitFor(st, Math.floor(b0 / st.granule), Math.ceil(b1 / st.granule));
  }

  /**
   * Fetch what is still stale of bytes [b0, b1) from its homes (what was pushed there counts as
   * read): true when the running call waits for the replies (the Dsm hears, `waitOver` or
   * `waitFailed`), false when nothing was stale.
   */
  fetchStale(st: SharedArrayState, b0: number, b1: number): boolean {
    if (st.push) this.push.read(st, Math.floor(b0 / st.granule), Math.ceil(b1 / st.granule));
    const out = buildFetches(st, b0, b1, this.port.rank, this.port.limits.maxMessage, this.requests);
    if (out.length === 0) return false;
    this.port.figures[DS_FETCHES]! += out.length;
    // The home subscribes this board to what it serves of a push array (push.ts).
    if (st.push) for (const o of out) if (o.info) this.push.subscribed(o.to, st, o.info.ranges);
    return this.requests.sendBatch(interleave(out));
  }

  /** A PUSH part from a home. */
  receivePush(from: number, m: PushMsg): void {
    this.push.receive(from, m);
  }

  /**
   * End the interval of every array: check read-only ranges (into `violations`), record
   * write notices (to `sink`, global granules), and build the diffs of every written
   * non-home page, to be sent with `send`.
   */
  release(arrays: readonly SharedArrayState[], violations: string[], sink: NoticeSink): DsmRequest[] {
    const diffs: DsmRequest[] = [];
    const ids = this.requests;
    for (const st of arrays) {
      st.reconcile();
      if (this.port.limits.checkReads) st.verifyReads(violations);
      buildDiffs(st, this.port.limits.maxMessage, this.scratch, ids, sink, this.port.figures, diffs);
      st.endInterval();
    }
    this.port.figures[DS_DIFFS]! += diffs.length;
    // LEAVEs go with the diffs: answered before this board arrives, so the home's subscriptions
    // at its release are the ones this board counts on.
    for (const l of this.push.leaves(ids)) diffs.push(l);
    return interleave(diffs);
  }

  /** Send a release's diffs: true when the running call waits until every home acknowledged its own (`waitOver` or `waitFailed`). */
  send(diffs: DsmRequest[]): boolean {
    return this.requests.sendBatch(diffs);
  }

  /** Forget every request (the DSM is closed). */
  close(): void {
    this.requests.clear();
    this.push.close();
  }

  /** A reply; one that answers no request of ours is counted as malformed. */
  receive(from: number, m: ReplyMessage): void {
    switch (m.type) {
      case Msg.FETCH_DATA:
        return this.fetched(from, m);
      case Msg.DIFF_HELD: {
        // The home is alive and will apply the diff once its checkpoint lets go. A notice
        // overtaken by the ack finds nothing: ignored.
        const p = this.requests.peek(from, m.req);
        if (p && !p.info) this.requests.heard();
        return;
      }
      case Msg.DIFF_ACK: {
        const p = this.requests.peek(from, m.req);
        if (!p || p.info) {
          this.port.figures[DS_MALFORMED]!++;
          return;
        }
        this.requests.take(from, m.req);
        return this.requests.complete(p);
      }
      case Msg.REQ_ERR: {
        const p = this.requests.take(from, m.req);
        if (!p) {
          this.port.figures[DS_MALFORMED]!++;
          return;
        }
        return this.requests.reject(p, this.port.fail(new DsmError('REMOTE', `dsm: rank ${from} refused a request: ${m.text}`)));
      }
    }
  }

  private fetched(from: number, m: FetchDataMsg): void {
    const p = this.requests.peek(from, m.req);
    const info = p === null ? null : p.info;
    // A reply to no fetch, or of the wrong length, leaves the request waiting (the watchdog names a silent home).
    if (p === null || info === null || m.data.length !== info.bytes) {
      this.port.figures[DS_MALFORMED]!++;
      return;
    }
    this.requests.taken(m.req);
    const { st, ranges } = info;
    const g = st.granule;
    const data = m.data;
    if (ranges.length === 2) {
      // One range (a whole page, the usual fetch): the reply's data as it is.
      st.storeIncoming(ranges[0]! * g, data, this.violations, this.copy);
      st.stale.clear(ranges[0]!, ranges[1]!);
    } else {
      for (let i = 0, at = 0; i < ranges.length; i += 2) {
        const s = ranges[i]!;
        const e = ranges[i + 1]!;
        const n = (e - s) * g;
        st.storeIncoming(s * g, data.subarray(at, at + n), this.violations, this.copy);
        st.stale.clear(s, e);
        at += n;
      }
    }
    this.port.figures[DS_FETCHED_BYTES]! += info.bytes;
    this.requests.complete(p);
  }
}
