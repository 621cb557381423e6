/**
 * Console comfort (issue 10): stable console addresses on request, no temp folders left
 * behind, and clean one-line errors from `mcdsm console` (no stack traces) for a bad target,
 * a refused connection or a missing device.
 */
import test from 'ava';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onFreePorts, portTaken } from '../util/wait.js';
import { runChild } from '../util/child.js';

const bin = new URL('../../../bin/mcdsm.js', import.meta.url).pathname;

function mcdsm(...args: string[]) {
  return runChild(process.execPath, [bin, ...args], { input: '' });
}

test('--consoles pty (default): the links folder is gone after the run', (t) => {
  const r = mcdsm('sim', 'examples/idle', '--boards', '2', '--engine', 'node', '--quiet', '--', '--ms', '10');
  t.is(r.code, 0, r.err);
  const m = /\((\/[^)]*mcdsm-consoles-[^/)]+)\/board0\)/.exec(r.out);
  t.truthy(m, r.out);
  t.false(existsSync(m![1]!), 'no leftover temp folder');
});

test('--consoles pty:DIR: stable links DIR/boardN, removed after the run, the folder kept', (t) => {
  const dir = join(mkdtempSync(join(tmpdir(), 'mcdsm-stable-')), 'consoles');
  const r = mcdsm('sim', 'examples/idle', '--boards', '2', '--engine', 'node', '--quiet', '--consoles', `pty:${dir}`, '--', '--ms', '10');
  t.is(r.code, 0, r.err);
  t.regex(r.out, new RegExp(`board 0 console: /dev/pts/\\d+ \\(${dir}/board0\\)`));
  t.regex(r.out, new RegExp(`board 1 console: /dev/pts/\\d+ \\(${dir}/board1\\)`));
  t.true(existsSync(dir));
  t.deepEqual(readdirSync(dir), []);
});

test('--consoles tcp:BASEPORT: board N listens on BASEPORT + N; bad values are named', async (t) => {
  // Two ports found free just now, below the ephemeral range: a base from the pid alone could be
  // held by any process (another checkout running this test, an outgoing connection) and the
  // run then failed with EADDRINUSE. A port free when found can still be taken before the run
  // listens on it: then the run is made again on fresh ones.
  const { base, r } = await onFreePorts(
    2,
    (b) => ({ base: b, r: mcdsm('sim', 'examples/idle', '--boards', '2', '--engine', 'node', '--quiet', '--consoles', `tcp:${b}`, '--', '--ms', '10') }),
    ({ r: ran }) => ran.code === 2 && portTaken(ran.err),
  );
  t.is(r.code, 0, r.err);
  t.regex(r.out, new RegExp(`board 0 console: tcp://127\\.0\\.0\\.1:${base}\\b`));
  t.regex(r.out, new RegExp(`board 1 console: tcp://127\\.0\\.0\\.1:${base + 1}\\b`));
  const bad = mcdsm('sim', 'examples/idle', '--consoles', 'tcp:80');
  t.is(bad.code, 2);
  t.regex(bad.err, /--consoles: tcp:80 needs a base port from 1024 to 65535/);
  const worse = mcdsm('sim', 'examples/idle', '--consoles', 'serial');
  t.is(worse.code, 2);
  t.regex(worse.err, /--consoles: "serial" must be pty, pty:DIR, tcp, tcp:BASEPORT or none/);
});

const consoleErrors: [string, string, RegExp][] = [
  ['a refused connection', 'tcp://127.0.0.1:1', /^mcdsm console: console tcp:\/\/127\.0\.0\.1:1: connection refused/],
  ['a missing device', '/dev/ttyUSB99', /^mcdsm console: console \/dev\/ttyUSB99: no such device/],
  ['a bad target', 'http://example', /^mcdsm console: console address 'http:\/\/example': expected tcp:\/\/host:port/],
  ['a file that is not a serial device', '/etc/hostname', /^mcdsm console: console \/etc\/hostname: not a serial device/],
];
for (const [name, target, message] of consoleErrors) {
  test(`mcdsm console: ${name} is one clean line, no stack trace`, (t) => {
    const r = mcdsm('console', target);
    t.is(r.code, 2);
    t.regex(r.err, message);
    t.is(r.err.trim().split('\n').length, 1, r.err);
    t.notRegex(r.err, /\n\s+at /);
  });
}
