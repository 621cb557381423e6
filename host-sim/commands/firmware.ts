/**
 * `mcdsm firmware build <app> --target <t> --out <dir> [--set field=value ...] [--json]`
 * `mcdsm provision <device> [--node N] [--rank R|spare] [--boards N] [--spares K] [--domain D]
 *                  [--app NAME] [--links LIST] [--console PORT] [--set field=value ...] [--no-reset]`
 * (docs/TARGETS.md: "Building firmware", "Provisioning").
 */
import { buildFirmware, FirmwareBuildError } from '../firmware/build.js';
import { FirmwareAppError } from '../firmware/bundle.js';
import { parseConfigValue, PROVISION_FIELDS } from '../../firmware/firmware-config.js';
import type { SerialKind } from '../../firmware/firmware-config.js';
import { ConsoleSession } from '../console/session.js';
import { parseIntFlag } from '../sim/options.js';
import { DirectoryError } from '../sim/make-dir.js';

function parseSets(sets: readonly string[], serial: SerialKind): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new Error(`--set ${s}: expected field=value (fields: ${PROVISION_FIELDS.join(', ')})`);
    const field = PROVISION_FIELDS.find((f) => f.toLowerCase() === s.slice(0, eq).toLowerCase());
    if (field === undefined) throw new Error(`--set ${s}: ${s.slice(0, eq)} is not a config field (have: ${PROVISION_FIELDS.join(', ')})`);
    try {
      out[field] = parseConfigValue(field, s.slice(eq + 1), serial);
    } catch (e) {
      throw new Error(`--set ${s}: ${(e as Error).message}`);
    }
  }
  return out;
}

export interface FirmwareBuildFlags {
  target: string;
  out: string;
  set: string[];
  json?: boolean;
  preload?: boolean;
  /** `--chunk-heap <bytes>`: chunk heap reserved at creation. */
  chunkHeap?: string;
}

export async function firmwareBuildCommand(app: string, flags: FirmwareBuildFlags): Promise<number> {
  try {
    const serial: SerialKind = flags.target === 'lin' ? 'device' : 'pins';
    const defaults = parseSets(flags.set, serial);
    const log = flags.json === true ? (l: string) => process.stderr.write(`${l}\n`) : (l: string) => process.stdout.write(`${l}\n`);
    if (flags.chunkHeap !== undefined && !/^\d+$/.test(flags.chunkHeap)) throw new Error(`--chunk-heap: "${flags.chunkHeap}" is not a number of bytes (e.g. 147456)`);
    const reserve = flags.chunkHeap === undefined ? {} : { chunkBytes: Number(flags.chunkHeap) };
    const r = await buildFirmware({ app, target: flags.target, out: flags.out, defaults, preload: flags.preload !== false, ...reserve, log });
    const summary = {
      target: r.target,
      app: r.app,
      out: r.out,
      cached: r.cached,
      full: r.full,
      mcSo: r.mcSo ?? null,
      archiveBytes: r.archive?.bytes ?? null,
      modules: r.archive?.modules ?? [],
      bundleBytes: r.bundleBytes,
      sources: r.files.length,
      sdk: r.sdk.moddable,
    };
    if (flags.json === true) process.stdout.write(JSON.stringify(summary) + '\n');
    else {
      log(`target ${r.target}, app ${r.app}: ${r.files.length} source modules, ${r.bundleBytes} bytes of JS${r.cached ? ' (cached)' : ''}`);
      if (r.mcSo !== undefined) log(`run it: ${r.sdk.linHost} --state <board dir> --config '{"links":[{"device":"/dev/pts/N"}],"console":{"device":"/dev/pts/M"}}' ${r.mcSo}`);
      if (r.archive !== undefined) log(`archive (xsl): ${r.archive.bytes} bytes, ${r.archive.modules.length} modules`);
      if (!r.full) log('ESP-IDF not found ($IDF_PATH): only the xsc/xsl archive step ran; set IDF_PATH for the full build');
    }
    return 0;
  } catch (e) {
    if (e instanceof DirectoryError) {
      process.stderr.write(`mcdsm firmware build: --out ${flags.out}: ${e.message}\n`);
      return 2;
    }
    if (e instanceof FirmwareBuildError || e instanceof FirmwareAppError || e instanceof Error) {
      process.stderr.write(`mcdsm firmware build: ${e.message}\n`);
      return e instanceof FirmwareAppError || /^(--set|--target|--chunk-heap|chunkBytes)/.test(e.message) ? 2 : 1;
    }
    throw e;
  }
}

