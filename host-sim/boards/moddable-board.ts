/**
 * A board running the real firmware on Moddable's own XS port: a `lin` build (mc.so) in our
 * headless host (host-sim/moddable/lin-host), an ordinary process. Each UART link is a pty the
 * firmware opens through `embedded:io/serial`; the simulator holds the other side and bridges it
 * through the link model. The console is a pty too, bridged to the console hub. The board is
 * provisioned at start through the host's `--config` (node id, rank, links, domain, the app and
 * its options: the same BoardConfig a simulated board gets in its boot event) and keeps its
 * preferences in its own state folder. What it reports (Hal.event) comes out of trace() on the
 * host's stdout as `event <name> <value> <detail>` lines (board-output.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { BoardConfig } from '../../src/config.js';
import { utf8Encode } from '../../src/util/utf8.js';
import { Utf8Stream } from './attached-board.js';
import { BoardOutput } from './board-output.js';
import type { RealBoard, RealBoardHooks } from './real-board.js';
import { openPtyPipe, type TtyPipe } from './tty-pipe.js';
import { abortCause, isSdkNoise, LIN_HOST_EXIT, xsAbortName } from '../moddable/lin-board.js';

/** What a Moddable-lin board runs: our host and the firmware build of one app. */
export interface LinImage {
  linHost: string;
  mcSo: string;
}

/** Baud the firmware sets on its ptys (a pty ignores it; the link model decides the wire's speed). */
const PTY_BAUD = 921600;
/** How long a killed board gets to exit before SIGKILL. */
const KILL_GRACE_MS = 2000;

/** Names a folder where each Moddable board's trace (lin-host's stdout) is kept as board<N>.log. */
export const MODDABLE_LOG_VAR = 'MCDSM_MODDABLE_LOG';

/**
 * What is wrong with the folder MCDSM_MODDABLE_LOG names, or null (unset, or a folder): checked
 * before any board starts, not at a board's first trace line (an uncaught ENOENT in the run).
 */
export function moddableLogError(env: NodeJS.ProcessEnv = process.env): string | null {
  const dir = env[MODDABLE_LOG_VAR];
  if (dir === undefined || dir === '') return null;
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    return `${MODDABLE_LOG_VAR}=${dir}: no such folder (make it first, or unset ${MODDABLE_LOG_VAR})`;
  }
  if (!stat.isDirectory()) return `${MODDABLE_LOG_VAR}=${dir}: not a folder`;
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch {
    return `${MODDABLE_LOG_VAR}=${dir}: the folder is not writable`;
  }
  return null;
}

/** lin-host's exit codes (host-sim/moddable/lin-host.c). */
export function exitText(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return `killed by ${signal}`;
  if (code === null) return 'exited';
  if (code === 3) return 'exit 3: mc.so could not be loaded';
  if (code === 4) return 'exit 4: the XS machine could not be created';
  if (code === 75) return 'exit 75: boot loop (restarted too often)';
  if (code >= LIN_HOST_EXIT.abortBase && code < LIN_HOST_EXIT.signalBase) return `XS abort (${xsAbortName(code - LIN_HOST_EXIT.abortBase)})`;
  if (code >= LIN_HOST_EXIT.signalBase) return `killed by signal ${code - LIN_HOST_EXIT.signalBase}`;
  return `exit ${code}`;
}

/**
 * Why a board process ended, for the run's summary: the exit, then the board's own account of
 * an abort (its `ABORT` line: the error, or the heap or stack that ran out, and where; the
 * abort's name is not said twice), else its last words.
 */
export function endedText(code: number | null, signal: NodeJS.Signals | null, lines: readonly string[], lastWords: string): string {
  const exit = exitText(code, signal);
  let words = abortCause(lines);
  if (words !== null && code !== null && code >= LIN_HOST_EXIT.abortBase && code < LIN_HOST_EXIT.signalBase) {
    // The line starts with XS's own word for the abort (fxAbortString: `memory full` where the
    // exit says `not enough memory`), which the exit has said already.
    const cut = words.indexOf(': ');
    if (cut > 0) words = words.slice(cut + 2);
  }
  words ??= lastWords;
  return `board process ended (${exit})${words !== '' ? `: ${words}` : ''}`;
}

