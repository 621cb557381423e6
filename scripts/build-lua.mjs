#!/usr/bin/env node
// The Lua target: the same TypeScript sources compiled with typescript-to-lua (TSTL) for
// Lua 5.1 (+ the `bit` module, as NodeMCU) and Lua 5.3, into dist/lua/5.1 and dist/lua/5.3.
// One TypeScript program, emitted once per target. Files named x.lua.ts replace x.ts in this
// build (tsconfig.lua.json: moduleSuffixes) — the Lua-only variants of word-at-a-time code.
// hal/lua/prelude.lua (typed arrays, JSON, JS-ordered promise jobs, strict bit) goes next to
// the modules; dist/lua/<target>/run.lua loads the prelude then an entry module.
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import * as ts from 'typescript';
import * as tstl from 'typescript-to-lua';
import { loopBindingsPlugin } from './lua-loop-bindings.mjs';
import { objectOrderPlugin } from './lua-object-order.mjs';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const configPath = join(root, 'tsconfig.lua.json');

/** Globals the prelude defines, which TSTL reports as unsupported but emits as calls on a global table. */
const PROVIDED = ['Math.imul', 'Math.clz32', 'Object.freeze', 'Object.getPrototypeOf', 'JSON.parse', 'JSON.stringify', 'string.lastIndexOf'];

/** TSTL's import paths: `./x.js` is `./x.lua.ts` when that variant exists, else `./x.ts`. */
const resolvePlugin = {
  moduleResolution(id, requiringFile) {
    if (!id.startsWith('.') || !id.endsWith('.js')) return undefined;
    const base = resolve(dirname(requiringFile), id.slice(0, -3));
    for (const candidate of [`${base}.lua.ts`, `${base}.ts`]) if (existsSync(candidate)) return candidate;
    return undefined;
  },
};

function keep(d, target) {
  const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
  if (PROVIDED.some((p) => text.startsWith(`${p} is unsupported`))) return false;
  // 5.1 has no bitwise operators; TSTL reports that yet emits `bit.*` calls, which the `bit` module serves.
  if (target === '5.1' && /Bitwise operations/i.test(text)) return false;
  return true;
}

function describe(d) {
  const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
  if (d.file === undefined || d.start === undefined) return text;
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  return `${d.file.fileName.replace(`${root}/`, '')}(${line + 1},${character + 1}): ${text}`;
}

/** The NodeMCU entry module; nodemcuImage() stages it and everything it requires. */
const NODEMCU_ENTRY = 'hal.nodemcu.main';

/**
 * dist/lua/<target>/nodemcu/: what goes on a NodeMCU board. lfs/ holds every module the NodeMCU
 * entry requires (followed through the emitted require calls), the prelude and lualib, each as
 * one flat file named for its module (`src.mcapi.core.lua`): NodeMCU's LFS names a module by its
 * file name without folders, so `luac.cross -f -o lfs.img nodemcu/lfs/*.lua` gives an image
 * whose names are what `require` asks for. init.lua (hal/nodemcu/init.lua) is uploaded as a
 * file. Returns the module count.
 */
function nodemcuImage(outDir) {
  const dir = join(outDir, 'nodemcu');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'lfs'), { recursive: true });
  const seen = new Set(['prelude', 'lualib_bundle']);
  const todo = [NODEMCU_ENTRY];
  while (todo.length > 0) {
    const name = todo.pop();
    if (seen.has(name)) continue;
    seen.add(name);
    const text = readFileSync(join(outDir, ...name.split('.')) + '.lua', 'utf8');
    for (const m of text.matchAll(/require\("([^"]+)"\)/g)) if (!seen.has(m[1])) todo.push(m[1]);
  }
  for (const name of seen) copyFileSync(join(outDir, ...name.split('.')) + '.lua', join(dir, 'lfs', `${name}.lua`));
  copyFileSync(join(root, 'hal', 'nodemcu', 'init.lua'), join(dir, 'init.lua'));
  return seen.size;
}

export function buildLua(targets = ['5.3', '5.1']) {
  const parsed = tstl.parseConfigFileWithSystem(configPath);
  if (parsed.errors.length > 0) throw new Error(parsed.errors.map(describe).join('\n'));
  const plugins = [{ plugin: resolvePlugin }, { plugin: loopBindingsPlugin }, { plugin: objectOrderPlugin }];
  const options = { ...parsed.options, luaPlugins: plugins };
  const program = ts.createProgram({ rootNames: parsed.fileNames, options });
  const pre = ts.getPreEmitDiagnostics(program).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (pre.length > 0) throw new Error(`TypeScript errors in the Lua build:\n${pre.map(describe).join('\n')}`);
  const programOptions = program.getCompilerOptions();
  for (const target of targets) {
    const outDir = join(root, 'dist', 'lua', target);
    mkdirSync(outDir, { recursive: true });
    // The program's options object is what TSTL reads the target and output folder from.
    programOptions.luaTarget = target;
    programOptions.outDir = outDir;
    programOptions.luaPlugins = plugins;
    const result = new tstl.Transpiler().emit({
      program,
      writeFile(fileName, text, ...rest) {
        // TSTL writes `>>>` as `(x & 4294967295) >> n`; the hex form is the same mask on 64-bit
        // Lua and still a valid integer (-1, all bits) where integers are 32-bit (fengari).
        const out = target === '5.3' && fileName.endsWith('.lua') ? text.replaceAll(' & 4294967295)', ' & 0xFFFFFFFF)') : text;
        ts.sys.writeFile(fileName, out, ...rest);
      },
    });
    const errors = result.diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error && keep(d, target));
    if (errors.length > 0) throw new Error(`typescript-to-lua (${target}):\n${errors.map(describe).join('\n')}`);
    copyFileSync(join(root, 'hal', 'lua', 'prelude.lua'), join(outDir, 'prelude.lua'));
    nodemcuImage(outDir);
    writeFileSync(
      join(outDir, 'run.lua'),
      [
        '-- lua5.x dist/lua/<target>/run.lua MODULE: the prelude, then MODULE (e.g. hal.lua.main).',
        'local here = (arg and arg[0] or ""):match("^(.*)[/\\\\]") or "."',
        'package.path = here .. "/?.lua;" .. package.path',
        'require("prelude")',
        'local entry = arg and arg[1] or "hal.lua.main"',
        'require(entry)',
        '',
      ].join('\n'),
    );
  }
}

if (isAbsolute(process.argv[1] ?? '') && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  try {
    buildLua(process.argv.slice(2).length > 0 ? process.argv.slice(2) : undefined);
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  }
}
