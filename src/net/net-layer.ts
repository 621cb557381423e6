/**
 * The network layer: one `HopLink` per HAL link (sessions, per-hop ARQ, framing), link-state
 * routing over them (HELLO discovery, flooded LSAs, breadth-first shortest paths with a
 * deterministic tie-break), forwarding by ttl, broadcast along the source's breadth-first
 * tree with per-source numbering against duplicates, epoch filtering at delivery, and
 * ingress fault injection. Driven entirely by HAL
 * callbacks (bytes in, timers); see docs/PROTOCOL.md for the rules it implements.
 */
import type { Clock, HalLink } from '../hal.js';
import { FrameAuth, parseDomainKey } from '../wire/auth.js';
import { copyBytes } from '../wire/bytes.js';
import { FrameType } from '../wire/frame-types.js';
import { FLAG_SEQ_VALID, FRAME_OVERHEAD, FrameCodec, OFF_TTL, TAG_SIZE, emptyFrame } from '../wire/frame.js';
import type { FrameFields } from '../wire/frame.js';
import { decodeLsa, encodeLsa } from './control.js';
import type { Lsa } from './control.js';
import { Deadline } from './deadline.js';
import { E2E_HEADER, E2eLayer } from './e2e.js';
import { resolveFault } from './fault.js';
import type { IngressFault, ResolvedFault } from './fault.js';
import { Fifo } from './fifo.js';
import { HopLink } from './hop-link.js';
import type { LinkHost } from './hop-link.js';
import type { Net, NetFrame, NetHandler } from './net.js';
import { BROADCAST_NODE } from './net.js';
import { resolveNetOptions } from './options.js';
import type { NetOptions, ResolvedNetOptions } from './options.js';
import { LinkStateDb, shortestPaths, treePosition } from './routing.js';
import type { TreePosition } from './routing.js';
import { newNetLayerStats } from './stats.js';
import type { LinkStats, NetLayerStats } from './stats.js';

/** The first frame type that belongs to a layer above the network. */
const FIRST_UPPER_TYPE = 0x10;
/** Broadcast payloads start with the source's u16 broadcast number (stripped on delivery). */
const BCAST_HEADER = 2;
/**
 * A broadcast number this far or further behind the newest one taken from its source is not
 * a late copy but a restarted source (which starts at a random number).
 */
const BCAST_RESTART_GAP = 64;

interface Registration {
  first: number;
  last: number;
  handler: NetHandler;
}

interface DelayedFrame {
  link: HopLink;
  bytes: Uint8Array;
  at: number;
}

interface Waiter {
  expected: number | readonly number[];
  resolve: () => void;
}

