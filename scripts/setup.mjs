#!/usr/bin/env node
// postinstall: make sure the real XS engine (xsnap-worker from @agoric/xsnap) is built, then
// build the project (scripts/build.mjs). npm is phasing out dependencies' install scripts, so
// @agoric/xsnap's own postinstall may not have run: when its binary is missing we run the
// package's own build (its `build:from-env` script: build.env's variables + src/build.js),
// which compiles the XS sources shipped inside the package with make and cc — no network.
//
//   node scripts/setup.mjs [--no-build]     --no-build: only ensure the engine
//   XSNAP_PACKAGE_DIR=<dir>                 use another copy of @agoric/xsnap (tests)
//
// In a checkout it then builds the project (scripts/build.mjs); an installed package has dist/
// prebuilt and builds nothing (no step here needs a devDependency).
//
// Then a second, board-sized build of the same engine for the simulator: xsnap-worker's
// machine starts with a 32 MiB chunk heap that it zero-fills (44 MB resident, ~35 ms to
// start); a board gets ~150 KiB. The copy in node_modules/.cache/mcdsm/ differs only in the
// xsCreation sizes in xsnap-worker.c (1 MiB chunks, 32 Ki slots, growing on demand as
// before): ~5 MB resident and ~5 ms to start, which is what lets a simulation run 16+ XS
// boards. It reuses the objects of the first build, so it costs one compile and a link. If
// it cannot be built the simulator uses the stock binary (slower), and this says so.
//
// Idempotent: a present, working binary is left alone. Every step prints one line; any
// failure of a required step exits non-zero naming the step and the reason.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const say = (line) => console.log(`setup: ${line}`);
const fail = (line) => {
  console.error(`setup: FAILED: ${line}`);
  process.exit(1);
};

function xsnapPackageDir() {
  if (process.env.XSNAP_PACKAGE_DIR) return process.env.XSNAP_PACKAGE_DIR;
  try {
    return dirname(createRequire(join(root, 'package.json')).resolve('@agoric/xsnap/package.json'));
  } catch {
    return fail('@agoric/xsnap is not installed (it is a dependency: run npm install)');
  }
}

function platformDir() {
  if (process.platform === 'linux') return 'lin';
  if (process.platform === 'darwin') return 'mac';
  return fail(`xsnap-worker builds on Linux and macOS only, not ${process.platform}`);
}

