/**
 * What a real board needs to know before it boots: the runtime's BoardConfig fields plus
 * where its UARTs and console are. Three layers, later ones win field by field:
 *
 *   1. the manifest's defaults (mc/config `mcdsm`, written by `mcdsm firmware build`);
 *   2. the host's settings, on `lin` only (lin-host --config JSON: the tty paths of a board
 *      that is a process);
 *   3. the preference `mcdsm`/`config` (a JSON text written by the console's `config set` or
 *      `mcdsm provision`), so one firmware image serves every board of a domain.
 *
 * A bad field fails with its name. Plain data in, plain data out: unit-tested on the host.
 */
import type { SerialLinkSpec, SerialPortSpec } from '../hal/moddable/specs.js';
import { parseDomainKey } from '../src/wire/auth.js';

export interface FirmwareConfig {
  /** The runtime's BoardConfig, as JSON-like data (bootBoard checks it field by field). */
  board: Record<string, unknown>;
  links: SerialLinkSpec[];
  console: SerialPortSpec | null;
  ramLimit: number;
}

const DEFAULT_RAM_LIMIT = 150 * 1024;
/** Baud rate of a `device` port when the config gives none (a pty ignores it). */
const DEFAULT_LINK_BAUD = 921600;
const DEFAULT_CONSOLE_BAUD = 115200;

/** The fields `config set` (and `mcdsm provision`) may write. */
export const PROVISION_FIELDS = ['domain', 'node', 'rank', 'boards', 'spares', 'app', 'appArgs', 'options', 'ramLimit', 'links', 'console', 'domainKey'] as const;
export type ProvisionField = (typeof PROVISION_FIELDS)[number];

function objectOr(value: unknown, what: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`${what}: expected an object`);
  return value as Record<string, unknown>;
}

function integer(o: Record<string, unknown>, field: string, where: string, min: number, max: number): number {
  const v = o[field];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new Error(`${where}${where === '' ? '' : '.'}${field}: expected an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
  }
  return v;
}

/**
 * A serial port: `{device, baud?}` (a tty path: lin, or any host with serial devices) or
 * `{port, receive, transmit, baud?}` (a UART and its pins: ESP32, Pico); the baud rate
 * defaults to 921600 for links and 115200 for the console. `serial` says which
 * this firmware's platform opens; the other form is an error naming the field.
 */
function portSpec(raw: unknown, where: string, serial: SerialKind, defaultBaud: number): SerialPortSpec {
  const o = objectOr(raw, where);
  if (serial === 'device') {
    const device = o['device'];
    if (typeof device !== 'string' || device === '') {
      // The pins form (`2:16:17` on the command line) given to a lin firmware: say so, not "got undefined".
      const got = device === undefined && o['port'] !== undefined ? `the pins form port:rx:tx (${String(o['port'])}:${String(o['receive'])}:${String(o['transmit'])}), which is for ESP32/Pico firmware` : JSON.stringify(device);
      throw new Error(`${where}.device: this firmware opens serial devices by path; expected a path like /dev/ttyUSB0, got ${got}`);
    }
    const baud = o['baud'] === undefined ? defaultBaud : integer(o, 'baud', where, 300, 20_000_000);
    return { port: 0, receive: 0, transmit: 0, baud, device };
  }
  if (o['port'] === undefined && typeof o['device'] === 'string') {
    throw new Error(`${where}.port: this firmware opens UARTs by port and pins; expected port:rx:tx like 2:16:17, got the device ${o['device']}, which is for lin firmware`);
  }
  return {
    port: integer(o, 'port', where, 0, 15),
    receive: integer(o, 'receive', where, 0, 255),
    transmit: integer(o, 'transmit', where, 0, 255),
    baud: o['baud'] === undefined ? defaultBaud : integer(o, 'baud', where, 300, 20_000_000),
  };
}

export type SerialKind = 'device' | 'pins';

/** The three layers, each a JSON-like object (or JSON text for the stored one). */
export interface ConfigSources {
  /** Preference.get('mcdsm', 'config'): a JSON text, or undefined when never provisioned. */
  stored: unknown;
  /** mc/config's `mcdsm` object. */
  defaults: unknown;
  /** The host's JSON text (lin-host --config), or undefined. */
  host?: unknown;
}

function jsonLayer(text: unknown, what: string): Record<string, unknown> {
  if (text === undefined || text === null || text === '') return {};
  if (typeof text !== 'string') throw new Error(`${what}: expected a JSON string`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${what}: not JSON`);
  }
  return objectOr(parsed, what);
}

