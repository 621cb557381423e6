/**
 * The board's console shell: line assembly, parsing and dispatch over a HalConsole, answering
 * every line by the convention in answer.ts. Engine neutral: the same object runs on a real
 * board's USB serial and on a simulated board's pty/TCP link.
 */
import type { HalConsole } from '../hal.js';
import { EOL, OK_LINE, errLine, guardOutputLine, NOTICE_PREFIX } from './answer.js';
import { parseArgs } from './args.js';
import { LineAssembler } from './line-assembler.js';
import type { LineSink } from './line-assembler.js';
import { formatRecord } from './record.js';
import type { ConsoleRecord } from './record.js';
import { CommandRegistry, ConsoleError } from './registry.js';
import type { CommandContext, CommandSpec } from './registry.js';
import type { ShellState, ShellStats } from './shell-state.js';
import type { ConsoleTarget, NetFaultState } from './target.js';
import { NO_NET_FAULTS } from './target.js';
import { BUILTIN_COMMANDS } from './builtin-commands.js';
import { FAULT_COMMANDS } from './fault-commands.js';
import { oneLine, splitSpaces } from './chars.js';

export type { ShellState, ShellStats } from './shell-state.js';

export const DEFAULT_MAX_LINE = 256;
export const DEFAULT_MAX_QUEUED = 8;

export interface ShellOptions {
  /** Longest accepted line in characters (default 256). Longer lines answer `ERR line too long`. */
  maxLine?: number;
  /** Echo typed characters back (default false: tools and pty bridges do not want it). */
  echo?: boolean;
  /**
   * Whether fault injection is armed at start. Default false (the safe choice for firmware);
   * the simulator passes true. `arm faults` arms it at run time.
   */
  faultsArmed?: boolean;
  /** Register the `fault`, `arm` and `disarm` commands at all (default true). */
  faultCommands?: boolean;
  /** Lines that may wait while an asynchronous command runs (default 8); more answer `ERR busy`. */
  maxQueued?: number;
}

/** A complete line, an overlong one (null) or one the assembler rejected. */
type QueuedLine = string | null | { rejected: string };

interface Pending {
  /** Set when the answer has been written (settled or interrupted). */
  done: boolean;
}

function newStats(): ShellStats {
  return { lines: 0, ok: 0, err: 0, overlong: 0, busy: 0, interrupted: 0, internal: 0 };
}

export class ConsoleShell implements ShellState {
  readonly registry = new CommandRegistry();
  faultsArmed: boolean;
  netFaults: NetFaultState = NO_NET_FAULTS;
  readonly maxQueued: number;
  /**
   * Built on the first input: a board without a console port never gets any, and the assembler
   * with its sink (an object and five closures, ~35 slots on XS) is then never needed.
   */
  private assembler: LineAssembler | null = null;
  private readonly lineLimit: number;
  private echoOn: boolean;
  /**
   * The counters and the queue, like the assembler, are made on the first input line: on a
   * board nobody types at they would be ~10 XS slots for nothing (docs/FOOTPRINT.md "Round 14:
   * boot slots").
   */
  private counters: ShellStats | null = null;
  private pending: Pending | null = null;
  /** Lines waiting for an asynchronous command; null stands for an overlong line. */
  private queue: QueuedLine[] | null = null;
  private stopped = false;

  constructor(
    private readonly io: HalConsole,
    readonly target: ConsoleTarget,
    options: ShellOptions = {},
  ) {
    const maxLine = options.maxLine ?? DEFAULT_MAX_LINE;
    this.maxQueued = options.maxQueued ?? DEFAULT_MAX_QUEUED;
    if (!Number.isInteger(this.maxQueued) || this.maxQueued < 0) throw new RangeError(`maxQueued: expected an integer >= 0, got ${String(options.maxQueued)}`);
    if (!Number.isInteger(maxLine) || maxLine < 1) throw new RangeError(`maxLine: expected a positive integer, got ${String(maxLine)}`);
    this.lineLimit = maxLine;
    this.echoOn = options.echo ?? false;
    this.faultsArmed = options.faultsArmed ?? false;
    this.registry.registerTable<ShellState>(BUILTIN_COMMANDS, this);
    if (options.faultCommands ?? true) this.registry.registerTable<ShellState>(FAULT_COMMANDS, this);
    io.onInput = (text) => this.feed(text);
  }

  get echo(): boolean {
    return this.echoOn;
  }

  set echo(on: boolean) {
    this.echoOn = on;
    if (this.assembler !== null) this.assembler.echo = on;
  }

  get maxLine(): number {
    return this.lineLimit;
  }

  private lines(): LineAssembler {
    if (this.assembler !== null) return this.assembler;
    const sink: LineSink = {
      line: (text) => this.onLine(text),
      overflow: () => this.onLine(null),
      rejected: (reason) => this.onLine({ rejected: reason }),
      interrupt: () => this.onInterrupt(),
      echo: (text) => this.io.write(text),
    };
    const a = new LineAssembler(sink, this.lineLimit);
    a.echo = this.echoOn;
    this.assembler = a;
    return a;
  }

  /** True once a crash or reboot was answered: further input is ignored. */
  get isStopped(): boolean {
    return this.stopped;
  }

  /** True while an asynchronous command's answer is outstanding. */
  get isBusy(): boolean {
    return this.pending !== null;
  }

