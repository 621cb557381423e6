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
 * settles and later lines wait. `owner` is the object the command's table was registered
 * with (the shell, the FT module, the firmware's provisioning deps): handlers are module-level
 * functions, not closures over a board's objects, so their tables are constants.
 */
export type CommandHandler<O = void> = (ctx: CommandContext, owner: O) => void | PromiseLike<void>;

export interface CommandSpec<O = void> {
  /** One word (`status`) or two (`fault hang`), lower case. */
  readonly name: string;
  readonly args: readonly ArgSpec[];
  /** One line for `help`. */
  readonly help: string;
  readonly handler: CommandHandler<O>;
}

/**
 * A table of commands, frozen all the way down. Built at module level, a table is created once
 * per program, not per board or per boot: on Moddable the firmware's modules are preloaded, so
 * such a table is linked into flash with the code (xsl petrifies frozen objects and functions;
 * an unfrozen preloaded object would get an alias slot and a RAM copy on its first write) and
 * costs a board no heap at all. docs/TARGETS.md, "Footprint".
 */
export function commandTable<O>(specs: CommandSpec<O>[]): readonly CommandSpec<O>[] {
  for (const spec of specs) {
    for (const a of spec.args) {
      if (a.kind === 'enum') Object.freeze(a.values);
      Object.freeze(a);
    }
    Object.freeze(spec.args);
    Object.freeze(spec);
  }
  return Object.freeze(specs);
}

function noHandler(): void {}
const NO_ARGS: readonly ArgSpec[] = Object.freeze([]);

/** A placeholder's spec (see CommandRegistry.reserveTable): a name and its help line. */
export function placeholder(name: string, help: string): CommandSpec<never> {
  return Object.freeze({ name, args: NO_ARGS, help, handler: noHandler });
}

/** A command found by name. */
export interface CommandEntry {
  readonly spec: CommandSpec<never>;
  readonly owner: unknown;
  /** A placeholder answers ERR with this reason until a module registers the real command. */
  readonly reserved: string | null;
}

/**
 * The commands of one shell, as the tables they were registered in. A board has about 30
 * commands and looks one up per console line, so a scan of the tables replaces the map and
 * per-command entries a board would otherwise build at every boot.
 */
export class CommandRegistry {
  // The registered tables as three parallel arrays (their commands, what their handlers get,
  // for placeholders the ERR reason), not an object per table: a board registers four tables
  // at boot, and an object each was ~4 XS slots (docs/FOOTPRINT.md "Round 14: boot slots").
  // Only the first `specs.length` entries of `owners` and `reasons` count.
  private readonly specs: (readonly CommandSpec<never>[])[] = [];
  private readonly owners: unknown[] = [];
  private readonly reasons: (string | null)[] = [];

  /** Add one command whose handler needs no owner (tests, a user's own module). */
  register(spec: CommandSpec): void {
    this.add([spec], undefined, null);
  }

  /**
   * Add a constant table (commandTable) whose handlers get `owner`. Throws on a malformed
   * name, one already registered (a placeholder may be taken) or a one-/two-word clash; then
   * nothing of the table is added.
   */
  registerTable<O>(specs: readonly CommandSpec<O>[], owner: O): void {
    this.add(specs, owner, null);
  }

  /**
   * Reserve names for a module that may not be present in this build: until it registers
   * the commands, each answers `ERR <reason>` (and shows in help as such).
   */
  reserveTable(specs: readonly CommandSpec<never>[], reason: string): void {
    this.add(specs, undefined, reason);
  }

  /** Reserve one name (reserveTable with a placeholder made now). */
  reserve(name: string, help: string, reason: string): void {
    this.reserveTable([placeholder(name, help)], reason);
  }

  private add(specs: readonly CommandSpec<never>[] | readonly CommandSpec<unknown>[], owner: unknown, reserved: string | null): void {
    const table = specs as readonly CommandSpec<never>[];
    const ti = this.specs.length;
    this.specs.push(table);
    // Set by index, never pushed: an owner or reason may be undefined / null, and under Lua a
    // push of nil adds nothing (the next push would land at this table's index).
    this.owners[ti] = owner;
    this.reasons[ti] = reserved;
    try {
      for (let i = 0; i < table.length; i++) this.check(ti, i);
    } catch (e) {
      this.specs.pop();
      this.owners[ti] = undefined;
      this.reasons[ti] = null;
      throw e;
    }
  }

  /** Checks the i-th command of table `ti` (the last one in the list) against every command before it. */
  private check(ti: number, i: number): void {
    const name = (this.specs[ti]![i] as CommandSpec<never>).name;
    if (!isCommandName(name)) throw new Error(`console command name '${name}': expected one or two lower-case words`);
    const sp = name.indexOf(' ');
    const first = sp < 0 ? name : name.slice(0, sp);
    for (let t = 0; t <= ti; t++) {
      const specs = this.specs[t]!;
      const n = t === ti ? i : specs.length;
      for (let j = 0; j < n; j++) {
        const other = (specs[j] as CommandSpec<never>).name;
        if (other === name) {
          // A placeholder gives way (to the real command or a newer placeholder); a command does not.
          if (t === ti || this.reasons[t] === null) throw new Error(`console command '${name}' is already registered`);
        } else if (sp < 0 && other.startsWith(name + ' ')) {
          throw new Error(`console command '${name}' clashes with the '${name} ...' commands`);
        } else if (sp > 0 && other === first) {
          throw new Error(`console command '${name}' clashes with the command '${first}'`);
        }
      }
    }
  }

  isGroup(word: string): boolean {
    const prefix = word + ' ';
    for (const specs of this.specs) for (const s of specs) if (s.name.startsWith(prefix)) return true;
    return false;
  }

  /** The command called `name`: a registered one before a placeholder (the newest placeholder). */
  get(name: string): CommandEntry | undefined {
    let found: CommandEntry | undefined;
    for (let t = 0; t < this.specs.length; t++) {
      const reserved = this.reasons[t] ?? null;
      for (const s of this.specs[t]!) {
        if (s.name !== name) continue;
        if (reserved === null) return { spec: s, owner: this.owners[t], reserved: null };
        found = { spec: s, owner: undefined, reserved };
      }
    }
    return found;
  }

  /** Second words of the commands in `group`, sorted. */
  subcommands(group: string): string[] {
    const out: string[] = [];
    const prefix = group + ' ';
    for (const name of this.names()) if (name.startsWith(prefix)) out.push(name.slice(prefix.length));
    return out;
  }

  /** Every command, sorted by name. */
  list(): CommandEntry[] {
    return this.names().map((n) => this.get(n) as CommandEntry);
  }

  /** Every name once, sorted. */
  private names(): string[] {
    const out: string[] = [];
    for (const specs of this.specs) for (const s of specs) if (out.indexOf(s.name) < 0) out.push(s.name);
    return out.sort();
  }
}