export interface ProvisionFlags {
  node?: string;
  rank?: string;
  boards?: string;
  spares?: string;
  domain?: string;
  app?: string;
  links?: string;
  console?: string;
  domainKey?: string;
  set: string[];
  reset?: boolean;
  baud: string;
  timeout: string;
}

/**
 * Writes each field with `config set` over the board's console (every answer checked), then
 * `reset` so the board boots with them. A field the board refuses is reported with its ERR
 * reason (which names the field) and nothing after it is sent.
 */
export async function provisionCommand(device: string, flags: ProvisionFlags): Promise<number> {
  // [field, value, the flag as the user gave it]
  const pairs: [string, string, string][] = [];
  const direct: [keyof ProvisionFlags, string, string][] = [
    ['domain', 'domain', '--domain'],
    ['node', 'node', '--node'],
    ['rank', 'rank', '--rank'],
    ['boards', 'boards', '--boards'],
    ['spares', 'spares', '--spares'],
    ['app', 'app', '--app'],
    ['links', 'links', '--links'],
    ['console', 'console', '--console'],
    ['domainKey', 'domainKey', '--domain-key'],
  ];
  for (const [flag, field, name] of direct) {
    const v = flags[flag];
    // The domain key is a secret: an error names its flag, never its digits.
    if (typeof v === 'string') pairs.push([field, v, field === 'domainKey' ? name : `${name} ${v}`]);
  }
  for (const s of flags.set) {
    const eq = s.indexOf('=');
    if (eq <= 0) {
      process.stderr.write(`mcdsm provision: --set ${s}: expected field=value\n`);
      return 2;
    }
    const field = s.slice(0, eq);
    pairs.push([field, s.slice(eq + 1), field.toLowerCase() === 'domainkey' ? `--set ${field}=...` : `--set ${s}`]);
  }
  if (pairs.length === 0) {
    process.stderr.write('mcdsm provision: nothing to set (give --node, --links, ... or --set field=value)\n');
    return 2;
  }
  // Every field and value checked here, before the device is opened: a bad one used to reach
  // the board, come back as its ERR and end with exit 1 after the fields before it were stored.
  for (const [field, value, given] of pairs) {
    const why = /\s/.test(value) ? `${field}: the value must be one word (no spaces)` : provisionValueError(field, value);
    if (why !== null) {
      process.stderr.write(`mcdsm provision: ${given}: ${why}\n`);
      return 2;
    }
  }
  // Checked like `mcdsm inject`'s (before: NaN went on to the serial port and the timers).
  const timeoutMs = parseIntFlag(flags.timeout, '--timeout', 1, 3_600_000);
  const baudRate = parseIntFlag(flags.baud, '--baud', 300, 20_000_000);
  let session: ConsoleSession;
  try {
    session = await ConsoleSession.open(device, { baudRate, timeoutMs });
  } catch (e) {
    process.stderr.write(`mcdsm provision: cannot open ${device}: ${(e as Error).message}\n`);
    return 1;
  }
  try {
    // First read the board's config, writing nothing: a device that is not an mcdsm board (no
    // shell, other firmware, a simulated board) stops here, and the config's console or links
    // say whether the board opens devices by path (lin) or pins (a chip), so a value of the
    // other form is refused before any field is stored (it was refused by the board after the
    // fields before it were stored).
    const probe = await probeBoard(session, device, Math.min(timeoutMs, PROBE_TIMEOUT_MS));
    if (typeof probe === 'string') {
      process.stderr.write(`mcdsm provision: ${probe}; nothing was written\n`);
      return 1;
    }
    if (probe !== null) {
      for (const [field, value, given] of pairs) {
        if (field !== 'links' && field !== 'console') continue;
        try {
          parseConfigValue(field, value, probe.serial);
        } catch (e) {
          process.stderr.write(`mcdsm provision: ${given}: ${(e as Error).message} (this board's ${probe.from}); nothing was written\n`);
          return 1;
        }
      }
    }
    const stored: string[] = [];
    for (const [field, value, given] of pairs) {
      const a = await session.command(`config set ${field} ${value}`, timeoutMs);
      if (!a.ok) {
        // Only the board knows its serial kind (a lin board refuses 2:16:17): the fields before
        // the refused one are stored already, which the board's ERR alone did not say.
        const partly = stored.length > 0 ? `\nmcdsm provision: ${stored.join(', ')} ${stored.length === 1 ? 'is' : 'are'} stored on the board already; it was not reset: correct ${given.split(' ')[0]} and provision again` : '';
        process.stderr.write(`mcdsm provision: ${a.final}${partly}\n`);
        return 1;
      }
      stored.push(field);
      process.stdout.write(`${field} = ${value}\n`);
    }
    const shown = await session.command('config show', timeoutMs);
    for (const l of shown.lines) process.stdout.write(`${l}\n`);
    if (flags.reset !== false) {
      const a = await session.command('reset', timeoutMs);
      if (!a.ok) {
        process.stderr.write(`mcdsm provision: reset: ${a.final}\n`);
        return 1;
      }
      process.stdout.write('reset: the board restarts with the new config\n');
    }
    return 0;
  } catch (e) {
    process.stderr.write(`mcdsm provision: ${(e as Error).message}\n`);
    return 1;
  } finally {
    await session.close();
  }
}

