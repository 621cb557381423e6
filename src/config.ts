/**
 * A board's configuration: what firmware reads from preferences on a real board and what the
 * simulator sends in the boot event. Validated at boot (`checkBoardConfig`); a bad field fails
 * with its name, and the runtime gets typed options (`BoardOptions`) instead of a bag of values.
 */
import type { DsmOptions } from './dsm/index.js';
import type { FtOptions } from './ft/index.js';
import type { NetOptions } from './net/index.js';
import type { RpcLimits } from './rpc/index.js';
import { DOMAIN_ID_MAX, NODE_ID_MAX } from './wire/ids.js';

export interface BoardConfig {
  domain: number;
  node: number;
  /** Logical rank, or -1 for a standby spare. */
  rank: number;
  /** Number of working (non-spare) boards. */
  boards: number;
  /** bytesPerMs: the link's transmit rate when the simulator models one (HalLink.bytesPerMs). */
  links: { kind: 'stream' | 'datagram'; mtu: number; bytesPerMs?: number }[];
  /** Seed for the board's Hal.random() (simulator) — real boards use their hardware RNG. */
  seed: number;
  /** Memory budget in bytes reported by Hal.memory().limit. */
  ramLimit: number;
  /** Application to run, by registered name, and its options (the words after `--`). */
  app: string;
  appArgs: string[];
  /** Runtime options (page size, layer options, ...) as sent; `checkBoardConfig` types them. */
  options: Record<string, unknown>;
}

/**
 * The runtime options, checked. The layers' own fields (`net`, `dsm`, `ft`, `rpc`) are checked
 * here as objects and field by field by their layer as it starts (NetLayer, FaultTolerance,
 * RpcLayer, Dsm), with errors naming `options.<layer>`.
 */
export type BoardOptions = {
  /** Network layer options (`options.net`; {} when absent). */
  readonly net: Partial<NetOptions>;
  /** DSM options (`options.dsm`, with `options.pageSize` folded in). */
  readonly dsm: DsmOptions;
  /** Fault-tolerance options (`options.ft`); null when the config gives none. */
  readonly ft: Partial<FtOptions> | null;
  /** Standby spares after the working boards (nodes boards..boards+spares-1). */
  readonly spares: number;
  /** How long the app waits for every member to be reachable (runs without fault tolerance). */
  readonly convergeMs: number;
  /** Whether the console's fault commands work at start (docs/CONSOLE.md). */
  readonly faultsArmed: boolean;
  /** Remote-call limits (`options.rpc`, docs/RPC.md); null: the defaults. */
  readonly rpc: Partial<RpcLimits> | null;
  /** The simulator's CPU model is on (XS boards hand zero-delay timers to the host). */
  readonly cpuModel: boolean;
};

/** A configuration that passed `checkBoardConfig`: the same fields, the options typed. */
export type CheckedBoardConfig = Omit<BoardConfig, 'options'> & { readonly options: BoardOptions };

/** How long a board waits for every member of the domain to be reachable before its app starts. */
export const DEFAULT_CONVERGE_MS = 10_000;
/** Page sizes the DSM takes (docs/DSM.md): powers of two in this range. */
const MIN_PAGE_SIZE = 256;
const MAX_PAGE_SIZE = 4096;
/** `links[i].mtu`: at least a frame header, at most a UDP datagram. */
const MIN_LINK_MTU = 16;
const MAX_LINK_MTU = 65535;
const MIN_RAM_LIMIT = 1024;

/** Thrown for a configuration that cannot work; the message starts with the field's name. */
export class ConfigError extends Error {
  /** On the prototype (Moddable freezes Error.prototype at preload; see docs/TARGETS.md). */
  override get name(): string {
    return 'ConfigError';
  }
}

