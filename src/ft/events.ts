/**
 * The runtime events of the fault-tolerance layer (`Hal.event(name, value, detail?)`, docs/FT.md
 * §8 and §12): their names, what value and detail carry, the one encoder each emission site
 * uses, and the parser the tools use. The detail text is a wire format between a board and the
 * host (the simulated board's event action, a Moddable board's `event <name> <value> <detail>`
 * trace line, the trace digest): it is written here and nowhere else. src/events.ts gathers
 * every layer's events.
 */
import { emitEvent, parseCount, parseJsonObject, parseNodeList } from '../util/events.js';
import type { EventRecord, EventSink } from '../util/events.js';
import type { FtRecoveryFigures, FtStats } from './types.js';

export const FT_EVENT = {
  /** value: the round; a rank starts sending its delta to its buddies. */
  CKPT_SEND: 'ckpt-send',
  /** value: the round; a board enters the commit phase. */
  CKPT_COMMIT: 'ckpt-commit',
  /** value: the rank; a holder starts sending a rank's image to a new holder. */
  RECOVERY_TRANSFER: 'recovery-transfer',
  /** value: the node suspected. */
  SUSPECT: 'suspect',
  /** value: boards seen; detail `<seen>/<known domain>`. */
  NO_QUORUM: 'no-quorum',
  /** value: the epoch; detail `gen=<g> failed=<nodes> map=<nodes>`. */
  RECOVERY: 'recovery',
  /** value: the epoch; detail: the reason the module stopped for good. */
  FT_STOP: 'ft-stop',
  /** value: the epoch; detail: FtRecoveryFigures as JSON (the new view's coordinator, once). */
  FT_RECOVERY: 'ft-recovery',
  /** value: the rank (-1: none); detail: FtStats as JSON. */
  FT_STATS: 'ft-stats',
} as const;

/** The phases a fault scenario may interrupt: announced first, carried out from a zero-delay timer. */
export type FtPhaseEventName = typeof FT_EVENT.CKPT_SEND | typeof FT_EVENT.CKPT_COMMIT | typeof FT_EVENT.RECOVERY_TRANSFER;

/** The FT events with their payloads, as the tools see them once parsed. */
export type FtEvent =
  | { name: 'ckpt-send'; round: number }
  | { name: 'ckpt-commit'; round: number }
  | { name: 'recovery-transfer'; rank: number }
  | { name: 'suspect'; node: number }
  | { name: 'no-quorum'; seen: number; domain: number }
  | { name: 'recovery'; epoch: number; generation: number; failed: number[]; map: number[] }
  | { name: 'ft-stop'; epoch: number; reason: string }
  /** `figures` null: the detail was not readable figures (a board of other code). */
  | { name: 'ft-recovery'; epoch: number; figures: FtRecoveryFigures | null }
  | { name: 'ft-stats'; rank: number; stats: FtStats | null };

/** The record of an FT event (its name, value and detail text). */
export function encodeFtEvent(e: FtEvent): EventRecord {
  switch (e.name) {
    case 'ckpt-send':
    case 'ckpt-commit':
      return { name: e.name, value: e.round };
    case 'recovery-transfer':
      return { name: e.name, value: e.rank };
    case 'suspect':
      return { name: e.name, value: e.node };
    case 'no-quorum':
      return { name: e.name, value: e.seen, detail: `${e.seen}/${e.domain}` };
    case 'recovery':
      return { name: e.name, value: e.epoch, detail: `gen=${e.generation} failed=${e.failed.join(',')} map=${e.map.join(',')}` };
    case 'ft-stop':
      return { name: e.name, value: e.epoch, detail: e.reason };
    case 'ft-recovery':
      return { name: e.name, value: e.epoch, detail: JSON.stringify(e.figures) };
    case 'ft-stats':
      return { name: e.name, value: e.rank, detail: JSON.stringify(e.stats) };
  }
}

