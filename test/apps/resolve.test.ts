import test from 'ava';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveApp } from '../../host-sim/apps/resolve.js';
import { AppError } from '../../host-sim/apps/errors.js';
import { COUNTER_APP, REPO, project } from './helpers.js';

test('a built-in app by name and by its folder', (t) => {
  t.deepEqual(resolveApp('pingpong'), { kind: 'builtin', spec: 'pingpong', name: 'pingpong' });
  t.like(resolveApp('examples/laplace', { cwd: REPO }), { kind: 'builtin', name: 'laplace' });
  t.like(resolveApp(join(REPO, 'examples', 'counter', 'app.ts')), { kind: 'builtin', name: 'counter' });
});

test('the user\'s own counter/ folder is the user\'s app, not the built-in counter (issue 10)', (t) => {
  const dir = project({ 'counter/app.ts': COUNTER_APP });
  const r = resolveApp('./counter', { cwd: dir });
  t.is(r.kind, 'file');
  t.is(r.kind === 'file' ? r.entry : '', join(dir, 'counter', 'app.ts'));
  // A bare name that is a folder here but also a built-in name stays the built-in one: paths are explicit.
  t.like(resolveApp('counter', { cwd: dir }), { kind: 'builtin', name: 'counter' });
});

test('a path that does not exist is an error, even when its last folder is a built-in name', (t) => {
  const e = t.throws(() => resolveApp('/nonexistent/counter'), { instanceOf: AppError });
  t.regex(e.message, /app "\/nonexistent\/counter": no such file or folder: \/nonexistent\/counter/);
  t.throws(() => resolveApp('./missing.ts', { cwd: REPO }), { message: /no such file or folder/ });
});

test('folders: app.ts, index.js, package.json entries; a folder without an app is named', (t) => {
  const dir = project({
    'a/app.ts': COUNTER_APP,
    'b/index.js': 'export const x = 1;\n',
    'c/package.json': JSON.stringify({ name: 'c', mcdsm: { app: 'src/main.ts' } }),
    'c/src/main.ts': COUNTER_APP,
    'd/package.json': JSON.stringify({ name: 'd', exports: { '.': { import: './lib/d.js' } } }),
    'd/lib/d.js': 'export const x = 1;\n',
    'node_modules/some-app/package.json': JSON.stringify({ name: 'some-app', main: 'app.js' }),
    'node_modules/some-app/app.js': 'export const x = 1;\n',
    'notes.txt': 'hello\n',
  });
  mkdirSync(join(dir, 'empty'));
  t.like(resolveApp('./a', { cwd: dir }), { kind: 'file', entry: join(dir, 'a', 'app.ts') });
  t.like(resolveApp('./b', { cwd: dir }), { kind: 'file', entry: join(dir, 'b', 'index.js') });
  t.like(resolveApp('./c', { cwd: dir }), { kind: 'file', entry: join(dir, 'c', 'src', 'main.ts') });
  t.like(resolveApp('./d', { cwd: dir }), { kind: 'file', entry: join(dir, 'd', 'lib', 'd.js') });
  t.like(resolveApp('some-app', { cwd: dir }), { kind: 'file', entry: join(dir, 'node_modules', 'some-app', 'app.js') });
  t.throws(() => resolveApp('./empty', { cwd: dir }), { message: /the folder .*empty has no app: expected one of app\.ts/ });
  t.throws(() => resolveApp('./notes.txt', { cwd: dir }), { message: /is not a \.ts, \.mts, \.js or \.mjs file/ });
  writeFileSync(join(dir, 'c', 'package.json'), '{ nope');
  t.throws(() => resolveApp('./c', { cwd: dir }), { message: /package\.json is not valid JSON/ });
  t.throws(() => resolveApp('nothing-like-this', { cwd: dir }), { message: /not a built-in app \(pingpong, .*no package "nothing-like-this" installed/ });
});
