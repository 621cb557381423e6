/**
 * The NodeMCU entry (`require("hal.nodemcu.main")` from init.lua, docs/LUA.md): the board's
 * config from the preference file in the NodeMCU file system, the NodemcuHal, then the same
 * bootBoard as every other target, with the MCAPI apps of the Lua build. A config that cannot
 * be read or is wrong halts the board with the field named on the console (`# HALT ...`); the
 * console then still takes `config show|set|clear` and `reset` (console-commands.ts).
 */
import { bootBoard } from '../../src/board.js';
import { ConsoleShell } from '../../src/console/index.js';
import { luaApps } from '../lua/apps.js';
import { NodemcuHal } from './nodemcu-hal.js';
import { readNodemcuConfig } from './nodemcu-config.js';
import type { NodemcuConfig } from './nodemcu-config.js';
import { FilePrefs } from './prefs.js';
import { haltedTarget, nodemcuCommands } from './console-commands.js';

/** The preference file holding the board's config (JSON, docs/LUA.md). */
export const CONFIG_FILE = 'mcdsm.json';

export function startNodemcu(prefs = new FilePrefs()): NodemcuHal {
  let cfg: NodemcuConfig | null = null;
  let problem: string | null = null;
  try {
    cfg = readNodemcuConfig(prefs.read(CONFIG_FILE));
  } catch (e) {
    problem = `bad config in ${CONFIG_FILE}: ${e instanceof Error ? e.message : String(e)}`;
  }
  const hal = new NodemcuHal({
    links: cfg?.links ?? [],
    console: cfg?.console ?? { uart: 0, baud: 115200 },
    ramLimit: cfg?.board.ramLimit ?? 0,
  });
  const commands = nodemcuCommands(prefs, CONFIG_FILE, () => node.restart());
  if (problem === null && cfg !== null) {
    const board = cfg.board;
    hal.enter('boot', () => {
      const runtime = bootBoard(hal, board, luaApps());
      if (runtime !== null) for (const c of commands) runtime.shell.registry.register(c);
    });
    if (hal.haltReason === null) return hal;
  }
  // A board that did not boot: halted with the reason, and a console that takes provisioning.
  const why = problem ?? hal.haltReason ?? 'halted at boot';
  hal.halt(why);
  hal.keepConsoleAfterHalt();
  const shell = new ConsoleShell(hal.console, haltedTarget(why), { faultCommands: false });
  for (const c of commands) shell.registry.register(c);
  return hal;
}
