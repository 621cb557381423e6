/**
 * Scalar data on an open scalar channel (mcapi_sclchan_send_uintN / recv_uintN / available).
 * Every scalar travels as a width byte (1, 2, 4, 8) and its value, big-endian; several may
 * share a frame. The receive side queues them in a ring of `granted` slots (width, high and
 * low 32 bits, in one typed array), so a 64-bit value is exact on every engine; a receive of the wrong width
 * fails and leaves the scalar queued. The channel comes checked from the facade (args.ts).
 */
import { assert } from '../util/assert.js';
import type { NetFrame } from '../net/net.js';
import type { Core } from './core.js';
import type { Credits } from './credits.js';
import { MalformedFrame } from './frames.js';
import { Request } from './request.js';
import { Channel } from './state.js';
import type { RxWait, ScalarRing, ScalarValue } from './state.js';
import { McapiError, Status } from './status.js';
import type { StatusCode } from './status.js';
import { u64Exact, u64Join } from './u64.js';
import { ChanKind, readU16, readU32 } from './wire.js';

export class Scalars {

  constructor(private readonly core: Core, private readonly credits: Credits) {}

  /** The ring of a scalar receive side (allocated when it opens). */
  private ring(chan: Channel): ScalarRing {
    const r = chan.ring;
    assert(r !== null, 'mcapi: scalar receive side without its ring');
    return r;
  }

  /** A scalar send: null when sent at once, else a request that completes when it is sent. */
  send(chan: Channel, width: number, hi: number, lo: number): Request<number> | null {
    if (chan.peerClosed) throw new McapiError(Status.MCAPI_ERR_CHAN_NOTOPEN, 'the receive side closed the channel');
    if (chan.credits > 0 && chan.sendQ.length === 0) {
      this.credits.transmitScl(chan, width, hi, lo);
      return null;
    }
    if (chan.ep.attrs.failOnLimit) throw new McapiError(Status.MCAPI_ERR_MEM_LIMIT, 'the receiver has no free buffer (fail-on-limit policy)');
    return this.credits.queueSend(chan, Request.KIND.SCL_SEND, null, width, hi, lo);
  }

  onScl(f: NetFrame): void {
    const core = this.core;
    const chan = core.endpoints.get(f.dstPort)?.chan;
    if (chan === undefined || !chan.receives(ChanKind.SCL, f.src, f.srcPort)) {
      core.counters.dropped++;
      return;
    }
    const p = f.payload;
    let off = 0;
    let count = 0;
    while (off < p.length) {
      const w = p[off]!;
      MalformedFrame.check((w === 1 || w === 2 || w === 4 || w === 8) && off + 1 + w <= p.length, 'mcapi: bad scalar width or length');
      off += 1 + w;
      count++;
    }
    MalformedFrame.check(count > 0 && chan.sclCount + count <= chan.granted, 'mcapi: scalars beyond the credits granted');
    const cap = chan.granted;
    const r = this.ring(chan);
    off = 0;
    // Every width and length was checked above: the reads below stay inside the payload.
    while (off < p.length) {
      const w = p[off]!;
      const at = Channel.RING_STRIDE * ((chan.sclHead + chan.sclCount) % cap);
      r[at] = w;
      r[at + 1] = w === 8 ? readU32(p, off + 1) : 0;
      r[at + 2] = w === 1 ? p[off + 1]! : w === 2 ? readU16(p, off + 1) : w === 4 ? readU32(p, off + 1) : readU32(p, off + 5);
      chan.sclCount++;
      off += 1 + w;
    }
    this.serve(chan);
  }

  private pop(chan: Channel, pair: boolean): ScalarValue {
    assert(chan.sclCount > 0, 'mcapi: scalar taken from an empty ring');
    const r = this.ring(chan);
    const i = chan.sclHead;
    const at = Channel.RING_STRIDE * i;
    const w = r[at];
    const hi = r[at + 1]!;
    const lo = r[at + 2]!;
    chan.sclHead = (i + 1) % chan.granted;
    chan.sclCount--;
    this.core.counters.sclReceived++;
    this.credits.owe(chan);
    if (w !== 8) return lo;
    return pair ? [hi, lo] : u64Join(hi, lo);
  }

  /**
   * Why the scalar at the head cannot go to a receive of `width` (and stays queued), or null.
   * A 64-bit scalar asked for as one number must be exact on this engine (Lua 5.1: 2^53-1).
   */
  private headRefusal(chan: Channel, width: number, pair: boolean): { status: StatusCode; detail: string } | null {
    const r = this.ring(chan);
    const at = Channel.RING_STRIDE * chan.sclHead;
    const head = r[at]!;
    if (head !== width) {
      return { status: Status.MCAPI_ERR_SCL_SIZE, detail: `the next scalar is ${String(head * 8)}-bit, not ${String(width * 8)}-bit` };
    }
    if (width === 8 && !pair && !u64Exact(r[at + 1]!, r[at + 2]!)) {
      return { status: Status.MCAPI_ERR_PARAMETER, detail: 'the next 64-bit scalar is not exact as a number on this engine: receive it as a (hi, lo) pair' };
    }
    return null;
  }

  /** Hand queued scalars to waiting receives; a width mismatch fails the receive, the scalar stays. */
  private serve(chan: Channel): void {
    const core = this.core;
    for (let w = chan.rxWaiters[0]; w !== undefined && chan.sclCount > 0; w = chan.rxWaiters[0]) {
      chan.rxWaiters.shift();
      core.clearTimer(w.timer);
      const req = w.req as Request<ScalarValue>;
      const refusal = this.headRefusal(chan, w.width, w.pair);
      if (refusal !== null) {
        core.requests.fail(req, refusal.status, refusal.detail);
      } else {
        core.requests.succeed(req, this.pop(chan, w.pair), w.width);
      }
    }
  }

  /** A scalar receive: the value at once, or a request that completes with it. */
  recv(chan: Channel, width: number, pair: boolean): { value: ScalarValue } | Request<ScalarValue> {
    if (chan.sclCount > 0) {
      const refusal = this.headRefusal(chan, width, pair);
      if (refusal !== null) throw new McapiError(refusal.status, refusal.detail);
      return { value: this.pop(chan, pair) };
    }
    if (chan.peerClosed) throw new McapiError(Status.MCAPI_ERR_CHAN_NOTOPEN, 'the send side closed the channel and nothing is left');
    const req = this.core.requests.alloc<ScalarValue>(Request.KIND.SCL_RECV);
    const w: RxWait = { req, width, pair, timer: -1 };
    chan.waitForData(w);
    return req;
  }

  available(chan: Channel): number {
    return chan.sclCount;
  }
}
