/**
 * Where the Moddable SDK is: `$MODDABLE` (the user's own, host tools built), else what
 * `npm install` prepared from the tarball (scripts/moddable-sdk.mjs, status in
 * node_modules/.cache/mcdsm/moddable-sdk/status.json). Never builds anything itself.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ModdableSdk {
  /** The SDK root ($MODDABLE for its tools). */
  moddable: string;
  /** Its host tools: mcconfig, xsc, xsl, ... */
  binDir: string;
  /** Our headless host for `lin` builds, compiled at setup. */
  linHost: string;
  source: 'env' | 'tarball';
}

export type SdkLookup = { ok: true; sdk: ModdableSdk } | { ok: false; reason: string };

/** The checkout (or installed package) root: dist/host-sim/firmware/ is three levels down. */
export function packageRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return resolve(here, '..', '..', '..');
}

export function sdkCacheDir(): string {
  return join(packageRoot(), 'node_modules', '.cache', 'mcdsm', 'moddable-sdk');
}

/**
 * The command that prepares the SDK and compiles the lin host, with this package's own path:
 * in an installed package (node_modules/mcdsm) "npm install" of the user's project is not what
 * runs it again, and a relative `scripts/...` would name a file the user's project lacks.
 */
export function setupCommand(): string {
  return `node ${join(packageRoot(), 'scripts', 'moddable-sdk.mjs')}`;
}

function howToGet(): string {
  return (
    `set MODDABLE to a Moddable SDK with built host tools, or put moddable-sdk-8.2.3-subset.tar.gz in ${join(packageRoot(), '..', 'shared', 'toolchains')} ` +
    `(or in $MCDSM_TOOLCHAINS), then run ${setupCommand()} (needs apt packages build-essential libglib2.0-dev); see docs/TARGETS.md`
  );
}

function toolsIn(moddable: string): string | null {
  const bin = join(moddable, 'build', 'bin', 'lin', 'release');
  for (const t of ['mcconfig', 'xsc', 'xsl', 'xsid']) if (!existsSync(join(bin, t))) return null;
  return bin;
}

export function findModdableSdk(): SdkLookup {
  const cache = sdkCacheDir();
  const linHost = join(cache, 'lin-host');
  const env = process.env['MODDABLE'];
  if (env !== undefined && env !== '') {
    const moddable = resolve(env);
    const bin = toolsIn(moddable);
    if (bin === null) return { ok: false, reason: `MODDABLE=${moddable} has no built host tools (build/bin/lin/release/mcconfig); ${howToGet()}` };
    if (!existsSync(linHost)) return { ok: false, reason: `the lin host is not compiled (${linHost}): run MODDABLE=${moddable} ${setupCommand()}` };
    return { ok: true, sdk: { moddable, binDir: bin, linHost, source: 'env' } };
  }
  const statusFile = join(cache, 'status.json');
  if (!existsSync(statusFile)) return { ok: false, reason: `no Moddable SDK: MODDABLE is not set and npm install has not prepared one; ${howToGet()}` };
  let status: { ok?: boolean; reason?: string; moddable?: string; linHost?: string };
  try {
    status = JSON.parse(readFileSync(statusFile, 'utf8')) as typeof status;
  } catch {
    return { ok: false, reason: `${statusFile} is unreadable: run ${setupCommand()}` };
  }
  if (status.ok !== true || typeof status.moddable !== 'string') return { ok: false, reason: `${status.reason ?? 'no Moddable SDK'}; ${howToGet()}` };
  const bin = toolsIn(status.moddable);
  if (bin === null) return { ok: false, reason: `the Moddable SDK at ${status.moddable} lost its host tools: run ${setupCommand()}` };
  if (!existsSync(linHost)) return { ok: false, reason: `the lin host is missing (${linHost}): run ${setupCommand()}` };
  return { ok: true, sdk: { moddable: status.moddable, binDir: bin, linHost, source: 'tarball' } };
}

/** The environment the SDK's tools expect: MODDABLE set, the tools first on PATH. */
export function sdkEnv(sdk: ModdableSdk, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, MODDABLE: sdk.moddable, PATH: `${sdk.binDir}:${process.env['PATH'] ?? ''}`, ...extra };
}