/** Runs the binary's -v: proves it exists, is executable and links. */
function engineVersion(bin) {
  const r = spawnSync(bin, ['-v'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return null;
  return r.stdout.trim();
}

function haveTool(tool) {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

const pkg = xsnapPackageDir();
const bin = join(pkg, 'xsnap-native', 'xsnap', 'build', 'bin', platformDir(), 'release', 'xsnap-worker');
const shown = relative(root, bin) || bin;

let version = existsSync(bin) ? engineVersion(bin) : null;
if (version !== null) {
  say(`XS engine present: ${shown} (${version})`);
} else {
  say(`XS engine missing: building ${shown} from the XS sources inside @agoric/xsnap (takes a few minutes)`);
  if (!existsSync(join(pkg, 'moddable', 'xs', 'includes', 'xs.h'))) {
    fail(`${pkg} has no XS sources (moddable/xs): reinstall @agoric/xsnap`);
  }
  for (const tool of ['make', 'cc']) {
    if (!haveTool(tool)) fail(`building xsnap-worker needs \`${tool}\` (on Debian/Ubuntu: apt-get install build-essential)`);
  }
  // The `build:from-env` script, without the shell: build.env's variables + node src/build.js.
  const env = { ...process.env };
  const envFile = join(pkg, 'build.env');
  if (existsSync(envFile)) {
    for (const line of readFileSync(envFile, 'utf8').split('\n')) {
      const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
      if (m) env[m[1]] = m[2];
    }
  }
  const r = spawnSync(process.execPath, ['src/build.js'], { cwd: pkg, env, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.error) fail(`could not run @agoric/xsnap's build: ${r.error.message}`);
  if (r.status !== 0) fail(`@agoric/xsnap's build (src/build.js) exited with ${r.status} — see its output above`);
  version = existsSync(bin) ? engineVersion(bin) : null;
  if (version === null) fail(`the build finished but ${shown} does not run`);
  say(`XS engine built: ${shown} (${version})`);
}

// ---- the board-sized engine (optional: the simulator falls back to the stock binary) ----

const STOCK_CREATION = /(xsCreation _creation = \{)[^}]*(\};)/;
// The XS stack of a board: the same number of slots as the firmware's manifest gives a real
// board (STACK_SLOTS in host-sim/firmware/creation.ts; test/moddable/config.test.ts checks they
// agree), so a bundle that needs more stack fails in the simulator first. On top of it, the frame
// of the one-script bundle (BUNDLE_FRAME_SLOTS in host-sim/firmware/creation.ts says why; the
// same test keeps the two equal).
const BOARD_STACK_SLOTS = 1024;
const BUNDLE_FRAME_SLOTS = 1536;
const SMALL_CREATION = `$1
		1024 * 1024,		/* initialChunkSize */
		1024 * 1024,		/* incrementalChunkSize */
		32 * 1024,			/* initialHeapCount */
		32 * 1024,			/* incrementalHeapCount */
		${BOARD_STACK_SLOTS + BUNDLE_FRAME_SLOTS},			/* stackCount: the firmware's creation.stack + the bundle's frame */
		4096,				/* initialKeyCount */
		4096,				/* incrementalKeyCount */
		1993,				/* nameModulo */
		127,				/* symbolModulo */
		parserBufferSize,	/* parserBufferSize */
		1993,				/* parserTableModulo */
	$2`;

function buildSmallEngine() {
  const cache = join(pkg, '..', '..', '.cache', 'mcdsm');
  const small = join(cache, 'xsnap-worker');
  const stamp = join(cache, 'xsnap-worker.source');
  const native = join(pkg, 'xsnap-native', 'xsnap');
  const sourceText = readFileSync(join(native, 'sources', 'xsnap-worker.c'), 'utf8');
  if (!STOCK_CREATION.test(sourceText)) return 'xsnap-worker.c has no xsCreation block to resize (new @agoric/xsnap?)';
  const patched = sourceText.replace(STOCK_CREATION, SMALL_CREATION);
  // The binary depends on the engine's version and the patched source, not on where it is installed.
  const key = `${version}\n${createHash('sha256').update(patched).digest('hex')}`;
  if (existsSync(small) && existsSync(stamp) && readFileSync(stamp, 'utf8') === key && engineVersion(small) !== null) {
    return null;
  }
  const work = join(cache, 'xsnap-build');
  rmSync(work, { recursive: true, force: true });
  // Same sources and objects as the stock build (timestamps kept so make reuses the objects);
  // only the patched xsnap-worker.c is newer and recompiles.
  cpSync(join(native, 'sources'), join(work, 'sources'), { recursive: true, preserveTimestamps: true });
  const objects = join(native, 'build', 'tmp', platformDir(), 'release', 'xsnap-worker');
  const tmp = join(work, 'build', 'tmp', platformDir(), 'release', 'xsnap-worker');
  if (existsSync(objects)) cpSync(objects, tmp, { recursive: true, preserveTimestamps: true });
  rmSync(join(tmp, 'xsnap-worker.o'), { force: true });
  writeFileSync(join(work, 'sources', 'xsnap-worker.c'), patched);
  const pkgVersion = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')).version;
  const r = spawnSync(
    'make',
    [
      `-j${Math.max(1, cpus().length)}`,
      'GOAL=release',
      `MODDABLE=${join(pkg, 'moddable')}`,
      `XSNAP_VERSION=${pkgVersion}-mcdsm-board-heap`,
      'CC=cc "-D__has_builtin(x)=1"',
      'EXTRA_DEPS=',
      `TLS_DIR=${join(work, 'sources')}`,
      `BUILD_DIR=${join(work, 'build')}`,
      '-f',
      'xsnap-worker.mk',
    ],
    { cwd: join(native, 'makefiles', platformDir()), encoding: 'utf8' },
  );
  if (r.error) return `make could not run: ${r.error.message}`;
  if (r.status !== 0) return `make exited with ${r.status}: ${(r.stderr || '').trim().split('\n').slice(-3).join(' | ')}`;
  const built = join(work, 'build', 'bin', platformDir(), 'release', 'xsnap-worker');
  if (engineVersion(built) === null) return 'the built binary does not run';
  mkdirSync(cache, { recursive: true });
  // Unlink first: node_modules may be a hard-linked copy shared with other checkouts, and
  // copying over the old file would change theirs too.
  rmSync(small, { force: true });
  rmSync(stamp, { force: true });
  copyFileSync(built, small);
  writeFileSync(stamp, key);
  rmSync(work, { recursive: true, force: true });
  return null;
}

{
  const smallShown = relative(root, join(pkg, '..', '..', '.cache', 'mcdsm', 'xsnap-worker'));
  const why = haveTool('make') && haveTool('cc') ? buildSmallEngine() : 'make and cc are needed';
  if (why === null) say(`board-sized XS engine ready: ${smallShown}`);
  else say(`WARNING: no board-sized XS engine (${why}); the simulator will use the stock xsnap-worker (~7x slower to start, ~8x the memory per board)`);
}

// The Moddable SDK (firmware builds, Moddable-lin boards; docs/TARGETS.md): from $MODDABLE, or
// unpacked from ../shared/toolchains/ and its host tools built once into the package cache by
// scripts/moddable-sdk.mjs. Never fatal here: without it the Moddable tests say they did not
// run (and fail under CI=true), and `mcdsm firmware build` says how to get it.
if (existsSync(join(root, 'scripts', 'moddable-sdk.mjs')) && !process.argv.includes('--no-sdk')) {
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'moddable-sdk.mjs')], { cwd: root, stdio: 'inherit' });
  if (r.error || r.status !== 0) say(`WARNING: scripts/moddable-sdk.mjs failed (${r.error?.message ?? `exit ${r.status}`}); Moddable firmware builds and tests will not run`);
}

