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

/** One registered table: its commands, what their handlers get, and for placeholders the ERR reason. */
interface Table {
  readonly specs: readonly CommandSpec<never>[];
  readonly owner: unknown;
  readonly reserved: string | null;
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
  private readonly tables: Table[] = [];

  /** Add one command whose handler needs no owner (tests, a user's own module). */
  register(spec: CommandSpec): void {
    this.add({ specs: [spec], owner: undefined, reserved: null });
  }

  /**
   * Add a constant table (commandTable) whose handlers get `owner`. Throws on a malformed
   * name, one already registered (a placeholder may be taken) or a one-/two-word clash; then
   * nothing of the table is added.
   */
  registerTable<O>(specs: readonly CommandSpec<O>[], owner: O): void {
    this.add({ specs, owner, reserved: null });
  }

  /**
   * Reserve names for a module that may not be present in this build: until it registers
   * the commands, each answers `ERR <reason>` (and shows in help as such).
   */
  reserveTable(specs: readonly CommandSpec<never>[], reason: string): void {
    this.add({ specs, owner: undefined, reserved: reason });
  }

  /** Reserve one name (reserveTable with a placeholder made now). */
  reserve(name: string, help: string, reason: string): void {
    this.reserveTable([placeholder(name, help)], reason);
  }

  private add(table: Table): void {
    this.tables.push(table);
    try {
      for (let i = 0; i < table.specs.length; i++) this.check(table, i);
    } catch (e) {
      this.tables.pop();
      throw e;
    }
  }

  /** Checks the i-th command of `table` (the last one in the list) against every command before it. */
  private check(table: Table, i: number): void {
    const name = (table.specs[i] as CommandSpec<never>).name;
    if (!isCommandName(name)) throw new Error(`console command name '${name}': expected one or two lower-case words`);
    const sp = name.indexOf(' ');
    const first = sp < 0 ? name : name.slice(0, sp);
    for (const t of this.tables) {
      const n = t === table ? i : t.specs.length;
      for (let j = 0; j < n; j++) {
        const other = (t.specs[j] as CommandSpec<never>).name;
        if (other === name) {
          // A placeholder gives way (to the real command or a newer placeholder); a command does not.
          if (t === table || t.reserved === null) throw new Error(`console command '${name}' is already registered`);
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
    for (const t of this.tables) for (const s of t.specs) if (s.name.startsWith(prefix)) return true;
    return false;
  }

  /** The command called `name`: a registered one before a placeholder (the newest placeholder). */
  get(name: string): CommandEntry | undefined {
    let found: CommandEntry | undefined;
    for (const t of this.tables) {
      for (const s of t.specs) {
        if (s.name !== name) continue;
        if (t.reserved === null) return { spec: s, owner: t.owner, reserved: null };
        found = { spec: s, owner: undefined, reserved: t.reserved };
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
    for (const t of this.tables) for (const s of t.specs) if (out.indexOf(s.name) < 0) out.push(s.name);
    return out.sort();
  }
}
