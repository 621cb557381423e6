/**
 * What the shell's command modules (builtin-commands.ts, fault-commands.ts) see and change of
 * the shell: its own file, so that the shell imports its command modules and they import only
 * this (no import cycle).
 */
import type { CommandRegistry } from './registry.js';
import type { ConsoleTarget, NetFaultState } from './target.js';

export interface ShellStats {
  /** Non-empty lines received (overlong ones included). */
  lines: number;
  ok: number;
  err: number;
  /** Lines discarded for being longer than maxLine. */
  overlong: number;
  /** Lines refused because too many waited behind an asynchronous command. */
  busy: number;
  /** Asynchronous commands abandoned with Ctrl-C. */
  interrupted: number;
  /** Handlers that failed with something other than ConsoleError (a bug, reported as ERR). */
  internal: number;
}

/** What the command modules may see and change of the shell. */
export interface ShellState {
  readonly target: ConsoleTarget;
  readonly registry: CommandRegistry;
  faultsArmed: boolean;
  echo: boolean;
  netFaults: NetFaultState;
  /** Stop answering: the board is going down (crash, reboot). */
  stop(): void;
  stats(): ShellStats;
}