/**
 * A plain, writable copy of JSON-like data. mc/config lives in the preloaded (read-only) heap,
 * and XS's JSON.stringify throws "read only value" on a preloaded object (it marks each object
 * it visits to detect cycles), so nothing of it is handed on as is.
 */
export function plainCopy(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(plainCopy);
  if (typeof v === 'object' && v !== null) {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(v)) o[k] = plainCopy((v as Record<string, unknown>)[k]);
    return o;
  }
  return v;
}

/** The layers merged, later ones winning field by field. Throws naming a layer that is not a JSON object. */
export function mergeConfig(sources: ConfigSources): Record<string, unknown> {
  return plainCopy({
    ...objectOr(sources.defaults, 'config.mcdsm'),
    ...jsonLayer(sources.host, 'host config (MCDSM_CONFIG)'),
    ...jsonLayer(sources.stored, 'preference mcdsm/config'),
  }) as Record<string, unknown>;
}

function serialKindOf(merged: Record<string, unknown>): SerialKind {
  return merged['serial'] === 'device' ? 'device' : 'pins';
}

/** Just the console (to keep a console open for re-provisioning when the rest is wrong). */
export function consoleSpecOf(merged: Record<string, unknown>): SerialPortSpec | null {
  const raw = merged['console'];
  return raw === null || raw === undefined ? null : portSpec(raw, 'console', serialKindOf(merged), DEFAULT_CONSOLE_BAUD);
}

/** Merge the layers and check the hardware part; the BoardConfig part is checked by bootBoard. */
export function checkFirmwareConfig(merged: Record<string, unknown>): FirmwareConfig {
  const serial = serialKindOf(merged);
  if (!Array.isArray(merged['links'])) throw new Error('links: expected an array of UARTs');
  const links = (merged['links'] as unknown[]).map((raw, i): SerialLinkSpec => {
    const where = `links[${i}]`;
    const o = objectOr(raw, where);
    const spec: SerialLinkSpec = { ...portSpec(o, where, serial, DEFAULT_LINK_BAUD) };
    if (o['mtu'] !== undefined) spec.mtu = integer(o, 'mtu', where, 16, 65535);
    if (o['txLimit'] !== undefined) spec.txLimit = integer(o, 'txLimit', where, 64, 1 << 20);
    return spec;
  });
  const console = consoleSpecOf(merged);
  const ramLimit = merged['ramLimit'] === undefined ? DEFAULT_RAM_LIMIT : integer(merged, 'ramLimit', '', 1024, 2 ** 31);
  let options = objectOr(merged['options'], 'options');
  if (merged['spares'] !== undefined) options = { ...options, spares: integer(merged, 'spares', '', 0, 253) };
  // The domain key is provisioned on its own (a secret: `config show` does not print it) and
  // goes into the net options, where every frame's MAC uses it (docs/PROTOCOL.md §13).
  const key = merged['domainKey'];
  if (key !== undefined && key !== null) {
    parseDomainKey(key, 'domainKey');
    options = { ...options, net: { ...objectOr(options['net'], 'options.net'), domainKey: key } };
  }
  const board: Record<string, unknown> = {
    domain: merged['domain'],
    node: merged['node'],
    rank: merged['rank'],
    boards: merged['boards'],
    app: merged['app'],
    appArgs: merged['appArgs'] ?? [],
    options,
    ramLimit,
    // Only the simulator seeds Hal.random(); a board uses its hardware RNG.
    seed: 0,
    links: links.map((l) => ({ kind: 'stream', mtu: l.mtu ?? 256 })),
  };
  return { board, links, console, ramLimit };
}

/** The old two-layer entry (stored preference over manifest defaults), kept for callers and tests. */
export function readFirmwareConfig(stored: unknown, defaults: unknown, host?: unknown): FirmwareConfig {
  return checkFirmwareConfig(mergeConfig({ stored, defaults, host }));
}

function portText(text: string, where: string): Record<string, unknown> {
  // <device>[@baud] or <port>:<receive>:<transmit>[@baud]
  const at = text.lastIndexOf('@');
  const head = at > 0 ? text.slice(0, at) : text;
  const out: Record<string, unknown> = {};
  if (at > 0) {
    const baud = Number(text.slice(at + 1));
    if (!Number.isInteger(baud)) throw new Error(`${where}: bad baud rate in ${JSON.stringify(text)}`);
    out['baud'] = baud;
  }
  if (head.startsWith('/')) {
    out['device'] = head;
    return out;
  }
  const pins = head.split(':').map(Number);
  if (pins.length !== 3 || !pins.every((n) => Number.isInteger(n))) {
    throw new Error(`${where}: expected a device path (/dev/ttyUSB1[@baud]) or port:receive:transmit[@baud], got ${JSON.stringify(text)}`);
  }
  out['port'] = pins[0];
  out['receive'] = pins[1];
  out['transmit'] = pins[2];
  return out;
}

