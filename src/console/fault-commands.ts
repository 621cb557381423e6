/**
 * Fault injection from the console: `fault ...`, `arm faults`, `disarm faults`.
 *
 * Network faults are kept here as one NetFaultState and handed to the target whole; the new
 * state is committed only after the target accepted it, so a refused command changes nothing.
 * A constant table (commandTable): the handlers get the shell as their owner.
 */
import { commandTable, ConsoleError } from './registry.js';
import type { CommandContext, CommandSpec } from './registry.js';
import type { ShellState } from './shell-state.js';
import type { NetFaultChange, NetFaultState } from './target.js';
import { NO_NET_FAULTS } from './target.js';

/** Longest injected hang: an hour is already far past any failure detector's timeout. */
export const MAX_HANG_MS = 3_600_000;
/** Longest injected per-frame delay. */
export const MAX_DELAY_MS = 60_000;

function requireArmed(shell: ShellState): void {
  if (!shell.faultsArmed) throw new ConsoleError("fault injection is not armed (send 'arm faults' first)");
}

function setNet(shell: ShellState, change: NetFaultChange, state: NetFaultState): void {
  requireArmed(shell);
  shell.target.fault({ kind: 'net', change, state });
  shell.netFaults = state;
}

function showState(ctx: CommandContext, shell: ShellState): void {
  const f = shell.netFaults;
  ctx.record({
    armed: shell.faultsArmed,
    drop: f.drop,
    corrupt: f.corrupt,
    delay: f.delayMs,
    partition: f.partitioned.length > 0 ? f.partitioned.join(',') : '-',
  });
}

export const FAULT_COMMANDS: readonly CommandSpec<ShellState>[] = commandTable<ShellState>([
    {
      name: 'arm faults',
      args: [],
      help: 'allow fault injection (locked by default in firmware)',
      handler: (_ctx, shell) => {
        shell.faultsArmed = true;
      },
    },
    {
      name: 'disarm faults',
      args: [],
      help: 'lock fault injection again (faults in force stay until fault heal)',
      handler: (_ctx, shell) => {
        shell.faultsArmed = false;
      },
    },
    {
      name: 'fault status',
      args: [],
      help: 'show whether faults are armed and the network faults in force',
      handler: showState,
    },
    {
      name: 'fault crash',
      args: [],
      help: 'stop this board for good',
      handler: (ctx, shell) => {
        requireArmed(shell);
        ctx.afterOk(() => {
          shell.stop();
          shell.target.fault({ kind: 'crash' });
        });
      },
    },
    {
      name: 'fault reboot',
      args: [],
      help: 'restart this board (RAM lost, same identity)',
      handler: (ctx, shell) => {
        requireArmed(shell);
        ctx.afterOk(() => {
          shell.stop();
          shell.target.fault({ kind: 'reboot' });
        });
      },
    },
    {
      name: 'fault hang',
      args: [{ name: 'ms', kind: 'int', min: 1, max: MAX_HANG_MS }],
      help: 'stop processing anything for <ms> milliseconds',
      handler: (ctx, shell) => {
        requireArmed(shell);
        const ms = ctx.args.number('ms');
        ctx.afterOk(() => shell.target.fault({ kind: 'hang', ms }));
      },
    },
    {
      name: 'fault drop',
      args: [{ name: 'p', kind: 'number', min: 0, max: 1 }],
      help: 'drop each arriving frame with probability <p> (0 turns it off)',
      handler: (ctx, shell) => setNet(shell, 'drop', { ...shell.netFaults, drop: ctx.args.number('p') }),
    },
    {
      name: 'fault corrupt',
      args: [{ name: 'p', kind: 'number', min: 0, max: 1 }],
      help: 'corrupt each arriving frame with probability <p> (0 turns it off)',
      handler: (ctx, shell) => setNet(shell, 'corrupt', { ...shell.netFaults, corrupt: ctx.args.number('p') }),
    },
    {
      name: 'fault delay',
      args: [{ name: 'ms', kind: 'int', min: 0, max: MAX_DELAY_MS }],
      help: 'delay each arriving frame by <ms> milliseconds (0 turns it off)',
      handler: (ctx, shell) => setNet(shell, 'delay', { ...shell.netFaults, delayMs: ctx.args.number('ms') }),
    },
    {
      name: 'fault partition',
      args: [{ name: 'boards', kind: 'nodes' }],
      help: 'stop talking to the boards <boards> (node ids, comma-separated; adds to earlier ones)',
      handler: (ctx, shell) => {
        requireArmed(shell);
        const known = shell.target.knownNodes();
        const add = ctx.args.nodes('boards');
        for (const id of add) {
          if (id === shell.target.node) throw new ConsoleError(`cannot partition board ${id} from itself`);
          if (known.indexOf(id) < 0) throw new ConsoleError(`unknown board ${id}`);
        }
        const set = [...shell.netFaults.partitioned];
        for (const id of add) if (set.indexOf(id) < 0) set.push(id);
        set.sort((a, b) => a - b);
        setNet(shell, 'partition', { ...shell.netFaults, partitioned: set });
      },
    },
    {
      name: 'fault heal',
      args: [],
      help: 'end every network fault (drop, corrupt, delay, partition)',
      handler: (_ctx, shell) => setNet(shell, 'heal', NO_NET_FAULTS),
    },
]);
