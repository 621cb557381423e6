/**
 * The network layer: one `HopLink` per HAL link (sessions, per-hop ARQ, framing), link-state
 * routing over them (link-state.ts), forwarding by ttl, broadcast along the source's
 * breadth-first tree (broadcast.ts), end-to-end delivery of unicast frames (e2e.ts), epoch
 * filtering and dispatch to the layers above (upper.ts), and ingress fault injection
 * (ingress.ts). This file wires them and keeps the unicast hot path (send, receive, forward)
 * in one place. Driven entirely by HAL callbacks (bytes in, timers); see docs/PROTOCOL.md for
 * the rules it implements.
 */
import type { Clock, HalLink } from '../hal.js';
import { FrameAuth, parseDomainKey } from '../wire/auth.js';
import { copyBytes } from '../wire/bytes.js';
import { FrameType } from '../wire/frame-types.js';
import { FRAME_OVERHEAD, FRAME_VERSION, FrameCodec, HEADER_SIZE, OFF_TTL, TAG_SIZE } from '../wire/frame.js';
import type { FrameFields } from '../wire/frame.js';
import { BROADCAST_NODE, NODE_ID_MAX } from '../wire/ids.js';
import { Broadcast } from './broadcast.js';
import { Deadline } from './deadline.js';
import { E2E_HEADER, E2eLayer } from './e2e.js';
import { resolveFault } from './fault.js';
import type { IngressFault, ResolvedFault } from './fault.js';
import { HopLink } from './hop-link.js';
import { Ingress } from './ingress.js';
import { LinkStateRouting } from './link-state.js';
import type { Net, NetFrame, NetHandler } from './net.js';
import { resolveNetOptions } from './options.js';
import { zeros } from '../util/figures.js';
import type { NetOptions, ResolvedNetOptions } from './options.js';
import { netLayerStats, newNetCounters } from './stats.js';
import type { LinkStats, NetCounters, NetLayerStats } from './stats.js';
import { FIRST_UPPER_TYPE, UpperLayers, checkInt } from './upper.js';
import { BCAST_HEADER } from './broadcast.js';

/** 256 frame types, 32 to a word. */
const BULK_WORDS = 8;
/** Tags of the layer's deadlines. */
const HELLO_TIMER = 0;
const LSA_TIMER = 1;
import { NS_AUTH_FAILED, NS_BYTES_IN, NS_BYTES_OUT, NS_FRAMES_IN, NS_E2E_FULL, NS_FAULT_DROPPED, NS_FORWARDED, NS_FRAMES_OUT, NS_MALFORMED, NS_SENT, NS_TTL_EXPIRED, NS_UNROUTABLE, LS_BYTES_IN, LS_BYTES_OUT, LS_FAULT_DROPPED, LS_FRAMES_IN, LS_FRAMES_OUT, LS_MALFORMED } from './stats.js';


export class NetLayer implements Net {
  readonly domain: number;
  readonly node: number;
  /** Current membership epoch (0..65535): frames sent carry it, older frames are not delivered. */
  epoch: number;
  readonly options: Readonly<ResolvedNetOptions>;
  /** Called whenever the set of reachable nodes changes (from inside event processing). */
  onTopology: ((nodes: readonly number[]) => void) | null = null;

