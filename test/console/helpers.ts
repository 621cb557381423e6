/**
 * A small ConsoleTarget that records what the shell asked of it, an in-memory HalConsole, and a
 * "fake board" (the real shell behind the real TCP console server) for the host-side tests.
 */
import type { HalConsole, LogLevel } from '../../src/hal.js';
import { ConsoleShell } from '../../src/console/shell.js';
import type { ShellOptions } from '../../src/console/shell.js';
import type { ConsoleRecord } from '../../src/console/record.js';
import type { ConsoleTarget, FaultCommand } from '../../src/console/target.js';
import { isFinalLine } from '../../src/console/answer.js';
import { ConsoleHub } from '../../host-sim/console/tcp-server.js';
import type { BoardConsoleInfo, ConsoleHubOptions } from '../../host-sim/console/tcp-server.js';

export class TestTarget implements ConsoleTarget {
  readonly node: number;
  level: LogLevel = 'info';
  readonly faults: FaultCommand[] = [];
  /** Make fault() / status() throw, to check that a refusal changes nothing. */
  refuseFaults = false;
  failStatus = false;

  constructor(
    node = 1,
    readonly nodes: number[] = [0, 1, 2, 3],
  ) {
    this.node = node;
  }

  knownNodes(): readonly number[] {
    return this.nodes;
  }

  status(): ConsoleRecord {
    if (this.failStatus) throw new Error('status exploded');
    return { node: this.node, rank: this.node - 1, state: 'running', uptime: 12.5, log: this.level, app: 'laplace 64x64' };
  }

  peers(): readonly ConsoleRecord[] {
    return this.nodes.filter((n) => n !== this.node).map((n) => ({ node: n, reachable: n !== 3, hops: n === 3 ? 0 : 1 }));
  }

  stats(): Readonly<Record<string, ConsoleRecord>> {
    return { net: { framesIn: 10, framesOut: 12, malformed: 0 }, mcapi: { sent: 4, received: 5 } };
  }

  setLogLevel(level: LogLevel): void {
    this.level = level;
  }

  fault(f: FaultCommand): void {
    if (this.refuseFaults) throw new Error('the HAL refused');
    this.faults.push(f);
  }
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

export function makeShell(options: ShellOptions = {}, target = new TestTarget()): { shell: ConsoleShell; io: MemConsole; target: TestTarget } {
  const io = new MemConsole();
  const shell = new ConsoleShell(io, target, { faultsArmed: true, ...options });
  return { shell, io, target };
}

/** Feed one line and return the single answer it produced. */
export function run(shell: ConsoleShell, io: MemConsole, line: string): ParsedAnswer {
  io.take();
  shell.feed(line + '\r\n');
  const a = parseAnswers(io.take());
  if (a.length !== 1) throw new Error(`expected one answer to ${JSON.stringify(line)}, got ${a.length}`);
  return a[0] as ParsedAnswer;
}

/** A simulated board's console: the real shell and a TestTarget behind a ConsoleHub. */
export class FakeBoard {
  readonly io = new MemConsole();
  readonly shell: ConsoleShell;
  /** Everything the board received, for checking what clients sent. */
  received = '';
  /** Text the board writes, unasked, before handling its next input (simulates stale output). */
  junkBeforeNextInput = '';

  constructor(
    readonly node: number,
    readonly target: TestTarget,
    options: ShellOptions,
    private readonly emit: (text: string) => void,
  ) {
    this.io.write = (text) => this.emit(text);
    this.shell = new ConsoleShell(this.io, target, { faultsArmed: true, ...options });
  }

  /** Deliver input the way a HAL does: later, from the event loop, never re-entrantly. */
  input(text: string): void {
    setImmediate(() => {
      this.received += text;
      if (this.junkBeforeNextInput.length > 0) {
        this.emit(this.junkBeforeNextInput);
        this.junkBeforeNextInput = '';
      }
      this.io.onInput?.(text);
    });
  }
}

export async function startBoards(nodes: number[], hubOptions: ConsoleHubOptions = {}, shellOptions: ShellOptions = {}): Promise<{ hub: ConsoleHub; boards: Map<number, FakeBoard>; infos: Map<number, BoardConsoleInfo> }> {
  const hub = new ConsoleHub(hubOptions);
  const boards = new Map<number, FakeBoard>();
  const infos = new Map<number, BoardConsoleInfo>();
  for (const n of nodes) {
    const b = new FakeBoard(n, new TestTarget(n, nodes), shellOptions, (text) => hub.output(n, text));
    boards.set(n, b);
    infos.set(n, await hub.attach(n, (text) => b.input(text)));
  }
  return { hub, boards, infos };
}
