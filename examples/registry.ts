/**
 * The built-in apps: the examples and the benchmarks' apps (`npx mcdsm bench` runs
 * `mcapi-bench`, `raw-echo`, `dsm-bench`, ... by name). Its users are host-side: the default
 * XS bundle (rollup.config.mjs), V8 boards (host-sim/apps/builtin.ts), built-in bundles and
 * `mcdsm firmware build <name>` (host-sim/apps/bundle.ts), which hand it to the boards as the
 * virtual module `mcdsm:board-apps`; no HAL or firmware entry imports it (docs/ARCHITECTURE.md).
 * To add your own, write `examples/<name>/app.ts` exporting an App and list it here.
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
