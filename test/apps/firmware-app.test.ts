// A user's app in `mcdsm firmware build` (and `mcdsm sim --engine moddable`, which builds the
// same firmware): found by the simulator's rules, named from its exports, its `mcdsm` and
// package imports bundled. Before: a path needed `--set app=NAME` (the error said `--config`),
// `--engine moddable` never passed one, and `import { Status } from 'mcdsm'` stayed an import
// that mcconfig rejected minutes later ("module "mcdsm" not found"). No SDK needed here: these
// are the steps before mcconfig.
import test from 'ava';
import { firmwareApp } from '../../host-sim/firmware/build.js';
import { bundleFirmware, FirmwareAppError } from '../../host-sim/firmware/bundle.js';
import { mcdsm, project } from './helpers.js';

const VALUE_IMPORT_APP = `import type { App } from 'mcdsm';
import { TIMEOUT_INFINITE, Status } from 'mcdsm';
import { twice } from 'tiny-helper';

export const gather: App = {
  name: 'gather',
  async main(ctx) {
    const ep = ctx.mcapi.createEndpoint(20);
    return ctx.rank === 0 ? { ok: Status.MCAPI_SUCCESS, t: TIMEOUT_INFINITE === Infinity, n: twice(ep.port) } : null;
  },
};
`;

const TINY_PACKAGE = {
  'node_modules/tiny-helper/package.json': JSON.stringify({ name: 'tiny-helper', version: '1.0.0', type: 'module', exports: { '.': { types: './index.d.ts', default: './index.js' } } }),
  'node_modules/tiny-helper/index.js': 'export function twice(x) { return 2 * x; }\n',
  'node_modules/tiny-helper/index.d.ts': 'export declare function twice(x: number): number;\n',
};

test('a file exporting one App: the firmware runs it by its exported name, no --set app needed', async (t) => {
  const dir = project({ 'src/gather.ts': VALUE_IMPORT_APP, ...TINY_PACKAGE }, 'mcdsm-fw-app-');
  const found = await firmwareApp('./src/gather.ts', undefined, dir);
  t.is(found.appName, 'gather');
  t.true(found.appFile.endsWith('/src/gather.ts'));
  t.is((await firmwareApp('./src/gather.ts', 'gather', dir)).appName, 'gather');
});

test('--set app= naming no exported App, a file without an App, several Apps: errors that say so', async (t) => {
  const dir = project(
    {
      'src/gather.ts': VALUE_IMPORT_APP,
      ...TINY_PACKAGE,
      'none.ts': 'export const x = 1;\n',
      'two.ts': "import type { App } from 'mcdsm';\nexport const a: App = { name: 'a', async main() { return 1; } };\nexport const b: App = { name: 'b', async main() { return 2; } };\n",
    },
    'mcdsm-fw-bad-',
  );
  const wrong = await t.throwsAsync(firmwareApp('./src/gather.ts', 'nope', dir), { instanceOf: FirmwareAppError });
  t.regex(wrong.message, /--set app=nope: src\/gather\.ts exports no App of that name \(it exports: gather\)/);
  const none = await t.throwsAsync(firmwareApp('./none.ts', undefined, dir), { instanceOf: FirmwareAppError });
  t.regex(none.message, /none\.ts: exports no App/);
  const two = await t.throwsAsync(firmwareApp('./two.ts', undefined, dir), { instanceOf: FirmwareAppError });
  t.regex(two.message, /exports several apps \(a, b\)/);
  t.is((await firmwareApp('./two.ts', 'b', dir)).appName, 'b');
});

test('the firmware bundle takes `mcdsm` from the package and bundles the app\'s packages; only SDK modules stay imports', async (t) => {
  const dir = project({ 'src/gather.ts': VALUE_IMPORT_APP, ...TINY_PACKAGE }, 'mcdsm-fw-bundle-');
  const b = await bundleFirmware((await firmwareApp('./src/gather.ts', undefined, dir)).appFile);
  t.false(b.sdkImports.includes('mcdsm'), `imports: ${b.sdkImports.join(', ')}`);
  t.false(b.sdkImports.includes('tiny-helper'));
  t.true(b.files.some((f) => f.endsWith('node_modules/tiny-helper/index.js')));
  t.true(b.code.includes('function twice('));
  // The firmware's own bare imports are still left to mcconfig: Moddable SDK modules.
  t.true(b.sdkImports.includes('embedded:io/serial'));
  t.true(b.sdkImports.includes('timer'));
});