function int(obj: Record<string, unknown>, field: string, min: number, max: number, prefix = ''): number {
  const v = obj[field];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ConfigError(`${prefix}${field}: expected an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `options.<field>` when it is an object (or absent: null); else a ConfigError naming it. */
function objectOption(o: Record<string, unknown>, field: string): Record<string, unknown> | null {
  const v = o[field];
  if (v === undefined) return null;
  if (!isObject(v)) throw new ConfigError(`options.${field}: expected an object, got ${JSON.stringify(v)}`);
  return v;
}

function flagOption(o: Record<string, unknown>, field: string): boolean {
  const v = o[field];
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw new ConfigError(`options.${field}: expected true or false, got ${JSON.stringify(v)}`);
  return v;
}

/** The runtime options of a board with `boards` working boards, checked and typed. */
export function checkBoardOptions(raw: unknown, boards: number): BoardOptions {
  if (raw === undefined) raw = {};
  if (!isObject(raw)) throw new ConfigError('options: expected an object');
  // The layers' fields are checked by the layers (NetLayer, Dsm, FaultTolerance, RpcLayer): here the shape.
  const net = objectOption(raw, 'net') ?? {};
  const dsm: DsmOptions = { ...(objectOption(raw, 'dsm') ?? {}) };
  if (raw.pageSize !== undefined) {
    const ps = raw.pageSize;
    if (typeof ps !== 'number' || !Number.isInteger(ps) || ps < MIN_PAGE_SIZE || ps > MAX_PAGE_SIZE || (ps & (ps - 1)) !== 0) {
      throw new ConfigError(`options.pageSize: expected a power of two from ${MIN_PAGE_SIZE} to ${MAX_PAGE_SIZE}, got ${JSON.stringify(ps)}`);
    }
    dsm.pageSize = ps;
  }
  const ft = objectOption(raw, 'ft');
  // Spares take the node ids after the working boards, up to the last node id.
  const spares = raw.spares === undefined ? 0 : int(raw, 'spares', 0, NODE_ID_MAX + 1 - boards, 'options.');
  const cm = raw.convergeMs;
  if (cm !== undefined && (typeof cm !== 'number' || !Number.isFinite(cm) || cm < 0)) {
    throw new ConfigError(`options.convergeMs: expected a number of milliseconds, got ${JSON.stringify(cm)}`);
  }
  return {
    net: net as Partial<NetOptions>,
    dsm,
    ft: ft as Partial<FtOptions> | null,
    spares,
    convergeMs: cm ?? DEFAULT_CONVERGE_MS,
    faultsArmed: flagOption(raw, 'faultsArmed'),
    rpc: objectOption(raw, 'rpc') as Partial<RpcLimits> | null,
    cpuModel: flagOption(raw, 'cpuModel'),
  };
}

/** Check a configuration read from JSON (boot event, firmware preferences) field by field. */
export function checkBoardConfig(raw: unknown, halLinks: number): CheckedBoardConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError('config: expected an object');
  const o = raw as Record<string, unknown>;
  const domain = int(o, 'domain', 0, DOMAIN_ID_MAX);
  const node = int(o, 'node', 0, NODE_ID_MAX);
  const rank = int(o, 'rank', -1, NODE_ID_MAX - 1);
  const boards = int(o, 'boards', 1, NODE_ID_MAX);
  if (rank >= boards) throw new ConfigError(`rank: ${rank} is not below boards (${boards})`);
  if (!Array.isArray(o.links)) throw new ConfigError('links: expected an array');
  if (o.links.length !== halLinks) throw new ConfigError(`links: ${o.links.length} configured but the board has ${halLinks}`);
  const links = o.links.map((l: unknown, i: number): BoardConfig['links'][number] => {
    const link = (typeof l === 'object' && l !== null ? l : {}) as Record<string, unknown>;
    const kind = link.kind;
    if (kind !== 'stream' && kind !== 'datagram') throw new ConfigError(`links[${i}].kind: expected "stream" or "datagram"`);
    const mtu = int(link, 'mtu', MIN_LINK_MTU, MAX_LINK_MTU);
    return { kind, mtu };
  });
  const seed = int(o, 'seed', 0, 0xffffffff);
  const ramLimit = int(o, 'ramLimit', MIN_RAM_LIMIT, 2 ** 31);
  if (typeof o.app !== 'string' || o.app === '') throw new ConfigError('app: expected an app name');
  if (!Array.isArray(o.appArgs) || !o.appArgs.every((a) => typeof a === 'string')) throw new ConfigError('appArgs: expected an array of strings');
  const options = checkBoardOptions(o.options, boards);
  return { domain, node, rank, boards, links, seed, ramLimit, app: o.app, appArgs: o.appArgs as string[], options };
}
