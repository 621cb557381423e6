/** `mcdsm sim <app>`: boot the boards, expose their consoles, run, show, summarise. */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { constants as osConstants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSimConfig, cpuModelWarning, type SimFlags } from '../sim/options.js';
import { Simulator, type SimSummary } from '../sim/simulator.js';
import { appOptionsError, boardFactory, luaAppError, moddableRunError } from '../sim/factory.js';
import { SpecError } from '../sim/link-model.js';
import { DirectoryError, makeDirectory } from '../sim/make-dir.js';
import { prepareApp } from '../apps/prepare.js';
import { boardTable, LiveBlock, summaryText } from '../sim/status-view.js';
import { ConsoleHub } from '../console/index.js';
import { errorText } from '../../src/runtime/error-text.js';

export interface SimCommandFlags extends SimFlags {
  /** `pty`, `pty:DIR`, `tcp`, `tcp:BASEPORT` or `none`. */
  consoles: string;
  json?: boolean;
  quiet?: boolean;
}

export async function simCommand(appPath: string, rawFlags: Record<string, unknown>, appArgs: string[]): Promise<number> {
  const flags = rawFlags as unknown as SimCommandFlags;
  const cfg = buildSimConfig(flags, appPath, appArgs);
  const badLog = moddableRunError(cfg.engines);
  if (badLog !== null) throw new SpecError(badLog);
  // Resolved, type-checked and bundled (or taken from the cache) before any board starts.
  const prepared = await prepareApp(appPath, { engines: cfg.engines });
  cfg.app = prepared.name;
  const app = prepared.label;
  const badLua = luaAppError(cfg.engines, prepared, flags.engine);
  if (badLua !== null) throw new SpecError(badLua);
  const badArgs = appOptionsError(prepared.declared, appArgs);
  if (badArgs !== null) throw new SpecError(badArgs);
  const cpuWarning = cpuModelWarning(cfg);
  if (cpuWarning) process.stderr.write(`mcdsm: warning: ${cpuWarning}\n`);
  // With --json stdout holds the summary alone (for `| jq`); whatever is for people goes to stderr.
  const human = flags.json ? process.stderr : process.stdout;
  const out = (line: string) => human.write(line + '\n');
  const consoles = parseConsolesFlag(flags.consoles);
  // A folder of our own for the pty links goes when the run ends; a folder given is the user's.
  const tempDir = consoles.kind === 'pty' && consoles.dir === undefined ? mkdtempSync(join(tmpdir(), 'mcdsm-consoles-')) : null;
  const ptyDir = consoles.kind === 'pty' ? (consoles.dir ?? tempDir!) : undefined;
  const hub = consoles.kind === 'none' ? null : new ConsoleHub({ ...(ptyDir !== undefined ? { ptyDir } : {}), ...(consoles.basePort !== undefined ? { basePort: consoles.basePort } : {}) });
  const sim = new Simulator(cfg, boardFactory({ app: prepared, log: (line) => process.stderr.write(`firmware: ${line}\n`) }), {
    consoleOutput: (board, text) => hub?.output(board, text),
    log: (board, level, message) => {
      if (level === 'error' && !flags.quiet) process.stderr.write(`board ${board}: ${message}\n`);
    },
  });
  // A user stopping the run gets the summary of what ran and an exit code saying it was stopped
  // (128 + the signal's number, as a shell reports it). A second signal ends the process at once.
  let stoppedBy: NodeJS.Signals | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    stoppedBy = signal;
    sim.stop(signal === 'SIGINT' ? 'interrupted (Ctrl-C)' : `stopped by ${signal}`);
  };
  for (const signal of STOP_SIGNALS) process.once(signal, onSignal);
  // V8 boards run in this process. A rejection nobody handled during a board's step halts that
  // board (host-sim/boards/node-board.ts), as on XS; anything thrown outside every step would end
  // the whole simulator with Node's raw stack and no summary: end the run with it as the reason,
  // its places mapped to the app's lines, and the summary (exit 1).
  const onStray = (e: unknown) => sim.stop(`a V8 board's code threw outside a board step (an app callback the runtime called?): ${prepared.places(errorText(e))}`);
  if (cfg.engines.includes('node')) {
    process.on('uncaughtException', onStray);
    process.on('unhandledRejection', onStray);
  }
  let summary: SimSummary;
  const live = !flags.quiet && process.stderr.isTTY ? new LiveBlock(process.stderr) : null;
  let timer: NodeJS.Timeout | null = null;
  try {
    out(`mcdsm sim ${app}: ${cfg.boards} boards + ${cfg.spares} spares, engine ${flags.engine}, topology ${flags.topology}, link ${flags.link}, seed ${cfg.seed}${cfg.cpuNsPerUnit ? `, cpu ${cfg.cpuNsPerUnit} ns/unit` : ''}`);
    if (hub) {
      for (let b = 0; b < sim.boardCount; b++) {
        let info;
        try {
          info = await hub.attach(b, (text) => {
            // A halted simulated board reads nothing; say so, the way a halting firmware does
            // (`# HALT <reason>`), so `mcdsm inject` and `mcdsm console` can tell the user why.
            const halted = /[\r\n]/.test(text) ? sim.boardSummaries()[b] : undefined;
            if (halted?.state === 'halted') hub.output(b, `# HALT ${halted.haltReason ?? 'halted'}\r\n`);
            sim.consoleInput(b, text);
          });
        } catch (e) {
          throw new SpecError(`board ${b} console: ${(e as Error).message}`);
        }
        out(`board ${b} console: ${info.pty ? `${info.pty.device} (${info.pty.link})  ` : ''}${info.url}`);
      }
    }
    await sim.start();
    out(`boards up: ${sim.boardSummaries().map((b) => `${b.node}:${b.engine}${b.rank < 0 ? '(spare)' : ''}`).join(' ')}`);
    for (const r of sim.realBoardInfo()) out(`board ${r.node}: ${r.description}`);
    // A real board's app that never ends holds the run for --max-virtual of wall time: say so up front.
    // The default stays 600 s for real boards too (docs/SIMULATOR.md "The clock": working real
    // runs take minutes, and one flag keeps one bound whatever the engines).
    if (sim.realBoardInfo().length) out(`real boards take part: the run is paced to the wall clock and ends at the latest after --max-virtual ${flags.maxVirtual} of wall time`);
    if (live) timer = setInterval(() => live.draw(boardTable(sim.boardSummaries(), sim.virtualNow())), 250);
    summary = await sim.run();
  } finally {
    if (timer) clearInterval(timer);
    live?.clear();
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
    process.off('uncaughtException', onStray);
    process.off('unhandledRejection', onStray);
    await sim.shutdown();
    await hub?.close();
    if (tempDir !== null) rmSync(tempDir, { recursive: true, force: true });
  }
  if (flags.trace) {
    sim.writeTrace(flags.trace);
    out(`trace written to ${flags.trace} (open it in Perfetto)`);
  }
  out(summaryText(summary));
  if (flags.json) process.stdout.write(JSON.stringify(summary) + '\n');
  if (stoppedBy !== null) return 128 + (osConstants.signals[stoppedBy] ?? 0);
  return summary.ok ? 0 : 1;
}