test('an app import that resolves nowhere is a build error naming it, before mcconfig', async (t) => {
  const dir = project({ 'app.ts': VALUE_IMPORT_APP.replace("'tiny-helper'", "'not-installed'") }, 'mcdsm-fw-missing-');
  // The type check sees it first (as in `mcdsm sim`), naming the file and the import.
  const e = await t.throwsAsync(firmwareApp('./app.ts', undefined, dir), { instanceOf: FirmwareAppError });
  t.regex(e.message, /app\.ts:3.*not-installed/);
});

test('mcdsm firmware build: bad --set values and --chunk-heap name the flag and exit 2', (t) => {
  const dir = project({}, 'mcdsm-fw-flags-');
  const node = mcdsm(dir, ['firmware', 'build', 'pingpong', '--target', 'lin', '--out', 'fw', '--set', 'node=abc']);
  t.is(node.code, 2, node.err);
  t.regex(node.err, /--set node=abc: node: expected an integer/);
  const chunk = mcdsm(dir, ['firmware', 'build', 'pingpong', '--target', 'lin', '--out', 'fw', '--chunk-heap', 'lots']);
  t.is(chunk.code, 2, chunk.err);
  t.regex(chunk.err, /--chunk-heap: "lots" is not a number of bytes/);
});

// Session 17: `mcdsm firmware build` found a user's app by rules of its own (host-sim/firmware/
// bundle.ts) unless the argument looked like an existing path; `mcdsm sim` (host-sim/apps/
// resolve.ts) took more. Every form `mcdsm sim` takes must give the firmware the same entry.
test('firmware build resolves an app as mcdsm sim does: bare folder, installed package, index.ts, .mts, missing path', async (t) => {
  const ONE = "import type { App } from 'mcdsm';\nexport const one: App = { name: 'one', async main() { return 1; } };\n";
  const dir = project(
    {
      'fusion/index.ts': ONE,
      'solo.mts': ONE,
      'node_modules/my-app/package.json': JSON.stringify({ name: 'my-app', version: '1.0.0', type: 'module', mcdsm: { app: './app.ts' } }),
      'node_modules/my-app/app.ts': ONE,
      'node_modules/@me/scoped/package.json': JSON.stringify({ name: '@me/scoped', version: '1.0.0', type: 'module', main: './src/app.ts' }),
      'node_modules/@me/scoped/src/app.ts': ONE,
    },
    'mcdsm-fw-resolve-',
  );
  const { resolveApp } = await import('../../host-sim/apps/resolve.js');
  for (const spec of ['fusion', './fusion', 'my-app', '@me/scoped', 'solo.mts', './solo.mts']) {
    const sim = resolveApp(spec, { cwd: dir });
    const fw = await firmwareApp(spec, undefined, dir);
    t.is(sim.kind, 'file', spec);
    t.is(fw.appFile, sim.kind === 'file' ? sim.entry : '', spec);
    t.is(fw.appName, 'one', spec);
  }
  // A built-in by name or by its folder: the same app.
  t.is((await firmwareApp('pingpong', undefined, dir)).appName, 'pingpong');
  // A path that is not there: the simulator's message, for both.
  const missing = await t.throwsAsync(firmwareApp('./nope.ts', undefined, dir), { instanceOf: FirmwareAppError });
  t.regex(missing.message, /^app "\.\/nope\.ts": no such file or folder: /);
  const examples = await t.throwsAsync(firmwareApp('examples/idle', undefined, dir), { instanceOf: FirmwareAppError });
  t.regex(examples.message, /\(the built-in app is there by its name: idle\)$/);
});
