/**
 * The NodeMCU entry (`require("hal.nodemcu.main")` from init.lua, docs/LUA.md): the board's
 * config from the preference file in the NodeMCU file system, the NodemcuHal, then the same
 * bootBoard as every other target, with the MCAPI apps of the Lua build. A config that cannot
 * be read or is wrong halts the board with the field named on the console (`# HALT ...`): fix
 * the file and restart.
 */
import { bootBoard } from '../../src/board.js';
import { luaApps } from '../lua/apps.js';
import { NodemcuHal } from './nodemcu-hal.js';
import { readNodemcuConfig } from './nodemcu-config.js';
import type { NodemcuConfig } from './nodemcu-config.js';
import { FilePrefs } from './prefs.js';

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
  if (problem !== null || cfg === null) {
    hal.halt(problem ?? 'no config');
    return hal;
  }
  const board = cfg.board;
  hal.enter('boot', () => {
    bootBoard(hal, board, luaApps());
  });
  return hal;
}
