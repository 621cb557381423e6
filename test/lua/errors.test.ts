/**
 * What a user sees when a Lua board cannot start: a desktop lua5.1 without LuaBitOp (the `bit`
 * module NodeMCU has built in). A file of its own: it points LUA_CPATH nowhere for the whole
 * process, which the other Lua tests must not see.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { runDomain } from '../../host-sim/sim/run.js';
import { luaDir } from './lua-run.js';

const NO_C_MODULES = '/nonexistent/?.so';

test('lua5.1 without the bit module: one line naming it and lua-bitop, exit 1, no stack trace', (t) => {
  const r = spawnSync('lua5.1', [resolve(luaDir('5.1'), 'run.lua'), 'hal.lua.selftest'], {
    input: 'end\n',
    encoding: 'utf8',
    env: { ...process.env, LUA_CPATH: NO_C_MODULES },
  });
  t.is(r.status, 1);
  t.regex(r.stderr, /^mcdsm: a Lua 5\.1 board needs the `bit` module \(LuaBitOp: apt-get install lua-bitop;/);
  t.notRegex(r.stderr, /stack traceback|no file/);
});

test('a simulated lua51 domain without the bit module says why its boards are down', async (t) => {
  process.env['LUA_CPATH'] = NO_C_MODULES;
  const s = await runDomain({ app: 'idle', appArgs: [], boards: '2', engine: 'lua51', topology: 'ring', link: 'uart:921600', ram: '4M', seed: '1' });
  t.false(s.ok);
  t.regex(s.reason ?? '', /board 0 \(lua51\): lua vm exited with code 1: mcdsm: a Lua 5\.1 board needs the `bit` module/);
});
