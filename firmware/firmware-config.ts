/**
 * What a real board needs to know before it boots: the runtime's BoardConfig fields plus
 * where its UARTs and console are. Read from the preference `mcdsm`/`config` (a JSON text,
 * so a board can be re-provisioned without reflashing), falling back field by field to the
 * `mcdsm` object in the manifest's config section (mc/config). A bad field fails with its
 * name.
 */
import type { SerialLinkSpec, SerialPortSpec } from '../hal/moddable/specs.js';

export interface FirmwareConfig {
  /** The runtime's BoardConfig, as JSON-like data (bootBoard checks it field by field). */
  board: Record<string, unknown>;
  links: SerialLinkSpec[];
  console: SerialPortSpec | null;
  ramLimit: number;
}

const DEFAULT_RAM_LIMIT = 150 * 1024;

function objectOr(value: unknown, what: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`${what}: expected an object`);
  return value as Record<string, unknown>;
}

function integer(o: Record<string, unknown>, field: string, where: string, min: number, max: number): number {
  const v = o[field];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new Error(`${where}.${field}: expected an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function portSpec(raw: unknown, where: string): SerialPortSpec {
  const o = objectOr(raw, where);
  return {
    port: integer(o, 'port', where, 0, 15),
    receive: integer(o, 'receive', where, 0, 255),
    transmit: integer(o, 'transmit', where, 0, 255),
    baud: integer(o, 'baud', where, 300, 20_000_000),
  };
}

/**
 * Merge the stored preference text over the manifest defaults and check the hardware part.
 * `stored` is Preference.get('mcdsm', 'config'), `defaults` is mc/config's `mcdsm`.
 */
export function readFirmwareConfig(stored: unknown, defaults: unknown): FirmwareConfig {
  let override: Record<string, unknown> = {};
  if (typeof stored === 'string' && stored !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(stored);
    } catch {
      throw new Error('preference mcdsm/config: not JSON');
    }
    override = objectOr(parsed, 'preference mcdsm/config');
  } else if (stored !== undefined) {
    throw new Error('preference mcdsm/config: expected a JSON string');
  }
  const merged: Record<string, unknown> = { ...objectOr(defaults, 'config.mcdsm'), ...override };
  if (!Array.isArray(merged['links'])) throw new Error('links: expected an array of UARTs');
  const links = (merged['links'] as unknown[]).map((raw, i): SerialLinkSpec => {
    const where = `links[${i}]`;
    const o = objectOr(raw, where);
    const spec: SerialLinkSpec = { ...portSpec(o, where) };
    if (o['mtu'] !== undefined) spec.mtu = integer(o, 'mtu', where, 16, 65535);
    if (o['txLimit'] !== undefined) spec.txLimit = integer(o, 'txLimit', where, 64, 1 << 20);
    return spec;
  });
  const console = merged['console'] === null || merged['console'] === undefined ? null : portSpec(merged['console'], 'console');
  const ramLimit = merged['ramLimit'] === undefined ? DEFAULT_RAM_LIMIT : integer(merged, 'ramLimit', 'config', 1024, 2 ** 31);
  const board: Record<string, unknown> = {
    domain: merged['domain'],
    node: merged['node'],
    rank: merged['rank'],
    boards: merged['boards'],
    app: merged['app'],
    appArgs: merged['appArgs'] ?? [],
    options: merged['options'] ?? {},
    ramLimit,
    // Only the simulator seeds Hal.random(); a board uses its hardware RNG.
    seed: 0,
    links: links.map((l) => ({ kind: 'stream', mtu: l.mtu ?? 256 })),
  };
  return { board, links, console, ramLimit };
}