/** The signals that stop a run with its summary: Ctrl-C, and `kill`'s default. */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

export interface ConsolesChoice {
  kind: 'pty' | 'tcp' | 'none';
  /** pty:DIR — the links are DIR/board0, DIR/board1, ... */
  dir?: string;
  /** tcp:BASEPORT — board b listens on BASEPORT + b. */
  basePort?: number;
}

/** `--consoles pty | pty:DIR | tcp | tcp:BASEPORT | none`. */
export function parseConsolesFlag(text: string): ConsolesChoice {
  if (text === 'pty' || text === 'tcp' || text === 'none') return { kind: text };
  const m = /^(pty|tcp):(.+)$/.exec(text);
  if (m === null) throw new SpecError(`--consoles: "${text}" must be pty, pty:DIR, tcp, tcp:BASEPORT or none`);
  if (m[1] === 'tcp') {
    const port = Number(m[2]);
    if (!/^\d+$/.test(m[2]!) || port < 1024 || port > 65535) throw new SpecError(`--consoles: tcp:${m[2]} needs a base port from 1024 to 65535 (board b listens on BASEPORT + b)`);
    return { kind: 'tcp', basePort: port };
  }
  const dir = m[2]!;
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new SpecError(`--consoles: pty:${dir} is not a directory`);
  try {
    makeDirectory(dir);
  } catch (e) {
    if (e instanceof DirectoryError) throw new SpecError(`--consoles pty:${dir}: ${e.message}`);
    throw e;
  }
  return { kind: 'pty', dir };
}
