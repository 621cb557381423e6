/**
 * The network layer's side towards the layers above: handlers registered per frame-type
 * range, delivery to them (epoch filter, counters; a handler that throws is logged and
 * counted, the others still get the frame), and the loopback of frames a node sends to
 * itself, delivered from a timer and never from inside send().
 */
import type { Clock } from '../hal.js';
import { InvariantError, assert } from '../util/assert.js';
import { copyBytes } from '../wire/bytes.js';
import type { FrameFields } from '../wire/frame.js';
import { Deadline } from './deadline.js';
import { Fifo } from './fifo.js';
import type { NetFrame, NetHandler } from './net.js';
import type { ResolvedNetOptions } from './options.js';
import type { NetCounters } from './stats.js';
import { NS_DELIVERED, NS_HANDLER_ERRORS, NS_SENT, NS_STALE, NS_UNHANDLED, NS_UNROUTABLE } from './stats.js';

/** The first frame type that belongs to a layer above the network. */
export const FIRST_UPPER_TYPE = 0x10;

/** A caller's integer argument in min..max, else a RangeError naming it. */
export function checkInt(name: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(`${name} must be an integer in ${min}..${max}, got ${String(v)}`);
  }
  return v;
}

interface Registration {
  first: number;
  last: number;
  handler: NetHandler;
}

export interface UpperHost {
  readonly clock: Clock;
  readonly opts: ResolvedNetOptions;
  readonly st: NetCounters;
  /** The layer's current epoch, as it travels (u16). */
  wireEpoch(): number;
}

export class UpperLayers {
  private readonly host: UpperHost;
  private readonly st: NetCounters;
  private readonly handlers: Registration[] = [];
  /**
   * The loopback queue and its timer, built on the first frame a node sends to itself: most
   * boards never do, and the pair costs ~25 live slots on XS (docs/FOOTPRINT.md, Round 6b).
   */
  private local: Fifo<NetFrame> | null = null;
  private localDeadline: Deadline | null = null;

  constructor(host: UpperHost) {
    this.host = host;
    this.st = host.st;
  }

  stop(): void {
    if (this.localDeadline !== null) this.localDeadline.stop();
  }

  register(first: number, last: number, handler: NetHandler): void {
    // Frame types are one byte.
    checkInt('register first', first, FIRST_UPPER_TYPE, 0xff);
    checkInt('register last', last, first, 0xff);
    if (typeof handler !== 'function') throw new TypeError('register handler must be a function');
    this.handlers.push({ first, last, handler });
  }

  /** A frame for this node from the network; `epoch` is the layer's current one (u16). */
  deliver(f: FrameFields, payload: Uint8Array, epoch: number): void {
    if (f.epoch < epoch) {
      this.st[NS_STALE]!++;
      return;
    }
    const frame: NetFrame = { type: f.type, src: f.src, dst: f.dst, srcPort: f.srcPort, dstPort: f.dstPort, epoch: f.epoch, payload };
    // dispatch's work inline (every frame delivered: a call fewer a frame), the same tests,
    // the same order and the same counting; the one registration (MCAPI's on most boards)
    // without the loop (an XS loop's iteration costs more than the test).
    const handlers = this.handlers;
    const type = frame.type;
    if (handlers.length === 1) {
      const r = handlers[0]!;
      if (type >= r.first && type <= r.last) {
        try {
          r.handler(frame);
        } catch (e) {
          this.handlerError(r, e);
        }
        this.st[NS_DELIVERED]!++;
        return;
      }
    }
    let taken = false;
    for (let i = 0; i < handlers.length; i++) {
      const r = handlers[i]!;
      if (type < r.first || type > r.last) continue;
      taken = true;
      try {
        r.handler(frame);
      } catch (e) {
        this.handlerError(r, e);
      }
    }
    if (taken) this.st[NS_DELIVERED]!++;
    else this.st[NS_UNHANDLED]!++;
  }

  /** A frame this node sends to itself: queued (a copy of its payload) and delivered from a timer. */
  sendLocal(frame: Omit<NetFrame, 'src' | 'epoch'>, node: number, epoch: number): boolean {
    const max = this.host.opts.maxQueue;
    if (this.local === null) this.local = new Fifo<NetFrame>();
    if (this.localDeadline === null) this.localDeadline = new Deadline(this.host.clock, this);
    if (this.local.length >= max) {
      this.st[NS_UNROUTABLE]!++;
      return false;
    }
    this.local.push({
      type: frame.type, src: node, dst: node, srcPort: frame.srcPort, dstPort: frame.dstPort,
      epoch, payload: copyBytes(frame.payload),
    });
    this.st[NS_SENT]!++;
    // Handlers must not re-enter their caller.
    this.localDeadline.armNoLaterThan(this.host.clock.now());
    return true;
  }

  /** Deadline dispatch (deadline.ts): the loopback queue's only deadline. */
  deadline(): void {
    this.flushLocal();
  }

  private flushLocal(): void {
    const epoch = this.host.wireEpoch();
    const local = this.local;
    if (local === null || this.localDeadline === null) return;
    for (let n = local.length; n > 0; n--) {
      const frame = local.shift();
      assert(frame !== undefined, 'net: the loopback queue holds as many frames as its length says');
      if (frame.epoch < epoch) this.st[NS_STALE]!++;
      else this.dispatch(frame);
    }
    if (local.length > 0) this.localDeadline.armNoLaterThan(this.host.clock.now());
  }

  private dispatch(frame: NetFrame): void {
    let taken = false;
    const handlers = this.handlers;
    for (let i = 0; i < handlers.length; i++) {
      const r = handlers[i]!;
      if (frame.type < r.first || frame.type > r.last) continue;
      taken = true;
      try {
        r.handler(frame);
      } catch (e) {
        this.handlerError(r, e);
      }
    }
    if (taken) this.st[NS_DELIVERED]!++;
    else this.st[NS_UNHANDLED]!++;
  }

  /** A handler threw: a broken invariant stops the board (src/util/assert.ts); an upper layer's error is counted. */
  private handlerError(r: Registration, e: unknown): void {
    if (e instanceof InvariantError) throw e;
    this.st[NS_HANDLER_ERRORS]!++;
    const board = this.host.opts.host;
    if (board.log !== undefined) board.log('error', `net: handler for frame types ${r.first}..${r.last} threw: ${String(e)}`);
  }
}
