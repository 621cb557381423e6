/**
 * The apps built into the board bundle. A simulated or real board runs the app its config
 * names; to add your own, write `examples/<name>/app.ts` exporting an App and list it here.
 * A function rather than a module-level Map: XS freezes preloaded modules.
 */
import type { App, RawApp } from '../src/app.js';
import { pingpongApp } from './pingpong/app.js';
import { conformanceApp } from './conformance/app.js';
import { laplaceApp } from './laplace/app.js';
import { counterApp } from './counter/app.js';
import { idleApp } from './idle/app.js';
import { offloadApp } from './offload/app.js';
import { mcapiBenchApp } from '../bench/apps/mcapi-bench.js';
import { rawEchoApp } from '../bench/apps/raw-echo.js';
import { ftBenchApp } from '../bench/apps/ft-bench.js';
import { rawStreamApp } from '../bench/apps/raw-stream.js';
import { laplaceSeqApp } from './laplace/seq-app.js';
import { dsmBenchApp } from '../bench/apps/dsm-bench.js';
import { rawFetchApp } from '../bench/apps/raw-fetch.js';

export function appRegistry(): Map<string, App | RawApp> {
  const apps = new Map<string, App | RawApp>();
  for (const app of [pingpongApp, conformanceApp, laplaceApp, counterApp, idleApp, offloadApp, mcapiBenchApp, rawEchoApp, laplaceSeqApp, dsmBenchApp, rawFetchApp, ftBenchApp, rawStreamApp]) apps.set(app.name, app);
  return apps;
}
