/**
 * Our own driver for `xsnap-worker`, the real XS engine compiled by @agoric/xsnap's install
 * (we do not use the package's JS API: it pulls SES into the host). Protocol, from
 * xsnap-native/xsnap/sources/xsnap-worker.c: netstring commands on the worker's fd 3,
 * netstring replies on its fd 4.
 *
 *   host -> worker   `e<js>` evaluate a script, `?<bytes>` call globalThis.handleCommand(ArrayBuffer),
 *                    `w<path>` write a heap snapshot, `/<bytes>` answer the VM's issueCommand
 *   worker -> host   `.<meter json>\x01<bytes>` success, `!<text>` exception, `?<bytes>` issueCommand
 *
 * After handleCommand returns the worker drains every promise job (fxRunLoop) and only then
 * reads `.result` of the returned object, so one round trip carries everything a batch of
 * events caused. Commands are strictly serial: a command written while another runs would
 * be read by the worker as the answer to an issueCommand.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { NetstringDecoder, encodeNetstring } from './netstring.js';

export interface XsMeter {
  /** Live slots in the XS heap after the command (XS's currentHeapCount). */
  currentHeapCount: number;
  /** Computation units the command used (XS metering). */
  compute: number;
  /** Bytes the machine has allocated from the OS (chunks + slot heaps, free space included). */
  allocate: number;
  /** Wall-clock seconds the worker recorded (receive, syscalls, send). */
  timestamps: number[];
}

export interface XsReply {
  reply: Uint8Array;
  meter: XsMeter;
}

export type XsOutput = 'inherit' | 'ignore' | ((text: string) => void);

export interface XsWorkerOptions {
  /** Path of xsnap-worker; default: the release build inside @agoric/xsnap. */
  binary?: string;
  /** Compute limit per command (`-l`); exceeding it kills the worker ("too much computation"). 0: none. */
  meteringLimit?: number;
  /** Parser buffer in KiB (`-s`): bounds the size of one evaluated script. Default 8192 (xsnap's own). */
  parserBufferKiB?: number;
  /** Start the machine from a heap snapshot written by `writeSnapshot` (`-r`). */
  snapshot?: string;
  /** Answers the VM's issueCommand(ArrayBuffer). Without one (or if it throws) the VM gets an empty buffer. */
  onIssueCommand?: (bytes: Uint8Array) => Uint8Array | Promise<Uint8Array>;
  /** Where the VM's print() output goes. Default 'inherit'. */
  stdout?: XsOutput;
  /** Where XS's own reports go (also kept for death reasons). Default 'inherit'. */
  stderr?: XsOutput;
  /** Name used in error messages. */
  name?: string;
  /**
   * Wall-clock bound on one reply, ms (see replyBoundMs); 0: none. Default: replyBoundMs of
   * `meteringLimit`, none without a limit.
   */
  replyMs?: number;
}

/** The VM threw (or the script failed to parse); the worker is still alive. */
export class XsEvalError extends Error {
  constructor(
    readonly workerName: string,
    readonly vmMessage: string,
  ) {
    super(`${workerName}: ${vmMessage}`);
    this.name = 'XsEvalError';
  }
}

/** The worker process is gone; every pending and later command fails with this. */
export class XsWorkerExited extends Error {
  constructor(
    readonly workerName: string,
    readonly reason: string,
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
  ) {
    super(`${workerName}: xsnap-worker ${reason}`);
    this.name = 'XsWorkerExited';
  }
}

/** xsnap-worker's exit codes (ExitCode in xsnap-worker.c). */
export function exitReason(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal !== null) return `killed by ${signal}`;
  switch (code) {
    case 0:
      return 'exited';
    case 1:
      return 'exited: bad usage (exit 1)';
    case 2:
      return 'exited: I/O error on its pipes (exit 2)';
    case 11:
      return 'died: out of memory (exit 11)';
    case 12:
      return 'died: stack overflow (exit 12)';
    case 15:
      return 'died: unhandled exception (exit 15)';
    case 16:
      return 'died: out of property keys (exit 16)';
    case 17:
      return 'died: too much computation, metering limit reached (exit 17)';
    case 255:
      return 'died: unknown XS abort (exit 255)';
    default:
      return `exited with code ${String(code)}`;
  }
}

