/**
 * Every bound of a DSM, in one place: the option defaults (DsmOptions), how options are
 * checked, and the byte budgets that decide where a message is cut. The defaults are sized for
 * an ESP32 board with a few hundred KiB for XS; docs/DSM.md "Limits" is the table users read.
 */
import { NODE_ID_MAX } from '../wire/ids.js';
import { MAX_HEADROOM } from './codec.js';
import { DsmError, type DsmLimits, type DsmOptions, type DsmTransport } from './types.js';
import { overDefaults } from '../net/over-defaults.js';

/** The defaults of every option that has a fixed one (maxMessage and maxDeferred depend on the transport). */
export const DSM_DEFAULTS: Readonly<Omit<DsmLimits, 'maxMessage' | 'maxDeferred'>> = Object.freeze({
  pageSize: 1024,
  granule: 8,
  barrierTimeoutMs: 60000,
  requestTimeoutMs: 15000,
  lockTimeoutMs: 120000,
  window: 4,
  maxArrays: 16,
  maxLocks: 32,
  maxNoticeRanges: 64,
  maxRangesPerInterval: 64,
  checkReads: true,
  maxReadSnapshot: 262144,
  lend: true,
});

/** maxMessage when neither the options nor the transport give one. */
export const DEFAULT_MAX_MESSAGE = 1024;

/**
 * Every limit at its default (maxDeferred: two boards' at the default window). A DSM's limits
 * inherit from it and hold only what differs (src/net/over-defaults.ts): module-level and
 * frozen, in flash on a preloaded Moddable firmware, so a board's limits cost a slot per limit
 * it changes instead of one per limit, 15 (docs/FOOTPRINT.md "Round 12: Laplace slots").
 */
const LIMIT_DEFAULTS: Readonly<DsmLimits> = Object.freeze({ ...DSM_DEFAULTS, maxMessage: DEFAULT_MAX_MESSAGE, maxDeferred: DSM_DEFAULTS.window });
/** Smallest maxMessage: a name, a refusal text and a few ranges must fit. */
export const MIN_MAX_MESSAGE = 128;
/** Page sizes allowed (powers of two in between). */
export const MIN_PAGE_SIZE = 256;
export const MAX_PAGE_SIZE = 4096;

/**
 * Most boards in one DSM: every rank is held by a node of the domain (node ids 0..NODE_ID_MAX),
 * and a page's home rank is one byte (SharedArrayState.homes).
 */
export const MAX_BOARDS = NODE_ID_MAX + 1;

/** Largest shared array in bytes: offsets stay exact small integers in every engine. */
export const MAX_ARRAY_BYTES = 0x40000000;

/** Longest array or lock name (printable ASCII). */
export const MAX_NAME = 32;

/** An array or lock name: 1..MAX_NAME printable ASCII characters. */
export function validName(name: unknown): name is string {
  if (typeof name !== 'string' || name.length < 1 || name.length > MAX_NAME) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x20 || c >= 0x7f) return false;
  }
  return true;
}

/** Room kept in a message for its header (type, request id, array id). */
export const HEADER_ROOM = 16;

/** Most bytes of one varint (values up to VARINT_MAX). */
export const VARINT_BYTES = 5;

/**
 * A fetch request takes one more (startDelta, count) pair only while this much room is left:
 * two varints of at most VARINT_BYTES each, and two spare.
 */
export const FETCH_PAIR_ROOM = 12;

/** Most bytes of a diff run's header: (startDelta, length), two varints. */
export const RUN_HEADER_BYTES = 2 * VARINT_BYTES;
/** A new diff run starts in the current message only while more than this is left (a header and a few data bytes). */
export const RUN_ROOM = RUN_HEADER_BYTES + 2;

/** Longest refusal text (REQ_ERR) and alloc mismatch text (ALLOC_ERR) a board accepts. */
export const MAX_REFUSAL_TEXT = 1024;
export const MAX_ALLOC_ERROR_TEXT = 4096;

/** Bytes allowed for a notice list's count varint in the worst-case size below (counts < 2^21). */
const NOTICE_COUNT_BYTES = 3;

/**
 * Worst-case size of the largest message carrying a full notice list, LOCK_RELEASE: type,
 * epoch, the name (length byte and MAX_NAME characters), the count and `ranges` pairs of
 * varints. 42 + 10 x ranges.
 */
export function noticeMessageBytes(ranges: number): number {
  return 1 + VARINT_BYTES + 1 + MAX_NAME + NOTICE_COUNT_BYTES + 2 * VARINT_BYTES * ranges;
}

/** A board that is not the manager waits this many barrier timeouts (the manager's own and its answer). */
export const NON_MANAGER_WAIT = 2;

/** A held diff's writer is told it is held this many times per requestTimeoutMs (DIFF_HELD). */
export const HELD_KEEPALIVES_PER_TIMEOUT = 3;

/** Receives a transport keeps posted for a DSM with these options: its window of replies plus control traffic. */
export function recvSlotsFor(options: DsmOptions): number {
  return (options.window ?? DSM_DEFAULTS.window) + 2;
}

/**
 * Pages' worth of data one DSM message carries (up to MAX_PAGE_SIZE). Two, not one: a diff run
 * that crosses a page boundary (a Laplace row of N=256, 2 KiB over 1 KiB pages) then still goes
 * in one message; with one page per message the extra headers put Laplace N=256's wire bytes
 * over its 1.55 x halo bound (test/dsm-sim/laplace-100). Buffers stay half of MCAPI's maxPayload.
 */
const MESSAGE_PAGES = 2;

