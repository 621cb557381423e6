/**
 * Shared by the Moddable tests: the SDK (or why there is none), firmware builds cached by
 * content under node_modules/.cache/mcdsm/firmware-test/, and boards wired with pty pairs.
 *
 * Without an SDK a Moddable test file registers ONE test named "Moddable tests did NOT run:
 * <why>", which passes on a developer machine (the name says it all in ava's output) and FAILS
 * under CI=true: CI must never pass without having run the real runtime.
 */
import type { TestFn } from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFirmware } from '../../host-sim/firmware/build.js';
import type { FirmwareBuildResult } from '../../host-sim/firmware/build.js';
import { findModdableSdk, packageRoot } from '../../host-sim/firmware/sdk.js';
import type { ModdableSdk } from '../../host-sim/firmware/sdk.js';
import { LinBoard, ptyPair } from '../../host-sim/moddable/lin-board.js';
import type { PtyPair } from '../../host-sim/moddable/lin-board.js';

export function moddableSdkOrReport(test: TestFn): ModdableSdk | null {
  const found = findModdableSdk();
  if (found.ok) return found.sdk;
  const ci = process.env['CI'] === 'true' || process.env['CI'] === '1';
  test(`Moddable tests did NOT run: ${found.reason}`, (t) => {
    if (ci) t.fail(`CI=true and no Moddable SDK: ${found.reason}`);
    else t.pass();
  });
  return null;
}

/**
 * The bound of a test that builds Moddable firmware or runs lin boards, set with `t.timeout`
 * first thing. ava's own timeout (3 min in package.json) counts silence: no test result from
 * ANY file. One build takes 1-3 min on a loaded 2-core host and builds wait for each other
 * (the build folder's lock), so two files building at once (or one such file run alone) went
 * over 3 min without a result: firmware-store alone took 3 min 5 s here. `t.timeout` tells ava
 * this test may be silent that long (sim-moddable, abort-ends-run, never-ends already did).
 */
export const FIRMWARE_TEST_MS = 10 * 60_000;

export function firmwareOut(name: string): string {
  return join(packageRoot(), 'node_modules', '.cache', 'mcdsm', 'firmware-test', name);
}

export async function linFirmware(app: string): Promise<FirmwareBuildResult> {
  return buildFirmware({ app, target: 'lin', out: firmwareOut(`${app}-lin`) });
}

export function tempDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `mcdsm-${tag}-`));
}

export interface Ring {
  boards: LinBoard[];
  /** Host ends of the consoles (what a user opens). */
  consoles: string[];
  pairs: PtyPair[];
  stop(): Promise<void>;
}

/**
 * `n` lin boards in a ring (board i's link 0 goes to board i+1, link 1 to board i-1; two boards
 * share one cable), each with a console pty pair. `config` adds fields to every board's.
 */
export async function startRing(sdk: ModdableSdk, mcSo: string, n: number, config: (i: number) => Record<string, unknown> = () => ({})): Promise<Ring> {
  const dir = tempDir('ring');
  const pairs: PtyPair[] = [];
  const links: string[][] = Array.from({ length: n }, () => []);
  const cables = n === 2 ? 1 : n;
  for (let i = 0; i < cables; i++) {
    const j = (i + 1) % n;
    const p = await ptyPair(join(dir, `l${i}-${j}`), join(dir, `l${j}-${i}`));
    pairs.push(p);
    (links[i] as string[]).push(p.a);
    (links[j] as string[]).push(p.b);
  }
  const consoles: string[] = [];
  const boards: LinBoard[] = [];
  for (let i = 0; i < n; i++) {
    const c = await ptyPair(join(dir, `c${i}-board`), join(dir, `c${i}`));
    pairs.push(c);
    consoles.push(c.b);
    boards.push(
      LinBoard.start({
        linHost: sdk.linHost,
        mcSo,
        stateDir: join(dir, `state${i}`),
        config: {
          node: i,
          rank: i,
          boards: n,
          links: (links[i] as string[]).map((device) => ({ device })),
          console: { device: c.a },
          ...config(i),
        },
      }),
    );
  }
  return {
    boards,
    consoles,
    pairs,
    async stop() {
      await Promise.all(boards.map((b) => b.stop()));
      await Promise.all(pairs.map((p) => p.close()));
    },
  };
}
