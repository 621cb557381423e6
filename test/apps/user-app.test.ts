import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { prepareApp } from '../../host-sim/apps/prepare.js';
import { bundleBoard } from '../../host-sim/apps/bundle.js';
import { simulate } from '../../host-sim/api/index.js';
import { COUNTER_APP, mcdsm, project } from './helpers.js';

// 4 boards add 1 + 2 + 3 + 4 into the shared total.
const TOTAL = 10;

test('mcdsm sim ./counter runs the user\'s counter/, not the built-in one, on XS and V8 (issue 10)', (t) => {
  const dir = project({ 'counter/app.ts': COUNTER_APP });
  for (const engine of ['xs', 'node']) {
    const r = mcdsm(dir, ['sim', './counter', '--boards', '4', '--engine', engine, '--consoles', 'none', '--quiet', '--json']);
    t.is(r.code, 0, r.err);
    const summary = JSON.parse(r.out.trim().split('\n').pop()!) as { ok: boolean; app: { name: string; result: unknown } };
    t.is(summary.app.name, 'my-counter');
    t.deepEqual(summary.app.result, { mine: true, total: TOTAL });
  }
});

test('bundles are cached by content: a second prepare builds nothing, an edit rebuilds', async (t) => {
  const dir = project({ 'app.ts': COUNTER_APP }, 'mcdsm-cache-');
  const cacheDir = join(dir, 'cache');
  const first = await prepareApp('./app.ts', { cwd: dir, cacheDir, engines: ['xs', 'node'] });
  t.is(first.name, 'my-counter');
  t.deepEqual(first.bundles.map((b) => [b.target, b.cached]), [['node', false], ['xs', false]]);
  const t0 = performance.now();
  const second = await prepareApp('./app.ts', { cwd: dir, cacheDir, engines: ['xs', 'node'] });
  const cachedMs = performance.now() - t0;
  t.deepEqual(second.bundles.map((b) => b.cached), [true, true]);
  t.is(second.xsBundleText, first.xsBundleText);
  t.log(`cached prepare: ${cachedMs.toFixed(0)} ms`);
  writeFileSync(join(dir, 'app.ts'), COUNTER_APP.replace("name: 'my-counter'", "name: 'my-counter-2'"));
  const third = await prepareApp('./app.ts', { cwd: dir, cacheDir, engines: ['xs'] });
  t.is(third.name, 'my-counter-2');
  t.deepEqual(third.bundles.map((b) => b.cached), [false, false]);
});

test('the XS bundle holds the runtime and the user\'s app, not the built-in examples', async (t) => {
  const dir = project({ 'app.ts': COUNTER_APP }, 'mcdsm-bundle-');
  const xs = await bundleBoard({ app: './app.ts', target: 'xs', cwd: dir, cacheDir: join(dir, 'cache') });
  const text = readFileSync(xs.file, 'utf8');
  t.true(text.includes('my-counter'));
  t.true(text.includes('handleCommand'));
  // A built-in app is there if its App object is: its name as a string value (comments of
  // the runtime may name an example, e.g. a docs section about pingpong's footprint).
  for (const name of ['pingpong', 'laplace', 'offload', 'conformance', 'idle', 'counter']) {
    t.notRegex(text, new RegExp(`name:\\s*["'\`]${name}["'\`]`), `built-in example ${name} in a user bundle`);
  }
  t.false(text.includes('token rounds around the ring'), 'pingpong\'s options in a user bundle');
  t.regex(text, /\/\/# sourceURL=app\.xs\.js\n$/);
});

test('simulate() returns the summary mcdsm sim --json prints', async (t) => {
  const dir = project({ 'app.ts': COUNTER_APP }, 'mcdsm-simulate-');
  const options = { app: './app.ts', cwd: dir, boards: 4, engine: 'node', link: 'uart:921600', seed: 7 } as const;
  const summary = await simulate(options);
  t.true(summary.ok, summary.reason);
  t.deepEqual(summary.app.result, { mine: true, total: TOTAL });
  const r = mcdsm(dir, ['sim', './app.ts', '--boards', '4', '--engine', 'node', '--link', 'uart:921600', '--seed', '7', '--consoles', 'none', '--quiet', '--json']);
  t.is(r.code, 0, r.err);
  const fromCli = JSON.parse(r.out.trim().split('\n').pop()!) as typeof summary;
  t.is(fromCli.traceDigest, summary.traceDigest);
  t.deepEqual(Object.keys(fromCli).sort(), Object.keys(summary).sort());
});