  // Public for the sub-layers only: this object is their host (LinkHost, UpperHost,
  // RoutingHost, BroadcastHost, E2eHost). One host instead of five option objects of arrow
  // functions saves ~100 live slots on an XS board (docs/FOOTPRINT.md, Round 6b).
  /** @internal */ readonly clock: Clock;
  /** @internal */ readonly codec: FrameCodec;
  /** @internal The counters (stats.ts: a plain Array indexed by NS_*). */ readonly st: NetCounters = newNetCounters();
  /** @internal The resolved options again, under the name the sub-layers' host contracts use. */
  readonly opts: Readonly<ResolvedNetOptions>;
  private readonly halLinks: readonly HalLink[];
  /** @internal */ readonly hops: HopLink[];
  private readonly helloDeadline: Deadline;
  private readonly lsaDeadline: Deadline;
  private started = false;
  /** The domain key's MAC; null for a domain without a key. */
  /** @internal */ readonly auth: FrameAuth | null;
  /** Frames carry the MAC (auth !== null). */
  private readonly tagged: boolean;
  private readonly e2e: E2eLayer;
  /** @internal */ readonly routing: LinkStateRouting;
  private readonly bcast: Broadcast;
  /** @internal */ readonly upper: UpperLayers;
  private readonly inbound: Ingress;
  /**
   * Frame types sent in the hop links' bulk class (lowPriority): bit `type & 31` of word
   * `type >>> 5`. Eight numbers in a plain Array (2 XS slots, not a 256-byte typed array's 7 and
   * its chunk; docs/FOOTPRINT.md "Round 20: checkpoint data framed in place"). The sends test
   * the word first: MCAPI's types are in words of no bulk type, a read and a compare.
   */
  private readonly bulkTypes: number[] = zeros(BULK_WORDS);

  constructor(links: readonly HalLink[], clock: Clock, options: NetOptions) {
    const opts = resolveNetOptions(options);
    this.options = opts;
    this.opts = opts;
    this.domain = opts.domain;
    this.node = opts.node;
    this.epoch = opts.epoch;
    this.clock = clock;
    // maxPayload is what the layers above may send; a unicast frame carries the e2e prefix too.
    this.codec = new FrameCodec(opts.maxPayload + E2E_HEADER, opts.crcSlices, opts.bytes);
    this.auth = opts.domainKey === null ? null : new FrameAuth(parseDomainKey(opts.domainKey, 'net option domainKey'));
    this.tagged = this.auth !== null;
    const tag = this.auth === null ? 0 : TAG_SIZE;
    // Drawn before the links' session ids: the order of random draws is part of a seeded run.
    const bcastFirst = Broadcast.firstNumber(opts.host.random());
    for (let i = 0; i < links.length; i++) {
      const l = links[i]!;
      if (l.kind === 'datagram' && l.mtu < FRAME_OVERHEAD + tag + E2E_HEADER + opts.maxPayload) {
        throw new RangeError(
          `links[${i}].mtu ${l.mtu} is below the largest frame (${FRAME_OVERHEAD + tag + E2E_HEADER + opts.maxPayload} bytes): ` +
          'raise the datagram link mtu or lower the net option maxPayload',
        );
      }
    }
    this.inbound = new Ingress(clock, opts, this.codec, this.st);
    this.halLinks = links;
    this.hops = links.map((l) => new HopLink(l, this));
    this.upper = new UpperLayers(this);
    this.routing = new LinkStateRouting(this);
    this.bcast = new Broadcast(this, bcastFirst);
    this.helloDeadline = new Deadline(clock, this, HELLO_TIMER);
    this.lsaDeadline = new Deadline(clock, this, LSA_TIMER);
    this.e2e = new E2eLayer(this);
  }

  // --- the sub-layers' host side (@internal; see the note on `clock`) ---------------------------

  /** @internal The current epoch as it travels (u16). */
  wireEpoch(): number {
    return this.epoch & 0xffff;
  }

  /** @internal A whole frame taken off a link, before it is decoded: the ingress fault injector first. */
  ingress(link: HopLink, frame: Uint8Array): void {
    const i = this.inbound;
    // The usual case (no fault in force, nothing delayed) straight to decoding: one call fewer a frame.
    if (i.fault === null && i.delayed === null) i.process(link, frame);
    else i.take(link, frame);
  }

  /** @internal A link-state advertisement of `origin` as a frame. */
  lsaFrame(origin: number, payload: Uint8Array): Uint8Array {
    return this.newFrame(FrameType.LSA, origin, BROADCAST_NODE, 1, 0, 0, 0, payload);
  }

  /** @internal */
  topologyChanged(reachable: readonly number[]): void {
    if (this.onTopology !== null) this.onTopology(reachable.slice());
  }

  /** @internal A broadcast frame of ours, with `prefix` bytes for the broadcast number. */
  frame(f: Omit<NetFrame, 'src' | 'epoch'>, prefix: number): Uint8Array {
    return this.newFrame(f.type, this.node, f.dst, this.options.ttl, f.srcPort, f.dstPort, prefix, f.payload);
  }

