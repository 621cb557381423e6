/**
 * NetLayer options, their defaults and validation. Every limit the layer enforces is here so
 * that it can be configured, reported (NetLayer.options) and written down (docs/PROTOCOL.md).
 */
import { parseDomainKey } from '../wire/auth.js';
import { DEFAULT_MAX_PAYLOAD, PAYLOAD_LIMIT } from '../wire/frame.js';
import { DOMAIN_ID_MAX, NODE_ID_MAX } from '../wire/ids.js';
import type { NativeBytes } from '../wire/native.js';
import { overDefaults } from './over-defaults.js';

/**
 * What the layer asks of its board and tells it: one object with methods (a board's runtime
 * keeps one such object, not a closure per hook: four closures were ~30 live XS slots per board,
 * docs/FOOTPRINT.md "Round 15: boot slots"). A `Hal` is a NetHost (`random`, `log`).
 */
export interface NetHost {
  /** Uniform in [0, 1): Hal.random. Session ids and injected faults use it (deterministic in the simulator). */
  random(): number;
  /** Where the layer reports problems (a handler that threw, frames given up); Hal.log fits. None: silent. */
  log?(level: 'error' | 'warn' | 'info' | 'debug', message: string): void;
  /**
   * Frames this layer accepted for `node` will never be delivered (the node restarted, was
   * declared dead with `abandon`, or acknowledged nothing for e2eGiveUpMs): a board fails the
   * sends waiting on them (McapiNode.peerUnreachable). Called from inside event processing.
   */
  undeliverable?(node: number, frames: number): void;
  /** A neighbour on link `link` speaks frame version `version`: once per link and version (the board reports it). */
  versionMismatch?(link: number, version: number): void;
}

export interface NetOptions {
  /** Domain id (0..255); frames of other domains are dropped. */
  domain: number;
  /** This board's node id (0..254). */
  node: number;
  /** The board's side of the layer: its random numbers, its log and the layer's reports (NetHost). */
  host: NetHost;
  /** Starting membership epoch (0..65535). Default 0. */
  epoch?: number;
  /** Frames in flight per link before an ack (1..64). Default 8. */
  window?: number;
  /** First retransmission timeout, before any round trip was measured (ms). Default 250. */
  rtoMs?: number;
  /** Floor and ceiling of the adaptive retransmission timeout (ms). Defaults 20 and 2000. */
  minRtoMs?: number;
  maxRtoMs?: number;
  /** Timeouts in a row without an ack before the link is declared down. Default 8. */
  maxRetries?: number;
  /** Frames waiting (beyond the window) per link; send/forward fails beyond it. Default 32. */
  maxQueue?: number;
  /**
   * Largest payload the layers above may send (bytes, 264..65535). Default 4200: a 4 KiB page
   * plus upper-layer headers. A unicast frame carries 12 bytes of end-to-end prefix on top.
   */
  maxPayload?: number;
  /** HELLO period on every link (ms). Default 500. */
  helloMs?: number;
  /** A link that was heard from but is silent this long is declared down (ms). Default 4 * helloMs. */
  deadMs?: number;
  /** Longest wait before a standalone LINK_ACK for in-order frames on a datagram link (ms). Default 5. */
  ackDelayMs?: number;
  /**
   * The same on a stream link (UART), ms. Default 25: there a standalone LINK_ACK costs both
   * boards a frame's whole fixed work (COBS, CRC-32, deframing, a board step each end: ~4.6k
   * XS units), and within 25 ms a frame usually goes back that carries the ack instead
   * (docs/PERFORMANCE.md "Round 7b"). The retransmission timeout adds it, as it adds ackDelayMs.
   */
  streamAckDelayMs?: number;
  /** Acknowledge at once when this many in-order frames are unacknowledged. Default max(1, window/2). */
  ackEvery?: number;
  /**
   * Datagram links: frames the peer reports holding beyond a gap before the gap is resent
   * (a smaller count may just be reordering). Stream links never reorder and use 1. Default 2.
   */
  reorderThreshold?: number;
  /** Initial ttl of frames this node originates (1..255). Default 16. */
  ttl?: number;
  /** Period at which this node re-floods its link-state advertisement (ms). Default 30000. */
  lsaRefreshMs?: number;
  /** CRC-32 tables: 8 (slicing-by-8, 8 KiB, about twice as fast) or 1 (1 KiB). Default 8. */
  crcSlices?: 1 | 8;
  /**
   * Seal frames sent on datagram links with our CRC-32 too. Default false: a datagram link's
   * transport (UDP's checksum, the radio's or Ethernet's CRC-32) already drops damaged frames,
   * so they go NO_CRC. Stream links (UART) always carry the CRC.
   */
  datagramCrc?: boolean;
  /** The target's native byte helpers (Hal.bytes): CRC-32 and COBS use them when present. Default: none. */
  bytes?: NativeBytes;
  /** End-to-end delivery (docs/PROTOCOL.md §8): frames held unacknowledged per destination. Default 32. */
  e2eWindow?: number;
  /** Bytes of frames held unacknowledged, all destinations together (send() refuses beyond). Default 65536. */
  e2eMaxBytes?: number;
  /** First end-to-end timeout before a round trip was measured (ms). Default 1000. */
  e2eRtoMs?: number;
  /** Floor and ceiling of the adaptive end-to-end timeout and its backoff (ms). Defaults 250 and 8000. */
  e2eMinRtoMs?: number;
  e2eMaxRtoMs?: number;
  /** A destination that acknowledges nothing this long is given up: its held frames fail (ms). Default 30000. */
  e2eGiveUpMs?: number;
  /** Longest delay of a standalone E2E_ACK when no frame goes back to ride on (ms). Default 50. */
  e2eAckDelayMs?: number;
  /**
   * The domain key (docs/PROTOCOL.md §13): 32 hex digits, the same on every board of the
   * domain. Every frame then carries a SipHash-2-4 MAC; frames without the right one are
   * dropped (`authFailed`). Default null: no key, no MAC.
   */
  domainKey?: string | null;
}