function xsnapPackageDir(): string {
  return dirname(createRequire(import.meta.url).resolve('@agoric/xsnap/package.json'));
}

/** The xsnap-worker that @agoric/xsnap's install (or scripts/setup.mjs) built. */
export function stockXsnapBinary(): string {
  const platform = process.platform === 'darwin' ? 'mac' : 'lin';
  return join(xsnapPackageDir(), 'xsnap-native', 'xsnap', 'build', 'bin', platform, 'release', 'xsnap-worker');
}

/**
 * The board-sized build scripts/setup.mjs makes next to it (node_modules/.cache/mcdsm):
 * same engine, small initial heaps, so a worker starts ~7x faster in ~1/8 of the memory.
 */
export function boardXsnapBinary(): string {
  return join(xsnapPackageDir(), '..', '..', '.cache', 'mcdsm', 'xsnap-worker');
}

/**
 * Why a simulated XS board cannot start when its engine binary is missing, and the fix. npm runs
 * scripts/setup.mjs (mcdsm's postinstall) at install; it is skipped under `--ignore-scripts` or
 * by an npm that blocks dependencies' install scripts the project has not allowed (npm 12;
 * `allowScripts` in package.json, docs/TARGETS.md "Install scripts").
 */
export function xsnapMissingText(binary: string, setupScript: string): string {
  return (
    `the XS engine is not built: ${binary} does not exist. Build it with \`node ${setupScript} --no-build\` ` +
    `(mcdsm's install script does this; it did not run: npm install --ignore-scripts, or an npm that skips install scripts ` +
    `not listed in your package.json's "allowScripts": add "mcdsm": true, "@agoric/xsnap": true)`
  );
}

let cachedBinary: string | null = null;

/** $MCDSM_XSNAP_WORKER if set, else the board-sized build if present, else the stock one. */
export function defaultXsnapBinary(): string {
  if (cachedBinary === null) {
    const forced = process.env['MCDSM_XSNAP_WORKER'];
    const board = boardXsnapBinary();
    cachedBinary = forced !== undefined && forced !== '' ? forced : existsSync(board) ? board : stockXsnapBinary();
  }
  return cachedBinary;
}

const DOT = 0x2e;
const BANG = 0x21;
const QUESTION = 0x3f;
const SEPARATOR = 0x01;
const PREFIX_EVAL = 0x65; // e
const PREFIX_COMMAND = 0x3f; // ?
const PREFIX_SNAPSHOT = 0x77; // w
const PREFIX_ANSWER = 0x2f; // /
const STDERR_TAIL = 2048;

/**
 * The wall-clock bound on a reply: a worker that neither answers a command nor asks the host
 * anything (issueCommand) for this long is killed and its board fails, naming it; it held a plain
 * `mcdsm sim` for ever (a stopped or wedged process, a host answer that never came). Only with a
 * metering limit: the limit bounds a step's computation (1e9 units, the default watchdog, is ~20 s
 * of a loaded host: docs/SIMULATOR.md), so a step that legitimately runs long cannot reach a
 * bound of REPLY_NS_PER_UNIT per unit (50x that host's ~20 ns) and never less than
 * REPLY_FLOOR_MS. Without a limit (`--watchdog off`) a step may compute for as long as the app
 * wants: no wall-clock figure is safe, so there is none.
 */
const REPLY_FLOOR_MS = 10 * 60_000;
const REPLY_NS_PER_UNIT = 1000;

export function replyBoundMs(meteringLimit: number | undefined): number {
  if (meteringLimit === undefined || meteringLimit <= 0) return 0;
  return Math.max(REPLY_FLOOR_MS, Math.ceil((meteringLimit * REPLY_NS_PER_UNIT) / 1e6));
}

interface Pending {
  frame: Buffer;
  resolve: (r: XsReply) => void;
  reject: (e: Error) => void;
}