  /** @internal An end-to-end resend towards `dst`. */
  transmit(dst: number, frame: Uint8Array): boolean {
    const hop = this.routing.route(dst);
    // A resend, even of a low-priority frame, is never held back: it already has its
    // end-to-end sequence number, and later frames to the node wait for it at the peer.
    return hop !== null && hop.enqueue(frame, 'local');
  }

  /** @internal A standalone end-to-end ack towards `dst`. */
  sendAck(dst: number, payload: Uint8Array): void {
    const hop = this.routing.route(dst);
    if (hop === null) return; // the sender resends, and is acknowledged then
    hop.enqueue(this.newFrame(FrameType.E2E_ACK, this.node, dst, this.options.ttl, 0, 0, 0, payload), 'control');
  }

  /** @internal */
  undeliverable(node: number, frames: number): void {
    const host = this.options.host;
    if (host.log !== undefined) host.log('warn', `net: ${frames} frame(s) for node ${node} will not be delivered`);
    if (host.undeliverable !== undefined) host.undeliverable(node, frames);
  }

  /**
   * What is said of a neighbour on `link` that speaks frame version `peer` to a board that
   * speaks `ours`: the board's log, its console `status`, the simulator's summary.
   */
  static versionText(link: number, peer: number, ours: number): string {
    return `link ${link}: peer sends frame version ${peer}, this board speaks ${ours}; flash both with the same mcdsm version`;
  }

  /** @internal LinkHost: a neighbour speaks another frame version, so the link can never come up; say why (ingress.ts). */
  versionMismatch(link: HopLink, version: number): void {
    const host = this.options.host;
    if (host.log !== undefined) host.log('warn', NetLayer.versionText(link.index, version, FRAME_VERSION));
    if (host.versionMismatch !== undefined) host.versionMismatch(link.index, version);
  }

  /** Install the receive callbacks, advertise ourselves and start discovery. */
  start(): void {
    if (this.started) return;
    this.started = true;
    // The hop link is the HAL link's receiver itself: no closure per link (Round 11).
    for (let i = 0; i < this.halLinks.length; i++) this.halLinks[i]!.receiver = this.hops[i]!;
    this.routing.originate();
    for (const hop of this.hops) hop.sendHello();
    const now = this.clock.now();
    this.helloDeadline.arm(now + this.options.helloMs);
    this.lsaDeadline.arm(now + this.options.lsaRefreshMs);
  }

  /** Uninstall the callbacks and clear every timer (the board is going away). */
  stop(): void {
    if (!this.started) return;
    this.started = false;
    for (const l of this.halLinks) l.receiver = null;
    for (const hop of this.hops) hop.stop();
    this.upper.stop();
    this.helloDeadline.stop();
    this.lsaDeadline.stop();
    this.inbound.stop();
    this.e2e.stop();
  }

  // --- the Net contract ---------------------------------------------------------------------

  send(frame: Omit<NetFrame, 'src' | 'epoch'>): boolean {
    const { type, dst, srcPort, dstPort, payload } = frame;
    // `(v & m) === v` holds exactly for the integers 0..m: the slow checks only to name a bad field.
    if (type < FIRST_UPPER_TYPE || (type & 0xff) !== type || (dst & 0xff) !== dst || (srcPort & 0xffff) !== srcPort || (dstPort & 0xffff) !== dstPort) {
      badField(type, dst, srcPort, dstPort);
    }
    if (!(payload instanceof Uint8Array)) throw new TypeError('frame.payload must be a Uint8Array');
    const n = payload.length;
    const bcast = dst === BROADCAST_NODE;
    const room = this.options.maxPayload - (bcast ? BCAST_HEADER : 0);
    if (n > room) {
      throw new RangeError(
        `frame.payload is ${n} bytes, more than ${room} (maxPayload ${this.options.maxPayload}` +
        `${bcast ? `, less ${BCAST_HEADER} for a broadcast` : ''})`,
      );
    }
    if (dst === this.node) return this.upper.sendLocal(frame, this.node, this.epoch & 0xffff);
    if (!this.started) return this.refuse();
    if (bcast) return this.bcast.send(frame);
    const hop = this.routing.route(dst);
    // HopLink.canEnqueue's 'local' rule written out (every frame of the layers above), its call for 'bulk'.
    if (hop === null || (this.bulkTypes[type >>> 5] !== 0 && ((this.bulkTypes[type >>> 5]! >>> (type & 31)) & 1) === 1 ? !hop.canEnqueue('bulk') : !hop.up || hop.queue.length >= this.options.maxQueue)) return this.refuse();
    if (!this.e2e.canAccept(dst, E2E_HEADER + n)) {
      this.st[NS_E2E_FULL]!++;
      return false;
    }
    const bytes = this.codec.originate(
      type, this.domain, this.node, dst, this.options.ttl, srcPort, dstPort, this.epoch & 0xffff, E2E_HEADER, payload, this.tagged,
    );
    // Numbered, written, then held for resending (a direct stream's frame is not: null).
    const s = this.e2e.track(dst, bytes, hop);
    hop.admit(bytes);
    if (s !== null) this.e2e.hold(s, bytes);
    this.st[NS_SENT]!++;
    return true;
  }