/**
 * The largest message a DSM with these options sends (options.maxMessage when given): room for
 * two pages of data (MESSAGE_PAGES, at most MAX_PAGE_SIZE) and 2 x HEADER_ROOM of headers, so a
 * whole page always moves in one message (a FETCH reply; a DIFF of a full page), a lock release carries a full notice list, and never below MIN_MAX_MESSAGE. A transport sizes
 * its receive buffers to this, not to the largest message it could carry: MCAPI's maxPayload
 * (4160) for 1 KiB pages held 6 x 2 KiB of chunks a board never fills.
 */
export function messageBytesFor(options: DsmOptions): number {
  if (options.maxMessage !== undefined) return options.maxMessage;
  const page = options.pageSize ?? DSM_DEFAULTS.pageSize;
  const notices = noticeMessageBytes(options.maxNoticeRanges ?? DSM_DEFAULTS.maxNoticeRanges);
  return Math.max(Math.min(MESSAGE_PAGES * page, MAX_PAGE_SIZE) + 2 * HEADER_ROOM, notices, MIN_MAX_MESSAGE);
}

/** The options with their defaults, checked; throws BAD_ARG naming the first bad field. */
export function resolveLimits(o: DsmOptions, transport: DsmTransport): DsmLimits {
  const d = DSM_DEFAULTS;
  const window = o.window ?? d.window;
  const limits: DsmLimits = {
    pageSize: o.pageSize ?? d.pageSize,
    granule: o.granule ?? d.granule,
    barrierTimeoutMs: o.barrierTimeoutMs ?? d.barrierTimeoutMs,
    requestTimeoutMs: o.requestTimeoutMs ?? d.requestTimeoutMs,
    lockTimeoutMs: o.lockTimeoutMs ?? d.lockTimeoutMs,
    window,
    maxMessage: o.maxMessage ?? transport.maxMessage ?? DEFAULT_MAX_MESSAGE,
    maxArrays: o.maxArrays ?? d.maxArrays,
    maxLocks: o.maxLocks ?? d.maxLocks,
    maxNoticeRanges: o.maxNoticeRanges ?? d.maxNoticeRanges,
    maxRangesPerInterval: o.maxRangesPerInterval ?? d.maxRangesPerInterval,
    checkReads: o.checkReads ?? d.checkReads,
    maxReadSnapshot: o.maxReadSnapshot ?? d.maxReadSnapshot,
    lend: o.lend ?? d.lend,
    // A writer has at most `window` diffs in flight: what every other board can send at once.
    maxDeferred: o.maxDeferred ?? Math.max(1, (transport.size - 1) * Math.ceil(window)),
  };
  const pow2 = (v: number): boolean => Number.isInteger(v) && v > 0 && (v & (v - 1)) === 0;
  const bad = (field: string, rule: string): never => {
    throw new DsmError('BAD_ARG', `dsm options: ${field} ${rule}`);
  };
  if (!pow2(limits.pageSize) || limits.pageSize < MIN_PAGE_SIZE || limits.pageSize > MAX_PAGE_SIZE) {
    bad('pageSize', `must be a power of two in ${MIN_PAGE_SIZE}..${MAX_PAGE_SIZE} (got ${String(o.pageSize)})`);
  }
  if (!pow2(limits.granule) || limits.granule > limits.pageSize) {
    bad('granule', `must be a power of two in 1..pageSize (got ${String(o.granule)})`);
  }
  const positive: (keyof DsmLimits)[] = [
    'barrierTimeoutMs',
    'requestTimeoutMs',
    'lockTimeoutMs',
    'window',
    'maxArrays',
    'maxLocks',
    'maxNoticeRanges',
    'maxRangesPerInterval',
    'maxDeferred',
  ];
  for (const k of positive) {
    const v = limits[k];
    if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) bad(k, `must be a positive number (got ${String(v)})`);
  }
  if (!Number.isInteger(limits.maxMessage) || limits.maxMessage < MIN_MAX_MESSAGE || limits.maxMessage < limits.granule + 2 * HEADER_ROOM) {
    bad('maxMessage', `must be an integer >= ${MIN_MAX_MESSAGE} and >= granule + ${2 * HEADER_ROOM} (got ${String(limits.maxMessage)})`);
  }
  // A lock release carries a name and a full notice list in one message.
  if (noticeMessageBytes(limits.maxNoticeRanges) > limits.maxMessage) {
    bad('maxNoticeRanges', `needs messages of ${noticeMessageBytes(limits.maxNoticeRanges)} bytes, more than maxMessage=${limits.maxMessage}`);
  }
  if (typeof limits.checkReads !== 'boolean') bad('checkReads', 'must be a boolean');
  if (typeof limits.lend !== 'boolean') bad('lend', 'must be a boolean');
  if (!Number.isInteger(limits.maxDeferred)) bad('maxDeferred', `must be an integer >= 1 (got ${String(o.maxDeferred)})`);
  if (!Number.isInteger(limits.maxReadSnapshot) || limits.maxReadSnapshot < 0) {
    bad('maxReadSnapshot', `must be an integer >= 0 (got ${String(o.maxReadSnapshot)})`);
  }
  const headroom = transport.headroom ?? 0;
  if (!Number.isInteger(headroom) || headroom < 0 || headroom > MAX_HEADROOM) {
    throw new DsmError('BAD_ARG', `dsm: transport.headroom must be an integer in 0..${MAX_HEADROOM} (got ${String(transport.headroom)})`);
  }
  return overDefaults(limits, LIMIT_DEFAULTS);
}