export class XsWorker {
  readonly name: string;
  private readonly child: ChildProcess;
  private readonly toWorker: Writable;
  private readonly queue: Pending[] = [];
  private current: Pending | null = null;
  private exitError: XsWorkerExited | null = null;
  private killedByHost = false;
  private stderrTail = '';
  private readonly closed: Promise<void>;
  private readonly onIssueCommand: XsWorkerOptions['onIssueCommand'];
  private readonly replyMs: number;
  /** One timer per worker, re-armed (refresh) at each command and each message from the worker. */
  private replyTimer: NodeJS.Timeout | null = null;
  private stalled: string | null = null;

  constructor(options: XsWorkerOptions = {}) {
    this.name = options.name ?? 'xs';
    this.onIssueCommand = options.onIssueCommand;
    this.replyMs = options.replyMs ?? replyBoundMs(options.meteringLimit);
    const args: string[] = [];
    if (options.meteringLimit !== undefined && options.meteringLimit > 0) {
      args.push('-l', String(Math.floor(options.meteringLimit)));
    }
    if (options.parserBufferKiB !== undefined) args.push('-s', String(Math.max(1, Math.floor(options.parserBufferKiB))));
    if (options.snapshot !== undefined) args.push('-r', options.snapshot);
    const stdout = options.stdout ?? 'inherit';
    const stderr = options.stderr ?? 'inherit';
    this.child = spawn(options.binary ?? defaultXsnapBinary(), args, {
      stdio: ['ignore', typeof stdout === 'function' ? 'pipe' : stdout, 'pipe', 'pipe', 'pipe'],
    });
    const [, out, err, toWorker, fromWorker] = this.child.stdio as unknown as [
      null,
      Readable | null,
      Readable,
      Writable,
      Readable,
    ];
    this.toWorker = toWorker;
    // EPIPE and friends surface through the exit below; without a listener they would crash the host.
    toWorker.on('error', () => {});
    fromWorker.on('error', () => {});
    if (typeof stdout === 'function' && out !== null) {
      out.setEncoding('utf8');
      out.on('data', (text: string) => stdout(text));
    }
    err.setEncoding('utf8');
    err.on('data', (text: string) => {
      this.stderrTail = (this.stderrTail + text).slice(-STDERR_TAIL);
      if (stderr === 'inherit') process.stderr.write(text);
      else if (typeof stderr === 'function') stderr(text);
    });
    const decoder = new NetstringDecoder((m) => this.onMessage(m));
    fromWorker.on('data', (chunk: Buffer) => {
      try {
        decoder.push(chunk);
      } catch (e) {
        this.protocolFailure(e instanceof Error ? e.message : String(e));
      }
    });
    this.closed = new Promise((resolve) => {
      this.child.once('error', (e) => {
        this.onExit(null, null, `could not start (${e.message})`);
        resolve();
      });
      this.child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
        this.onExit(code, signal, null);
        resolve();
      });
    });
  }

  get alive(): boolean {
    return this.exitError === null;
  }

  /** Why the worker is gone, or null while it lives. */
  get exitInfo(): XsWorkerExited | null {
    return this.exitError;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Evaluate a classic script (global scope). Resolves after every promise job it started has settled. */
  evaluate(code: string): Promise<XsReply> {
    return this.enqueue(encodeNetstring(PREFIX_EVAL, code));
  }

  /** Call `globalThis.handleCommand(ArrayBuffer)` with a copy of `bytes`. */
  command(bytes: Uint8Array): Promise<XsReply> {
    return this.enqueue(encodeNetstring(PREFIX_COMMAND, bytes));
  }

  /** Write the machine's heap to `path` (a later worker can start from it); resolves to its size in bytes. */
  async writeSnapshot(path: string): Promise<number> {
    const r = await this.enqueue(encodeNetstring(PREFIX_SNAPSHOT, path));
    return Number(Buffer.from(r.reply).toString('latin1'));
  }

  /** Ask the worker to finish (end of its command pipe); resolves once it has exited. */
  close(): Promise<void> {
    if (this.exitError === null) this.toWorker.end();
    return this.closed;
  }

  /** Kill the worker now; pending commands fail. Resolves once it is gone. */
  kill(): Promise<void> {
    if (this.exitError === null) {
      this.killedByHost = true;
      this.child.kill('SIGKILL');
    }
    return this.closed;
  }

  private enqueue(frame: Buffer): Promise<XsReply> {
    if (this.exitError !== null) return Promise.reject(this.exitError);
    return new Promise<XsReply>((resolve, reject) => {
      this.queue.push({ frame, resolve, reject });
      if (this.current === null) this.sendNext();
    });
  }

  private sendNext(): void {
    const next = this.queue.shift();
    if (next === undefined) return;
    this.current = next;
    this.armReplyBound();
    this.toWorker.write(next.frame);
  }

  private armReplyBound(): void {
    if (this.replyMs <= 0) return;
    if (this.replyTimer === null) {
      this.replyTimer = setTimeout(() => this.replyOverdue(), this.replyMs);
      // Idle workers do not keep the host alive; a pending command's worker pipes do anyway.
      this.replyTimer.unref();
    } else this.replyTimer.refresh();
  }

  private replyOverdue(): void {
    // Fired while idle (the last reply came in time): nothing is owed.
    if (this.current === null || this.exitError !== null) return;
    this.stalled = `gave no reply within ${String(this.replyMs)} ms of wall time (the reply bound; a stopped or wedged worker), killed`;
    this.child.kill('SIGKILL');
  }

  private onMessage(m: Uint8Array): void {
    const kind = m[0];
    // Any message is progress: the bound counts silence, not a step's length.
    if (this.current !== null) this.armReplyBound();
    if (kind === QUESTION) {
      void this.answerIssueCommand(m.subarray(1));
      return;
    }
    const p = this.current;
    if (p === null) {
      this.protocolFailure(`reply without a command (0x${(kind ?? 0).toString(16)})`);
      return;
    }
    this.current = null;
    if (kind === DOT) {
      const sep = m.indexOf(SEPARATOR, 1);
      if (sep < 0) {
        p.reject(new XsEvalError(this.name, 'reply without meter separator'));
      } else {
        let meter: XsMeter;
        try {
          meter = JSON.parse(Buffer.from(m.buffer, m.byteOffset + 1, sep - 1).toString('latin1')) as XsMeter;
        } catch {
          meter = { currentHeapCount: 0, compute: 0, allocate: 0, timestamps: [] };
        }
        p.resolve({ reply: m.subarray(sep + 1), meter });
      }
    } else if (kind === BANG) {
      p.reject(new XsEvalError(this.name, Buffer.from(m.buffer, m.byteOffset + 1, m.length - 1).toString('utf8')));
    } else {
      p.reject(new XsEvalError(this.name, `unexpected reply prefix 0x${(kind ?? 0).toString(16)}`));
    }
    this.sendNext();
  }

  private async answerIssueCommand(bytes: Uint8Array): Promise<void> {
    let answer: Uint8Array = new Uint8Array(0);
    if (this.onIssueCommand !== undefined) {
      try {
        answer = await this.onIssueCommand(bytes);
      } catch {
        answer = new Uint8Array(0);
      }
    }
    if (this.exitError === null) this.toWorker.write(encodeNetstring(PREFIX_ANSWER, answer));
  }

  private protocolFailure(why: string): void {
    this.stderrTail += `\n[host] protocol error: ${why}`;
    this.child.kill('SIGKILL');
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null, startError: string | null): void {
    if (this.exitError !== null) return;
    if (this.replyTimer !== null) clearTimeout(this.replyTimer);
    let reason = startError ?? this.stalled ?? (this.killedByHost ? 'killed by the host' : exitReason(code, signal));
    const tail = this.stderrTail.trim();
    if (tail !== '' && !this.killedByHost && this.stalled === null && code !== 0) reason += ` — stderr: ${tail.split('\n').slice(-3).join(' | ')}`;
    this.exitError = new XsWorkerExited(this.name, reason, code, signal);
    const failed = this.current === null ? this.queue.splice(0) : [this.current, ...this.queue.splice(0)];
    this.current = null;
    for (const p of failed) p.reject(this.exitError);
  }
}
