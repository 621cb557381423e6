/**
 * From command-line words to a checked SimConfig. Every problem is reported before anything
 * starts, naming the flag or file at fault.
 */
import { existsSync } from 'node:fs';
import { resolveApp } from '../apps/resolve.js';
import { parseLinkSpec, SpecError } from './link-model.js';
import { buildTopology, disconnected, loadTopologyFile, type Topology } from './topology.js';
import { checkScenarioBoards, loadScenario, parseFaultFlag, type ScenarioStep } from './scenario.js';
import { parseDomainKey } from '../../src/wire/auth.js';
import { parseWatchdog } from './watchdog.js';
import type { AttachSpec, SimConfig } from './simulator.js';
import { engineList, isRealEngine } from './engines.js';

export { engineList };

export interface SimFlags {
  boards: string;
  spares: string;
  engine: string;
  topology: string;
  link: string;
  seed: string;
  ram: string;
  pageSize?: string;
  realtime?: boolean;
  maxVirtual: string;
  scenario?: string;
  fault: string[];
  trace?: string;
  /** CPU model: virtual ns per XS metering unit; `0` (default) turns it off. */
  cpu?: string | number;
  /** A fault step that was refused or never fired does not fail the run. */
  allowUnfiredFaults?: boolean;
  /** The task watchdog: `off`, XS metering units, or a time (host-sim/sim/watchdog.ts). Default: on. */
  watchdog?: string;
  /** The domain key (32 hex digits): every board authenticates every frame (docs/PROTOCOL.md §13). */
  domainKey?: string;
  /** `--attach <board>=<device>[+<device>...][,console=<device>][,baud=<rate>]` (repeatable). */
  attach?: string[];
}

/** Baud rate of an attached board's devices when `--attach` does not say (the firmware's UART default). */
export const ATTACH_DEFAULT_BAUD = 921600;

/**
 * `--attach 2=/dev/ttyUSB1,console=/dev/ttyUSB0,baud=921600`: board 2 is a real board whose
 * link(s) are on the given device(s) (`+` between several, in link order) and whose console is
 * on `console=` (optional).
 */
export function parseAttach(text: string, total: number): AttachSpec {
  const m = /^(\d+)=(.+)$/.exec(text.trim());
  if (!m) throw new SpecError(`--attach "${text}": expected <board>=<serial device>[,console=<device>][,baud=<rate>] (e.g. 2=/dev/ttyUSB1,console=/dev/ttyUSB0)`);
  const node = Number(m[1]);
  if (node >= total) throw new SpecError(`--attach "${text}": board ${node} does not exist (boards 0..${total - 1})`);
  const [devices, ...opts] = m[2]!.split(',');
  const links = devices!.split('+').map((d) => d.trim());
  if (links.some((d) => d === '')) throw new SpecError(`--attach "${text}": empty device name`);
  let consoleDevice: string | null = null;
  let baud = ATTACH_DEFAULT_BAUD;
  for (const opt of opts) {
    const [k, v] = opt.split('=');
    if (k === 'console' && v) consoleDevice = v.trim();
    else if (k === 'baud' && v) baud = parseIntFlag(v, `--attach "${text}": baud`, 300, 20_000_000);
    else throw new SpecError(`--attach "${text}": unknown option "${opt}" (console=<device>, baud=<rate>)`);
  }
  return { node, links, console: consoleDevice, baud };
}

/**
 * A real board's links are UARTs (a tty carries a byte stream), so every link it has must be
 * modelled as one: a Moddable board on a udp link would be a different wire than the model's.
 */
function checkRealLinks(topology: Topology, real: (node: number) => string | null): void {
  for (const e of topology.edges) {
    for (const n of [e.a, e.b]) {
      const what = real(n);
      if (what !== null && e.model.kind !== 'uart') {
        throw new SpecError(`--link: board ${n} (${what}) talks over UARTs, but its link ${e.a}-${e.b} is ${e.model.kind}: use --link uart:BAUD[,...] for a domain with real boards`);
      }
    }
  }
}