  /**
   * Net.sendHead: send's checks and path with `head` before the payload, written into the
   * frame after FrameCodec.originate (set(), not a loop: on XS a loop's iteration is ~30
   * units, set() ~14 + 2 a byte, 18 for MCAPI's 2-byte MSG header). Written out rather than sharing send's body through a
   * parameter: a headless frame pays no test for a head (XS units on every frame). Loopback,
   * broadcast and a refusal before originating take the joined payload through send.
   */
  sendHead(type: number, dst: number, srcPort: number, dstPort: number, head: Uint8Array, payload: Uint8Array): boolean {
    if (!(head instanceof Uint8Array) || !(payload instanceof Uint8Array) || dst === this.node || dst === BROADCAST_NODE || !this.started) {
      if (!(head instanceof Uint8Array)) throw new TypeError('head must be a Uint8Array');
      // send names a bad payload; loopback, broadcast and a layer not started are send's.
      return this.send({ type, dst, srcPort, dstPort, payload: payload instanceof Uint8Array ? joined(head, payload) : payload });
    }
    if (type < FIRST_UPPER_TYPE || (type & 0xff) !== type || (dst & 0xff) !== dst || (srcPort & 0xffff) !== srcPort || (dstPort & 0xffff) !== dstPort) {
      badField(type, dst, srcPort, dstPort);
    }
    const n = head.length + payload.length;
    if (n > this.options.maxPayload) {
      throw new RangeError(`head and frame.payload are ${n} bytes, more than ${this.options.maxPayload} (maxPayload)`);
    }
    const hop = this.routing.route(dst);
    // As in send: canEnqueue's 'local' rule written out.
    if (hop === null || (this.bulkTypes[type >>> 5] !== 0 && ((this.bulkTypes[type >>> 5]! >>> (type & 31)) & 1) === 1 ? !hop.canEnqueue('bulk') : !hop.up || hop.queue.length >= this.options.maxQueue)) return this.refuse();
    if (!this.e2e.canAccept(dst, E2E_HEADER + n)) {
      this.st[NS_E2E_FULL]!++;
      return false;
    }
    // The head as part of the prefix originate leaves zero, then written over it: originate
    // itself pays nothing for heads (every other frame goes through it too).
    const bytes = this.codec.originate(
      type, this.domain, this.node, dst, this.options.ttl, srcPort, dstPort, this.epoch & 0xffff, E2E_HEADER + head.length, payload, this.tagged,
    );
    bytes.set(head, HEADER_SIZE + E2E_HEADER);
    // Numbered, written, then held for resending (a direct stream's frame is not: null).
    const s = this.e2e.track(dst, bytes, hop);
    hop.admit(bytes);
    if (s !== null) this.e2e.hold(s, bytes);
    this.st[NS_SENT]!++;
    return true;
  }

