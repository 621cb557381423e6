/**
 * Sending commands to a board's console and reading their answers (the convention of
 * src/console/answer.ts): the same code works on a simulated board over TCP or its pty and on
 * a real board at /dev/ttyUSB0.
 *
 * Each command is preceded by Ctrl-U (drop anything half-typed on the board) and
 * `ping <token>`; everything before `pong=<token>` is stale output and is skipped, so an old
 * answer left in a buffer can never pass for this command's.
 */
import { isFinalLine, isNoticeLine } from '../../src/console/answer.js';
import { connectConsole, formatConsoleAddress } from './connection.js';
import type { ConnectOptions, ConsoleAddress, ConsoleConnection } from './connection.js';

export const DEFAULT_COMMAND_TIMEOUT_MS = 5000;
/**
 * How long a board that printed `# HALT <reason>` gets to answer the ping all the same: a
 * Moddable firmware keeps its shell after a halt and answers at once; a simulated board that
 * crashed reads no input at all, and waiting the whole timeout for it tells the user nothing.
 */
export const HALTED_ANSWER_GRACE_MS = 500;
const HALT_NOTICE = /^# HALT (.*)$/;

/** Splits text into lines at LF, CRLF or CR (CRLF split across chunks counts once). */
export class LineSplitter {
  private partial = '';
  private afterCr = false;

  push(text: string): string[] {
    const out: string[] = [];
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x0a && this.afterCr && i === start && this.partial.length === 0) {
        this.afterCr = false;
        start = i + 1;
        continue;
      }
      this.afterCr = false;
      if (c === 0x0d || c === 0x0a) {
        out.push(this.partial + text.slice(start, i));
        this.partial = '';
        start = i + 1;
        this.afterCr = c === 0x0d;
      }
    }
    this.partial += text.slice(start);
    return out;
  }

  /** Text after the last line end. */
  get rest(): string {
    return this.partial;
  }
}

export interface ConsoleAnswer {
  /** The command as sent. */
  command: string;
  ok: boolean;
  /** Output lines before the final line (notices and the board's echo left out). */
  lines: string[];
  /** `OK` or `ERR <reason>`. */
  final: string;
  /** The ERR reason, or '' for OK. */
  reason: string;
  /** lines and final, joined with '\n'. */
  text: string;
}

/** Reject a line that would not reach the board as exactly one command. */
export function checkCommandLine(line: string): string {
  const t = line.trim();
  if (t.length === 0) throw new Error('console command: empty line');
  if (/[\x00-\x1f\x7f]/.test(t)) throw new Error(`console command ${JSON.stringify(line)}: control characters or line breaks are not allowed`);
  return t;
}

type Phase = 'sync' | 'ping-answer' | 'answer';

interface Waiter {
  command: string;
  token: string;
  phase: Phase;
  echoSeen: boolean;
  echoDropped: boolean;
  lines: string[];
  skipped: string[];
  /** The reason of a `# HALT <reason>` notice seen while waiting, or null. */
  halted: string | null;
  timeoutMs: number;
  resolve(a: ConsoleAnswer): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

export interface SessionOptions extends ConnectOptions {
  /** Notice lines (`# ...`) and output outside any command, as they arrive. */
  onUnsolicited?: (line: string) => void;
}

/** A console connection that runs one command at a time. */
export class ConsoleSession {
  private readonly splitter = new LineSplitter();
  private waiter: Waiter | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private seq = 0;
  private readonly tokenBase = `${process.pid.toString(36)}${Math.floor(Math.random() * 0x7fffffff).toString(36)}`;

  constructor(
    readonly connection: ConsoleConnection,
    private readonly onUnsolicited: ((line: string) => void) | null = null,
  ) {
    connection.onData = (text) => {
      for (const line of this.splitter.push(text)) this.line(line);
    };
    connection.onClose = (reason) => {
      const w = this.waiter;
      if (w !== null) this.fail(w, new Error(`console ${formatConsoleAddress(connection.address)}: ${reason} while waiting for the answer to '${w.command}'`));
    };
  }

  static async open(address: string | ConsoleAddress, options: SessionOptions = {}): Promise<ConsoleSession> {
    const conn = await connectConsole(address, options);
    return new ConsoleSession(conn, options.onUnsolicited ?? null);
  }

