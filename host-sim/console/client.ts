/**
 * `mcdsm console <path | tcp://host:port>`: an interactive console on a board, real
 * (/dev/ttyUSB0 through the serialport package) or simulated (its pty or TCP port).
 *
 * On a terminal the client puts stdin in raw mode and edits lines locally (line-editor.ts),
 * because the board does not echo. When stdin is not a terminal (a script piped in), each
 * line is sent as one command and its answer awaited before the next, so
 * `printf 'status\nstats\n' | mcdsm console tcp://127.0.0.1:7001` prints both answers in order.
 * Quit with Ctrl-] or end of input.
 */
import readline from 'node:readline';
import { isFinalLine } from '../../src/console/answer.js';
import { connectConsole, formatConsoleAddress } from './connection.js';
import type { ConsoleAddress, ConsoleConnection } from './connection.js';
import { CTRL_RIGHT_BRACKET, LineEditor } from './line-editor.js';
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

function runTerminal(conn: ConsoleConnection, input: Input, output: NodeJS.WritableStream): Promise<ConsoleRunResult> {
  const editor = new LineEditor();
  const splitter = new LineSplitter();
  const result: ConsoleRunResult = { answers: 0, errors: 0, reason: 'quit' };
  const raw = typeof input.setRawMode === 'function';
  if (raw) input.setRawMode?.(true);
  input.setEncoding('utf8');
  output.write(`connected to ${formatConsoleAddress(conn.address)} (Ctrl-] to quit)\r\n`);

  return new Promise<ConsoleRunResult>((resolve) => {
    let finished = false;
    const finish = (reason: ConsoleRunResult['reason']): void => {
      if (finished) return;
      finished = true;
      result.reason = reason;
      input.off('data', onKeys);
      input.off('end', onEnd);
      if (raw) input.setRawMode?.(false);
      input.pause();
      conn.onData = null;
      conn.onClose = null;
      if (reason === 'closed') output.write('\r\n[console closed by the board side]\r\n');
      void conn.close().then(() => resolve(result));
    };
    const onKeys = (chunk: string | Buffer): void => {
      const r = editor.feed(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
      if (r.echo.length > 0) output.write(r.echo);
      for (const s of r.send) conn.write(s).catch(() => finish('closed'));
      if (r.exit) finish('quit');
    };
    const onEnd = (): void => finish('eof');
    conn.onData = (text) => {
      for (const line of splitter.push(text)) {
        if (isFinalLine(line.trim())) {
          result.answers++;
          if (line.trim() !== 'OK') result.errors++;
        }
      }
      const typed = editor.buffer;
      // Keep what the user is typing below the board's output.
      if (typed.length > 0) output.write('\r\x1b[K' + text + (/[\r\n]$/.test(text) ? typed : ''));
      else output.write(text);
    };
    conn.onClose = () => finish('closed');
    input.on('data', onKeys);
    input.on('end', onEnd);
    input.resume();
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
