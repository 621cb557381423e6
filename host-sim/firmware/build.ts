/**
 * `mcdsm firmware build <app> --target lin|esp32[/<subplatform>] --out <dir>`: bundle the runtime
 * with the one app, generate a Moddable project (manifest.json with includes, creation sizes,
 * modules, preload and config defaults) and run the SDK's mcconfig on it.
 *
 *   lin            `mcconfig -i -m -t build -p lin`: release with instrumentation, no xsbug, no
 *                  pkill (the generated makefile kills mcsim/serial2xsbug only in -d builds);
 *                  the result is <out>/mc.so, run by lin-host (host-sim/moddable/lin-host.c).
 *   esp32[/sub]    with ESP-IDF ($IDF_PATH with export.sh): the full `mcconfig -m -t build`.
 *                  Without it: mcconfig generates the build folder (IDF_PATH pointing at an empty
 *                  folder) and `make .../mc.xs.c` runs xsc, xsid and xsl: every module compiled
 *                  and linked into the archive that would go to flash (<out>/mc.xs.c).
 *
 * Cached by content: <out>/firmware.json records a hash of everything that goes in (bundle,
 * manifest, platform module, SDK path, target); the same inputs again skip mcconfig, in <out> or
 * in any other folder (the content store keeps each build's files under its hash). The SDK's
 * object files live in one build folder per target and checkout, shared by every app of that
 * checkout (buildFolder), so a second app only recompiles mc.xs.c.
 *
 * Checkouts often share node_modules contents as hard links (a copied node_modules, cp -al).
 * make and xsl write their outputs in place, so a build folder reachable from two checkouts
 * shares inodes and mtimes: one checkout's build made the other's look up to date and it
 * reported the other's archive. Hence a build folder named after the checkout's real path, and
 * every file written here goes to a fresh inode (writePrivate), never into a shared one.
 */
import { spawnSync } from 'node:child_process';
import type { SpawnSyncOptionsWithStringEncoding } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinAppFile, bundleFirmware, FirmwareAppError } from './bundle.js';
import { findModdableSdk, packageRoot, sdkEnv } from './sdk.js';
import type { ModdableSdk } from './sdk.js';
import { makeDirectory } from '../sim/make-dir.js';
import { CHUNK_INITIAL, CHUNK_RESERVE_MAX, creationFor } from './creation.js';

export class FirmwareBuildError extends Error {}

export interface FirmwareBuildOptions {
  /** A built-in app name, a .ts/.js file exporting an App, or a folder with app.ts. */
  app: string;
  /** `lin`, `esp32`, `esp32/<subplatform>`. */
  target: string;
  out: string;
  /** Config defaults written into the manifest (node, rank, boards, domain, links, console, appArgs, ...). */
  defaults?: Record<string, unknown>;
  /** Preload the firmware module (default true: its code and constant objects live in flash). */
  preload?: boolean;
  /**
   * Chunk heap reserved at creation, bytes (default the ESP32's 32 KiB): an app that knows its
   * need (Laplace: examples/laplace/memory.ts) reserves it in one block (creation.ts).
   */
  chunkBytes?: number;
  /**
   * lin only, for the heap probe (heap-probe.ts): XS compiled with `mxReport`, so every garbage
   * collection prints the live slots it left (`# Slot collection: ... used <bytes> ...`). Its own
   * build folder and cache key: the SDK's objects differ from a normal build's.
   */
  reportCollections?: boolean;
  /**
   * false: run the link step even when the content store holds a build of the same inputs for
   * another folder (tests of the link step itself: test/moddable/esp32-archive). Default true.
   */
  useStore?: boolean;
  /** Progress lines. */
  log?: (line: string) => void;
}

export interface FirmwareBuildResult {
  out: string;
  target: string;
  app: string;
  appFile: string;
  hash: string;
  /**
   * True when mcconfig did not run: the inputs matched the last build in <out>, or a build for
   * another folder (the content store, firmwareStore).
   */
  cached: boolean;
  /** lin: the shared library for lin-host. */
  mcSo?: string;
  /** The xsl output (esp32: the archive that goes to flash) and its size. */
  archive?: { path: string; bytes: number; modules: string[] };
  /** Whether the full device build ran (lin: always; esp32: with ESP-IDF only). */
  full: boolean;
  /** Modules of the bundle (relative source paths) and the SDK modules it imports. */
  files: string[];
  sdkImports: string[];
  bundleBytes: number;
  sdk: ModdableSdk;
}