/**
 * An attached board's devices, checked before any board starts: one per link the topology
 * gives it (its HAL links are its edges in the topology's order), and each one there.
 */
function checkAttached(a: AttachSpec, topology: Topology): void {
  const peers = topology.edges.filter((e) => e.a === a.node || e.b === a.node).map((e) => (e.a === a.node ? e.b : e.a));
  if (peers.length !== a.links.length) {
    const example = peers.map((_, i) => `/dev/ttyUSB${i + 1}`).join('+');
    throw new SpecError(
      `--attach: board ${a.node} has ${peers.length} link(s) in this topology (to board${peers.length === 1 ? '' : 's'} ${peers.join(', ')}, in that order) but ${a.links.length} device(s) are named: ` +
        `give one device per link joined by "+" (${a.node}=${example}), or choose a topology that gives it ${a.links.length} (--topology line, a .json file)`,
    );
  }
  for (const device of [...a.links, ...(a.console === null ? [] : [a.console])]) {
    if (!existsSync(device)) throw new SpecError(`--attach: board ${a.node}: serial device ${device} does not exist (a real board's USB serial, e.g. /dev/ttyUSB0, or a pty)`);
  }
}

/**
 * What `--cpu` suggests for an ESP32 at 240 MHz: one XS metering unit is about one bytecode
 * dispatched (or one property access / builtin step), which an interpreter on an Xtensa LX6
 * spends some 25-70 cycles on. Uncalibrated: see docs/SIMULATOR.md, "CPU model".
 */
export const ESP32_NS_PER_UNIT = 150;

/** `--cpu NS_PER_UNIT`: a finite number >= 0 (ns of virtual time per XS metering unit). */
export function parseCpuFlag(text: string): number {
  const v = Number(text.trim());
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !Number.isFinite(v) || v > 1e9) {
    throw new SpecError(`--cpu: "${text}" must be a number of ns per XS metering unit, 0 or more (e.g. ${ESP32_NS_PER_UNIT} for an ESP32 at 240 MHz; 0 turns the CPU model off)`);
  }
  return v;
}

/** The one-line warning a run with the CPU model on and V8 boards deserves, or null. */
export function cpuModelWarning(cfg: Pick<SimConfig, 'cpuNsPerUnit' | 'engines'>): string | null {
  if (!cfg.cpuNsPerUnit || !cfg.engines.includes('node')) return null;
  return `--cpu ${cfg.cpuNsPerUnit}: V8 boards have no deterministic meter and are modelled as infinitely fast; only XS and Lua boards cost CPU time`;
}

export function parseIntFlag(text: string, flag: string, min: number, max: number): number {
  const v = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isInteger(v) || v < min || v > max) {
    throw new SpecError(`${flag}: "${text}" must be an integer from ${min} to ${max}`);
  }
  return v;
}

/** `160k`, `2M`, `65536`. */
export function parseBytes(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)([kKmM]i?[bB]?|[bB])?$/.exec(text.trim());
  if (!m) throw new SpecError(`${flag}: "${text}" is not a size (e.g. 160k, 2M, 65536)`);
  const unit = (m[2] ?? '').toLowerCase();
  const mult = unit.startsWith('k') ? 1024 : unit.startsWith('m') ? 1024 * 1024 : 1;
  return Math.round(Number(m[1]) * mult);
}

/**
 * The name of a built-in app from a name (`laplace`) or its folder (`examples/laplace`); a
 * path that does not exist or an app of the user's is an error (commands that only run
 * built-in apps).
 */
export function appNameOf(appPath: string, known: readonly string[]): string {
  const app = resolveApp(appPath);
  if (app.kind !== 'builtin' || !known.includes(app.name)) {
    throw new SpecError(`app "${appPath}": this command runs built-in apps only (${known.join(', ')}); \`mcdsm sim\` runs your own`);
  }
  return app.name;
}