function intText(field: string, text: string, min: number, max: number): number {
  const v = /^-?\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(v) || v < min || v > max) throw new Error(`${field}: expected an integer from ${min} to ${max}, got ${JSON.stringify(text)}`);
  return v;
}

function jsonText(field: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${field}: not JSON: ${text}`);
  }
}

/**
 * One `config set <field> <value>` value (a single word) as the JSON value to store, checked
 * on its own; throws an Error whose message starts with the field's name.
 *   domain/node/boards/ramLimit/spares: integers; rank: an integer or `spare` (-1);
 *   app: a name; appArgs: JSON array or comma-separated words; options: a JSON object;
 *   links: `none`, JSON, or comma-separated ports (`/dev/ttyUSB1[@baud]` or `2:16:17[@baud]`);
 *   console: `none`, JSON, or one port; domainKey: 32 hex digits or `none`.
 */
export function parseConfigValue(field: string, text: string, serial: SerialKind): unknown {
  switch (field) {
    case 'domain':
      return intText(field, text, 0, 255);
    case 'node':
      return intText(field, text, 0, 254);
    case 'rank':
      if (text === 'spare') return -1;
      // -1 is what `spare` stores; the message names the forms a user types.
      if (!/^-?\d+$/.test(text) || Number(text) < -1 || Number(text) > 253) throw new Error(`rank: expected an integer from 0 to 253, or spare, got ${JSON.stringify(text)}`);
      return Number(text);
    case 'boards':
      return intText(field, text, 1, 254);
    case 'spares':
      return intText(field, text, 0, 253);
    case 'ramLimit':
      return intText(field, text, 1024, 2 ** 31);
    case 'app':
      if (!/^[A-Za-z0-9_.-]+$/.test(text)) throw new Error(`app: expected an app name, got ${JSON.stringify(text)}`);
      return text;
    case 'appArgs': {
      const v = text.startsWith('[') ? jsonText(field, text) : text === '-' ? [] : text.split(',');
      if (!Array.isArray(v) || !v.every((a) => typeof a === 'string')) throw new Error('appArgs: expected an array of strings');
      return v;
    }
    case 'options': {
      const v = jsonText(field, text);
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('options: expected a JSON object');
      return v;
    }
    case 'links': {
      const v = text === 'none' ? [] : text.startsWith('[') ? jsonText(field, text) : text.split(',').map((p, i) => portText(p, `links[${i}]`));
      if (!Array.isArray(v)) throw new Error('links: expected a list of ports');
      v.forEach((l, i) => portSpec(l, `links[${i}]`, serial, DEFAULT_LINK_BAUD));
      return v;
    }
    case 'domainKey':
      if (text === 'none') return null;
      parseDomainKey(text, 'domainKey');
      return text.toLowerCase();
    case 'console': {
      if (text === 'none') return null;
      const v = text.startsWith('{') ? jsonText(field, text) : portText(text, 'console');
      portSpec(v, 'console', serial, DEFAULT_CONSOLE_BAUD);
      return v;
    }
    default:
      throw new Error(`${field}: not a config field (have: ${PROVISION_FIELDS.join(', ')})`);
  }
}

/** The stored preference text with `field` set to `value` (undefined removes it). */
export function withField(stored: unknown, field: string, value: unknown): string {
  const o: Record<string, unknown> = { ...jsonLayer(stored, 'preference mcdsm/config') };
  if (value === undefined) delete o[field];
  else o[field] = value;
  return JSON.stringify(o);
}

/** Which layer a field's value comes from, for `config show`. */
export function fieldSource(sources: ConfigSources, field: string): 'pref' | 'host' | 'manifest' | 'unset' {
  const has = (layer: Record<string, unknown>): boolean => Object.prototype.hasOwnProperty.call(layer, field);
  try {
    if (has(jsonLayer(sources.stored, 'preference'))) return 'pref';
  } catch {
    // a broken stored text shows as such elsewhere
  }
  try {
    if (has(jsonLayer(sources.host, 'host'))) return 'host';
  } catch {
    // idem
  }
  return has(objectOr(sources.defaults, 'config.mcdsm')) ? 'manifest' : 'unset';
}