  /** Send one command and resolve with its answer (ERR answers resolve too: look at `ok`). */
  command(line: string, timeoutMs: number = DEFAULT_COMMAND_TIMEOUT_MS): Promise<ConsoleAnswer> {
    let cmd: string;
    try {
      cmd = checkCommandLine(line);
    } catch (e) {
      return Promise.reject(e);
    }
    const run = this.chain.then(() => this.send(cmd, timeoutMs));
    this.chain = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  private send(command: string, timeoutMs: number): Promise<ConsoleAnswer> {
    const token = `${this.tokenBase}-${++this.seq}`;
    return new Promise<ConsoleAnswer>((resolve, reject) => {
      const w: Waiter = {
        command,
        token,
        phase: 'sync',
        echoSeen: false,
        echoDropped: false,
        lines: [],
        skipped: [],
        halted: null,
        timeoutMs,
        resolve,
        reject,
        timer: setTimeout(() => this.timedOut(w), timeoutMs),
      };
      this.waiter = w;
      this.connection.write(`\x15ping ${token}\r\n${command}\r\n`).catch((e: Error) => this.fail(w, e));
    });
  }

  /** One line that says what went wrong (before: three levels of parentheses). */
  private timedOut(w: Waiter): void {
    const where = `console ${formatConsoleAddress(this.connection.address)}`;
    let why: string;
    if (w.halted !== null) why = `the board has halted (${w.halted}) and answers no commands; '${w.command}' was not run`;
    else if (w.phase === 'sync') why = `no answer to '${w.command}' within ${w.timeoutMs} ms: the board did not answer a ping; is it running the mcdsm shell?${w.skipped.length > 0 ? ` It printed: ${w.skipped.slice(-3).join(' | ')}` : ''}`;
    else why = `no OK/ERR answer to '${w.command}' within ${w.timeoutMs} ms; got so far: ${w.lines.join(' | ') || 'nothing'}`;
    this.fail(w, new Error(`${where}: ${why}`));
  }

  private fail(w: Waiter, e: Error): void {
    if (this.waiter !== w) return;
    clearTimeout(w.timer);
    this.waiter = null;
    w.reject(e);
  }

  private line(raw: string): void {
    const line = raw.replace(/\s+$/, '');
    const w = this.waiter;
    if (w === null) {
      if (line.length > 0) this.onUnsolicited?.(line);
      return;
    }
    if (line.length === 0) return;
    if (isNoticeLine(line)) {
      this.onUnsolicited?.(line);
      const halt = HALT_NOTICE.exec(line);
      if (halt !== null && w.phase === 'sync' && w.halted === null) {
        w.halted = halt[1]!;
        clearTimeout(w.timer);
        w.timer = setTimeout(() => this.timedOut(w), Math.min(HALTED_ANSWER_GRACE_MS, w.timeoutMs));
      }
      return;
    }
    switch (w.phase) {
      case 'sync':
        if (line === `pong=${w.token}`) w.phase = 'ping-answer';
        else if (line.endsWith(`ping ${w.token}`)) w.echoSeen = true;
        else if (w.skipped.length < 16) w.skipped.push(line);
        return;
      case 'ping-answer':
        if (isFinalLine(line)) w.phase = 'answer';
        return;
      case 'answer':
        // A board with echo on repeats the command first.
        if (w.echoSeen && !w.echoDropped && w.lines.length === 0 && line === w.command) {
          w.echoDropped = true;
          return;
        }
        if (!isFinalLine(line)) {
          w.lines.push(line);
          return;
        }
        clearTimeout(w.timer);
        this.waiter = null;
        {
          const ok = line === 'OK';
          const reason = ok ? '' : line.replace(/^ERR ?/, '');
          w.resolve({ command: w.command, ok, lines: w.lines, final: line, reason, text: [...w.lines, line].join('\n') });
        }
        return;
    }
  }
}

/**
 * Send one command to a console (`/dev/ttyUSB0`, a pty path, or `tcp://host:port`) and
 * resolve with the answer up to and including its OK/ERR line, lines joined with '\n'.
 * Rejects when the connection cannot be made within `timeoutMs`, or when no answer comes
 * within `timeoutMs` of sending.
 */
export async function inject(target: string, line: string, timeoutMs: number = DEFAULT_COMMAND_TIMEOUT_MS, options: ConnectOptions = {}): Promise<string> {
  checkCommandLine(line);
  const session = await ConsoleSession.open(target, { ...options, timeoutMs: options.timeoutMs ?? timeoutMs });
  try {
    const a = await session.command(line, timeoutMs);
    return a.text;
  } finally {
    await session.close();
  }
}
