/**
 * The console tests run against a real board: src/board.ts's runtime booted on the simulator's
 * driven HAL (hal/driven), so `status`, `peers`, `stats`, `log` and the faults answer exactly
 * what a board answers. Input goes in and output comes out through the HAL console, as the
 * simulator and a UART carry them. Also an in-memory HalConsole for shells built with other
 * options, and the real board behind the real TCP console server for the host-side tests.
 */
import type { HalConsole, MemoryFigures } from '../../src/hal.js';
import { ConsoleShell } from '../../src/console/shell.js';
import type { ShellOptions } from '../../src/console/shell.js';
import { isFinalLine } from '../../src/console/answer.js';
import { parseRecord } from '../../src/console/record.js';
import type { ConsoleTarget } from '../../src/console/index.js';
import { bootBoard } from '../../src/board.js';
import type { BoardRuntime } from '../../src/board.js';
import type { App } from '../../src/app.js';
import type { BoardConfig } from '../../src/config.js';
import { DrivenHal } from '../../hal/driven/driven-hal.js';
import type { BoardAction } from '../../hal/driven/events.js';
import { idleApp } from '../../examples/idle/app.js';
import { ConsoleHub } from '../../host-sim/console/tcp-server.js';
import type { BoardConsoleInfo, ConsoleHubOptions } from '../../host-sim/console/tcp-server.js';

/** The HAL figures a test board reports: Hal.memory() as the simulator would set it. */
export const TEST_HEAP = { used: 48_128, limit: 196_608 };
const TEST_RAM = TEST_HEAP.limit;

/**
 * The simulator's driven HAL, reporting each action as it is taken (console text at once, so a
 * notice reaches a TCP client without waiting for a batch to end), whose memory figures can
 * fail as a board's can (the board's `status` then throws).
 */
export class TestHal extends DrivenHal {
  onAction: ((action: BoardAction) => void) | null = null;
  failMemory = false;

  override record(action: BoardAction): void {
    if (this.stopped === null) this.onAction?.(action);
    super.record(action);
  }

  override memory(): MemoryFigures {
    if (this.failMemory) throw new Error('memory figures unavailable');
    return super.memory();
  }
}

export interface RealBoardOptions {
  /** Working boards in the domain (nodes 0..boards-1); default 4. */
  boards?: number;
  /** The board config's `faultsArmed`; default true, as in the simulator. */
  faultsArmed?: boolean;
}

/**
 * One real board with no links: `bootBoard` from src/board.ts on a TestHal, running the idle
 * example app (it waits for the network, which never converges here: `state=waiting`).
 * Time moves only through `advance`; timers the runtime sets stay pending.
 */
export class RealBoard {
  readonly hal: TestHal;
  readonly runtime: BoardRuntime;
  /** The board's console target (src/runtime/console-target.ts). */
  readonly target: ConsoleTarget;
  /** The board's own shell on the HAL console. */
  readonly shell: ConsoleShell;
  /** Every action the board took other than console output, in order. */
  readonly actions: BoardAction[] = [];
  /** Console output not yet taken. */
  out = '';
  /** Where console output goes as it is written (besides `out`). */
  onOutput: ((text: string) => void) | null = null;

  constructor(
    readonly node = 1,
    options: RealBoardOptions = {},
  ) {
    const boards = options.boards ?? 4;
    const config: BoardConfig = {
      domain: 1, node, rank: node < boards ? node : -1, boards, links: [], seed: 7, ramLimit: TEST_RAM,
      app: idleApp.name, appArgs: [], options: { faultsArmed: options.faultsArmed ?? true },
    };
    this.hal = new TestHal({ links: [], seed: config.seed, ramLimit: config.ramLimit });
    this.hal.setMemory(TEST_HEAP.used, TEST_HEAP.limit);
    this.hal.onAction = (a) => {
      if (a.kind !== 'console') {
        this.actions.push(a);
        return;
      }
      this.out += a.text;
      this.onOutput?.(a.text);
    };
    const apps = new Map<string, App>([[idleApp.name, idleApp]]);
    const board = bootBoard(this.hal, config, apps);
    if (board === null) throw new Error(`the board did not boot: ${JSON.stringify(this.hal.takeActions())}`);
    this.runtime = board;
    this.target = board.target;
    this.shell = board.shell;
    this.hal.takeActions();
  }

  /** Virtual time moves to `now` (ms since boot), as a simulator batch would move it. */
  advance(now: number): void {
    this.hal.advance(now);
  }

  /** Console output since the last take. */
  take(): string {
    const s = this.out;
    this.out = '';
    return s;
  }

  /** The `detail` of every `fault` event the board reported, in order. */
  faultEvents(): string[] {
    return this.actions.flatMap((a) => (a.kind === 'event' && a.name === 'fault' ? [a.detail] : []));
  }