export function emitFtEvent(sink: EventSink, e: FtEvent): void {
  emitEvent(sink, encodeFtEvent(e));
}

/** A phase event (the value is the round or the rank, as the name says). */
export function phaseEvent(name: FtPhaseEventName, value: number): FtEvent {
  return name === FT_EVENT.RECOVERY_TRANSFER ? { name, rank: value } : { name, round: value };
}

/** `key=value` at the start of `text`: the value, or null. */
function field(text: string | undefined, key: string): string | null {
  return text !== undefined && text.startsWith(key + '=') ? text.slice(key.length + 1) : null;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isNums = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => isNum(x));

/** ft-recovery's detail: the figures, every field checked (null if one is missing or of another type). */
export function parseRecoveryFigures(detail: string): FtRecoveryFigures | null {
  const o = parseJsonObject(detail);
  if (o === null) return null;
  const { epoch, generation, failed, ranks, replacements, shrink, detectMs, restoreMs, totalMs, lostIterations, bytes } = o;
  if (!isNum(epoch) || !isNum(generation) || !isNums(failed) || !isNums(ranks) || !isNums(replacements) || typeof shrink !== 'boolean') return null;
  if (!isNum(detectMs) || !isNum(restoreMs) || !isNum(totalMs) || !isNum(lostIterations) || !isNum(bytes)) return null;
  return { epoch, generation, failed, ranks, replacements, shrink, detectMs, restoreMs, totalMs, lostIterations, bytes };
}

/**
 * ft-stats' detail: the stats, checked as far as the tools read them (the checkpoint figures and
 * the memory peak); null when those are missing.
 */
export function parseFtStats(detail: string): FtStats | null {
  const o = parseJsonObject(detail);
  if (o === null) return null;
  const c = o.checkpoints as Record<string, unknown> | null | undefined;
  const m = o.memory as Record<string, unknown> | null | undefined;
  if (typeof c !== 'object' || c === null || typeof m !== 'object' || m === null) return null;
  if (!isNum(c.count) || !isNum(c.bytesSent) || !isNum(c.changedBytes) || !isNum(c.fullImageBytes) || !isNum(m.peakMultiple)) return null;
  return o as unknown as FtStats;
}

/** recovery's detail, `gen=<g> failed=<nodes> map=<nodes>`. */
function parseRecoveryDetail(epoch: number, detail: string): FtEvent | null {
  const parts = detail.split(' ');
  if (parts.length !== 3) return null;
  const gen = field(parts[0], 'gen');
  const failedText = field(parts[1], 'failed');
  const mapText = field(parts[2], 'map');
  const generation = gen === null ? null : parseCount(gen);
  const failed = failedText === null ? null : parseNodeList(failedText);
  const map = mapText === null ? null : parseNodeList(mapText);
  if (generation === null || failed === null || map === null) return null;
  return { name: 'recovery', epoch, generation, failed, map };
}

/** An FT event back from its record; null when the name is not FT's or the detail does not read. */
export function parseFtEvent(name: string, value: number, detail: string): FtEvent | null {
  switch (name) {
    case 'ckpt-send':
    case 'ckpt-commit':
      return { name, round: value };
    case 'recovery-transfer':
      return { name, rank: value };
    case 'suspect':
      return { name, node: value };
    case 'no-quorum': {
      const slash = detail.indexOf('/');
      const domain = slash < 0 ? null : parseCount(detail.slice(slash + 1));
      return domain === null || parseCount(detail.slice(0, slash)) === null ? null : { name, seen: value, domain };
    }
    case 'recovery':
      return parseRecoveryDetail(value, detail);
    case 'ft-stop':
      return { name, epoch: value, reason: detail };
    case 'ft-recovery':
      return { name, epoch: value, figures: parseRecoveryFigures(detail) };
    case 'ft-stats':
      return { name, rank: value, stats: parseFtStats(detail) };
    default:
      return null;
  }
}
