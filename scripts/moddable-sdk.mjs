#!/usr/bin/env node
// The Moddable SDK for firmware builds and Moddable-`lin` boards (docs/TARGETS.md, "The Moddable SDK").
// Called by scripts/setup.mjs at `npm install`; safe to run again (does nothing already done).
//
//   node scripts/moddable-sdk.mjs            find or build the SDK, compile the lin host
//   node scripts/moddable-sdk.mjs --status   print the recorded status (JSON) and exit 0/1
//
// Where the SDK comes from, first match wins:
//   1. $MODDABLE: the user's own SDK (the normal case for a Moddable developer). Its host tools
//      must be built (build/bin/lin/release/mcconfig); we never write into it.
//   2. the tarball <repo>/../shared/toolchains/moddable-sdk-8.2.3-subset.tar.gz (or
//      $MCDSM_TOOLCHAINS/<same name>): unpacked into node_modules/.cache/mcdsm/moddable-sdk/
//      and its host tools (xsc, xsid, xsl, mcconfig, ...) built there ONCE; a stamp (the
//      tarball's size and mtime) keeps later installs from rebuilding.
// Then our headless host for `lin` builds (host-sim/moddable/lin-host.c) is compiled with cc
// against the SDK's build/simulators/modules/screen.h and GLib.
//
// The outcome goes to node_modules/.cache/mcdsm/moddable-sdk/status.json:
//   { ok: true, moddable, binDir, linHost, source } or { ok: false, reason }
// host-sim/firmware/sdk.ts reads it. A missing toolchain is not an install failure (the rest of
// mcdsm works without it); the Moddable tests then say they did not run, and fail under CI=true.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SDK_TARBALL = 'moddable-sdk-8.2.3-subset.tar.gz';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const cacheDir = join(root, 'node_modules', '.cache', 'mcdsm', 'moddable-sdk');
const statusFile = join(cacheDir, 'status.json');
const say = (line) => console.log(`setup: ${line}`);

const APT_HINT = 'on Debian/Ubuntu: apt-get install build-essential libglib2.0-dev';
// Printed with the warning only, not stored in status.json: the host (host-sim/firmware/sdk.ts)
// adds its own hint to the stored reason, and the two in one line said it twice, differently.
const GET_SDK_HINT =
  `set MODDABLE to a Moddable SDK with its host tools built (https://github.com/Moddable-OpenSource/moddable, ` +
  `"Getting started" for Linux), or put ${SDK_TARBALL} in ${toolchainsDir()} ` +
  `(or in $MCDSM_TOOLCHAINS), then run node ${join(root, 'scripts', 'moddable-sdk.mjs')}`;

/**
 * Write a file by replacing it (a new file renamed over the old), never in place: checkouts that
 * share node_modules by hard links (git worktrees copied with cp -al) would otherwise all get
 * this checkout's status, e.g. "no Moddable SDK" written by a worktree without ../shared.
 */
function replaceFile(path, text) {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

function toolchainsDir() {
  return process.env.MCDSM_TOOLCHAINS ? resolve(process.env.MCDSM_TOOLCHAINS) : resolve(root, '..', 'shared', 'toolchains');
}

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...options });
  if (r.error) return `${cmd} could not run: ${r.error.message}`;
  if (r.status !== 0) {
    const tail = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-6).join(' | ');
    return `${cmd} ${args.slice(0, 4).join(' ')} exited with ${r.status}: ${tail}`;
  }
  return null;
}

function haveTool(tool) {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

/** What the build needs from the machine; null when all is there. */
function missingPrerequisite() {
  for (const tool of ['make', 'cc', 'tar', 'pkg-config']) if (!haveTool(tool)) return `\`${tool}\` is missing (${APT_HINT})`;
  if (spawnSync('pkg-config', ['--exists', 'gio-2.0'], { stdio: 'ignore' }).status !== 0) return `GLib development files (gio-2.0) are missing (${APT_HINT})`;
  return null;
}

const toolsBin = (moddable) => join(moddable, 'build', 'bin', 'lin', 'release');
const hasTools = (moddable) => ['mcconfig', 'xsc', 'xsl', 'xsid'].every((t) => existsSync(join(toolsBin(moddable), t)));

/** Unpack the tarball and build the host tools, unless the stamp says it was done for this tarball. */
function sdkFromTarball() {
  const tarball = join(toolchainsDir(), SDK_TARBALL);
  if (!existsSync(tarball)) return { reason: `no Moddable SDK: $MODDABLE is not set and ${tarball} does not exist`, hint: true };
  const st = statSync(tarball);
  const stampKey = `${SDK_TARBALL} ${st.size} ${Math.floor(st.mtimeMs)}`;
  const moddable = join(cacheDir, 'moddable');
  const stamp = join(cacheDir, 'sdk.stamp');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === stampKey && hasTools(moddable)) {
    say(`Moddable SDK present: ${moddable} (host tools built)`);
    return { moddable, source: 'tarball' };
  }
  const missing = missingPrerequisite();
  if (missing !== null) return { reason: `cannot build the Moddable SDK host tools: ${missing}` };
  // An interrupted build resumes: the unpacked tree is kept (its own stamp) and make only
  // compiles what is missing.
  const unpacked = join(cacheDir, 'unpacked.stamp');
  let why = null;
  if (!(existsSync(unpacked) && readFileSync(unpacked, 'utf8') === stampKey && existsSync(join(moddable, 'xs', 'includes', 'xs.h')))) {
    say(`Moddable SDK: unpacking ${tarball} into ${cacheDir}`);
    const work = join(cacheDir, 'unpack');
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    why = run('tar', ['-xzf', tarball, '-C', work]);
    if (why !== null) return { reason: `unpacking ${tarball}: ${why}` };
    if (!existsSync(join(work, 'moddable', 'xs', 'includes', 'xs.h'))) return { reason: `${tarball} has no moddable/xs/includes/xs.h: not the Moddable SDK subset` };
    rmSync(moddable, { recursive: true, force: true });
    renameSync(join(work, 'moddable'), moddable);
    rmSync(work, { recursive: true, force: true });
    replaceFile(unpacked, stampKey);
  }
  say('Moddable SDK: building its host tools (once; 1-3 minutes on an idle 2-core machine)');
  const env = { ...process.env, MODDABLE: moddable, XS_DIR: join(moddable, 'xs'), BUILD_DIR: join(moddable, 'build') };
  const makeDir = join(moddable, 'build', 'makefiles', 'lin');
  const jobs = `-j${Math.max(1, cpus().length)}`;
  for (const mk of ['xsc.mk', 'xsid.mk', 'xsl.mk']) {
    why = run('make', [jobs, 'GOAL=release', '-f', join(moddable, 'xs', 'makefiles', 'lin', mk)], { cwd: makeDir, env });
    if (why !== null) return { reason: `building the Moddable host tools (${mk}): ${why}` };
  }
  why = run('make', [jobs, 'GOAL=release', '-f', 'tools.mk'], { cwd: makeDir, env });
  if (why !== null) return { reason: `building the Moddable host tools (tools.mk): ${why}` };
  if (!hasTools(moddable)) return { reason: `the Moddable tool build finished but ${toolsBin(moddable)} lacks mcconfig/xsc/xsl/xsid` };
  replaceFile(stamp, stampKey);
  say(`Moddable SDK built: ${moddable}`);
  return { moddable, source: 'tarball' };
}