  /** The ingress faults the runtime installed in its network layer, null when none. */
  netFault(): { drop: number; corrupt: number; delayMs: number; blockNodes: number[] } | null {
    const f = this.runtime.net.ingressFault();
    return f === null ? null : { drop: f.drop, corrupt: f.corrupt, delayMs: f.delayMs, blockNodes: f.blockNodes };
  }

  /** The log level, as the board's own `status` reports it. */
  get level(): string {
    return String(this.target.status()['log']);
  }
}

/** What a test reads a shell's output from: a RealBoard (its HAL console) or a MemConsole. */
export interface ConsoleOutput {
  /** Output not yet taken. */
  readonly out: string;
  /** Output since the last take. */
  take(): string;
}

export class MemConsole implements HalConsole {
  out = '';
  onInput: ((text: string) => void) | null = null;
  write(text: string): void {
    this.out += text;
  }
  /** Take what was written since the last take. */
  take(): string {
    const s = this.out;
    this.out = '';
    return s;
  }
}

export interface ParsedAnswer {
  lines: string[];
  final: string;
}

/** Split console output into answers; throws if output does not end at an answer boundary. */
export function parseAnswers(out: string): ParsedAnswer[] {
  const answers: ParsedAnswer[] = [];
  let lines: string[] = [];
  if (out.length > 0 && !out.endsWith('\r\n')) throw new Error(`output does not end with CRLF: ${JSON.stringify(out)}`);
  for (const line of out.split('\r\n').slice(0, -1)) {
    if (line.includes('\r') || line.includes('\n')) throw new Error(`bare CR/LF inside a line: ${JSON.stringify(line)}`);
    if (line.startsWith('#')) continue;
    if (isFinalLine(line)) {
      answers.push({ lines, final: line });
      lines = [];
    } else lines.push(line);
  }
  if (lines.length > 0) throw new Error(`output lines without a final OK/ERR: ${JSON.stringify(lines)}`);
  return answers;
}

/**
 * A real board and a shell on its console target. With no options other than `faultsArmed`
 * the shell is the board's own (io: the HAL console); with others (line limit, queue, echo,
 * no fault commands) it is a new shell built with them on the same target, writing to a
 * MemConsole.
 */
export function makeShell(options: ShellOptions = {}, board?: RealBoard): { shell: ConsoleShell; io: ConsoleOutput; board: RealBoard } {
  const own = Object.keys(options).every((k) => k === 'faultsArmed');
  const b = board ?? new RealBoard(1, { faultsArmed: options.faultsArmed ?? true });
  if (own) return { shell: b.shell, io: b, board: b };
  const io = new MemConsole();
  const shell = new ConsoleShell(io, b.target, { faultsArmed: true, ...options });
  return { shell, io, board: b };
}

/** Feed one line and return the single answer it produced. */
export function run(shell: ConsoleShell, io: ConsoleOutput, line: string): ParsedAnswer {
  io.take();
  shell.feed(line + '\r\n');
  const a = parseAnswers(io.take());
  if (a.length !== 1) throw new Error(`expected one answer to ${JSON.stringify(line)}, got ${a.length}`);
  return a[0] as ParsedAnswer;
}

/** A real board's console behind a ConsoleHub, for the host-side tests. */
export class HubBoard {
  readonly board: RealBoard;
  /** Everything the board received, for checking what clients sent. */
  received = '';
  /** Text the board writes, unasked, before handling its next input (simulates stale output). */
  junkBeforeNextInput = '';

  constructor(
    readonly node: number,
    boards: number,
    private readonly emit: (text: string) => void,
  ) {
    this.board = new RealBoard(node, { boards });
    this.board.onOutput = (text) => this.emit(text);
  }

  get shell(): ConsoleShell {
    return this.board.shell;
  }

  /** Deliver input the way the simulator does: later, from the event loop, never re-entrantly. */
  input(text: string): void {
    setImmediate(() => {
      this.received += text;
      if (this.junkBeforeNextInput.length > 0) {
        this.emit(this.junkBeforeNextInput);
        this.junkBeforeNextInput = '';
      }
      this.board.hal.input(text);
    });
  }
}

/** Real boards `nodes` (a domain of max(nodes) + 1 boards) with their consoles on a ConsoleHub. */
export async function startBoards(nodes: number[], hubOptions: ConsoleHubOptions = {}): Promise<{ hub: ConsoleHub; boards: Map<number, HubBoard>; infos: Map<number, BoardConsoleInfo> }> {
  const hub = new ConsoleHub(hubOptions);
  const boards = new Map<number, HubBoard>();
  const infos = new Map<number, BoardConsoleInfo>();
  const size = Math.max(...nodes) + 1;
  for (const n of nodes) {
    const b = new HubBoard(n, size, (text) => hub.output(n, text));
    boards.set(n, b);
    infos.set(n, await hub.attach(n, (text) => b.input(text)));
  }
  return { hub, boards, infos };
}

/** `status` as a record, for tests that check a field or two. */
export function statusOf(board: RealBoard): Record<string, string> {
  return parseRecord(run(board.shell, board, 'status').lines[0] ?? '');
}