/** The project folder's name: mcconfig names its build folders after it, so all apps share one. */
export const PROJECT_NAME = 'mcdsm-board';
/** The content store's record of a build (firmwareStore). */
const STORE_INFO = 'firmware.json';
/**
 * The wall-clock bound of one SDK tool run (mcconfig, or make running xsc/xsid/xsl): a tool that
 * hangs must not hang `mcdsm firmware build`, `sim --engine moddable` or CI. Generous: a lin
 * build takes 20 s - 3 min on a loaded 2-core host, a full ESP-IDF build several minutes more.
 * `$MCDSM_FIRMWARE_TOOL_MS` overrides it (docs/TARGETS.md "Building firmware").
 */
export const FIRMWARE_TOOL_MS = 15 * 60_000;
export const FIRMWARE_TOOL_MS_ENV = 'MCDSM_FIRMWARE_TOOL_MS';
/** Tool runs one build makes while it holds the build folder's lock (esp32 without IDF: mcconfig, make). */
const TOOL_RUNS_PER_BUILD = 2;
/** Beyond the tool runs, what a lock holder does (copies, the bundle's files): seconds. */
const LOCK_MARGIN_MS = 60_000;
const LOCK_POLL_MS = 250;
/** The ESP-IDF version the esp32 makefile asks for when IDF is absent (only the JS half runs). */
const STUB_IDF_VERSION = 'v5.4.1';
/** Hex characters of the checkout's path hash in its build folder's name. */
const CHECKOUT_KEY_CHARS = 12;
/**
 * The C flags of a lin build that reports every collection (FirmwareBuildOptions.reportCollections):
 * make.lin.mk only appends to C_FLAGS, so the environment's value reaches every compile.
 */
const REPORT_C_FLAGS = '-DmxReport=1';

/** Where the generated manifest takes the SDK parts from; every include is one the subset has. */
const INCLUDES = [
  '$(MODDABLE)/examples/manifest_base.json',
  '$(MODDABLE)/modules/io/manifest.json',
  '$(MODDABLE)/modules/files/preference/manifest.json',
  // manifest_base.json only brings the C half of instrumentation (modInstrumentation.c); its
  // own manifest adds the `instrumentation` module the HAL imports (boot defect 2).
  '$(MODDABLE)/modules/base/instrumentation/manifest.json',
];

/**
 * The SDK build folder of `target` for the checkout at `root`: one per target and checkout,
 * named after the checkout's real path, so checkouts whose node_modules share files (hard
 * links) never share a build folder.
 */
export function buildFolder(root: string, target: string): string {
  const checkout = createHash('sha256').update(realpathSync(root)).digest('hex').slice(0, CHECKOUT_KEY_CHARS);
  return join(root, 'node_modules', '.cache', 'mcdsm', 'moddable-build', `${target.replace('/', '-')}-${checkout}`);
}

/**
 * Write `data` (or copy `from`) to `file` through a new inode (a temporary file renamed over
 * it): a file hard-linked into another checkout keeps its content and mtime.
 */
export function writePrivate(file: string, data: string | Uint8Array | { from: string }): void {
  const tmp = `${file}.${String(process.pid)}.tmp`;
  if (typeof data === 'object' && 'from' in data) copyFileSync(data.from, tmp);
  else writeFileSync(tmp, data);
  renameSync(tmp, file);
}

function parseTarget(target: string): { platform: 'lin' | 'esp32'; full: string } {
  if (target === 'lin') return { platform: 'lin', full: 'lin' };
  if (target === 'esp32' || /^esp32\/[a-z0-9_]+$/.test(target)) return { platform: 'esp32', full: target };
  throw new FirmwareBuildError(`--target ${target}: expected lin, esp32 or esp32/<subplatform> (e.g. esp32/nodemcu)`);
}

