/**
 * Every memory bound of an MCAPI node, as constructor options. The defaults are sized for an
 * ESP32 giving XS about 150 KiB: the worst case of everything below together is about 32 KiB
 * of queued data (docs/MCAPI.md "Limits" has the arithmetic).
 */
import { McapiError, Status } from './status.js';
import { MSG_PORT_WINDOW } from './wire.js';

export type FullPolicy = 'wait' | 'fail';

export interface McapiLimits {
  /** Local endpoints that may exist at once (MCAPI_ERR_ENDP_LIMIT beyond). */
  maxEndpoints: number;
  /** Outstanding requests, blocking calls included (MCAPI_ERR_REQUEST_LIMIT beyond). */
  maxRequests: number;
  /** Largest port number; ports 1..maxPort are usable (port 0 is reserved). */
  maxPort: number;
  /** createEndpoint(PORT_ANY) hands out ports from here up to maxPort. */
  firstDynamicPort: number;
  /** Message priorities 0 (highest) .. priorities-1. */
  priorities: number;
  /** Hard cap of a message or packet in bytes; the MAX_PAYLOAD_SIZE attribute's default and maximum. */
  maxPayload: number;
  /** Largest frame payload the network carries (the net's own limit); maxPayload must fit with headers. */
  maxFramePayload: number;
  /** NUM_RECV_BUFFERS attribute default for a new endpoint. */
  defaultRecvBuffers: number;
  /** NUM_RECV_BUFFERS attribute maximum. */
  maxRecvBuffers: number;
  /** Messages queued on all local endpoints together. */
  maxQueuedMessages: number;
  /** Bytes of messages queued on all local endpoints together. */
  maxQueuedBytes: number;
  /** Bytes reserved for the receive buffers of all open packet / scalar channels together. */
  maxChannelBufferBytes: number;
  /** What a sender does when the receiver has no room: wait (retry until its timeout) or fail at once. */
  fullPolicy: FullPolicy;
  /** TIMEOUT attribute default (ms); Infinity waits forever, as MCAPI specifies. */
  defaultTimeoutMs: number;
  /**
   * Refused messages a receiver remembers, all senders together, to keep their order (a few
   * bytes each). Beyond it a refused message fails at its sender with MCAPI_ERR_MEM_LIMIT.
   */
  maxBlocked: number;
  /** Endpoint lookups from other nodes waiting here for an endpoint to be created. */
  maxGetWatches: number;
  /** Message data frames held while the network refuses them (control frames are not counted). */
  outboxFrames: number;
  /** Retry interval (ms) for refused frames and the first endpoint-lookup poll. */
  retryMs: number;
  /** Longest interval (ms) between endpoint-lookup polls (the interval doubles up to this). */
  getPollMaxMs: number;
  /** How long (ms) a remote node attribute query waits for its answer. */
  controlTimeoutMs: number;
}

export const DEFAULT_LIMITS: Readonly<McapiLimits> = {
  maxEndpoints: 16,
  maxRequests: 32,
  maxPort: 1023,
  firstDynamicPort: 768,
  priorities: 4,
  // A 4 KiB DSM page plus the DSM's header (sender rank, type, request id) in one message.
  maxPayload: 4160,
  maxFramePayload: 4200,
  defaultRecvBuffers: 4,
  maxRecvBuffers: 64,
  maxQueuedMessages: 64,
  // Two full messages.
  maxQueuedBytes: 8320,
  maxChannelBufferBytes: 20480,
  fullPolicy: 'wait',
  defaultTimeoutMs: Infinity,
  maxBlocked: 512,
  maxGetWatches: 16,
  outboxFrames: 32,
  retryMs: 5,
  getPollMaxMs: 200,
  controlTimeoutMs: 1000,
};

/** Bytes of MCAPI header in a message frame without piggybacked responses (flags, sequence, ACK1). */
export const MSG_HEADER_BYTES = 3;

function bad(field: string, want: string, got: unknown): McapiError {
  return new McapiError(Status.MCAPI_ERR_PARAMETER, `limits.${field} must be ${want}, got ${String(got)}`);
}

function intIn(o: McapiLimits, field: keyof McapiLimits, min: number, max: number): void {
  const v = o[field];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw bad(field, `an integer in ${String(min)}..${String(max)}`, v);
  }
}

/**
 * Fill in defaults and check every field; a bad field throws MCAPI_ERR_PARAMETER naming it.
 * Without overrides the defaults themselves (module-level, in flash on a preloaded Moddable
 * firmware): a copy cost a node ~32 slots of RAM.
 */
export function resolveLimits(partial?: Partial<McapiLimits>): Readonly<McapiLimits> {
  if (partial === undefined) return DEFAULT_LIMITS;
  const o: McapiLimits = { ...DEFAULT_LIMITS };
  if (partial === null || typeof partial !== 'object') throw bad('', 'an object', partial);
  for (const key of Object.keys(partial) as (keyof McapiLimits)[]) {
    if (!(key in DEFAULT_LIMITS)) throw bad(key, 'a known limit', 'an unknown field');
    const v = partial[key];
    if (v !== undefined) (o as unknown as Record<string, unknown>)[key] = v;
  }
  intIn(o, 'maxEndpoints', 1, 4096);
  intIn(o, 'maxRequests', 1, 65535);
  intIn(o, 'maxPort', 1, 65535);
  intIn(o, 'firstDynamicPort', 1, o.maxPort);
  intIn(o, 'priorities', 1, 8);
  intIn(o, 'maxFramePayload', MSG_HEADER_BYTES + 1, 65535);
  intIn(o, 'maxPayload', 1, o.maxFramePayload - MSG_HEADER_BYTES);
  intIn(o, 'maxRecvBuffers', 1, 65535);
  intIn(o, 'defaultRecvBuffers', 1, o.maxRecvBuffers);
  intIn(o, 'maxQueuedMessages', 1, 1 << 20);
  intIn(o, 'maxQueuedBytes', 0, 1 << 30);
  intIn(o, 'maxChannelBufferBytes', 0, 1 << 30);
  intIn(o, 'maxBlocked', MSG_PORT_WINDOW, 1 << 20);
  intIn(o, 'maxGetWatches', 0, 4096);
  intIn(o, 'outboxFrames', 1, 1 << 16);
  if (o.fullPolicy !== 'wait' && o.fullPolicy !== 'fail') throw bad('fullPolicy', "'wait' or 'fail'", o.fullPolicy);
  for (const f of ['retryMs', 'getPollMaxMs', 'controlTimeoutMs'] as const) {
    const v = o[f];
    if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) throw bad(f, 'a positive finite number', v);
  }
  if (typeof o.defaultTimeoutMs !== 'number' || !(o.defaultTimeoutMs >= 0)) {
    throw bad('defaultTimeoutMs', 'a number >= 0 or Infinity', o.defaultTimeoutMs);
  }
  return o;
}
