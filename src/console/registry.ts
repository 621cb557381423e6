/**
 * The table of console commands. Modules add their own (the fault-tolerance module adds
 * `ckpt now` / `ckpt status`); a command is a name of one or two words, an argument spec and
 * a handler.
 */
import type { ArgSpec, Args } from './args.js';
import type { ConsoleRecord } from './record.js';
import { isCommandName } from './chars.js';

/** Throw from a handler to answer `ERR <reason>`. Anything the handler printed is dropped. */
export class ConsoleError extends Error {
  /**
   * On the prototype, not assigned per instance: Moddable freezes Error.prototype at preload,
   * so `this.name = ...` would throw (its inherited `name` is read-only). See docs/TARGETS.md.
   */
  override get name(): string {
    return 'ConsoleError';
  }

  constructor(readonly reason: string) {
    super(reason);
  }
}

export interface CommandContext {
  readonly args: Args;
  /** Add a line to the answer (printed before the final OK). */
  print(line: string): void;
  /** Add a `key=value` record line to the answer. */
  record(r: ConsoleRecord): void;
  /**
   * Run `effect` once the final OK is on its way: for commands that may not return (crash,
   * reboot, hang), so the host still sees the answer.
   */
  afterOk(effect: () => void): void;
}

/**
 * A handler validates everything it needs before it changes anything, then either returns
 * (answer OK) or throws ConsoleError (answer ERR, nothing changed). It may return a promise
 * for a command that completes later (e.g. a checkpoint): the answer is written when it
 * settles and later lines wait.
 */
export type CommandHandler = (ctx: CommandContext) => void | PromiseLike<void>;

export interface CommandSpec {
  /** One word (`status`) or two (`fault hang`), lower case. */
  name: string;
  args: readonly ArgSpec[];
  /** One line for `help`. */
  help: string;
  handler: CommandHandler;
}

interface Entry {
  spec: CommandSpec;
  /** A reserved name answers ERR with this reason until a module registers the real command. */
  reserved: string | null;
}


export class CommandRegistry {
  private readonly entries = new Map<string, Entry>();
  /** First words of two-word commands. */
  private readonly groups = new Set<string>();

  /** Add a command. Throws on a malformed name or one already registered (a reserved name may be taken). */
  register(spec: CommandSpec): void {
    this.add(spec, null);
  }

  /**
   * Reserve a name for a module that may not be present in this build: until it registers
   * the command, the name answers `ERR <reason>` (and shows in help as such).
   */
  reserve(name: string, help: string, reason: string): void {
    this.add({ name, args: [], help, handler: () => undefined }, reason);
  }

  /** Remove a command (a module shutting down); a reserved placeholder is not restored. */
  unregister(name: string): boolean {
    const ok = this.entries.delete(name);
    if (ok) this.rebuildGroups();
    return ok;
  }

  private add(spec: CommandSpec, reserved: string | null): void {
    if (!isCommandName(spec.name)) throw new Error(`console command name '${spec.name}': expected one or two lower-case words`);
    const old = this.entries.get(spec.name);
    if (old !== undefined && old.reserved === null) throw new Error(`console command '${spec.name}' is already registered`);
    const words = spec.name.split(' ');
    const first = words[0] as string;
    if (words.length === 1 && this.groups.has(first)) throw new Error(`console command '${first}' clashes with the '${first} ...' commands`);
    if (words.length === 2 && this.entries.has(first)) throw new Error(`console command '${spec.name}' clashes with the command '${first}'`);
    if (words.length === 2) this.groups.add(first);
    this.entries.set(spec.name, { spec, reserved });
  }

  private rebuildGroups(): void {
    this.groups.clear();
    for (const name of this.entries.keys()) {
      const sp = name.indexOf(' ');
      if (sp > 0) this.groups.add(name.slice(0, sp));
    }
  }

  isGroup(word: string): boolean {
    return this.groups.has(word);
  }

  get(name: string): { spec: CommandSpec; reserved: string | null } | undefined {
    return this.entries.get(name);
  }

  /** Second words of the commands in `group`, sorted. */
  subcommands(group: string): string[] {
    const out: string[] = [];
    const prefix = group + ' ';
    for (const name of this.entries.keys()) if (name.startsWith(prefix)) out.push(name.slice(prefix.length));
    return out.sort();
  }

  /** Every command, sorted by name. */
  list(): { spec: CommandSpec; reserved: string | null }[] {
    const names = [...this.entries.keys()].sort();
    return names.map((n) => this.entries.get(n) as Entry);
  }
}