  /**
   * Net.sendBuilt: send's checks and path for a frame whose payload `write` writes in place, at
   * the end-to-end prefix's end of the frame FrameCodec.originateRoom makes (one allocation,
   * exactly the frame's size). Loopback,
   * broadcast and a layer not started take the payload written apart through send.
   */
  sendBuilt<A, B>(
    type: number, dst: number, srcPort: number, dstPort: number, bytes: number,
    write: (frame: Uint8Array, at: number, a: A, b: B) => void, a: A, b: B,
  ): boolean {
    if ((bytes >>> 0) !== bytes || bytes > this.options.maxPayload) {
      checkInt('bytes', bytes, 0, 0xffff);
      throw new RangeError(`frame.payload is ${bytes} bytes, more than ${this.options.maxPayload} (maxPayload ${this.options.maxPayload})`);
    }
    if (dst === this.node || dst === BROADCAST_NODE || !this.started) {
      const payload = new Uint8Array(bytes);
      write(payload, 0, a, b);
      return this.send({ type, dst, srcPort, dstPort, payload });
    }
    if (type < FIRST_UPPER_TYPE || (type & 0xff) !== type || (dst & 0xff) !== dst || (srcPort & 0xffff) !== srcPort || (dstPort & 0xffff) !== dstPort) {
      badField(type, dst, srcPort, dstPort);
    }
    const hop = this.routing.route(dst);
    // As in send: canEnqueue's 'local' rule written out.
    if (hop === null || (this.bulkTypes[type >>> 5] !== 0 && ((this.bulkTypes[type >>> 5]! >>> (type & 31)) & 1) === 1 ? !hop.canEnqueue('bulk') : !hop.up || hop.queue.length >= this.options.maxQueue)) return this.refuse();
    if (!this.e2e.canAccept(dst, E2E_HEADER + bytes)) {
      this.st[NS_E2E_FULL]!++;
      return false;
    }
    const frame = this.codec.originateRoom(
      type, this.domain, this.node, dst, this.options.ttl, srcPort, dstPort, this.epoch & 0xffff, E2E_HEADER, bytes, this.tagged,
    );
    write(frame, HEADER_SIZE + E2E_HEADER, a, b);
    // Numbered, written, then held for resending (a direct stream's frame is not: null).
    const s = this.e2e.track(dst, frame, hop);
    hop.admit(frame);
    if (s !== null) this.e2e.hold(s, frame);
    this.st[NS_SENT]!++;
    return true;
  }

  /**
   * The layers above declared `node` dead: frames held for it end now as undeliverable
   * (`NetHost.undeliverable`), and later frames to it start a new end-to-end stream.
   */
  abandon(node: number): void {
    this.e2e.abandon(node);
  }

  holdAck(dst: number, ms: number): void {
    this.e2e.holdAck(dst, ms);
  }

  /**
   * Net.answering: a frame to `dst` leaves in this turn. The link that is dst's route, dst its
   * neighbour, lets the ack it owes ride on it (HopLink.answering).
   */
  answering(dst: number): void {
    // A board of one link sends dst's frame there or nowhere (refused: Core.hold says so).
    const hops = this.hops;
    const hop = hops.length === 1 ? hops[0]! : this.routing.route(dst);
    if (hop !== null && hop.peer === dst) hop.answering();
  }

  /** Net.unanswered: what answerTo announced will not go this turn; BROADCAST_NODE: anything announced. */
  unanswered(dst: number): void {
    for (const hop of this.hops) if (dst === BROADCAST_NODE || hop.peer === dst) hop.unanswered();
  }

  /** Changes whenever this node originates a new unicast frame of the layers above to `dst` (E2eLayer.sentMark). */
  sentMark(dst: number): number {
    return this.e2e.sentMark(dst);
  }

  /** Frames accepted by send() and not yet acknowledged end to end (all destinations). */
  unacknowledged(): number {
    return this.e2e.heldFrames();
  }

  /**
   * Frames of types first..last that this node sends go behind every other frame on each link
   * (the hop links' bulk class): a checkpoint stream then does not delay the application's
   * messages. Only unicast sends are classed; forwarded frames keep their transit class.
   */
  lowPriority(first: number, last: number): void {
    for (let t = first; t <= last; t++) this.bulkTypes[(t & 0xff) >>> 5] = this.bulkTypes[(t & 0xff) >>> 5]! | (1 << (t & 31));
  }

