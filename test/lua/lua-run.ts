/**
 * Runs compiled Lua (dist/lua/<target>, scripts/build-lua.mjs) in a real Lua: the Debian
 * interpreters lua5.1 (with the `bit` module, optionally in strict mode) and lua5.3 as
 * processes, and fengari (Lua 5.3 in JavaScript, 32-bit integers) in this process.
 */
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fengari from 'fengari';

export type LuaKind = 'lua5.1-strict' | 'lua5.3' | 'fengari';

export const LUA_KINDS: readonly LuaKind[] = ['lua5.1-strict', 'lua5.3', 'fengari'];

/** dist/ of this package (this file runs from dist/test/lua). */
const DIST = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function luaDir(target: '5.1' | '5.3'): string {
  return resolve(DIST, 'lua', target);
}

/** Runs `module` with `input` lines on stdin; its printed lines. Throws with stderr on failure. */
export function runLua(kind: LuaKind, module: string, input: readonly string[]): string[] {
  if (kind === 'fengari') return runFengari(module, input);
  const target = kind === 'lua5.3' ? '5.3' : '5.1';
  const bin = kind === 'lua5.3' ? 'lua5.3' : 'lua5.1';
  const r = spawnSync(bin, [resolve(luaDir(target), 'run.lua'), module], {
    input: `${input.join('\n')}\n`,
    encoding: 'utf8',
    env: { ...process.env, MCDSM_STRICT_BIT: kind === 'lua5.1-strict' ? '1' : '0' },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`${bin} ${module} exited ${String(r.status)}: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l.length > 0);
}

interface FengariApi {
  lua: { lua_tojsstring(L: unknown, i: number): string };
  lauxlib: { luaL_newstate(): unknown; luaL_dostring(L: unknown, code: Uint8Array): number };
  lualib: { luaL_openlibs(L: unknown): void };
  to_luastring(s: string): Uint8Array;
}

function runFengari(module: string, input: readonly string[]): string[] {
  const f = fengari as unknown as FengariApi;
  const L = f.lauxlib.luaL_newstate();
  f.lualib.luaL_openlibs(L);
  // fengari has no io library: stdin lines and print() are tables here.
  const code = [
    `package.path = ${JSON.stringify(`${luaDir('5.3')}/?.lua;`)} .. package.path`,
    `local lines = {${input.map((l) => JSON.stringify(l)).join(', ')}}`,
    'local i = 0',
    'io = { read = function() i = i + 1; return lines[i] end }',
    'local out = {}',
    'print = function(...) local t = {} for k = 1, select("#", ...) do t[k] = tostring((select(k, ...))) end out[#out + 1] = table.concat(t, "\\t") end',
    'require("prelude")',
    `require(${JSON.stringify(module)})`,
    'return table.concat(out, "\\n")',
  ].join('\n');
  const status = f.lauxlib.luaL_dostring(L, f.to_luastring(code));
  const text = f.lua.lua_tojsstring(L, -1);
  if (status !== 0) throw new Error(`fengari ${module}: ${text}`);
  return text.split('\n').filter((l) => l.length > 0);
}
