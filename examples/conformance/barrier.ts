/**
 * A barrier among boards, over MCAPI messages (board code: it is what keeps the boards of a
 * conformance run in step). Rank 0 collects ARRIVE messages for a key; when every participant
 * has arrived it answers GO to each. An arrival carries the board's verdict, so GO carries the
 * combined verdict and every board reports the same result.
 */
import type { Completion, Endpoint, McapiNode, Request } from '../../src/mcapi/index.js';
import { EndpointAttr, Status } from '../../src/mcapi/index.js';

const ARRIVE = 1;
const GO = 2;
const MAX_TEXT = 300;

export interface Verdict {
  ok: boolean;
  message: string;
}

interface Arrival {
  readonly key: string;
  ranks: number[];
  participants: number;
  ok: boolean;
  message: string;
}

function ascii(s: string, max: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length && out.length < max; i++) {
    const c = s.charCodeAt(i);
    out.push(c >= 0x20 && c < 0x7f ? c : 0x3f);
  }
  return out;
}

function text(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
}

export class Barrier implements Completion {
  private readonly mcapi: McapiNode;
  private readonly ep: Endpoint;
  private readonly rank: number;
  /**
   * Barrier endpoints by rank (holes where none): all of them on rank 0, rank 0's elsewhere.
   * Here and below arrays, not Maps: a Map and each of its entries are slot-heap memory on XS,
   * an array's items are chunks, and a board has only a key or two in flight at a time (the
   * boards pass the same keys in order), found by a short scan (docs/FOOTPRINT.md "Round 11:
   * conformance slots").
   */
  private readonly peers: Endpoint[] = [];
  /** Rank 0: the keys some boards have arrived at. */
  private readonly arrivals: Arrival[] = [];
  /** GO received before this board called sync for its key: keys and verdicts, by position. */
  private readonly releasedKeys: string[] = [];
  private readonly releasedVerdicts: Verdict[] = [];
  /** Syncs waiting for their GO: keys and resolvers, by position. */
  private readonly waitingKeys: string[] = [];
  private readonly waitingResolvers: ((v: Verdict) => void)[] = [];
  /** The receive posted last (msgRecvI): whether it occupies a request slot is `live`. */
  private recv: Request<number> | null = null;
  /** The receive buffer, one for the barrier's life. */
  private readonly buf = new Uint8Array(16 + 2 * MAX_TEXT);

  private constructor(mcapi: McapiNode, ep: Endpoint, rank: number) {
    this.mcapi = mcapi;
    this.ep = ep;
    this.rank = rank;
  }

  /** Create this board's barrier endpoint on `port` and find the others'. */
  static async open(
    mcapi: McapiNode, domain: number, rank: number, boards: number, nodeOfRank: (r: number) => number, port: number,
  ): Promise<Barrier> {
    const ep = mcapi.createEndpoint(port);
    mcapi.setEndpointAttribute(ep, EndpointAttr.TIMEOUT, Infinity);
    const b = new Barrier(mcapi, ep, rank);
    b.post();
    if (rank === 0) {
      for (let r = 1; r < boards; r++) b.peers[r] = await mcapi.getEndpoint(domain, nodeOfRank(r), port);
    } else {
      b.peers[0] = await mcapi.getEndpoint(domain, nodeOfRank(0), port);
    }
    return b;
  }

  /** Delete the endpoint (ends the receive loop). */
  close(): void {
    try {
      this.mcapi.deleteEndpoint(this.ep);
    } catch {
      // already gone
    }
  }

  /**
   * The posted receive completed (its Completion, McapiNode.onComplete; in a microtask, as a
   * reaction on `wait` ran): handle the message and post the next receive, until the endpoint
   * is deleted (the receive fails, the loop ends). The next receive is posted in the same job
   * that handled a message, on every engine (the conformance cases count this receive's request
   * before and after). The barrier itself is the Completion: no `wait` promise, its reaction's
   * promise and a bound function held for the whole run (~30 XS slots on every board,
   * docs/FOOTPRINT.md "Round 13: conformance slots"; a `try { await }` loop was more, Round 9).
   */
  complete(req: Request<unknown>): void {
    if (req.status !== Status.MCAPI_SUCCESS) return;
    this.handle(this.buf.subarray(0, req.size));
    this.post();
  }

  /**
   * Post the next receive as a request of its own (`msgRecvI`, then `wait`), always: `msgRecv`
   * takes a message already queued without any request and waits with one otherwise, so the
   * requests the barrier held changed with the timing of its messages, and a case that began
   * while one was queued and ended while the next receive waited was counted as having left a
   * request behind (the instrumented firmware's "left 1 request(s) behind", docs/FOOTPRINT.md
   * "Round 10: conformance slots"). `heldRequests` says exactly what this one holds.
   */
  private post(): void {
    let r: Request<number>;
    try {
      r = this.mcapi.msgRecvI(this.ep, this.buf);
    } catch {
      // the endpoint was deleted: the receive loop ends
      this.recv = null;
      return;
    }
    this.recv = r;
    this.mcapi.onComplete(r, this);
  }

  /** MCAPI requests the barrier holds now: its posted receive while that occupies a table slot (0 or 1). */
  heldRequests(): number {
    const r = this.recv;
    return r !== null && r.live ? 1 : 0;
  }