function sameList(a: readonly number[] | undefined, b: readonly number[]): boolean {
  if (a === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function checkInt(name: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(`${name} must be an integer in ${min}..${max}, got ${String(v)}`);
  }
  return v;
}

export class NetLayer implements Net {
  readonly domain: number;
  readonly node: number;
  /** Current membership epoch (0..65535): frames sent carry it, older frames are not delivered. */
  epoch: number;
  readonly options: Readonly<ResolvedNetOptions>;
  /** Called whenever the set of reachable nodes changes (from inside event processing). */
  onTopology: ((nodes: readonly number[]) => void) | null = null;

  private readonly clock: Clock;
  private readonly codec: FrameCodec;
  private readonly st: NetLayerStats = newNetLayerStats();
  private readonly halLinks: readonly HalLink[];
  private readonly hops: HopLink[];
  private readonly handlers: Registration[] = [];
  private readonly rx: FrameFields = emptyFrame();
  private readonly tx: FrameFields = emptyFrame();
  private readonly db = new LinkStateDb();
  private mySeq = 0;
  private firstHop: Int16Array = new Int16Array(256).fill(-1);
  private reachableNodes: number[];
  /** Every adjacency advertised by a reachable node is confirmed by the other end too. */
  private settled = true;
  private readonly trees = new Map<number, TreePosition>();
  /** Number of our next broadcast (u16), starting at random so a restart is told from a late copy. */
  private bcastNext: number;
  /** Newest broadcast number taken from each source, -1 for none yet. */
  private readonly bcastNewest = new Int32Array(256).fill(-1);
  private readonly local = new Fifo<NetFrame>();
  private readonly localDeadline: Deadline;
  private readonly helloDeadline: Deadline;
  private readonly lsaDeadline: Deadline;
  private fault: ResolvedFault | null = null;
  private readonly delayed = new Fifo<DelayedFrame>();
  private readonly delayDeadline: Deadline;
  private waiters: Waiter[] = [];
  private started = false;
  private readonly e2e: E2eLayer;
  /** The domain key's MAC; null for a domain without a key. */
  private readonly auth: FrameAuth | null;
  /**
   * Called when frames this layer accepted for `node` will never be delivered (the node
   * restarted, was declared dead with `abandon`, or acknowledged nothing for e2eGiveUpMs).
   */
  onUndeliverable: ((node: number, frames: number) => void) | null = null;

  constructor(links: readonly HalLink[], clock: Clock, options: NetOptions) {
    const opts = resolveNetOptions(options);
    this.options = opts;
    this.domain = opts.domain;
    this.node = opts.node;
    this.epoch = opts.epoch;
    this.clock = clock;
    // maxPayload is what the layers above may send; a unicast frame carries the e2e prefix too.
    this.codec = new FrameCodec(opts.maxPayload + E2E_HEADER, opts.crcSlices, opts.bytes);
    this.reachableNodes = [opts.node];
    this.auth = opts.domainKey === null ? null : new FrameAuth(parseDomainKey(opts.domainKey, 'net option domainKey'));
    const tag = this.auth === null ? 0 : TAG_SIZE;
    this.bcastNext = Math.floor(opts.random() * 0x10000) & 0xffff;
    for (let i = 0; i < links.length; i++) {
      const l = links[i];
      if (l.kind === 'datagram' && l.mtu < FRAME_OVERHEAD + tag + E2E_HEADER + opts.maxPayload) {
        throw new RangeError(
          `links[${i}].mtu ${l.mtu} is below the largest frame (${FRAME_OVERHEAD + tag + E2E_HEADER + opts.maxPayload} bytes): ` +
          'raise the datagram link mtu or lower the net option maxPayload',
        );
      }
    }
    const host: LinkHost = {
      node: opts.node,
      domain: opts.domain,
      codec: this.codec,
      clock,
      opts,
      stats: this.st,
      auth: this.auth,
      epoch: () => this.epoch & 0xffff,
      ingress: (link, frame) => this.ingress(link, frame),
      receive: (link, frame, f, owned) => this.receive(link, frame, f, owned),
      changed: (link) => this.linkChanged(link),
    };
    this.halLinks = links;
    this.hops = links.map((l) => new HopLink(l, host));
    this.localDeadline = new Deadline(clock, () => this.flushLocal());
    this.helloDeadline = new Deadline(clock, () => this.onHelloTimer());
    this.lsaDeadline = new Deadline(clock, () => this.onLsaTimer());
    this.delayDeadline = new Deadline(clock, () => this.flushDelayed());
    this.e2e = new E2eLayer({
      clock,
      opts,
      stats: this.st,
      transmit: (dst, frame) => {
        const hop = this.route(dst);
        return hop !== null && hop.enqueue(frame, 'local');
      },
      sendAck: (dst, payload) => this.sendE2eAck(dst, payload),
      undeliverable: (node, frames) => {
        this.options.log('warn', `net: ${frames} frame(s) for node ${node} will not be delivered`);
        if (this.onUndeliverable !== null) this.onUndeliverable(node, frames);
      },
    });
  }

  /** Install the receive callbacks, advertise ourselves and start discovery. */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (let i = 0; i < this.halLinks.length; i++) {
      const hop = this.hops[i];
      this.halLinks[i].onReceive = (bytes) => hop.input(bytes);
    }
    this.originate();
    for (const hop of this.hops) hop.sendHello();
    const now = this.clock.now();
    this.helloDeadline.arm(now + this.options.helloMs);
    this.lsaDeadline.arm(now + this.options.lsaRefreshMs);
  }

  /** Uninstall the callbacks and clear every timer (the board is going away). */
  stop(): void {
    if (!this.started) return;
    this.started = false;
    for (const l of this.halLinks) l.onReceive = null;
    for (const hop of this.hops) hop.stop();
    this.localDeadline.stop();
    this.helloDeadline.stop();
    this.lsaDeadline.stop();
    this.delayDeadline.stop();
    this.e2e.stop();
  }

  // --- the Net contract ---------------------------------------------------------------------

  send(frame: Omit<NetFrame, 'src' | 'epoch'>): boolean {
    const { type, dst, srcPort, dstPort } = frame;
    // `(v & m) === v` holds exactly for the integers 0..m: the slow checks only to name a bad field.
    if (type < FIRST_UPPER_TYPE || (type & 0xff) !== type || (dst & 0xff) !== dst || (srcPort & 0xffff) !== srcPort || (dstPort & 0xffff) !== dstPort) {
      checkInt('frame.type', type, FIRST_UPPER_TYPE, 0xff);
      checkInt('frame.dst', dst, 0, BROADCAST_NODE);
      checkInt('frame.srcPort', srcPort, 0, 0xffff);
      checkInt('frame.dstPort', dstPort, 0, 0xffff);
    }
    if (!(frame.payload instanceof Uint8Array)) throw new TypeError('frame.payload must be a Uint8Array');
    const bcast = frame.dst === BROADCAST_NODE;
    const room = this.options.maxPayload - (bcast ? BCAST_HEADER : 0);
    if (frame.payload.length > room) {
      throw new RangeError(
        `frame.payload is ${frame.payload.length} bytes, more than ${room} (maxPayload ${this.options.maxPayload}` +
        `${bcast ? `, less ${BCAST_HEADER} for a broadcast` : ''})`,
      );
    }
    if (frame.dst === this.node) return this.sendLocal(frame);
    if (!this.started) return this.refuse();
    if (bcast) return this.sendBroadcast(frame);
    const hop = this.route(frame.dst);
    if (hop === null || !hop.canEnqueue('local')) return this.refuse();
    if (!this.e2e.canAccept(frame.dst, E2E_HEADER + frame.payload.length)) {
      this.st.e2eFull++;
      return false;
    }
    const payload = new Uint8Array(E2E_HEADER + frame.payload.length);
    payload.set(frame.payload, E2E_HEADER);
    const bytes = this.build(frame, payload);
    this.e2e.track(frame.dst, bytes);
    hop.enqueue(bytes, 'local');
    this.st.sent++;
    return true;
  }

  /**
   * The layers above declared `node` dead: frames held for it end now as undeliverable
   * (`onUndeliverable`), and later frames to it start a new end-to-end stream.
   */
  abandon(node: number): void {
    this.e2e.abandon(node);
  }

  /** Frames accepted by send() and not yet acknowledged end to end (all destinations). */
  unacknowledged(): number {
    return this.e2e.heldFrames();
  }

  register(first: number, last: number, handler: NetHandler): void {
    checkInt('register first', first, FIRST_UPPER_TYPE, 0xff);
    checkInt('register last', last, first, 0xff);
    if (typeof handler !== 'function') throw new TypeError('register handler must be a function');
    this.handlers.push({ first, last, handler });
  }

  reachable(node: number): boolean {
    return node === this.node || (node >= 0 && node < 255 && this.firstHop[node] >= 0);
  }

  nodes(): number[] {
    return this.reachableNodes.slice();
  }

  stats(): NetLayerStats {
    return { ...this.st };
  }

  // --- beyond the contract --------------------------------------------------------------------

  linkStats(): LinkStats[] {
    return this.hops.map((h) => h.snapshot());
  }

  /** Where a frame for `dst` goes next: the neighbour and the link index; null if unreachable or self. */
  nextHop(dst: number): { node: number; link: number } | null {
    if (!Number.isInteger(dst) || dst < 0 || dst > 254) return null;
    const hop = this.route(dst);
    return hop === null ? null : { node: hop.peer, link: hop.index };
  }

  /** The link-state database as this node sees it, by origin ascending (for diagnostics). */
  linkState(): { node: number; seq: number; neighbours: number[] }[] {
    const out: { node: number; seq: number; neighbours: number[] }[] = [];
    for (const origin of this.db.origins()) {
      const lsa = this.db.get(origin) as Lsa;
      out.push({ node: origin, seq: lsa.seq, neighbours: lsa.neighbours.slice() });
    }
    return out.sort((a, b) => a.node - b.node);
  }

  /**
   * True when routing reaches every node of `expected` (a list of node ids), or at least
   * `expected` nodes in all when it is a count (this node included), and the link-state
   * database has settled: every adjacency a reachable node advertises is advertised by the
   * other end as well (so no advertisement is still on its way and broadcast trees agree).
   */
  converged(expected: number | readonly number[]): boolean {
    if (!this.settled) return false;
    if (typeof expected === 'number') return this.reachableNodes.length >= expected;
    for (const n of expected) if (!this.reachable(n)) return false;
    return true;
  }

  /** Resolves once `converged(expected)` holds; apps wait on it before they start. */
  whenConverged(expected: number | readonly number[]): Promise<void> {
    if (this.converged(expected)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.waiters.push({ expected, resolve });
    });
  }

  /** Inject faults on everything this board receives from now on; null (or all zero) clears. */
  setIngressFault(fault: IngressFault | null): void {
    this.fault = fault === null ? null : resolveFault(fault);
  }

  ingressFault(): ResolvedFault | null {
    return this.fault;
  }

  // --- receive path ---------------------------------------------------------------------------

  private ingress(link: HopLink, frame: Uint8Array): void {
    const fault = this.fault;
    let bytes = frame;
    if (fault !== null) {
      const random = this.options.random;
      if (fault.drop > 0 && random() < fault.drop) {
        this.st.faultDropped++;
        link.stats.faultDropped++;
        return;
      }
      if (fault.corrupt > 0 && random() < fault.corrupt && bytes.length > 0) {
        if (link.kind === 'datagram') {
          // What a damaged datagram meets on a real board: the transport's own check (UDP
          // checksum, the MAC's CRC-32) discards it before it reaches us; our CRC may be absent.
          this.st.malformed++;
          link.stats.malformed++;
          return;
        }
        bytes = copyBytes(bytes);
        const bit = Math.floor(random() * bytes.length * 8);
        bytes[bit >>> 3] ^= 1 << (bit & 7);
      }
    }
    if ((fault !== null && fault.delayMs > 0) || this.delayed.length > 0) {
      // Frames already waiting keep their place even if the delay was lifted since.
      const at = this.clock.now() + (fault !== null ? fault.delayMs : 0);
      this.delayed.push({ link, bytes: bytes === frame ? copyBytes(frame) : bytes, at });
      this.delayDeadline.armNoLaterThan(at);
      return;
    }
    this.process(link, bytes);
  }

  private flushDelayed(): void {
    const now = this.clock.now();
    for (;;) {
      const head = this.delayed.peek();
      if (head === undefined) return;
      if (head.at > now) {
        this.delayDeadline.arm(head.at);
        return;
      }
      this.delayed.shift();
      this.process(head.link, head.bytes);
    }
  }

  private process(link: HopLink, bytes: Uint8Array): void {
    const f = this.rx;
    if (this.codec.decode(bytes, f, true, link.kind === 'datagram') !== 'ok' || f.ttl === 0) {
      this.st.malformed++;
      link.stats.malformed++;
      return;
    }
    if (f.domain !== this.domain) {
      this.st.wrongDomain++;
      link.stats.wrongDomain++;
      return;
    }
    // A partition: nothing from a blocked neighbour (so the link goes down). Sequenced frames
    // from other neighbours that merely come from or go to a blocked node are dropped only
    // after the link layer took them (receive), or the hop's sequence would stall on the gap.
    const fault = this.fault;
    if (fault !== null && fault.blockNodes.length > 0) {
      const b = fault.blocked;
      if ((link.peer >= 0 && b[link.peer] === 1) || ((f.flags & FLAG_SEQ_VALID) === 0 && b[f.src] === 1)) {
        this.st.faultDropped++;
        link.stats.faultDropped++;
        return;
      }
    }
    this.st.framesIn++;
    link.onFrame(f, bytes);
  }

  /** A sequenced frame from a link, in order, exactly once. */
  private receive(link: HopLink, bytes: Uint8Array, f: FrameFields, owned: boolean): void {
    const fault = this.fault;
    if (fault !== null && (fault.blocked[f.src] === 1 || (f.dst !== BROADCAST_NODE && fault.blocked[f.dst] === 1))) {
      this.st.faultDropped++;
      link.stats.faultDropped++;
      return;
    }
    if (f.type === FrameType.LSA) {
      this.onLsa(link, f);
    } else if (f.type === FrameType.E2E_ACK && f.dst !== BROADCAST_NODE) {
      if (f.dst !== this.node) this.forward(bytes, f, owned);
      else if (!this.e2e.onAckFrame(f.src, f.payload)) this.malformedFrame(link);
    } else if (f.type < FIRST_UPPER_TYPE) {
      this.malformedFrame(link);
    } else if (f.dst === this.node) {
      const p = f.payload;
      if (p.length < E2E_HEADER) this.malformedFrame(link);
      else if (this.e2e.accept(f.src, p)) this.deliver(f, owned ? p.subarray(E2E_HEADER) : p.slice(E2E_HEADER));
    } else if (f.dst === BROADCAST_NODE) {
      this.onBroadcast(link, bytes, f, owned);
    } else {
      this.forward(bytes, f, owned);
    }
  }

  private malformedFrame(link: HopLink): void {
    this.st.malformed++;
    link.stats.malformed++;
  }

  private onBroadcast(link: HopLink, bytes: Uint8Array, f: FrameFields, owned: boolean): void {
    const p = f.payload;
    if (p.length < BCAST_HEADER) {
      this.st.malformed++;
      link.stats.malformed++;
      return;
    }
    const number = p[0] | (p[1] << 8);
    // Take the first copy that is newer than anything taken from this source, from whichever
    // neighbour: no loops, no duplicates, never out of order.
    const newest = this.bcastNewest[f.src];
    if (f.src === this.node || (newest >= 0 && !this.bcastIsNew(number, newest))) {
      this.st.broadcastRejected++;
      return;
    }
    this.bcastNewest[f.src] = number;
    const children = this.tree(f.src).children;
    if (children.length > 0) {
      if (f.ttl > 1) {
        for (const child of children) {
          if (child === link.peer) continue;
          const hop = this.linkTo(child);
          const copy = copyBytes(bytes);
          copy[OFF_TTL] = f.ttl - 1;
          if (hop !== null && hop.enqueue(copy, 'transit')) this.st.forwarded++;
          else this.st.unroutable++;
        }
      } else {
        this.st.ttlExpired++;
        this.st.unroutable++;
      }
    }
    this.deliver(f, owned ? p.subarray(BCAST_HEADER) : copyBytes(p.subarray(BCAST_HEADER)));
  }

  private bcastIsNew(number: number, newest: number): boolean {
    const ahead = (number - newest) & 0xffff;
    if (ahead === 0) return false;
    if (ahead < 0x8000) return true;
    return 0x10000 - ahead >= BCAST_RESTART_GAP;
  }

  private forward(bytes: Uint8Array, f: FrameFields, owned: boolean): void {
    if (f.ttl <= 1) {
      this.st.ttlExpired++;
      this.st.unroutable++;
      return;
    }
    const hop = this.route(f.dst);
    if (hop === null) {
      this.st.unroutable++;
      return;
    }
    const copy = owned ? bytes : copyBytes(bytes);
    copy[OFF_TTL] = f.ttl - 1;
    if (hop.enqueue(copy, 'transit')) this.st.forwarded++;
    else this.st.unroutable++;
  }

  private deliver(f: FrameFields, payload: Uint8Array): void {
    if (f.epoch < (this.epoch & 0xffff)) {
      this.st.stale++;
      return;
    }
    this.dispatch({
      type: f.type, src: f.src, dst: f.dst, srcPort: f.srcPort, dstPort: f.dstPort, epoch: f.epoch, payload,
    });
  }

  private dispatch(frame: NetFrame): void {
    let taken = false;
    const handlers = this.handlers;
    for (let i = 0; i < handlers.length; i++) {
      const r = handlers[i];
      if (frame.type < r.first || frame.type > r.last) continue;
      taken = true;
      try {
        r.handler(frame);
      } catch (e) {
        this.st.handlerErrors++;
        this.options.log('error', `net: handler for frame types ${r.first}..${r.last} threw: ${String(e)}`);
      }
    }
    if (taken) this.st.delivered++;
    else this.st.unhandled++;
  }

  // --- send path ------------------------------------------------------------------------------

  private refuse(): false {
    this.st.unroutable++;
    return false;
  }

  private sendLocal(frame: Omit<NetFrame, 'src' | 'epoch'>): boolean {
    if (this.local.length >= this.options.maxQueue) return this.refuse();
    this.local.push({
      type: frame.type, src: this.node, dst: this.node, srcPort: frame.srcPort, dstPort: frame.dstPort,
      epoch: this.epoch & 0xffff, payload: copyBytes(frame.payload),
    });
    this.st.sent++;
    // Delivered from a timer, never from inside send(): handlers must not re-enter their caller.
    this.localDeadline.armNoLaterThan(this.clock.now());
    return true;
  }

  private flushLocal(): void {
    for (let n = this.local.length; n > 0; n--) {
      const frame = this.local.shift() as NetFrame;
      if (frame.epoch < (this.epoch & 0xffff)) this.st.stale++;
      else this.dispatch(frame);
    }
    if (this.local.length > 0) this.localDeadline.armNoLaterThan(this.clock.now());
  }

  private sendBroadcast(frame: Omit<NetFrame, 'src' | 'epoch'>): boolean {
    const children = this.tree(this.node).children;
    const hops: HopLink[] = [];
    for (const child of children) {
      const hop = this.linkTo(child);
      // All or nothing: a caller that retries a refused broadcast must not duplicate it.
      if (hop === null || !hop.canEnqueue('local')) return this.refuse();
      hops.push(hop);
    }
    const payload = new Uint8Array(BCAST_HEADER + frame.payload.length);
    payload[0] = this.bcastNext & 0xff;
    payload[1] = this.bcastNext >>> 8;
    payload.set(frame.payload, BCAST_HEADER);
    this.bcastNext = (this.bcastNext + 1) & 0xffff;
    const bytes = this.build(frame, payload);
    for (let i = 0; i < hops.length; i++) hops[i].enqueue(i === hops.length - 1 ? bytes : copyBytes(bytes), 'local');
    this.st.sent++;
    return true;
  }

  private sendE2eAck(dst: number, payload: Uint8Array): void {
    const hop = this.route(dst);
    if (hop === null) return; // the sender resends, and is acknowledged then
    const t = this.tx;
    t.flags = 0;
    t.type = FrameType.E2E_ACK;
    t.lseq = 0;
    t.lack = 0;
    t.domain = this.domain;
    t.src = this.node;
    t.dst = dst;
    t.ttl = this.options.ttl;
    t.srcPort = 0;
    t.dstPort = 0;
    t.epoch = this.epoch & 0xffff;
    t.payload = payload;
    hop.enqueue(this.codec.encode(t, undefined, 0, false, true, this.auth !== null), 'control');
  }

  /** A fresh frame from this node; hop fields and CRC are filled in per transmission. */
  private build(frame: Omit<NetFrame, 'src' | 'epoch'>, payload: Uint8Array): Uint8Array {
    const t = this.tx;
    t.flags = 0;
    t.type = frame.type;
    t.lseq = 0;
    t.lack = 0;
    t.domain = this.domain;
    t.src = this.node;
    t.dst = frame.dst;
    t.ttl = this.options.ttl;
    t.srcPort = frame.srcPort;
    t.dstPort = frame.dstPort;
    t.epoch = this.epoch & 0xffff;
    t.payload = payload;
    return this.codec.encode(t, undefined, 0, false, true, this.auth !== null);
  }

  private route(dst: number): HopLink | null {
    const fh = this.firstHop[dst];
    return fh < 0 ? null : this.linkTo(fh);
  }

  /** The up link with the lowest index towards neighbour `peer`. */
  private linkTo(peer: number): HopLink | null {
    const hops = this.hops;
    for (let i = 0; i < hops.length; i++) if (hops[i].up && hops[i].peer === peer) return hops[i];
    return null;
  }

  private tree(root: number): TreePosition {
    let pos = this.trees.get(root);
    if (pos === undefined) {
      pos = treePosition(this.db, root, this.node);
      this.trees.set(root, pos);
    }
    return pos;
  }

  // --- link state -----------------------------------------------------------------------------

  private upNeighbours(): number[] {
    const out: number[] = [];
    for (const hop of this.hops) if (hop.up && !out.includes(hop.peer)) out.push(hop.peer);
    return out.sort((a, b) => a - b);
  }

  private linkChanged(hop: HopLink): void {
    this.e2e.routeChanged();
    const neighbours = this.upNeighbours();
    const originated = !sameList(this.db.get(this.node)?.neighbours, neighbours);
    if (originated) this.originate();
    else this.recompute();
    if (hop.up) {
      // Database exchange: the neighbour may have just restarted and know nothing.
      for (const origin of this.db.origins()) {
        if (originated && origin === this.node) continue;
        this.sendLsa(hop, origin, this.db.get(origin) as Lsa);
      }
    }
  }

  /** Advertise our current neighbours under a new sequence number. */
  private originate(): void {
    this.mySeq = this.mySeq >= 0xffffffff ? 0 : this.mySeq + 1;
    const lsa: Lsa = { seq: this.mySeq, neighbours: this.upNeighbours() };
    this.db.set(this.node, lsa);
    this.flood(this.node, lsa, null);
    this.recompute();
  }

  private onLsa(link: HopLink, f: FrameFields): void {
    const lsa = decodeLsa(f.payload);
    if (lsa === null || f.src === BROADCAST_NODE) {
      this.st.malformed++;
      link.stats.malformed++;
      return;
    }
    const origin = f.src;
    if (origin === this.node) {
      // Our own advertisement from before a restart: continue numbering above it.
      const mine = this.db.get(this.node);
      if (lsa.seq > this.mySeq || (lsa.seq === this.mySeq && !sameList(mine?.neighbours, lsa.neighbours))) {
        this.mySeq = lsa.seq;
        this.originate();
      }
      return;
    }
    const cur = this.db.get(origin);
    if (cur === undefined || lsa.seq > cur.seq) {
      this.st.lsaIn++;
      this.db.set(origin, lsa);
      this.flood(origin, lsa, link);
      this.recompute();
    } else if (lsa.seq < cur.seq) {
      this.sendLsa(link, origin, cur);
    }
  }

  private flood(origin: number, lsa: Lsa, except: HopLink | null): void {
    for (const hop of this.hops) if (hop.up && hop !== except) this.sendLsa(hop, origin, lsa);
  }

  private sendLsa(hop: HopLink, origin: number, lsa: Lsa): void {
    const t = this.tx;
    t.flags = 0;
    t.type = FrameType.LSA;
    t.lseq = 0;
    t.lack = 0;
    t.domain = this.domain;
    t.src = origin;
    t.dst = BROADCAST_NODE;
    t.ttl = 1;
    t.srcPort = 0;
    t.dstPort = 0;
    t.epoch = this.epoch & 0xffff;
    t.payload = encodeLsa(lsa);
    if (hop.enqueue(this.codec.encode(t, undefined, 0, false, true, this.auth !== null), 'control')) this.st.lsaOut++;
  }

  private recompute(): void {
    const { firstHop, reachable } = shortestPaths(this.db, this.node);
    this.firstHop = firstHop;
    this.trees.clear();
    let settled = true;
    for (const u of reachable) {
      for (const v of (this.db.get(u) as Lsa).neighbours) {
        if (!this.db.adjacent(u, v)) settled = false;
      }
    }
    const changed = !sameList(this.reachableNodes, reachable);
    if (!changed && settled === this.settled) return;
    this.settled = settled;
    if (changed) {
      this.reachableNodes = reachable;
      this.st.topologyChanges++;
      if (this.onTopology !== null) this.onTopology(reachable.slice());
    }
    if (this.waiters.length > 0) {
      const waiting = this.waiters;
      this.waiters = [];
      for (const w of waiting) {
        if (this.converged(w.expected)) w.resolve();
        else this.waiters.push(w);
      }
    }
  }

  private onHelloTimer(): void {
    const now = this.clock.now();
    for (const hop of this.hops) hop.tick(now);
    this.helloDeadline.arm(now + this.options.helloMs);
  }

  private onLsaTimer(): void {
    this.originate();
    this.lsaDeadline.arm(this.clock.now() + this.options.lsaRefreshMs);
  }
}
