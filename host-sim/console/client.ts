/**
 * `mcdsm console <path | tcp://host:port>`: an interactive console on a board, real
 * (/dev/ttyUSB0 through the serialport package) or simulated (its pty or TCP port).
 *
 * On a terminal the client reads lines with Node's readline (a prompt, line editing and
 * history; the board does not echo), printing the board's output above the prompt. When stdin is not a terminal (a script piped in), each
 * line is sent as one command and its answer awaited before the next, so
 * `printf 'status\nstats\n' | mcdsm console tcp://127.0.0.1:7001` prints both answers in order.
 * Quit with Ctrl-], Ctrl-D or end of input.
 */
import readline from 'node:readline';
import { isFinalLine } from '../../src/console/answer.js';
import { connectConsole, formatConsoleAddress } from './connection.js';
import type { ConsoleAddress, ConsoleConnection } from './connection.js';
import { CTRL_RIGHT_BRACKET } from './line-editor.js';
import { ConsoleSession, DEFAULT_COMMAND_TIMEOUT_MS, LineSplitter } from './session.js';

export { inject, ConsoleSession, LineSplitter, checkCommandLine } from './session.js';
export type { ConsoleAnswer, SessionOptions } from './session.js';

type Input = NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };

export interface ConsoleClientOptions {
  baudRate?: number;
  /** Default process.stdin. */
  input?: Input;
  /** Default process.stdout. */
  output?: NodeJS.WritableStream;
  /** Raw keys with local editing (true) or one command per input line (false). Default: input.isTTY. */
  terminal?: boolean;
  /** Per-command answer timeout in line mode (default 5000 ms). */
  timeoutMs?: number;
  /** In line mode, print `> command` before each answer. */
  showCommands?: boolean;
}

export interface ConsoleRunResult {
  /** Answers seen (OK and ERR). */
  answers: number;
  /** ERR answers, plus commands that got no answer in time (line mode). */
  errors: number;
  /** Why the client stopped. */
  reason: 'quit' | 'eof' | 'closed';
}

/** Run the interactive console until Ctrl-], end of input or the board's side closing. */
export async function runConsole(address: string | ConsoleAddress, options: ConsoleClientOptions = {}): Promise<ConsoleRunResult> {
  const input: Input = options.input ?? process.stdin;
  const output = options.output ?? process.stdout;
  const conn = await connectConsole(address, options.baudRate !== undefined ? { baudRate: options.baudRate } : {});
  const terminal = options.terminal ?? input.isTTY === true;
  return terminal ? runTerminal(conn, input, output) : runLines(conn, input, output, options);
}

/** The interactive prompt (the board does not print one: its answers end with OK / ERR). */
export const CONSOLE_PROMPT = 'mcdsm> ';
/** Lines of in-session history (Up / Down, Ctrl-R through readline). */
export const CONSOLE_HISTORY_LINES = 500;
const CTRL_RIGHT_BRACKET_KEY = '\x1d';
const CTRL_C = '\x03';

/**
 * Node's readline does the terminal work: a prompt, line editing (arrows, Home/End, Ctrl-A/E/
 * K/U/W), history (Up / Down) and completion-free input. What the board writes meanwhile is
 * printed above the prompt, and the line being typed is drawn again below it.
 */
function runTerminal(conn: ConsoleConnection, input: Input, output: NodeJS.WritableStream): Promise<ConsoleRunResult> {
  const splitter = new LineSplitter();
  const result: ConsoleRunResult = { answers: 0, errors: 0, reason: 'quit' };
  output.write(`connected to ${formatConsoleAddress(conn.address)} (Ctrl-] or Ctrl-D to quit; Up/Down: history)\r\n`);
  const rl = readline.createInterface({
    input, output, terminal: true, prompt: CONSOLE_PROMPT, historySize: CONSOLE_HISTORY_LINES, removeHistoryDuplicates: true,
  });
  return new Promise<ConsoleRunResult>((resolve) => {
    let finished = false;
    const finish = (reason: ConsoleRunResult['reason']): void => {
      if (finished) return;
      finished = true;
      result.reason = reason;
      input.off('keypress', onKey);
      conn.onData = null;
      conn.onClose = null;
      if (reason === 'closed') output.write('\r\n[console closed by the board side]\r\n');
      rl.close();
      input.pause();
      void conn.close().then(() => resolve(result));
    };
    const onKey = (s: string | undefined, key: { sequence?: string } | undefined): void => {
      if (s === CTRL_RIGHT_BRACKET_KEY || key?.sequence === CTRL_RIGHT_BRACKET_KEY) finish('quit');
    };
    rl.on('line', (line) => {
      const command = line.trim();
      if (command.length > 0) conn.write(command + '\r\n').catch(() => finish('closed'));
      if (!finished) rl.prompt();
    });
    // Ctrl-C drops the line being typed and interrupts the board's running command (the
    // board's shell takes Ctrl-C); Ctrl-] and Ctrl-D quit.
    rl.on('SIGINT', () => {
      output.write('^C\r\n');
      rl.write(null, { ctrl: true, name: 'u' });
      conn.write(CTRL_C).catch(() => finish('closed'));
      rl.prompt();
    });
    rl.on('close', () => finish('quit'));
    conn.onData = (text) => {
      const lines = splitter.push(text);
      if (lines.length === 0) return;
      readline.clearLine(output, 0);
      readline.cursorTo(output, 0);
      for (const line of lines) {
        if (isFinalLine(line.trim())) {
          result.answers++;
          if (line.trim() !== 'OK') result.errors++;
        }
        output.write(line + '\r\n');
      }
      rl.prompt(true);
    };
    conn.onClose = () => finish('closed');
    input.on('keypress', onKey);
    rl.prompt();
  });
}

async function runLines(conn: ConsoleConnection, input: Input, output: NodeJS.WritableStream, options: ConsoleClientOptions): Promise<ConsoleRunResult> {
  const result: ConsoleRunResult = { answers: 0, errors: 0, reason: 'eof' };
  const session = new ConsoleSession(conn, (line) => output.write(line + '\n'));
  let closed = false;
  const prevClose = conn.onClose;
  conn.onClose = (reason) => {
    closed = true;
    prevClose?.(reason);
  };
  const rl = readline.createInterface({ input, crlfDelay: Infinity, terminal: false });
  try {
    for await (const raw of rl) {
      const quit = raw.indexOf(CTRL_RIGHT_BRACKET);
      const line = (quit >= 0 ? raw.slice(0, quit) : raw).trim();
      if (line.length > 0 && !line.startsWith('#')) {
        if (options.showCommands) output.write(`> ${line}\n`);
        try {
          const a = await session.command(line, options.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS);
          result.answers++;
          if (!a.ok) result.errors++;
          output.write(a.text + '\n');
        } catch (e) {
          result.errors++;
          output.write(`! ${(e as Error).message}\n`);
        }
      }
      if (quit >= 0) {
        result.reason = 'quit';
        break;
      }
      if (closed) {
        result.reason = 'closed';
        break;
      }
    }
  } finally {
    rl.close();
    await session.close();
  }
  return result;
}