  private handle(m: Uint8Array): void {
    if (m.length < 5) return;
    const kind = m[0];
    const from = m[1]!;
    const participants = m[2]!;
    const ok = m[3] === 1;
    const keyLen = m[4]!;
    if (m.length < 5 + keyLen) return;
    const key = text(m.subarray(5, 5 + keyLen));
    const message = text(m.subarray(5 + keyLen));
    if (kind === ARRIVE && this.rank === 0) this.arrive(key, from, participants, ok, message);
    else if (kind === GO) this.release(key, { ok, message });
  }

  private encode(kind: number, key: string, participants: number, ok: boolean, message: string): Uint8Array {
    const k = ascii(key, 255);
    const t = ascii(message, MAX_TEXT);
    const b = new Uint8Array(5 + k.length + t.length);
    b[0] = kind;
    b[1] = this.rank;
    b[2] = participants;
    b[3] = ok ? 1 : 0;
    b[4] = k.length;
    b.set(k, 5);
    b.set(t, 5 + k.length);
    return b;
  }

  private release(key: string, v: Verdict): void {
    const i = this.waitingKeys.indexOf(key);
    if (i >= 0) {
      const w = this.waitingResolvers[i]!;
      this.waitingKeys.splice(i, 1);
      this.waitingResolvers.splice(i, 1);
      w(v);
    } else {
      this.releasedKeys.push(key);
      this.releasedVerdicts.push(v);
    }
  }

  private arrival(key: string): number {
    const a = this.arrivals;
    for (let i = 0; i < a.length; i++) if (a[i]!.key === key) return i;
    return -1;
  }

  private arrive(key: string, from: number, participants: number, ok: boolean, message: string): void {
    const at = this.arrival(key);
    let a: Arrival;
    if (at >= 0) {
      a = this.arrivals[at]!;
    } else {
      a = { key, ranks: [], participants, ok: true, message: '' };
      this.arrivals.push(a);
    }
    if (a.ranks.indexOf(from) >= 0) return;
    a.ranks.push(from);
    if (!ok) {
      a.ok = false;
      const line = `[rank ${String(from)}] ${message}`;
      a.message = a.message === '' ? line : `${a.message}; ${line}`;
    }
    if (a.ranks.length < a.participants) return;
    this.arrivals.splice(this.arrival(key), 1);
    const v: Verdict = { ok: a.ok, message: a.message.slice(0, MAX_TEXT) };
    const go = this.encode(GO, key, a.participants, v.ok, v.message);
    // The GO sends as requests told to one GoRound (a Completion), not msgSend promises under a
    // Promise.all and its reaction (~60 XS slots while a GO is in flight on rank 0, during every
    // case's syncs: docs/FOOTPRINT.md "Round 13: conformance slots").
    const round = new GoRound(this, key, v);
    for (let r = 1; r < a.participants; r++) {
      const ep = this.peers[r];
      if (ep !== undefined) this.sendGo(round, ep, go);
    }
    round.check();
  }

  /** One GO send of a round (no `continue` out of a catch: typescript-to-lua's pcall has no label to jump to). */
  private sendGo(round: GoRound, ep: Endpoint, go: Uint8Array): void {
    let req: Request<number>;
    try {
      req = this.mcapi.msgSendI(this.ep, ep, go);
    } catch {
      round.failed();
      return;
    }
    round.left++;
    this.mcapi.onComplete(req, round);
  }

  /** @internal A GO round ended (GoRound): release this board's own sync. */
  released(key: string, v: Verdict): void {
    this.release(key, v);
  }

  /**
   * Wait until the `participants` lowest ranks have all called sync(key). Returns the combined
   * verdict (`ok` false when any board passed ok = false).
   */
  sync(key: string, participants: number, ok = true, message = ''): Promise<Verdict> {
    if (this.rank >= participants) return Promise.reject(new Error(`barrier: rank ${String(this.rank)} is not among ${String(participants)} participants`));
    const done = new Promise<Verdict>((resolve) => {
      const early = this.releasedKeys.indexOf(key);
      if (early >= 0) {
        const v = this.releasedVerdicts[early]!;
        this.releasedKeys.splice(early, 1);
        this.releasedVerdicts.splice(early, 1);
        resolve(v);
      } else {
        this.waitingKeys.push(key);
        this.waitingResolvers.push(resolve);
      }
    });
    if (this.rank === 0) {
      this.arrive(key, 0, participants, ok, message);
    } else {
      const ep = this.peers[0];
      if (ep === undefined) return Promise.reject(new Error('barrier: rank 0 endpoint unknown'));
      // A reaction on the send rather than an async method (a suspended frame, ~43 XS slots).
      return this.mcapi.msgSend(this.ep, ep, this.encode(ARRIVE, key, participants, ok, message)).then(() => done);
    }
    return done;
  }
}

/**
 * Rank 0's GO sends for one key: when every one was accepted the barrier releases its own sync
 * with the verdict; at the first failure, with a failed verdict (as Promise.all's rejection did).
 */
class GoRound implements Completion {
  left = 0;
  private done = false;

  constructor(
    private readonly barrier: Barrier,
    private readonly key: string,
    private readonly v: Verdict,
  ) {}

  complete(req: Request<unknown>): void {
    this.left--;
    if (req.status !== Status.MCAPI_SUCCESS) this.failed();
    else this.check();
  }

  /** Every send accepted (or none to send): release with the verdict. */
  check(): void {
    if (this.left > 0 || this.done) return;
    this.done = true;
    this.barrier.released(this.key, this.v);
  }

  failed(): void {
    if (this.done) return;
    this.done = true;
    this.barrier.released(this.key, { ok: false, message: 'barrier GO failed' });
  }
}
