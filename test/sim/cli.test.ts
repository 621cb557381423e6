import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runChild } from '../util/child.js';

const bin = new URL('../../../bin/mcdsm.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'mcdsm-cli-'));

function mcdsm(...args: string[]) {
  return runChild(process.execPath, [bin, ...args]);
}

test('sim --json ends with a JSON summary carrying the documented fields', (t) => {
  const r = mcdsm('sim', 'examples/pingpong', '--boards', '3', '--engine', 'node', '--consoles', 'none', '--json', '--', '--rounds', '2');
  t.is(r.code, 0, r.err);
  // stdout is exactly one JSON document (for `| jq`); the people's part is on stderr.
  const s = JSON.parse(r.out);
  t.true(s.ok);
  t.is(s.app.result.token, 2 * (6 - 1));
  t.regex(s.traceDigest, /^[0-9a-f]{64}$/);
  t.is(s.boards.length, 3);
  t.true(s.links.every((l: { predictedMs: number; bytes: number }) => l.bytes > 0 && l.predictedMs > 0));
  t.deepEqual(s.faults, []);
  t.true(s.virtualMs > 0 && s.wallMs >= 0);
  t.regex(r.err, /boards up/);
  t.regex(r.err, /run completed/);
});

test('sim --json with consoles and a trace: still exactly one JSON document on stdout', (t) => {
  const trace = join(dir, 'json-trace.json');
  const r = mcdsm('sim', 'examples/pingpong', '--boards', '2', '--engine', 'node', '--consoles', 'tcp', '--trace', trace, '--json', '--', '--rounds', '1');
  t.is(r.code, 0, r.err);
  t.is(r.out.trim().split('\n').length, 1);
  t.true(JSON.parse(r.out).ok);
  t.regex(r.err, /board 0 console: tcp:\/\/127\.0\.0\.1:\d+/);
  t.regex(r.err, /trace written to/);
});

test('consoles are printed at start', (t) => {
  const r = mcdsm('sim', 'examples/idle', '--boards', '2', '--engine', 'node', '--consoles', 'tcp', '--', '--ms', '10');
  t.is(r.code, 0, r.err);
  t.regex(r.out, /board 0 console: tcp:\/\/127\.0\.0\.1:\d+/);
  t.regex(r.out, /board 1 console: tcp:\/\/127\.0\.0\.1:\d+/);
});

const bad: [string, string[], RegExp][] = [
  ['unknown flag', ['sim', 'examples/pingpong', '--bogus'], /unknown option '--bogus'/],
  ['app path that does not exist', ['sim', 'examples/nope'], /app "examples\/nope": no such file or folder/],
  ['unknown app name', ['sim', 'nope'], /app "nope": not a built-in app \(pingpong, /],
  ['bad topology', ['sim', 'examples/pingpong', '--topology', 'mesh'], /unknown topology "mesh"/],
  ['bad link', ['sim', 'examples/pingpong', '--link', 'uart:fast'], /baud rate "fast"/],
  ['malformed fault', ['sim', 'examples/pingpong', '--fault', 'crash@2'], /--fault "crash@2": expected/],
  ['fault on a missing board', ['sim', 'examples/pingpong', '--boards', '2', '--fault', 'crash:5@1s'], /board 5 does not exist/],
  ['bad engine', ['sim', 'examples/pingpong', '--engine', 'v9'], /--engine/],
  ['unknown bench', ['bench', 'everything'], /unknown benchmark "everything"/],
];
for (const [name, args, message] of bad) {
  test(`bad input fails before anything starts: ${name}`, (t) => {
    const r = mcdsm(...args);
    t.is(r.code, 2);
    t.regex(r.err, message);
    t.notRegex(r.out, /boards up/);
  });
}

test('a bad topology file and a scenario naming a missing board are named', (t) => {
  const topo = join(dir, 'topo.json');
  writeFileSync(topo, '{"boards": 3, "links": [{"a": 0, "b": 7}]}');
  const r1 = mcdsm('sim', 'examples/pingpong', '--boards', '3', '--topology', topo);
  t.is(r1.code, 2);
  t.regex(r1.err, /topology file .*topo\.json: links\[0\]\.b must be a board number from 0 to 2/);
  const scen = join(dir, 'scenario.txt');
  writeFileSync(scen, 'at 10ms board 1: fault hang 5\nat 20ms board 9: fault crash\n');
  const r2 = mcdsm('sim', 'examples/pingpong', '--boards', '3', '--scenario', scen);
  t.is(r2.code, 2);
  t.regex(r2.err, /scenario\.txt:2: board 9 does not exist/);
});

test('inject reports a console that is not there', (t) => {
  const r = mcdsm('inject', 'tcp://127.0.0.1:1', 'status', '--timeout', '2000');
  t.is(r.code, 2);
  t.regex(r.err, /mcdsm inject: .*(ECONNREFUSED|refused)/i);
});