export function manifestFor(target: string, defaults: Record<string, unknown>, preload: boolean, chunkBytes = CHUNK_INITIAL): Record<string, unknown> {
  const { platform } = parseTarget(target);
  if (!Number.isInteger(chunkBytes) || chunkBytes < CHUNK_INITIAL || chunkBytes > CHUNK_RESERVE_MAX) {
    throw new FirmwareBuildError(`chunkBytes (--chunk-heap): expected an integer from ${CHUNK_INITIAL} to ${CHUNK_RESERVE_MAX}, got ${String(chunkBytes)}`);
  }
  const root = packageRoot();
  // Our C module of byte helpers (CRC-32, COBS, checkpoint diff), which the HAL hands the runtime.
  const native = join(root, 'firmware', 'native', 'manifest.json');
  const platformModule = join(root, 'firmware', 'platform', platform === 'lin' ? 'lin' : 'mcu', 'mcdsm-platform');
  const config: Record<string, unknown> = { mcdsm: { serial: platform === 'lin' ? 'device' : 'pins', ...defaults } };
  // lin: preferences in the board's working folder (lin-host --state), not the SDK's /tmp/.
  if (platform === 'lin') config['file'] = { root: './' };
  return {
    include: [...INCLUDES, native],
    creation: creationFor(target, chunkBytes),
    modules: { main: './board', 'mcdsm-platform': platformModule },
    preload: preload ? ['main', 'mcdsm-platform'] : ['mcdsm-platform'],
    config,
  };
}

/** Default config of a firmware image: a two-board pingpong member; links and console as the target has them. */
export function defaultConfig(target: string, app: string): Record<string, unknown> {
  const { platform } = parseTarget(target);
  return {
    domain: 1,
    node: 0,
    rank: 0,
    boards: 2,
    app,
    appArgs: [],
    options: {},
    ramLimit: 153600,
    // ESP32: UART2 on GPIO 16/17 is the link; the console is off (USB serial belongs to xsbug
    // in debug builds). lin: nothing until the host or a preference names the ttys.
    links: platform === 'lin' ? [] : [{ port: 2, receive: 16, transmit: 17, baud: 921600, mtu: 256 }],
    console: null,
  };
}

/** The bound of one tool run: FIRMWARE_TOOL_MS unless `$MCDSM_FIRMWARE_TOOL_MS` names another. */
export function firmwareToolMs(env: NodeJS.ProcessEnv = process.env): number {
  const text = env[FIRMWARE_TOOL_MS_ENV];
  if (text === undefined || text === '') return FIRMWARE_TOOL_MS;
  const ms = Number(text);
  if (!Number.isSafeInteger(ms) || ms <= 0) throw new FirmwareBuildError(`${FIRMWARE_TOOL_MS_ENV}=${text}: expected a whole number of milliseconds above 0`);
  return ms;
}

/**
 * How long a lock may be held: a build runs at most TOOL_RUNS_PER_BUILD bounded tools under it,
 * so a lock older than that is left over from a killed process, and a waiter never gives up
 * while the holder may still be working.
 */
function lockWaitMs(): number {
  return TOOL_RUNS_PER_BUILD * firmwareToolMs() + LOCK_MARGIN_MS;
}

/**
 * Run an SDK tool, bounded by firmwareToolMs(). The tool starts in its own process group
 * (detached: setsid) because mcconfig runs make, make runs cc and xsc: on expiry spawnSync kills
 * only the tool itself, so the rest of the group is killed after it, or an orphaned compiler
 * would keep running (and writing into the shared build folder) after the build said it failed.
 */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd: string, what: string): string {
  const bound = firmwareToolMs();
  // spawnSync honours `detached` as spawn does (one normalizeSpawnArguments for both) though
  // @types/node leaves it out; test/cli/firmware-tool-bound checks the tool's children die.
  const options: SpawnSyncOptionsWithStringEncoding & { detached: boolean } = { env, cwd, encoding: 'utf8', maxBuffer: 256 << 20, timeout: bound, killSignal: 'SIGKILL', detached: true };
  const r = spawnSync(cmd, args, options);
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  const timedOut = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
  if (timedOut && r.pid !== undefined && r.pid > 0) {
    try {
      process.kill(-r.pid, 'SIGKILL');
    } catch {
      // the group is gone already
    }
  }
  if (timedOut) {
    throw new FirmwareBuildError(
      `${what}: ${cmd} did not finish within ${String(bound)} ms (the firmware tool bound), killed with its process group; ` +
        `a slow host may need more: set ${FIRMWARE_TOOL_MS_ENV}=<ms> (default ${String(FIRMWARE_TOOL_MS)})`,
    );
  }
  if (r.error) throw new FirmwareBuildError(`${what}: ${cmd} could not run: ${r.error.message}`);
  if (r.status !== 0) {
    const lines = out.trim().split('\n');
    const errs = lines.filter((l) => /error|Error|### /.test(l)).slice(-8);
    throw new FirmwareBuildError(`${what} failed (exit ${r.status}):\n${(errs.length > 0 ? errs : lines.slice(-12)).join('\n')}`);
  }
  return out;
}

function findFile(dir: string, name: string, within: string): string | null {
  if (!existsSync(dir)) return null;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      const f = findFile(p, name, within);
      if (f !== null) return f;
    } else if (e.name === name && p.includes(within)) return p;
  }
  return null;
}