export class ModdableBoard implements RealBoard {
  readonly kind = 'real';
  readonly engine = 'moddable';
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private links: TtyPipe[] = [];
  private console: TtyPipe | null = null;
  private killing = false;

  constructor(
    private readonly image: LinImage,
    /** A folder of this board's own: ptys, state (preferences). */
    private readonly dir: string,
    /** Removes `dir` once the board is gone. */
    private readonly cleanup: () => void = () => undefined,
  ) {}

  get description(): string {
    return `moddable-lin pid ${this.child?.pid ?? '-'}${this.links.length ? `, links ${this.links.map((l) => l.device).join(' ')}` : ''}${this.console ? `, console ${this.console.device}` : ''}`;
  }

  async start(config: BoardConfig, hooks: RealBoardHooks): Promise<void> {
    const badLog = moddableLogError();
    if (badLog !== null) throw new Error(badLog);
    fs.mkdirSync(this.dir, { recursive: true });
    for (const f of [this.image.linHost, this.image.mcSo]) if (!fs.existsSync(f)) throw new Error(`${f} is missing`);
    try {
      for (let i = 0; i < config.links.length; i++) this.links.push(await openPtyPipe(path.join(this.dir, `link${i}`)));
      this.console = await openPtyPipe(path.join(this.dir, 'console'));
    } catch (e) {
      await this.kill();
      throw e;
    }
    const consoleOut = new BoardOutput({ text: (t) => hooks.consoleText(t), event: hooks.event, halt: hooks.halted }, false, isSdkNoise);
    const consoleText = new Utf8Stream();
    this.console.onData = (b) => consoleOut.push(consoleText.push(b));
    this.links.forEach((l, i) => (l.onData = (bytes) => hooks.linkData(i, bytes)));
    // The log (trace) carries the events; HALT lines there repeat the console's.
    const log = new BoardOutput({ text: () => undefined, event: hooks.event, halt: () => undefined, restarted: () => hooks.restarted() }, false, isSdkNoise);
    const logText = new Utf8Stream();
    const provision = {
      ...config,
      links: config.links.map((l, i) => ({ device: this.links[i]!.device, baud: PTY_BAUD, mtu: l.mtu })),
      console: { device: this.console.device, baud: PTY_BAUD },
      traceEvents: true,
    };
    const child = spawn(this.image.linHost, ['--state', path.join(this.dir, 'state'), '--config', JSON.stringify(provision), this.image.mcSo], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    // MCDSM_MODDABLE_LOG=<folder>: keep each board's trace (lin-host's stdout) as board<N>.log there
    // (the folder was checked before the run; a write that fails later stops the copy, not the run).
    const keep = process.env[MODDABLE_LOG_VAR];
    let logFile = keep ? path.join(keep, `board${config.node}.log`) : null;
    child.stdout!.on('data', (b: Buffer) => {
      try {
        if (logFile !== null) fs.appendFileSync(logFile, b);
      } catch {
        logFile = null;
      }
      log.push(logText.push(new Uint8Array(b.buffer, b.byteOffset, b.length)));
    });
    let stderr = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (s: string) => {
      if (stderr.length < 4096) stderr += s;
    });
    this.exited = new Promise((resolve) => {
      child.once('error', (e) => {
        if (!this.killing) hooks.halted(`${this.image.linHost} could not run: ${e.message}`);
        resolve();
      });
      child.once('exit', (code, signal) => {
        if (!this.killing) {
          const errWords = stderr.trim().split('\n').filter((l) => !isSdkNoise(l)).slice(-2).join(' | ');
          const words = [log.lastWords(), consoleOut.lastWords(), errWords].filter((w) => w !== '').join(' | ');
          hooks.halted(endedText(code, signal, [...consoleOut.tail, ...log.tail], words));
        }
        resolve();
      });
    });
  }

  writeLink(link: number, bytes: Uint8Array): void {
    this.links[link]?.write(bytes);
  }

  writeConsole(text: string): void {
    this.console?.write(utf8Encode(text));
  }

  async kill(): Promise<void> {
    this.killing = true;
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
      await this.exited;
      clearTimeout(t);
    }
    const pipes = [...this.links, ...(this.console ? [this.console] : [])];
    this.links = [];
    this.console = null;
    await Promise.all(pipes.map((p) => p.close()));
    this.cleanup();
  }
}