function sdkFromEnv(moddable) {
  if (!existsSync(join(moddable, 'xs', 'includes', 'xs.h'))) return { reason: `MODDABLE=${moddable} is not a Moddable SDK (no xs/includes/xs.h)` };
  if (!hasTools(moddable)) {
    return { reason: `MODDABLE=${moddable} has no built host tools in ${toolsBin(moddable)} (build them as the SDK's Linux guide says: make -f tools.mk in build/makefiles/lin)` };
  }
  say(`Moddable SDK from $MODDABLE: ${moddable}`);
  return { moddable, source: 'env' };
}

/** Compile host-sim/moddable/lin-host.c (again only when its source or the SDK changed). */
function buildLinHost(moddable) {
  const source = join(root, 'host-sim', 'moddable', 'lin-host.c');
  const header = join(moddable, 'build', 'simulators', 'modules', 'screen.h');
  if (!existsSync(header)) return { reason: `${header} is missing: the SDK has no simulator headers` };
  const missing = missingPrerequisite();
  const out = join(cacheDir, 'lin-host');
  const key = createHash('sha256').update(readFileSync(source)).update(readFileSync(header)).digest('hex');
  const stamp = join(cacheDir, 'lin-host.stamp');
  if (existsSync(out) && existsSync(stamp) && readFileSync(stamp, 'utf8') === key) return { linHost: out };
  if (missing !== null) return { reason: `cannot compile the lin host: ${missing}` };
  const flags = (what) => (spawnSync('pkg-config', [what, 'glib-2.0'], { encoding: 'utf8' }).stdout ?? '').trim().split(/\s+/).filter(Boolean);
  const why = run('cc', ['-O2', '-Wall', '-DmxLinux=1', `-I${dirname(header)}`, ...flags('--cflags'), '-o', out, source, ...flags('--libs'), '-ldl']);
  if (why !== null) return { reason: `compiling ${source}: ${why}` };
  replaceFile(stamp, key);
  say(`lin host compiled: ${out}`);
  return { linHost: out };
}

/**
 * Recompile the lin host when host-sim/moddable/lin-host.c changed since setup (scripts/build.mjs:
 * `npm test` after a pull must not run Moddable boards on a host built from older source). Does
 * nothing without a working SDK (setup said why); a failed compile is recorded in status.json.
 */
export function refreshLinHost() {
  if (!existsSync(statusFile)) return null;
  const status = JSON.parse(readFileSync(statusFile, 'utf8'));
  if (status.ok !== true) return null;
  const host = buildLinHost(status.moddable);
  if (host.reason === undefined) return null;
  replaceFile(statusFile, JSON.stringify({ ok: false, reason: host.reason }, null, 2) + '\n');
  return host.reason;
}

export function ensureModdableSdk() {
  mkdirSync(cacheDir, { recursive: true });
  const env = process.env.MODDABLE;
  const sdk = env ? sdkFromEnv(resolve(env)) : sdkFromTarball();
  let status;
  if (sdk.reason !== undefined) status = { ok: false, reason: sdk.reason };
  else {
    const host = buildLinHost(sdk.moddable);
    status =
      host.reason !== undefined
        ? { ok: false, reason: host.reason }
        : { ok: true, moddable: sdk.moddable, binDir: toolsBin(sdk.moddable), linHost: host.linHost, source: sdk.source };
  }
  replaceFile(statusFile, JSON.stringify(status, null, 2) + '\n');
  if (!status.ok) say(`WARNING: no Moddable SDK, so no firmware builds and no Moddable tests: ${status.reason}${sdk.hint ? `; ${GET_SDK_HINT}` : ''}`);
  return status;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--status')) {
    const text = existsSync(statusFile) ? readFileSync(statusFile, 'utf8') : JSON.stringify({ ok: false, reason: 'setup has not run (npm install)' });
    process.stdout.write(text);
    process.exit(JSON.parse(text).ok ? 0 : 1);
  }
  ensureModdableSdk();
}
