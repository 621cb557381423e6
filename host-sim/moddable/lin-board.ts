/**
 * A Moddable-`lin` board as an ordinary process: lin-host (host-sim/moddable/lin-host.c) runs
 * a firmware's mc.so; its UART links and console are tty devices (one end of socat pty pairs,
 * `ptyPair`), its preferences a file in its state folder. Used by the tests, `bench footprint`
 * and the simulator's `--engine moddable` (docs/TARGETS.md, "Moddable-lin boards").
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { lstatSync, mkdirSync, realpathSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function exists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * What `LinBoard.waitFor` throws: `reason` is one line (what was awaited and why it did not
 * come), `tail` the board's last lines; the message holds both, as it always did.
 */
export class LinWaitError extends Error {
  constructor(
    readonly reason: string,
    /** True when the time ran out; false when the board ended first. */
    readonly timedOut: boolean,
    readonly tail: string,
  ) {
    super(`${reason}; last lines:\n${tail}`);
  }
}

/** lin-host's exit codes (host-sim/moddable/lin-host.c). */
export const LIN_HOST_EXIT = { usage: 2, load: 3, machine: 4, restartLoop: 75, abortBase: 100, signalBase: 128 } as const;

/** How long socat gets to create a pty pair. */
const PTY_WAIT_MS = 5000;
const PTY_POLL_MS = 20;

export interface PtyPair {
  /** Symlinks to the two ends (what a board's config names); `devices` are the /dev/pts/N they point at. */
  readonly a: string;
  readonly b: string;
  readonly devices: readonly [string, string];
  close(): Promise<void>;
}

/**
 * Two connected ptys (raw, no echo) at the symlinks `a` and `b`: a null-modem cable. One is a
 * board's link or console, the other the peer board's link or a host tool.
 */
export async function ptyPair(a: string, b: string, socat = 'socat'): Promise<PtyPair> {
  for (const p of [a, b]) {
    mkdirSync(dirname(p), { recursive: true });
    rmSync(p, { force: true });
  }
  const child = spawn(socat, [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let failure: string | null = null;
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  child.once('error', (e) => (failure = e.message));
  child.once('exit', (code) => (failure ??= `socat exited with ${code}: ${stderr.trim()}`));
  const until = Date.now() + PTY_WAIT_MS;
  while (!(exists(a) && exists(b))) {
    if (failure !== null) throw new Error(`pty pair ${a} <-> ${b}: ${failure}`);
    if (Date.now() > until) {
      child.kill();
      throw new Error(`pty pair ${a} <-> ${b}: socat made no ptys within ${PTY_WAIT_MS} ms`);
    }
    await sleep(PTY_POLL_MS);
  }
  const exited = new Promise<void>((r) => (child.exitCode !== null ? r() : child.once('exit', () => r())));
  return {
    a,
    b,
    devices: [realpathSync(a), realpathSync(b)],
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill();
      await exited;
    },
  };
}

export interface LinBoardOptions {
  /** lin-host (ModdableSdk.linHost). */
  linHost: string;
  /** The firmware's mc.so (FirmwareBuildResult.mcSo). */
  mcSo: string;
  /** The board's own folder: its preferences (modpreferences.json) live there. */
  stateDir: string;
  /** Host settings (MCDSM_CONFIG): any config field; on lin at least the tty paths of links and console. */
  config: Record<string, unknown>;
  /** Every line the board prints on stdout (trace(), HALT, lin-host's own lines). */
  onLine?: (line: string) => void;
  /** Added to the process's environment (e.g. MCDSM_HEAP_PROBE, docs/TARGETS.md "Heap probe"). */
  env?: Record<string, string>;
}

export interface LinBoardExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** What the code means (lin-host's exit codes). */
  why: string;
}

/**
 * What XS aborted for, by status (the XS_*_EXIT values of xs/sources/xsCommon.h, SDK 8.2.3;
 * the words of its fxAbortString): lin-host exits with 100 + status.
 */
const XS_ABORTS: readonly string[] = [
  'debugger', 'not enough memory', 'JavaScript stack overflow', 'fatal check', 'dead strip', 'unhandled exception',
  'not enough keys', 'too much computation', 'unhandled rejection', 'native stack overflow',
];

export function xsAbortName(status: number): string {
  return XS_ABORTS[status] ?? `status ${status}`;
}

/**
 * Lines the Moddable SDK prints by itself (fxReport, to lin-host's stdout) that say nothing of why
 * a board ended, left out of its last words (LinBoard.tail, the simulator's summary). A board
 * that ends without an ABORT line is summed up by its last lines, and on lin those were the
 * first warning below, repeated: the SDK's lin serial driver shrinks a plain ArrayBuffer on
 * every read (modules/io/serial/lin/serial.c, xsDataView.c warns each time). Allocation
 * FAILURES stay: they are a cause.
 */
export const SDK_NOISE_LINES: readonly RegExp[] = [
  /^# Use xsArrayBufferResizable instead of xsArrayBuffer$/,
  /^# Use standard String\.prototype\.localeCompare instead of soon obsolete String\.prototype\.compare$/,
  // mxReport builds (the heap probe's firmware): bookkeeping at every collection and growth.
  /^# (?:Slot|Chunk) (?:allocation|collection): reserved -?\d+ used -?\d+ peak -?\d+ bytes/,
];

export function isSdkNoise(line: string): boolean {
  return SDK_NOISE_LINES.some((re) => re.test(line));
}

/** `ABORT: <why>: <cause>` in the trace, `# ABORT <why>: <cause>` on the console. */
const ABORT_LINE = /^(?:# )?ABORT:? (.+)$/;

/**
 * The board's own account of its abort, `<why>: <cause> (<where>)`, from the last ABORT line
 * among `lines` (the firmware's abort hook, firmware/abort-hook.ts, or for a stack overflow
 * lin-host's report from firmware/native/mcdsm_abort.c), or null when it printed none.
 */
export function abortCause(lines: readonly string[]): string | null {
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = ABORT_LINE.exec(lines[i] as string);
    if (m) return (m[1] as string).trim();
  }
  return null;
}

export function describeLinHostExit(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal !== null) return `killed by ${signal}`;
  if (code === 0) return 'ended';
  if (code === LIN_HOST_EXIT.usage) return 'lin-host usage error';
  if (code === LIN_HOST_EXIT.load) return 'mc.so could not be loaded';
  if (code === LIN_HOST_EXIT.machine) return 'the XS machine could not be created';
  if (code === LIN_HOST_EXIT.restartLoop) return 'boot loop (restarted too often)';
  if (code !== null && code >= LIN_HOST_EXIT.abortBase && code < LIN_HOST_EXIT.signalBase) return `XS abort (${xsAbortName(code - LIN_HOST_EXIT.abortBase)})`;
  return `exit ${String(code)}`;
}

