/**
 * Every runtime event a board reports to the tools (`Hal.event(name, value, detail?)`): the
 * board runtime's own (app start, result and error, applied faults) and, gathered here, those
 * of fault tolerance (src/ft/events.ts) and remote calls (src/rpc/events.ts), which their layers
 * emit themselves. Each event has a typed payload; `encodeEvent` writes its record (the detail
 * text is a wire format: the simulator's event action, a Moddable or Lua board's trace line,
 * the trace digest — it must not change) and `parseEvent` reads it back, so no tool parses a
 * detail by hand. An app's own events (`ctx.event('iter', k)`) are not runtime events: they
 * take whatever name the app gives, and no detail.
 */
import { FT_EVENT, encodeFtEvent, parseFtEvent } from './ft/events.js';
import type { FtEvent } from './ft/events.js';
import { RPC_EVENT, encodeRpcEvent, parseRpcEvent } from './rpc/events.js';
import type { RpcEvent } from './rpc/events.js';
import { emitEvent, parseCount } from './util/events.js';
import type { EventRecord, EventSink } from './util/events.js';

export { FT_EVENT, RPC_EVENT, emitEvent };
export type { EventRecord, EventSink, FtEvent, RpcEvent };

export const BOARD_EVENT = {
  /** value: the rank whose `main` starts. */
  APP_START: 'app-start',
  /** value: the rank; detail: what `main` returned, as JSON (`null` for nothing). */
  APP_RESULT: 'app-result',
  /** value: the rank (-1: none); detail: why the app failed or the board stopped. */
  APP_ERROR: 'app-error',
  /** value 0; detail: the fault the board applied (`crash`, `hang 250`, `partition 1,2`, ...). */
  FAULT: 'fault',
  /**
   * value: the link; detail: `<peer's frame version> <this board's>`. A neighbour speaks another
   * frame version, so the link never comes up (docs/PROTOCOL.md §1); once per link and version.
   */
  LINK_VERSION: 'link-version',
} as const;

/** Every runtime event name, for tools that list or match them. */
export const RUNTIME_EVENT_NAMES: readonly string[] = [
  ...Object.values(BOARD_EVENT),
  ...Object.values(FT_EVENT),
  ...Object.values(RPC_EVENT),
];

/** A fault a board applied, as its console command named it. */
export type FaultDetail =
  | { kind: 'crash' }
  | { kind: 'reboot' }
  | { kind: 'hang'; ms: number }
  | { kind: 'heal' }
  | { kind: 'drop'; p: number }
  | { kind: 'corrupt'; p: number }
  | { kind: 'delay'; ms: number }
  | { kind: 'partition'; nodes: readonly number[] };

export type BoardEvent =
  | { name: 'app-start'; rank: number }
  /** `result`: the parsed JSON; a detail that is not JSON stays its text. */
  | { name: 'app-result'; rank: number; result: unknown }
  | { name: 'app-error'; rank: number; reason: string }
  /** `detail`: the text as reported; `kind` its first word. */
  | { name: 'fault'; kind: string; detail: string }
  | { name: 'link-version'; link: number; peer: number; ours: number };

export type RuntimeEvent = BoardEvent | FtEvent | RpcEvent;

/** The detail of a `fault` event. */
export function faultText(f: FaultDetail): string {
  switch (f.kind) {
    case 'crash':
    case 'reboot':
    case 'heal':
      return f.kind;
    case 'hang':
    case 'delay':
      return `${f.kind} ${f.ms}`;
    case 'drop':
    case 'corrupt':
      return `${f.kind} ${f.p}`;
    case 'partition':
      return `partition ${f.nodes.join(',')}`;
  }
}

/** `app-result`'s record: `result` as JSON (undefined reported as null). */
export function appResultEvent(rank: number, result: unknown): EventRecord {
  return { name: BOARD_EVENT.APP_RESULT, value: rank, detail: JSON.stringify(result ?? null) };
}

/** `fault`'s record. */
export function faultEvent(f: FaultDetail): EventRecord {
  return { name: BOARD_EVENT.FAULT, value: 0, detail: faultText(f) };
}

/** The record of any runtime event. */
export function encodeEvent(e: RuntimeEvent): EventRecord {
  switch (e.name) {
    case 'app-start':
      return { name: e.name, value: e.rank };
    case 'app-result':
      return appResultEvent(e.rank, e.result);
    case 'app-error':
      return { name: e.name, value: e.rank, detail: e.reason };
    case 'fault':
      return { name: e.name, value: 0, detail: e.detail };
    case 'link-version':
      return { name: e.name, value: e.link, detail: `${e.peer} ${e.ours}` };
    case 'rpc-stage':
    case 'rpc-done':
    case 'rpc-call':
      return encodeRpcEvent(e);
    default:
      return encodeFtEvent(e);
  }
}

/** Report `e` to `sink` (a board's Hal). */
export function emitRuntimeEvent(sink: EventSink, e: RuntimeEvent): void {
  emitEvent(sink, encodeEvent(e));
}

/**
 * A runtime event back from what the host received (the absent detail arrives as ''); null
 * for an app's own event (`iter`, ...) or a runtime event whose detail does not read.
 */
export function parseEvent(name: string, value: number, detail: string): RuntimeEvent | null {
  switch (name) {
    case BOARD_EVENT.APP_START:
      return { name, rank: value };
    case BOARD_EVENT.APP_RESULT: {
      let result: unknown = detail;
      try {
        result = JSON.parse(detail);
      } catch {
        // Not JSON (a board of other code): the text itself is the result.
      }
      return { name, rank: value, result };
    }
    case BOARD_EVENT.APP_ERROR:
      return { name, rank: value, reason: detail };
    case BOARD_EVENT.FAULT: {
      const space = detail.indexOf(' ');
      return { name, kind: space < 0 ? detail : detail.slice(0, space), detail };
    }
    case BOARD_EVENT.LINK_VERSION: {
      const space = detail.indexOf(' ');
      const peer = parseCount(detail.slice(0, space < 0 ? 0 : space));
      const ours = parseCount(detail.slice(space + 1));
      return space < 0 || peer === null || ours === null ? null : { name, link: value, peer, ours };
    }
    default:
      return parseFtEvent(name, value, detail) ?? parseRpcEvent(name, value, detail);
  }
}