  /**
   * Whether a unicast frame of `type` and `bytes` of payload to `dst` would be taken now. A
   * low-priority sender asks before it builds a frame: it is refused while the link is busy.
   */
  ready(dst: number, type: number, bytes: number): boolean {
    const hop = this.started ? this.routing.route(dst) : null;
    return hop !== null && hop.canEnqueue(((this.bulkTypes[(type & 0xff) >>> 5]! >>> (type & 31)) & 1) === 1 ? 'bulk' : 'local') && this.e2e.canAccept(dst, E2E_HEADER + bytes);
  }

  register(first: number, last: number, handler: NetHandler): void {
    this.upper.register(first, last, handler);
  }

  reachable(node: number): boolean {
    return this.routing.reachable(node);
  }

  nodes(): number[] {
    return this.routing.nodes();
  }

  stats(): NetLayerStats {
    // Bytes in, frames in and out and bytes out are the links' sums: kept per link only, not
    // twice per frame. A frame taken in is counted by its link, or refused for its MAC (authFailed).
    const st = this.st;
    st[NS_FRAMES_IN] = st[NS_AUTH_FAILED]!;
    st[NS_BYTES_IN] = 0;
    st[NS_FRAMES_OUT] = 0;
    st[NS_BYTES_OUT] = 0;
    for (const h of this.hops) {
      st[NS_FRAMES_IN]! += h.stats[LS_FRAMES_IN]!;
      st[NS_BYTES_IN]! += h.stats[LS_BYTES_IN]!;
      st[NS_FRAMES_OUT]! += h.stats[LS_FRAMES_OUT]!;
      st[NS_BYTES_OUT]! += h.stats[LS_BYTES_OUT]!;
    }
    return netLayerStats(st);
  }

  // --- beyond the contract --------------------------------------------------------------------

  linkStats(): LinkStats[] {
    return this.hops.map((h) => h.snapshot());
  }

  /** Where a frame for `dst` goes next: the neighbour and the link index; null if unreachable or self. */
  nextHop(dst: number): { node: number; link: number } | null {
    if (!Number.isInteger(dst) || dst < 0 || dst > NODE_ID_MAX) return null;
    const hop = this.routing.route(dst);
    return hop === null ? null : { node: hop.peer, link: hop.index };
  }

  /** The link-state database as this node sees it, by origin ascending (for diagnostics). */
  linkState(): { node: number; seq: number; neighbours: number[] }[] {
    return this.routing.linkState();
  }

  /**
   * True when routing reaches every node of `expected` (a list of node ids), or at least
   * `expected` nodes in all when it is a count (this node included), and the link-state
   * database has settled: every adjacency a reachable node advertises is advertised by the
   * other end as well (so no advertisement is still on its way and broadcast trees agree).
   */
  converged(expected: number | readonly number[]): boolean {
    return this.routing.converged(expected);
  }

  /** Resolves once `converged(expected)` holds; apps wait on it before they start. */
  whenConverged(expected: number | readonly number[]): Promise<void> {
    return this.routing.whenConverged(expected);
  }

  /** Inject faults on everything this board receives from now on; null (or all zero) clears. */
  setIngressFault(fault: IngressFault | null): void {
    this.inbound.fault = fault === null ? null : resolveFault(fault);
  }

  ingressFault(): ResolvedFault | null {
    return this.inbound.fault;
  }

  // --- receive path ---------------------------------------------------------------------------

