/**
 * The firmware entry: module "main" of the Moddable project that `mcdsm firmware build`
 * generates (host-sim/firmware/). Moddable calls the default export at start.
 *
 * Boot never ends in an XS abort: every failure on the way (a config field, a serial port that
 * does not open, an exception out of the runtime's start) halts the board with the reason on
 * its console and in the trace, and the console stays open for `config set` / `reset`, so a
 * board can always be re-provisioned without reflashing.
 */
import config from 'mc/config';
import { clearStoredConfig, heapProbe, heapProbeMode, hostConfig, platform, restart as platformRestart, storeConfig, storedConfig } from 'mcdsm-platform';
import { boardApps } from 'mcdsm:board-apps';
import { ModdableHal } from '../hal/moddable/moddable-hal.js';
import { moddableNativeBytes } from '../hal/moddable/native-bytes.js';
import { bootBoard } from '../src/board.js';
import { ConsoleShell } from '../src/console/index.js';
import { reserveCheckpointCommands } from '../src/runtime/ft-host.js';
import type { ConsoleRecord, ConsoleTarget } from '../src/console/index.js';
import { checkFirmwareConfig, consoleSpecOf, mergeConfig } from './firmware-config.js';
import type { SerialKind } from './firmware-config.js';
import type { SerialPortSpec } from '../hal/moddable/specs.js';
import { FIRMWARE_COMMANDS } from './console-commands.js';
import { installAbortHook } from './abort-hook.js';
import type { ConfigStore, FirmwareCommandDeps, ResultBook } from './console-commands.js';

/** 16-byte slots of a 32-bit chip over the 32-byte slots of 64-bit lin. */
const LIN_SLOT_SCALE = 0.5;

function message(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/** The console of a board that did not boot: it answers provisioning commands and says why it stopped. */
function haltedTarget(node: number, reason: string): ConsoleTarget {
  return {
    node,
    knownNodes: () => [],
    status: (): ConsoleRecord => ({ node, state: 'halted', reason }),
    peers: () => [],
    stats: () => ({}),
    setLogLevel: () => undefined,
    fault: () => {
      throw new Error(`the board is halted: ${reason}`);
    },
  };
}

export default function main(): void {
  const defaults = (config as Record<string, unknown>)['mcdsm'];
  const serial: SerialKind = platform === 'lin' ? 'device' : 'pins';
  let host: string | undefined;
  try {
    host = hostConfig();
  } catch {
    host = undefined;
  }
  // The stored layer: the preference mcdsm/config on a chip, a file in the board's folder on lin.
  const store: ConfigStore = { read: storedConfig, write: storeConfig, clear: clearStoredConfig };
  // Each rank's outcome on this board, for `result` and the app-result notice.
  const outcomes: string[] = [];
  const results: ResultBook = { lines: () => outcomes.slice() };
  let shell: ConsoleShell | null = null;
  let hal: ModdableHal | null = null;
  const restart = (): void => {
    try {
      platformRestart();
    } catch (e) {
      hal?.halt(`reset: ${message(e)}`);
    }
  };
  const announce = (line: string): void => {
    trace(`${line}\n`);
    if (shell !== null) shell.notice(line);
    else hal?.console.write(`# ${line}\r\n`);
  };
  // Set by the host config `traceEvents` (the simulator's Moddable boards): every Hal.event is
  // traced as `event <name> <value> <detail>`, which the simulator reads from lin-host's stdout.
  let traceEvents = false;
  const onEvent = (name: string, value: number, detail: string | undefined): void => {
    if (traceEvents) trace(`event ${name} ${value}${detail === undefined ? '' : ` ${detail}`}\n`);
    if (name !== 'app-result' && name !== 'app-error') return;
    const line = `${name} rank=${value} ${detail ?? ''}`;
    outcomes.push(line);
    announce(line);
  };

  // 1. The config, and at least the console, whatever else is wrong.
  let problem: string | null = null;
  let merged: Record<string, unknown> = {};
  let consoleSpec: SerialPortSpec | null = null;
  try {
    merged = mergeConfig({ stored: store.read(), defaults, host });
  } catch (e) {
    problem = `bad firmware config: ${(e as Error).message}`;
    try {
      merged = mergeConfig({ stored: undefined, defaults, host });
    } catch {
      merged = {};
    }
  }
  traceEvents = merged['traceEvents'] === true;
  try {
    consoleSpec = consoleSpecOf(merged);
  } catch (e) {
    problem ??= `bad firmware config: ${(e as Error).message}`;
  }
  let fw: ReturnType<typeof checkFirmwareConfig> | null = null;
  if (problem === null) {
    try {
      fw = checkFirmwareConfig(merged);
    } catch (e) {
      problem = `bad firmware config: ${(e as Error).message}`;
    }
  }

  // 2. The Hal: opening ports never throws; what failed is in openErrors.
  const ramLimit = fw?.ramLimit ?? 0;
  // lin runs 64-bit XS (32-byte slots); figures are reported in a chip's 16-byte slots.
  const slotScale = platform === 'lin' ? LIN_SLOT_SCALE : 1;
  // The heap probe (a lin developer tool, docs/TARGETS.md "Heap probe"): off unless the board
  // process was started with MCDSM_HEAP_PROBE; then the apps' debug lines are traced too, so
  // a sample names the step it follows (the conformance suite logs each case at debug).
  const probing = heapProbeMode() !== 0;
  const h = new ModdableHal({
    links: fw?.links ?? [], console: consoleSpec, ramLimit, restart, onEvent, slotScale, bytes: moddableNativeBytes(),
    ...(probing ? { probe: heapProbe } : {}),
  });
  hal = h;
  // From here an XS abort (an unhandled rejection, no memory left) says why on the console.
  installAbortHook(h);
  if (problem === null && h.openErrors.length > 0) problem = h.openErrors.join('; ');
  const deps: FirmwareCommandDeps = { store, defaults, host, serial, results, restart };

  // 3. The runtime. Anything it throws is a halt with the reason, never an XS abort. The
  // console outlives a halt (so `result`, `status`, `config set` and `reset` still answer).
  h.keepConsoleAfterHalt();
  if (problem === null && fw !== null) {
    try {
      const board = bootBoard(h, fw.board, boardApps());
      if (board !== null && probing) board.logLevel = 'debug';
      if (board !== null) {
        shell = board.shell;
        board.shell.registerTable(FIRMWARE_COMMANDS, deps);
      }
    } catch (e) {
      problem = `boot failed: ${message(e)}`;
    }
    if (problem === null && h.haltReason === null) return;
  }

  // 4. A board that did not boot: halt with the reason, keep a console for provisioning.
  const reason = problem ?? h.haltReason ?? 'halted at boot';
  h.halt(reason);
  try {
    const node = typeof merged['node'] === 'number' ? merged['node'] : -1;
    const provisioning = new ConsoleShell(h.console, haltedTarget(node, reason), { faultCommands: false });
    reserveCheckpointCommands(provisioning.registry);
    provisioning.registerTable(FIRMWARE_COMMANDS, deps);
    shell = provisioning;
  } catch (e) {
    trace(`no provisioning console: ${message(e)}\n`);
  }
}