  /** Add a command. Throws on a bad or duplicate name. */
  register(spec: CommandSpec): void {
    this.registry.register(spec);
  }

  /** Add a constant table of commands whose handlers get `owner` (modules: `ckpt now`, ...). */
  registerTable<O>(specs: readonly CommandSpec<O>[], owner: O): void {
    this.registry.registerTable(specs, owner);
  }

  stop(): void {
    this.stopped = true;
  }

  stats(): ShellStats {
    return this.counters === null ? newStats() : { ...this.counters };
  }

  /** The counters, made on the first line. */
  private count(): ShellStats {
    return (this.counters ??= newStats());
  }

  /** Raw input, as HalConsole.onInput delivers it. */
  feed(text: string): void {
    if (this.stopped) return;
    this.lines().push(text);
  }

  /** Write a line the board produces on its own (a log message): `# text`, between answers. */
  notice(text: string): void {
    if (this.stopped) return;
    const partial = this.echoOn && this.assembler !== null ? this.assembler.pending : '';
    const line = NOTICE_PREFIX + ' ' + oneLine(text);
    // With echo on, the user's half-typed line is moved below the notice.
    this.io.write((partial.length > 0 ? EOL : '') + line + EOL + partial);
  }

  private onLine(text: QueuedLine): void {
    if (this.stopped) return;
    if (typeof text === 'string' && text.trim().length === 0) return;
    this.count().lines++;
    if (this.pending !== null) {
      const queue = (this.queue ??= []);
      if (queue.length >= this.maxQueued) {
        this.count().busy++;
        this.answer([], 'busy: an earlier command is still running');
        return;
      }
      queue.push(text);
      return;
    }
    this.run(text);
  }

  private onInterrupt(): void {
    const p = this.pending;
    if (p === null || this.stopped) return;
    p.done = true;
    this.pending = null;
    this.count().interrupted++;
    this.answer([], 'interrupted');
    this.drain();
  }

  private drain(): void {
    const queue = this.queue;
    if (queue === null) return;
    while (this.pending === null && !this.stopped && queue.length > 0) this.run(queue.shift() as QueuedLine);
  }

  private run(text: QueuedLine): void {
    if (text === null) {
      this.count().overlong++;
      this.answer([], `line too long (max ${this.lineLimit} characters)`);
      return;
    }
    if (typeof text !== 'string') return this.answer([], text.rejected);
    const words = splitSpaces(text.trim());
    let name = (words[0] as string).toLowerCase();
    let rest = words.slice(1);
    if (this.registry.isGroup(name)) {
      const sub = rest[0];
      const subs = this.registry.subcommands(name).join('|');
      if (sub === undefined) return this.answer([], `${name} needs a subcommand: ${subs}`);
      const full = name + ' ' + sub.toLowerCase();
      if (this.registry.get(full) === undefined) return this.answer([], `unknown ${name} command '${sub}' (one of ${subs})`);
      name = full;
      rest = rest.slice(1);
    }
    const entry = this.registry.get(name);
    if (entry === undefined) return this.answer([], `unknown command '${words[0] as string}' (try: help)`);
    if (entry.reserved !== null) return this.answer([], entry.reserved);
    const parsed = parseArgs(name, entry.spec.args, rest);
    if (!parsed.ok) return this.answer([], parsed.reason);

    const out: string[] = [];
    const effects: (() => void)[] = [];
    let open = true;
    const ctx: CommandContext = {
      args: parsed.args,
      print: (line) => {
        if (open) out.push(guardOutputLine(line));
      },
      record: (r: ConsoleRecord) => {
        if (open) out.push(guardOutputLine(formatRecord(r)));
      },
      afterOk: (effect) => {
        if (open) effects.push(effect);
      },
    };
    let result: void | PromiseLike<void>;
    try {
      result = entry.spec.handler(ctx, entry.owner as never);
    } catch (e) {
      open = false;
      this.answer([], this.reasonOf(e));
      return;
    }
    if (result === undefined || result === null || typeof result.then !== 'function') {
      open = false;
      this.complete(out, effects);
      return;
    }
    const p: Pending = { done: false };
    this.pending = p;
    result.then(
      () => {
        open = false;
        if (p.done) return;
        p.done = true;
        this.pending = null;
        try {
          this.complete(out, effects);
        } catch (e) {
          this.notice(`error after answer: ${this.reasonOf(e)}`);
        }
        this.drain();
      },
      (e: unknown) => {
        open = false;
        if (p.done) return;
        p.done = true;
        this.pending = null;
        this.answer([], this.reasonOf(e));
        this.drain();
      },
    );
  }

  /** Write OK, then run the effects; an effect's exception propagates (a halt may unwind that way). */
  private complete(out: string[], effects: (() => void)[]): void {
    this.answer(out, null);
    for (const f of effects) f();
  }

  private reasonOf(e: unknown): string {
    if (e instanceof ConsoleError) return e.reason;
    this.count().internal++;
    const msg = e instanceof Error ? e.message : String(e);
    return `internal error: ${msg}`;
  }

  /** Write one answer: `out` lines then OK (err null) or ERR err. */
  private answer(out: readonly string[], err: string | null): void {
    if (err === null) this.count().ok++;
    else this.count().err++;
    let text = '';
    if (err === null) for (const l of out) text += l + EOL;
    text += (err === null ? OK_LINE : errLine(err)) + EOL;
    this.io.write(text);
  }
}