export function buildSimConfig(flags: SimFlags, app: string, appArgs: string[]): SimConfig {
  const boards = parseIntFlag(flags.boards, '--boards', 1, 254);
  const spares = parseIntFlag(flags.spares, '--spares', 0, 50);
  const total = boards + spares;
  if (total > 254) throw new SpecError(`--boards + --spares: ${total} boards exceed the 254 a domain can hold`);
  const model = parseLinkSpec(flags.link);
  let topology: Topology;
  if (flags.topology.endsWith('.json')) {
    topology = loadTopologyFile(flags.topology, model);
    if (topology.boards !== total) {
      throw new SpecError(`topology file ${flags.topology}: describes ${topology.boards} boards but --boards ${boards} + --spares ${spares} = ${total}`);
    }
  } else {
    topology = buildTopology(flags.topology, total, model);
  }
  const cut = disconnected(topology);
  if (cut.length) throw new SpecError(`topology: boards ${cut.join(', ')} are not connected to board 0`);
  const seed = parseIntFlag(flags.seed, '--seed', 0, 2 ** 32 - 1);
  const ramBytes = parseBytes(flags.ram, '--ram');
  if (ramBytes < 16 * 1024) throw new SpecError(`--ram: ${flags.ram} is below the 16k a board needs to boot`);
  const options: Record<string, unknown> = {};
  if (flags.pageSize !== undefined) {
    const ps = parseIntFlag(flags.pageSize, '--page-size', 256, 4096);
    if ((ps & (ps - 1)) !== 0) throw new SpecError(`--page-size: ${ps} must be a power of two from 256 to 4096`);
    options.pageSize = ps;
  }
  if (flags.domainKey !== undefined) {
    try {
      parseDomainKey(flags.domainKey, '--domain-key');
    } catch (e) {
      throw new SpecError((e as Error).message);
    }
    options.net = { domainKey: flags.domainKey };
  }
  const maxVirtualMs = parseDuration(flags.maxVirtual, '--max-virtual');
  const scenario: ScenarioStep[] = [];
  if (flags.scenario) scenario.push(...loadScenario(flags.scenario));
  for (const f of flags.fault) scenario.push(parseFaultFlag(f));
  checkScenarioBoards(scenario, total);
  const cpuNsPerUnit = flags.cpu === undefined ? 0 : parseCpuFlag(String(flags.cpu));
  const engines = engineList(flags.engine, total, boards);
  const attach = (flags.attach ?? []).map((a) => parseAttach(a, total));
  const twice = attach.find((a, i) => attach.findIndex((b) => b.node === a.node) !== i);
  if (twice) throw new SpecError(`--attach: board ${twice.node} is attached twice`);
  checkRealLinks(topology, (n) => (attach.some((a) => a.node === n) ? 'attached' : isRealEngine(engines[n]!) ? `engine ${engines[n]}` : null));
  for (const a of attach) checkAttached(a, topology);
  return {
    domain: 1,
    boards,
    spares,
    engines,
    ...(attach.length ? { attach } : {}),
    topology,
    seed,
    ramBytes,
    app,
    appArgs,
    options,
    maxVirtualMs,
    realtime: flags.realtime === true,
    scenario,
    recordTrace: flags.trace !== undefined,
    ...(flags.allowUnfiredFaults === true ? { allowUnfiredFaults: true } : {}),
    watchdog: parseWatchdog(flags.watchdog, cpuNsPerUnit),
    ...(cpuNsPerUnit > 0 ? { cpuNsPerUnit } : {}),
  };
}

/** `60s`, `500ms`, `2min`, or a bare number of seconds. */
export function parseDuration(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|min)?$/.exec(text.trim());
  if (!m) throw new SpecError(`${flag}: "${text}" is not a duration (e.g. 60s, 500ms)`);
  const v = Number(m[1]);
  return m[2] === 'ms' ? v : m[2] === 'min' ? v * 60000 : v * 1000;
}