/** How long provision waits for a board's first answer before saying it is not an mcdsm board. */
const PROBE_TIMEOUT_MS = 3000;

/**
 * Ask the board for `config show`: why it is not an mcdsm firmware board (a string), its serial
 * kind and the line that told it, or null when its config does not tell (no console or links).
 */
async function probeBoard(session: ConsoleSession, device: string, timeoutMs: number): Promise<{ serial: SerialKind; from: string } | string | null> {
  let a;
  try {
    a = await session.command('config show', timeoutMs);
  } catch (e) {
    const a = session.connection.address;
    const baud = a.kind === 'serial' ? `, and does it talk at ${a.baudRate} baud (--baud)` : '';
    return `${device} does not answer like an mcdsm board (${(e as Error).message.replace(/^console \S+: /, '')}): is it running mcdsm firmware${baud}?`;
  }
  if (!a.ok) {
    // A simulated board's console has no `config`: the simulator gives it its config.
    if (/unknown command 'config'/.test(a.final)) return `${device} has no \`config\` command: it is not running mcdsm firmware (a board of \`mcdsm sim\` gets its config from the simulator's flags)`;
    return `config show: ${a.final}`;
  }
  return serialKindOf(a.lines);
}

/** The serial kind `config show`'s console or links line reveals (a device path, or port/rx/tx pins), or null. */
export function serialKindOf(lines: readonly string[]): { serial: SerialKind; from: string } | null {
  for (const line of lines) {
    const m = /^field=(console|links) value=(.*) from=(\S+)$/.exec(line);
    if (m === null) continue;
    // The record line quotes a value with spaces or quotes in it: `"{\"device\":\"/dev/pts/3\"}"`.
    const raw = m[2]!;
    const value = raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1).replace(/\\"/g, '"') : raw;
    const shown = `${m[1]!} is ${value}`;
    if (/"device"/.test(value)) return { serial: 'device', from: `${shown}: it opens serial devices by path` };
    if (/"(port|rx|tx)"/.test(value)) return { serial: 'pins', from: `${shown}: it opens serial ports by pins` };
  }
  return null;
}

/**
 * Why the board would refuse `config set <field> <value>`, or null. The board's own check
 * (parseConfigValue) with either serial kind: the host does not know whether the board opens
 * devices by path (lin) or pins (ESP32), and the board still has the last word.
 */
function provisionValueError(field: string, value: string): string | null {
  const known = PROVISION_FIELDS.find((f) => f.toLowerCase() === field.toLowerCase());
  if (known === undefined) return `${field} is not a config field (have: ${PROVISION_FIELDS.join(', ')})`;
  const errors: string[] = [];
  for (const serial of ['device', 'pins'] as const) {
    try {
      parseConfigValue(known, value, serial);
      return null;
    } catch (e) {
      errors.push((e as Error).message);
    }
  }
  // The message of the form the value is written in: a device path or port:rx:tx pins.
  return value.includes('/') ? errors[0]! : errors[1]!;
}