async function withLock<T>(dir: string, body: () => Promise<T>): Promise<T> {
  const lock = `${dir}.lock`;
  const waitMs = lockWaitMs();
  const until = Date.now() + waitMs;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock older than the longest build is left over from a killed process.
      try {
        if (Date.now() - statSync(lock).mtimeMs > waitMs) rmdirSync(lock);
      } catch {
        // gone meanwhile
      }
      if (Date.now() > until) throw new FirmwareBuildError(`waited too long for another firmware build (${lock})`);
      await new Promise((r) => setTimeout(r, LOCK_POLL_MS));
    }
  }
  try {
    return await body();
  } finally {
    rmdirSync(lock);
  }
}

/** Where xsl keeps the symbols of its last link: `<modules folder>/mc.xsi`. */
const LINKER_SYMBOLS = 'mc.xsi';

/**
 * Remove the symbol file xsl left in this build folder. xsl reads `<modules>/mc.xsi` when it
 * exists and links incrementally: every key of every earlier link in the folder (other apps,
 * older bundles: names that inlining has since removed) stays in the new archive's key table,
 * a slot and a pointer each. A build folder serves every app of a checkout, so the archive grew
 * with its history: the same bundle gave 362 247 B in a long-used folder and 347 367 B in a
 * fresh one (744 stale keys). Removed, every link starts from the bundle alone, as on a clean
 * clone. Unlinking leaves a hard-linked copy in another checkout as it is.
 */
export function forgetLinkerSymbols(buildRoot: string): string[] {
  const removed: string[] = [];
  const tmp = join(buildRoot, 'tmp');
  if (!existsSync(tmp)) return removed;
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name === LINKER_SYMBOLS && dir.endsWith(`/${PROJECT_NAME}/modules`)) {
        unlinkSync(path);
        removed.push(path);
      }
    }
  };
  walk(tmp);
  return removed;
}

/** The modules xsl linked into the archive, from the generated mc.xs.c's script table. */
function linkedModules(xsC: string): string[] {
  const text = readFileSync(xsC, 'latin1');
  const found = new Set<string>();
  for (const m of text.matchAll(/"([^"]+)", \{ XS_MAJOR_VERSION/g)) found.add(m[1] as string);
  return [...found].sort();
}

/** Slot and pointer sizes on a 32-bit microcontroller (ESP32, Pico). */
const MCU_SLOT_BYTES = 16;
const MCU_POINTER_BYTES = 4;

/**
 * Flash bytes of the archive xsl produced, counted at microcontroller sizes: the byte code of
 * modules that are not preloaded, plus the preloaded heap and stack (slots) and the key table
 * (pointers). The same count for every target, so lin and esp32 builds compare.
 */
