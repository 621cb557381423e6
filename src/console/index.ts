/** The board's serial console: shell, command registry, output format and answer convention. */
export { ConsoleShell, DEFAULT_MAX_LINE, DEFAULT_MAX_QUEUED } from './shell.js';
export type { ShellOptions, ShellStats, ShellState } from './shell.js';
export { CommandRegistry, ConsoleError, commandTable, placeholder } from './registry.js';
export type { CommandContext, CommandEntry, CommandHandler, CommandSpec } from './registry.js';
export { BUILTIN_COMMANDS } from './builtin-commands.js';
export { FAULT_COMMANDS } from './fault-commands.js';
export { Args, parseArgs, usage, MAX_NODE } from './args.js';
export type { ArgSpec, ArgValue, ParseResult } from './args.js';
export { LineAssembler } from './line-assembler.js';
export type { LineSink } from './line-assembler.js';
export { formatRecord, formatValue, formatKey, parseRecord } from './record.js';
export type { ConsoleRecord, ConsoleValue } from './record.js';
export { EOL, OK_LINE, ERR_PREFIX, NOTICE_PREFIX, isFinalLine, isNoticeLine, guardOutputLine, errLine } from './answer.js';
export { LOG_LEVELS, NO_NET_FAULTS } from './target.js';
export type { ConsoleTarget, FaultCommand, NetFaultChange, NetFaultState } from './target.js';
export { MAX_HANG_MS, MAX_DELAY_MS } from './fault-commands.js';
