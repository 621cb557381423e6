/**
 * The commands every board has: help, status, peers, stats, log, echo. A constant table
 * (commandTable): the handlers get the shell as their owner.
 */
import type { LogLevel } from '../hal.js';
import { usage } from './args.js';
import { commandTable, ConsoleError } from './registry.js';
import type { CommandSpec } from './registry.js';
import type { ShellState } from './shell-state.js';
import { LOG_LEVELS } from './target.js';

function describe(spec: CommandSpec<never>, reserved: string | null): string {
  const u = usage(spec.args);
  return `${spec.name}${u.length > 0 ? ' ' + u : ''} -- ${spec.help}${reserved !== null ? ` (${reserved})` : ''}`;
}

export const BUILTIN_COMMANDS: readonly CommandSpec<ShellState>[] = commandTable<ShellState>([
    {
      name: 'help',
      args: [{ name: 'command', kind: 'word', optional: true }],
      help: 'list the commands, or those named <command>',
      handler: (ctx, shell) => {
        const all = shell.registry.list();
        let chosen = all;
        if (ctx.args.has('command')) {
          const w = ctx.args.string('command').toLowerCase();
          chosen = all.filter((e) => e.spec.name === w || e.spec.name.startsWith(w + ' '));
          if (chosen.length === 0) throw new ConsoleError(`unknown command '${ctx.args.string('command')}'`);
        }
        for (const e of chosen) ctx.print(describe(e.spec, e.reserved));
      },
    },
    {
      // Host tools send `ping <token>` before a command and skip everything up to `pong=<token>`:
      // output that sat in a pty or USB buffer from before can then never pass for the answer.
      name: 'ping',
      args: [{ name: 'token', kind: 'word', optional: true }],
      help: 'answer pong=<token> (tools use it to skip stale output)',
      handler: (ctx, shell) => ctx.record({ pong: ctx.args.has('token') ? ctx.args.string('token') : '-' }),
    },
    {
      name: 'status',
      args: [],
      help: 'one line about this board',
      handler: (ctx, shell) => ctx.record(shell.target.status()),
    },
    {
      name: 'peers',
      args: [],
      help: 'one line per peer board',
      handler: (ctx, shell) => {
        for (const r of shell.target.peers()) ctx.record(r);
      },
    },
    {
      name: 'stats',
      args: [],
      help: 'counters, one line per section',
      handler: (ctx, shell) => {
        const sections = shell.target.stats();
        for (const name of Object.keys(sections)) ctx.record({ section: name, ...sections[name] });
        ctx.record({ section: 'console', ...shell.stats() });
      },
    },
    {
      name: 'log',
      args: [{ name: 'level', kind: 'enum', values: LOG_LEVELS }],
      help: 'set the log level (error|warn|info|debug|trace)',
      handler: (ctx, shell) => shell.target.setLogLevel(ctx.args.string('level') as LogLevel),
    },
    {
      name: 'echo',
      args: [{ name: 'mode', kind: 'enum', values: ['on', 'off'] }],
      help: 'echo typed characters (on for a terminal, off for tools)',
      handler: (ctx, shell) => {
        shell.echo = ctx.args.string('mode') === 'on';
      },
    },
]);