function archiveBytes(xsC: string): number {
  const text = readFileSync(xsC, 'latin1');
  let bytes = 0;
  for (const m of text.matchAll(/^static const txU1 gxCode\d+\[(\d+)\] = \{/gm)) bytes += Number(m[1]);
  const count = (name: string): number => Number(new RegExp(`^#define mx${name}Count (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  bytes += (count('Heap') + count('Stack')) * MCU_SLOT_BYTES + count('Keys') * MCU_POINTER_BYTES;
  return bytes;
}

/**
 * The app's source file and the name the firmware runs, found by the rules of `mcdsm sim`
 * (host-sim/apps/resolve.ts: a built-in name or folder, a path, a folder's entry, an installed
 * package), so both commands take the same apps. A built-in is its own name. A user's app is
 * type-checked and loaded in the host like `mcdsm sim` does, so the firmware gets the same
 * errors before mcconfig runs (minutes later) and its name from its exports: the default
 * export, else the only App; `--set app=NAME` picks one of several and must name an App the
 * file exports.
 */
export async function firmwareApp(spec: string, wanted: unknown, cwd = process.cwd()): Promise<{ appFile: string; appName: string }> {
  const { resolveApp } = await import('../apps/resolve.js');
  const { AppError } = await import('../apps/errors.js');
  try {
    const resolved = resolveApp(spec, { cwd });
    if (resolved.kind === 'builtin') return { appFile: builtinAppFile(resolved.name), appName: typeof wanted === 'string' ? wanted : resolved.name };
    const { loadAppExports, chooseApp } = await import('../apps/prepare.js');
    const { module, apps, shown } = await loadAppExports(resolved, cwd);
    if (wanted === undefined) return { appFile: resolved.entry, appName: chooseApp(module, apps, shown) };
    if (typeof wanted !== 'string' || !apps.has(wanted)) {
      throw new FirmwareAppError(`--set app=${String(wanted)}: ${shown} exports no App of that name (it exports: ${[...apps.keys()].join(', ')})`);
    }
    return { appFile: resolved.entry, appName: wanted };
  } catch (e) {
    if (e instanceof AppError) throw new FirmwareAppError(e.message);
    throw e;
  }
}

export async function buildFirmware(options: FirmwareBuildOptions): Promise<FirmwareBuildResult> {
  const log = options.log ?? (() => undefined);
  const { platform, full: fullTarget } = parseTarget(options.target);
  const report = options.reportCollections === true;
  if (report && platform !== 'lin') throw new FirmwareBuildError('reportCollections: lin builds only (the heap probe)');
  // First, before the SDK and the bundle: a folder that cannot be made fails in a moment
  // (DirectoryError), not after the bundling.
  const out = resolve(options.out);
  const made = [...makeDirectory(out), ...makeDirectory(join(out, PROJECT_NAME))];
  try {
    return await buildInto(options, out, platform, fullTarget, report, log);
  } catch (e) {
    // A build that fails before writing anything (no SDK, a bad app) leaves no empty folders
    // behind; a folder with files in it (mcconfig's project) stays, to look into.
    for (const dir of made.reverse()) {
      try {
        rmdirSync(dir);
      } catch {
        break;
      }
    }
    throw e;
  }
}

async function buildInto(options: FirmwareBuildOptions, out: string, platform: 'lin' | 'esp32', fullTarget: string, report: boolean, log: (line: string) => void): Promise<FirmwareBuildResult> {
  const project = join(out, PROJECT_NAME);
  const found = findModdableSdk();
  if (!found.ok) throw new FirmwareBuildError(found.reason);
  const sdk = found.sdk;
  const { appFile, appName } = await firmwareApp(options.app, options.defaults?.['app']);
  const bundle = await bundleFirmware(appFile);
  const defaults = { ...defaultConfig(options.target, appName), ...(options.defaults ?? {}), app: appName };
  const manifest = manifestFor(options.target, defaults, options.preload ?? true, options.chunkBytes);
  const manifestText = JSON.stringify(manifest, null, 2) + '\n';
  const platformDir = join(packageRoot(), 'firmware', 'platform', platform === 'lin' ? 'lin' : 'mcu');
  const hash = createHash('sha256');
  hash.update(`${fullTarget}\n${sdk.moddable}\n${report ? `${REPORT_C_FLAGS}\n` : ''}`).update(bundle.code).update(manifestText);
  // The recipe too: a firmware built by an older build step (one that linked stale keys, say)
  // is not reused once the step changes.
  hash.update(readFileSync(fileURLToPath(import.meta.url)));
  for (const f of readdirSync(platformDir).sort()) hash.update(f).update(readFileSync(join(platformDir, f)));
  // The native modules every build includes (firmware/native/manifest.json, its C and JS): a
  // change there alone (the abort report's C, say) must not reuse a firmware built before it.
  const nativeDir = join(packageRoot(), 'firmware', 'native');
  for (const f of readdirSync(nativeDir).sort()) hash.update(f).update(readFileSync(join(nativeDir, f)));
  const key = hash.digest('hex');
  const infoFile = join(out, 'firmware.json');
  const base = { out, target: fullTarget, app: String(defaults['app']), appFile, hash: key, files: bundle.files, sdkImports: bundle.sdkImports, bundleBytes: bundle.code.length, sdk };
  if (existsSync(infoFile)) {
    try {
      const info = JSON.parse(readFileSync(infoFile, 'utf8')) as Partial<FirmwareBuildResult>;
      const ready = platform === 'lin' ? info.mcSo !== undefined && existsSync(info.mcSo) : info.archive !== undefined && existsSync(info.archive.path);
      if (info.hash === key && ready) {
        log(`firmware up to date (${key.slice(0, 12)}): ${out}`);
        return { ...base, ...info, cached: true, sdk } as FirmwareBuildResult;
      }
    } catch {
      // rebuild
    }
  }
  // Built before for another folder (`sim --engine moddable`'s image after `firmware build
  // --out`, or the other way round): the same inputs, the same firmware; copy it (~20 s saved).
  const stored = options.useStore === false ? null : fromStore(key, out, platform);
  if (stored !== null) {
    writePrivate(join(project, 'board.js'), bundle.code);
    writePrivate(join(project, 'manifest.json'), manifestText);
    const result: FirmwareBuildResult = { ...base, ...stored, cached: true };
    const { sdk: _sdk, ...info } = result;
    writePrivate(infoFile, JSON.stringify(info, null, 2) + '\n');
    log(`firmware up to date (${key.slice(0, 12)}, built before for another folder): ${out}`);
    return result;
  }
  const buildRoot = buildFolder(packageRoot(), report ? `${fullTarget}-report` : fullTarget);
  mkdirSync(buildRoot, { recursive: true });
  const result = await withLock(buildRoot, async (): Promise<FirmwareBuildResult> => {
    // Written only once the build folder is ours: every app's project has the same name, so
    // make keeps one module per name in the folder and judges it by mtime. A board.js written
    // while another app's build held the lock was older than that build's compiled module,
    // and make linked the other app into this firmware.
    writePrivate(join(project, 'board.js'), bundle.code);
    writePrivate(join(project, 'manifest.json'), manifestText);
    forgetLinkerSymbols(buildRoot);
    if (platform === 'lin') {
      log(`mcconfig -i -m -t build -p lin (${bundle.files.length} modules, ${bundle.code.length} bytes of JS)`);
      run('mcconfig', ['-i', '-m', '-t', 'build', '-p', 'lin', '-o', buildRoot, join(project, 'manifest.json')], sdkEnv(sdk, report ? { C_FLAGS: REPORT_C_FLAGS } : {}), project, 'mcconfig -p lin');
      const so = findFile(join(buildRoot, 'bin', 'lin'), 'mc.so', `/${PROJECT_NAME}/`);
      if (so === null) throw new FirmwareBuildError(`mcconfig finished but no mc.so under ${join(buildRoot, 'bin', 'lin')}`);
      const mcSo = join(out, 'mc.so');
      writePrivate(mcSo, { from: so });
      const xsC = findFile(join(buildRoot, 'tmp', 'lin'), 'mc.xs.c', `/${PROJECT_NAME}/`);
      const archive = xsC === null ? undefined : { path: join(out, 'mc.xs.c'), bytes: archiveBytes(xsC), modules: linkedModules(xsC) };
      if (xsC !== null && archive !== undefined) writePrivate(archive.path, { from: xsC });
      return { ...base, cached: false, mcSo, full: true, ...(archive === undefined ? {} : { archive }) };
    }
    const idf = process.env['IDF_PATH'];
    const haveIdf = idf !== undefined && existsSync(join(idf, 'export.sh'));
    if (haveIdf) {
      log(`mcconfig -m -t build -p ${fullTarget} (ESP-IDF at ${idf})`);
      run('mcconfig', ['-m', '-t', 'build', '-p', fullTarget, '-o', buildRoot, join(project, 'manifest.json')], sdkEnv(sdk), project, `mcconfig -p ${fullTarget}`);
    } else {
      // No ESP-IDF: the JavaScript half only (docs/TARGETS.md): mcconfig writes the build
      // folder, make builds mc.xs.c (xsc, xsid, xsl) without touching the IDF.
      const stubIdf = join(buildRoot, 'no-idf');
      mkdirSync(stubIdf, { recursive: true });
      const env = sdkEnv(sdk, { IDF_PATH: stubIdf });
      log(`mcconfig -p ${fullTarget} without ESP-IDF: xsc/xsl archive step only`);
      run('mcconfig', ['-p', fullTarget, '-o', buildRoot, join(project, 'manifest.json')], env, project, `mcconfig -p ${fullTarget}`);
      const makefile = findFile(join(buildRoot, 'tmp', 'esp32'), 'makefile', `/${PROJECT_NAME}/`);
      if (makefile === null) throw new FirmwareBuildError(`mcconfig -p ${fullTarget} wrote no makefile under ${buildRoot}/tmp/esp32`);
      const tmpDir = makefile.slice(0, -'/makefile'.length);
      run('make', ['-f', makefile, join(tmpDir, 'mc.xs.c'), 'SDKCONFIG_H=', `IDF_VERSION=${STUB_IDF_VERSION}`], env, tmpDir, 'xsc/xsl (make mc.xs.c)');
    }
    const xsC = findFile(join(buildRoot, 'tmp', 'esp32'), 'mc.xs.c', `/${PROJECT_NAME}/`);
    if (xsC === null) throw new FirmwareBuildError(`no mc.xs.c under ${buildRoot}/tmp/esp32`);
    const archive = { path: join(out, 'mc.xs.c'), bytes: archiveBytes(xsC), modules: linkedModules(xsC) };
    writePrivate(archive.path, { from: xsC });
    return { ...base, cached: false, full: haveIdf, archive };
  });
  const { sdk: _sdk, ...info } = result;
  writePrivate(infoFile, JSON.stringify(info, null, 2) + '\n');
  try {
    toStore(key, result);
  } catch (e) {
    // An install whose cache cannot be written (read-only, full) still has its firmware in <out>.
    log(`firmware not kept in the content store: ${(e as Error).message}`);
  }
  log(`firmware built: ${out}`);
  return result;
}

/** What the content store keeps of a build besides its files (mc.so, mc.xs.c). */
interface StoredFirmware {
  full: boolean;
  archive?: { bytes: number; modules: string[] };
}

/**
 * The firmware built from inputs hashing to `key`, whatever folder it was built for: one store
 * per mcdsm install (next to the SDK's build folders), so `firmware build --out` and the
 * simulator's lin images (and every test's folder) build each firmware once.
 */
export function firmwareStore(key: string): string {
  return join(packageRoot(), 'node_modules', '.cache', 'mcdsm', 'firmware-store', key);
}

/** Copy the stored firmware of `key` into `out`; null when none is stored (or it is incomplete). */
function fromStore(key: string, out: string, platform: 'lin' | 'esp32'): Pick<FirmwareBuildResult, 'full' | 'mcSo' | 'archive'> | null {
  const dir = firmwareStore(key);
  let stored: StoredFirmware;
  try {
    stored = JSON.parse(readFileSync(join(dir, STORE_INFO), 'utf8')) as StoredFirmware;
  } catch {
    return null;
  }
  const so = join(dir, 'mc.so');
  const xsC = join(dir, 'mc.xs.c');
  if ((platform === 'lin' && !existsSync(so)) || (stored.archive !== undefined && !existsSync(xsC))) return null;
  const r: Pick<FirmwareBuildResult, 'full' | 'mcSo' | 'archive'> = { full: stored.full };
  if (platform === 'lin') {
    r.mcSo = join(out, 'mc.so');
    writePrivate(r.mcSo, { from: so });
  }
  if (stored.archive !== undefined) {
    r.archive = { path: join(out, 'mc.xs.c'), ...stored.archive };
    writePrivate(r.archive.path, { from: xsC });
  }
  return r;
}

/** Keep a fresh build's files under its key; the info file last, so a half-written entry is never read. */
function toStore(key: string, r: FirmwareBuildResult): void {
  const dir = firmwareStore(key);
  mkdirSync(dir, { recursive: true });
  if (r.mcSo !== undefined) writePrivate(join(dir, 'mc.so'), { from: r.mcSo });
  if (r.archive !== undefined) writePrivate(join(dir, 'mc.xs.c'), { from: r.archive.path });
  const stored: StoredFirmware = { full: r.full, ...(r.archive === undefined ? {} : { archive: { bytes: r.archive.bytes, modules: r.archive.modules } }) };
  writePrivate(join(dir, STORE_INFO), JSON.stringify(stored) + '\n');
}
