/**
 * The runtime events of remote calls (docs/RPC.md): a server entering a stage of a call (the
 * simulator's fault triggers `rpc-start` … `rpc-result`), a served function finishing
 * (`rpc-done`, evidence for the exactly-once check) and a client's report of a finished call
 * (`rpc-call`). Names, payloads, the encoders the layer uses and the parsers the tools use; the
 * detail text is a wire format between a board and the host (src/ft/events.ts says why).
 */
import { parseCount, parseJsonObject } from '../util/events.js';
import type { EventRecord } from '../util/events.js';
import type { RpcCallReport, RpcStage } from './types.js';

export const RPC_EVENT = {
  /** value: how many calls this server has entered the stage of (`rpc-<stage>`). */
  START: 'rpc-start',
  ARGS: 'rpc-args',
  COMPUTE: 'rpc-compute',
  RESULT: 'rpc-result',
  /** value: the call number; detail `<client>:<call>:<idempotent 0|1>`. */
  DONE: 'rpc-done',
  /** value: the call number; detail: RpcCallReport as JSON. */
  CALL: 'rpc-call',
} as const;

export type RpcEvent =
  | { name: 'rpc-stage'; stage: RpcStage; entered: number }
  | { name: 'rpc-done'; client: number; call: number; idempotent: boolean }
  /** `report` null: the detail was not a readable report. */
  | { name: 'rpc-call'; call: number; report: RpcCallReport | null };

export function encodeRpcEvent(e: RpcEvent): EventRecord {
  switch (e.name) {
    case 'rpc-stage':
      return { name: `rpc-${e.stage}`, value: e.entered };
    case 'rpc-done':
      return { name: e.name, value: e.call, detail: `${e.client}:${e.call}:${e.idempotent ? 1 : 0}` };
    case 'rpc-call':
      return { name: e.name, value: e.call, detail: JSON.stringify(e.report) };
  }
}

/** The report of `rpc-call`, checked as far as the tools read it (call number, outcome, attempts, failures). */
export function parseRpcReport(detail: string): RpcCallReport | null {
  const o = parseJsonObject(detail);
  if (o === null || typeof o.call !== 'number' || typeof o.ok !== 'boolean' || typeof o.attempts !== 'number' || !Array.isArray(o.failures)) return null;
  for (const f of o.failures as unknown[]) if (typeof f !== 'object' || f === null) return null;
  return o as unknown as RpcCallReport;
}

/** An RPC event back from its record; null when the name is not one of them or the detail does not read. */
export function parseRpcEvent(name: string, value: number, detail: string): RpcEvent | null {
  switch (name) {
    case RPC_EVENT.START:
    case RPC_EVENT.ARGS:
    case RPC_EVENT.COMPUTE:
    case RPC_EVENT.RESULT:
      return { name: 'rpc-stage', stage: name.slice(4) as RpcStage, entered: value };
    case RPC_EVENT.DONE: {
      const parts = detail.split(':');
      const client = parseCount(parts[0] ?? '');
      const call = parseCount(parts[1] ?? '');
      if (parts.length !== 3 || client === null || call === null || (parts[2] !== '0' && parts[2] !== '1')) return null;
      return { name, client, call, idempotent: parts[2] === '1' };
    }
    case RPC_EVENT.CALL:
      return { name, call: value, report: parseRpcReport(detail) };
    default:
      return null;
  }
}
