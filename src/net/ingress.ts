/**
 * What happens to a whole frame taken off a link before any protocol looks at it: the ingress
 * fault injector of the board console (drop, corrupt, delay, partition), then decoding and
 * validation (docs/PROTOCOL.md §1), the domain check, and the partition filter on the
 * neighbour. What passes goes to the link's `onFrame` (sessions, per-hop ARQ).
 */
import type { Clock } from '../hal.js';
import { copyBytes } from '../wire/bytes.js';
import { FLAG_SEQ_VALID, OFF_DOMAIN, emptyFrame } from '../wire/frame.js';
import type { FrameCodec, FrameFields } from '../wire/frame.js';
import { Deadline } from './deadline.js';
import type { ResolvedFault } from './fault.js';
import { Fifo } from './fifo.js';
import type { HopLink } from './hop-link.js';
import type { NetHost, ResolvedNetOptions } from './options.js';
import type { NetCounters } from './stats.js';
import { NS_FAULT_DROPPED, NS_MALFORMED, NS_VERSION_MISMATCH, NS_WRONG_DOMAIN, LS_FAULT_DROPPED, LS_MALFORMED, LS_PEER_VERSION, LS_VERSION_MISMATCH, LS_WRONG_DOMAIN } from './stats.js';

interface DelayedFrame {
  link: HopLink;
  bytes: Uint8Array;
  at: number;
}

export class Ingress {
  /** The injected fault now in force (null: none). The layer reads it for its own partition filter. */
  fault: ResolvedFault | null = null;

  private readonly clock: Clock;
  /** The board's random numbers (NetHost.random): only a fault in force draws them. */
  private readonly host: NetHost;
  private readonly codec: FrameCodec;
  private readonly domain: number;
  private readonly st: NetCounters;
  private readonly rx: FrameFields = emptyFrame();
  /**
   * Frames held by a delay fault and their timer, built on the first delay asked for: a board
   * never faulted does without them (~25 live slots on XS; docs/FOOTPRINT.md, Round 6b).
   */
  /** @internal Read by NetLayer.ingress, which takes the usual case past `take`. */
  delayed: Fifo<DelayedFrame> | null = null;
  private delayDeadline: Deadline | null = null;

  constructor(clock: Clock, opts: ResolvedNetOptions, codec: FrameCodec, stats: NetCounters) {
    this.clock = clock;
    this.host = opts.host;
    this.codec = codec;
    this.domain = opts.domain;
    this.st = stats;
  }

  stop(): void {
    if (this.delayDeadline !== null) this.delayDeadline.stop();
  }

  /** A whole frame off `link` (deframed on a stream, a datagram as received). */
  take(link: HopLink, frame: Uint8Array): void {
    const fault = this.fault;
    // The usual case, decided in one test: no fault in force and nothing held by an earlier delay.
    if (fault === null && this.delayed === null) {
      this.process(link, frame);
      return;
    }
    let bytes = frame;
    if (fault !== null) {
      const host = this.host;
      if (fault.drop > 0 && host.random() < fault.drop) {
        this.st[NS_FAULT_DROPPED]!++;
        link.stats[LS_FAULT_DROPPED]!++;
        return;
      }
      if (fault.corrupt > 0 && host.random() < fault.corrupt && bytes.length > 0) {
        if (link.kind === 'datagram') {
          // What a damaged datagram meets on a real board: the transport's own check (UDP
          // checksum, the MAC's CRC-32) discards it before it reaches us; our CRC may be absent.
          this.st[NS_MALFORMED]!++;
          link.stats[LS_MALFORMED]!++;
          return;
        }
        bytes = copyBytes(bytes);
        const bit = Math.floor(host.random() * bytes.length * 8);
        bytes[bit >>> 3]! ^= 1 << (bit & 7);
      }
    }
    if ((fault !== null && fault.delayMs > 0) || (this.delayed !== null && this.delayed.length > 0)) {
      // Frames already waiting keep their place even if the delay was lifted since.
      const at = this.clock.now() + (fault !== null ? fault.delayMs : 0);
      if (this.delayed === null) this.delayed = new Fifo<DelayedFrame>();
      if (this.delayDeadline === null) this.delayDeadline = new Deadline(this.clock, this);
      this.delayed.push({ link, bytes: bytes === frame ? copyBytes(frame) : bytes, at });
      this.delayDeadline.armNoLaterThan(at);
      return;
    }
    this.process(link, bytes);
  }

  /** Deadline dispatch (deadline.ts): the delay queue's only deadline. */
  deadline(): void {
    this.flushDelayed();
  }

  private flushDelayed(): void {
    const now = this.clock.now();
    const delayed = this.delayed;
    const deadline = this.delayDeadline;
    if (delayed === null || deadline === null) return;
    for (;;) {
      const head = delayed.peek();
      if (head === undefined) return;
      if (head.at > now) {
        deadline.arm(head.at);
        return;
      }
      delayed.shift();
      this.process(head.link, head.bytes);
    }
  }

  /**
   * A frame refused for its version: if it is otherwise a sealed frame of our domain, a
   * neighbour speaks another frame version. Counted each time, reported once per link and
   * version (the link's `peerVersion` remembers it): the link can never come up, and without
   * this a user sees only malformed counts (docs/PROTOCOL.md §1).
   */
  private otherVersion(link: HopLink, bytes: Uint8Array): void {
    const v = this.codec.sealedVersion(bytes, link.kind === 'datagram');
    if (v < 0 || bytes[OFF_DOMAIN] !== this.domain) return;
    this.st[NS_VERSION_MISMATCH]!++;
    link.stats[LS_VERSION_MISMATCH]!++;
    if (link.stats[LS_PEER_VERSION] === v) return;
    link.stats[LS_PEER_VERSION] = v;
    // Through the link to its host (the NetLayer): no reference of our own (test/net/footprint-shape).
    link.host.versionMismatch(link, v);
  }

  /** @internal Decode and validate a frame past the fault injector (NetLayer.ingress, when no fault is in force). */
  process(link: HopLink, bytes: Uint8Array): void {
    const f = this.rx;
    const error = this.codec.decode(bytes, f, true, link.kind === 'datagram');
    if (error !== 'ok' || f.ttl === 0) {
      this.st[NS_MALFORMED]!++;
      link.stats[LS_MALFORMED]!++;
      if (error === 'version') this.otherVersion(link, bytes);
      return;
    }
    if (f.domain !== this.domain) {
      this.st[NS_WRONG_DOMAIN]!++;
      link.stats[LS_WRONG_DOMAIN]!++;
      return;
    }
    // A partition: nothing from a blocked neighbour (so the link goes down). Sequenced frames
    // from other neighbours that merely come from or go to a blocked node are dropped only
    // after the link layer took them (NetLayer.receive), or the hop's sequence would stall on the gap.
    const fault = this.fault;
    if (fault !== null && fault.blockNodes.length > 0) {
      const b = fault.blocked;
      if ((link.peer >= 0 && b[link.peer] === 1) || ((f.flags & FLAG_SEQ_VALID) === 0 && b[f.src] === 1)) {
        this.st[NS_FAULT_DROPPED]!++;
        link.stats[LS_FAULT_DROPPED]!++;
        return;
      }
    }
    // Counted in: by the link (its framesIn, or the net's authFailed), summed by NetLayer.stats().
    link.onFrame(f, bytes);
  }
}
