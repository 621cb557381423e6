// Every bad app is a clear error before any board starts, naming the file and line; an error
// thrown by the app on a board names the app's own file and line.
import test from 'ava';
import { prepareApp } from '../../host-sim/apps/prepare.js';
import { AppError } from '../../host-sim/apps/errors.js';
import { simulate } from '../../host-sim/api/index.js';
import { mcdsm, project } from './helpers.js';

const dir = project({
  'noapp.ts': 'export const answer = 42;\n',
  'typeerr.ts': `import type { App } from 'mcdsm';

export const app: App = {
  name: 't',
  async main(ctx) {
    const n: number = ctx.rank;
    return n.toUpperCase();
  },
};
`,
  'nodefs.ts': `import type { App } from 'mcdsm';
import { readFileSync } from 'node:fs';

export const app: App = { name: 'f', async main() { return readFileSync.name; } };
`,
  'nodefs.js': `import { readFileSync } from 'fs';

export const app = { name: 'f', async main() { return readFileSync.name; } };
`,
  'globals.ts': `import type { App } from 'mcdsm';

export const app: App = {
  name: 'g',
  async main(ctx) {
    console.log('hello');
    return ctx.rank;
  },
};
`,
  'node_modules/host-clock/package.json': JSON.stringify({ name: 'host-clock', version: '1.0.0', type: 'module', main: 'index.js' }),
  'node_modules/host-clock/index.js': `// A package made for Node.js.
export function now() {
  return Number(process.hrtime.bigint());
}
`,
  'hostpkg.js': `import { now } from 'host-clock';

export const app = { name: 'h', async main() { return now(); } };
`,
  'missing-import.ts': `import type { App } from 'mcdsm';
// @ts-ignore: the type check is not what catches this
import { helper } from './helper.js';

export const app: App = { name: 'm', async main() { return helper(); } };
`,
  'two.ts': `import type { App } from 'mcdsm';

export const a: App = { name: 'a', async main() { return 1; } };
export const b: App = { name: 'b', async main() { return 2; } };
`,
  'throws.ts': `import type { App } from 'mcdsm';

function check(rank: number): number {
  if (rank === 1) throw new Error('rank 1 refuses');
  return rank;
}

export const app: App = {
  name: 'thrower',
  async main(ctx) {
    return check(ctx.rank);
  },
};
`,
}, 'mcdsm-bad-');

const cases: [string, string, RegExp][] = [
  ['a file without an App', './noapp.ts', /app noapp\.ts: exports no App/],
  ['a type error', './typeerr.ts', /typeerr\.ts:7:14 - error TS2339: Property 'toUpperCase' does not exist on type 'number'/],
  ['a Node built-in (TypeScript)', './nodefs.ts', /nodefs\.ts:2:\d+ - error TS\d+: imports "node:fs", a Node\.js built-in module: a board has no Node\.js/],
  ['a Node built-in (JavaScript)', './nodefs.js', /nodefs\.js:1: imports "fs", a Node\.js built-in module: a board has no Node\.js/],
  ['a host global', './globals.ts', /globals\.ts:6:5 - error TS\d+: uses "console", which a board does not have/],
  ['a package with host globals', './hostpkg.js', /node_modules\/host-clock\/index\.js:3: uses "process", which a board does not have .*this package is not made for boards/],
  ['an import that does not resolve', './missing-import.ts', /missing-import\.ts:3: cannot resolve "\.\/helper\.js"/],
  ['several apps and no default', './two.ts', /exports several apps \(a, b\): make the one to run the default export/],
];

for (const [name, app, message] of cases) {
  test(`bad app: ${name}`, async (t) => {
    const e = await t.throwsAsync(prepareApp(app, { cwd: dir, engines: ['xs'] }), { instanceOf: AppError });
    t.regex(e.message, message);
  });
}

test('mcdsm sim with a bad app exits 2 before any board starts', (t) => {
  for (const app of ['/nonexistent/counter', './typeerr.ts', './hostpkg.js']) {
    const r = mcdsm(dir, ['sim', app, '--consoles', 'none', '--quiet']);
    t.is(r.code, 2, app);
    t.regex(r.err, /^mcdsm: app /, app);
    t.notRegex(r.out, /boards up/, app);
    t.notRegex(r.err, /\n\s+at /, `no stack trace for ${app}`);
  }
});

test('an error thrown by the app names the app\'s file and line, on XS and on V8', async (t) => {
  for (const engine of ['xs', 'node'] as const) {
    const summary = await simulate({ app: './throws.ts', cwd: dir, boards: 2, engine });
    t.false(summary.ok);
    t.regex(summary.reason, /app failed: Error: rank 1 refuses \(at throws\.ts:4(:\d+)?, throws\.ts:1[01](:\d+)?\)/, engine);
  }
});

test('an app whose top-level code throws: one line naming the app\'s file and line, exit 2, not an uncaught exception in the cached bundle', (t) => {
  const top = project({
    'top.ts': `import type { App } from 'mcdsm';

const table: number[] = [];
if (table.length === 0) throw new Error('no table');

export const app: App = { name: 'top', async main(ctx) { return ctx.rank; } };
`,
  }, 'mcdsm-toplevel-');
  for (const engine of ['xs', 'node']) {
    const r = mcdsm(top, ['sim', './top.ts', '--boards', '2', '--engine', engine, '--consoles', 'none', '--quiet']);
    t.is(r.code, 2, r.err);
    t.regex(r.err, /^mcdsm: app top\.ts: its top-level code threw while the host loaded it to learn the app's name: Error: no table \(at top\.ts:4:\d+\)/);
    t.notRegex(r.err, /\.node\.mjs/, 'no place in the cached bundle');
    t.notRegex(r.out, /boards up/);
  }
});