  /** @internal A sequenced frame from a link, in order, exactly once. */
  receive(link: HopLink, bytes: Uint8Array, f: FrameFields, owned: boolean): void {
    const fault = this.inbound.fault;
    if (fault !== null && (fault.blocked[f.src] === 1 || (f.dst !== BROADCAST_NODE && fault.blocked[f.dst] === 1))) {
      this.st[NS_FAULT_DROPPED]!++;
      link.stats[LS_FAULT_DROPPED]!++;
      return;
    }
    const type = f.type;
    const dst = f.dst;
    // An upper layer's frame first (the usual case), then the network's own.
    if (type >= FIRST_UPPER_TYPE) {
      if (dst === this.node) {
        const p = f.payload;
        if (p.length < E2E_HEADER) this.malformedFrame(link);
        else if (this.e2e.accept(f.src, p)) this.upper.deliver(f, owned ? p.subarray(E2E_HEADER) : p.slice(E2E_HEADER), this.epoch & 0xffff);
      } else if (dst === BROADCAST_NODE) {
        this.bcast.onFrame(link, bytes, f, owned);
      } else {
        this.forward(bytes, f, owned);
      }
    } else if (type === FrameType.LSA) {
      this.routing.onLsa(link, f);
    } else if (type === FrameType.E2E_ACK && dst !== BROADCAST_NODE) {
      if (dst !== this.node) this.forward(bytes, f, owned);
      else if (!this.e2e.onAckFrame(f.src, f.payload)) this.malformedFrame(link);
    } else {
      this.malformedFrame(link);
    }
  }

  private malformedFrame(link: HopLink): void {
    this.st[NS_MALFORMED]!++;
    link.stats[LS_MALFORMED]!++;
  }

  private forward(bytes: Uint8Array, f: FrameFields, owned: boolean): void {
    if (f.ttl <= 1) {
      this.st[NS_TTL_EXPIRED]!++;
      this.st[NS_UNROUTABLE]!++;
      return;
    }
    const hop = this.routing.route(f.dst);
    if (hop === null) {
      this.st[NS_UNROUTABLE]!++;
      return;
    }
    const copy = owned ? bytes : copyBytes(bytes);
    copy[OFF_TTL] = f.ttl - 1;
    if (hop.enqueue(copy, 'transit')) this.st[NS_FORWARDED]!++;
    else this.st[NS_UNROUTABLE]!++;
  }

  // --- send path ------------------------------------------------------------------------------

  private refuse(): false {
    this.st[NS_UNROUTABLE]!++;
    return false;
  }

  /**
   * A fresh frame: `prefix` zero bytes (the e2e prefix or the broadcast number, filled in by
   * their owners) then `payload`; hop fields and CRC are filled in per transmission.
   */
  private newFrame(type: number, src: number, dst: number, ttl: number, srcPort: number, dstPort: number, prefix: number, payload: Uint8Array): Uint8Array {
    return this.codec.originate(type, this.domain, src, dst, ttl, srcPort, dstPort, this.epoch & 0xffff, prefix, payload, this.tagged);
  }

  // --- timers and link changes ----------------------------------------------------------------

  /** @internal A link is about to drop its frames: e2e takes back those of streams direct on it. */
  linkReset(hop: HopLink): void {
    this.e2e.linkReset(hop);
  }

  /** @internal A link went up or down. */
  changed(hop: HopLink): void {
    this.e2e.routeChanged();
    this.routing.linkChanged(hop);
  }

  /** @internal Deadline dispatch (deadline.ts: an owner and a tag instead of a closure each). */
  deadline(tag: number): void {
    if (tag === HELLO_TIMER) this.onHelloTimer();
    else this.onLsaTimer();
  }

  private onHelloTimer(): void {
    const now = this.clock.now();
    for (const hop of this.hops) hop.tick(now);
    this.helloDeadline.arm(now + this.options.helloMs);
  }

  private onLsaTimer(): void {
    this.routing.originate();
    this.lsaDeadline.arm(this.clock.now() + this.options.lsaRefreshMs);
  }
}

/** Throws naming the first of a frame's fields out of range (the sends' slow path: their inline test failed). */
function badField(type: number, dst: number, srcPort: number, dstPort: number): void {
  checkInt('frame.type', type, FIRST_UPPER_TYPE, 0xff);
  checkInt('frame.dst', dst, 0, BROADCAST_NODE);
  checkInt('frame.srcPort', srcPort, 0, 0xffff);
  checkInt('frame.dstPort', dstPort, 0, 0xffff);
}

/** `head` then `payload` in one new array (sendHead's frames that are not originated there). */
function joined(head: Uint8Array, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(head.length + payload.length);
  out.set(head, 0);
  out.set(payload, head.length);
  return out;
}