export type ResolvedNetOptions = Required<NetOptions>;

/** The smallest maxPayload: a link-state advertisement listing 254 neighbours must fit. */
export const MIN_MAX_PAYLOAD = 264;
/** Sequence numbers are 8 bits; a window above half the space could not tell new from old. */
export const MAX_WINDOW = 64;
/** End-to-end sequence numbers are 16 bits; a window this far below half the space is unambiguous. */
export const E2E_MAX_WINDOW = 1024;

const HOST_TEXT = 'net option host must be an object with a random() method returning [0, 1)';

/** The defaults' host: never used (resolveNetOptions requires one), it only completes the record. */
const NO_HOST: NetHost = Object.freeze({
  random(): number {
    throw new TypeError(HOST_TEXT);
  },
});

const NO_BYTES: NativeBytes = Object.freeze({});

/**
 * Every option at its default (domain, node and host have none: they are always set).
 * Resolved options inherit from it and hold only what differs (over-defaults.ts).
 */
const NET_DEFAULTS: Readonly<ResolvedNetOptions> = Object.freeze({
  domain: 0, node: 0, host: NO_HOST, epoch: 0, window: 8, rtoMs: 250, minRtoMs: 20, maxRtoMs: 2000,
  maxRetries: 8, maxQueue: 32, maxPayload: DEFAULT_MAX_PAYLOAD, helloMs: 500, deadMs: 2000, ackDelayMs: 5,
  streamAckDelayMs: 25,
  ackEvery: 4, reorderThreshold: 2, ttl: 16, lsaRefreshMs: 30000, crcSlices: 8, datagramCrc: false,
  bytes: NO_BYTES, e2eWindow: 32, e2eMaxBytes: 65536, e2eRtoMs: 1000, e2eMinRtoMs: 250, e2eMaxRtoMs: 8000,
  e2eGiveUpMs: 30000, e2eAckDelayMs: 50, domainKey: null,
});