/** A running lin board. `lines` holds everything it printed (the firmware's trace). */
export class LinBoard {
  readonly lines: string[] = [];
  readonly exited: Promise<LinBoardExit>;
  private partial = '';

  private constructor(
    readonly child: ChildProcess,
    private readonly onLine: ((line: string) => void) | undefined,
  ) {
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (d: string) => this.take(d));
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => this.take(d));
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        if (this.partial !== '') this.push(this.partial);
        resolve({ code, signal, why: describeLinHostExit(code, signal) });
      });
    });
  }

  static start(o: LinBoardOptions): LinBoard {
    mkdirSync(o.stateDir, { recursive: true });
    const child = spawn(o.linHost, ['--state', o.stateDir, '--config', JSON.stringify(o.config), o.mcSo], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(o.env !== undefined ? { env: { ...process.env, ...o.env } } : {}),
    });
    return new LinBoard(child, o.onLine);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Resolves with the first printed line matching `re` (already printed ones count), or rejects after `timeoutMs`. */
  async waitFor(re: RegExp, timeoutMs: number): Promise<string> {
    const until = Date.now() + timeoutMs;
    let from = 0;
    for (;;) {
      for (; from < this.lines.length; from++) if (re.test(this.lines[from] as string)) return this.lines[from] as string;
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new LinWaitError(`board ended (${describeLinHostExit(this.child.exitCode, this.child.signalCode)}) before printing ${re}`, false, this.tail());
      }
      if (Date.now() > until) throw new LinWaitError(`no line matching ${re} within ${timeoutMs} ms`, true, this.tail());
      await sleep(PTY_POLL_MS * 5);
    }
  }

  /** The last lines it printed, without the instrumentation samples and the SDK's noise. */
  tail(n = 12): string {
    return this.lines
      .filter((l) => !l.startsWith('instruments') && !isSdkNoise(l))
      .slice(-n)
      .join('\n');
  }

  async stop(): Promise<LinBoardExit> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }

  private take(text: string): void {
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    for (const p of parts) this.push(p.replace(/\r$/, ''));
  }

  private push(line: string): void {
    this.lines.push(line);
    this.onLine?.(line);
  }
}