/** True when dist/.build-stamp (written by a successful build) is newer than every source file. */
function buildIsCurrent() {
  const stamp = join(root, 'dist', '.build-stamp');
  if (!existsSync(stamp)) return false;
  const built = statSync(stamp).mtimeMs;
  const newer = (path) => {
    const st = statSync(path);
    if (!st.isDirectory()) return st.mtimeMs > built;
    return readdirSync(path).some((name) => name !== 'node_modules' && newer(join(path, name)));
  };
  const sources = ['src', 'hal', 'host-sim', 'firmware', 'examples', 'bench', 'test', 'templates', 'scripts', 'package.json', 'tsconfig.json', 'tsconfig.src.json', 'tsconfig.lua.json', 'rollup.config.mjs'];
  return !sources.some((s) => existsSync(join(root, s)) && newer(join(root, s)));
}

// An installed package (`npm install mcdsm`) ships dist/ prebuilt (`prepack`) and has no
// build script, no sources to compile and no devDependencies: only a checkout builds here.
const checkout = existsSync(join(root, 'scripts', 'build.mjs')) && existsSync(join(root, 'tsconfig.json'));
if (process.argv.includes('--no-build')) {
  say('skipping the project build (--no-build)');
} else if (!checkout) {
  if (!existsSync(join(root, 'dist', 'host-sim', 'cli.js')) || !existsSync(join(root, 'dist', 'bundles', 'board.xs.js'))) {
    fail(`this mcdsm package has no dist/ (it is built by \`npm pack\`'s prepack): reinstall it from a packed tarball or the registry`);
  }
  say('installed package: dist/ is prebuilt, nothing to build');
} else if (buildIsCurrent()) {
  say('the build in dist/ is newer than every source: nothing to build');
} else {
  say('building the project: node scripts/build.mjs (tsc, board bundles, Moddable type check)');
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
  if (r.error) fail(`could not run scripts/build.mjs: ${r.error.message}`);
  if (r.status !== 0) fail(`scripts/build.mjs exited with ${r.status} — see its output above`);
  say('done');
}