export function resolveNetOptions(o: NetOptions): ResolvedNetOptions {
  // The checks are local: module-level functions would each cost the simulator's XS bundle a
  // stack slot (see HopLink.LSEQ_SPACE), and this runs once per board.
  function int(name: string, value: unknown, min: number, max: number): number {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new RangeError(`net option ${name} must be an integer in ${min}..${max}, got ${String(value)}`);
    }
    return value;
  }

  function ms(name: string, value: unknown, min: number): number {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
      throw new RangeError(`net option ${name} must be a number of ms >= ${min}, got ${String(value)}`);
    }
    return value;
  }

  function bool(name: string, v: unknown): boolean {
    if (typeof v !== 'boolean') throw new TypeError(`net option ${name} must be true or false, got ${String(v)}`);
    return v;
  }

  function slices(v: unknown): 1 | 8 {
    if (v === undefined) return 8;
    if (v !== 1 && v !== 8) throw new RangeError(`net option crcSlices must be 1 or 8, got ${String(v)}`);
    return v;
  }

  const window = int('window', o.window ?? 8, 1, MAX_WINDOW);
  const helloMs = ms('helloMs', o.helloMs ?? 500, 1);
  const minRtoMs = ms('minRtoMs', o.minRtoMs ?? 20, 1);
  const maxRtoMs = ms('maxRtoMs', o.maxRtoMs ?? 2000, minRtoMs);
  const e2eMinRtoMs = ms('e2eMinRtoMs', o.e2eMinRtoMs ?? 250, 1);
  const host = o.host;
  if (typeof host !== 'object' || host === null || typeof host.random !== 'function') throw new TypeError(HOST_TEXT);
  for (const hook of ['log', 'undeliverable', 'versionMismatch'] as const) {
    if (host[hook] !== undefined && typeof host[hook] !== 'function') throw new TypeError(`net option host.${hook} must be a method`);
  }
  return overDefaults<ResolvedNetOptions>({
    domain: int('domain', o.domain, 0, DOMAIN_ID_MAX),
    node: int('node', o.node, 0, NODE_ID_MAX),
    host,
    epoch: int('epoch', o.epoch ?? 0, 0, 0xffff),
    window,
    rtoMs: ms('rtoMs', o.rtoMs ?? 250, minRtoMs),
    minRtoMs,
    maxRtoMs,
    maxRetries: int('maxRetries', o.maxRetries ?? 8, 1, 1000),
    maxQueue: int('maxQueue', o.maxQueue ?? 32, 1, 1 << 20),
    maxPayload: int('maxPayload', o.maxPayload ?? DEFAULT_MAX_PAYLOAD, MIN_MAX_PAYLOAD, PAYLOAD_LIMIT),
    helloMs,
    deadMs: ms('deadMs', o.deadMs ?? 4 * helloMs, helloMs),
    ackDelayMs: ms('ackDelayMs', o.ackDelayMs ?? 5, 0),
    streamAckDelayMs: ms('streamAckDelayMs', o.streamAckDelayMs ?? 25, 0),
    // ackEvery: past a window of MAX_WINDOW it means nothing, a byte is plenty; the ttl is one byte on the wire.
    ackEvery: int('ackEvery', o.ackEvery ?? Math.max(1, window >>> 1), 1, 0xff),
    reorderThreshold: int('reorderThreshold', o.reorderThreshold ?? 2, 1, MAX_WINDOW),
    ttl: int('ttl', o.ttl ?? 16, 1, 0xff),
    lsaRefreshMs: ms('lsaRefreshMs', o.lsaRefreshMs ?? 30000, helloMs),
    crcSlices: slices(o.crcSlices),
    datagramCrc: bool('datagramCrc', o.datagramCrc ?? false),
    bytes: o.bytes ?? NO_BYTES,
    e2eWindow: int('e2eWindow', o.e2eWindow ?? 32, 1, E2E_MAX_WINDOW),
    e2eMaxBytes: int('e2eMaxBytes', o.e2eMaxBytes ?? 65536, 1, 1 << 30),
    e2eRtoMs: ms('e2eRtoMs', o.e2eRtoMs ?? 1000, 1),
    e2eMinRtoMs,
    e2eMaxRtoMs: ms('e2eMaxRtoMs', o.e2eMaxRtoMs ?? 8000, e2eMinRtoMs),
    e2eGiveUpMs: ms('e2eGiveUpMs', o.e2eGiveUpMs ?? 30000, 1),
    e2eAckDelayMs: ms('e2eAckDelayMs', o.e2eAckDelayMs ?? 50, 0),
    domainKey: o.domainKey === undefined || o.domainKey === null ? null : (parseDomainKey(o.domainKey, 'net option domainKey'), o.domainKey),
  }, NET_DEFAULTS);
}
