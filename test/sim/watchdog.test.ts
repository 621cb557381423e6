/**
 * The task watchdog (issue 10): a board stuck in `for (;;) {}` used to freeze the whole
 * simulator with no message. XS boards are halted with "board 2 did not yield for …
 * (task watchdog)" and the run ends with that reason; V8 boards cannot be interrupted, so a
 * guard thread ends the process with a clear message instead of leaving it frozen.
 */
import test from 'ava';
import { runDomain } from '../../host-sim/sim/run.js';
import { DEFAULT_WATCHDOG_BOARD_MS, DEFAULT_WATCHDOG_UNITS, parseWatchdog } from '../../host-sim/sim/watchdog.js';
import { runChild } from '../util/child.js';

const bin = new URL('../../../bin/mcdsm.js', import.meta.url).pathname;

test('an XS board in for (;;) {} is halted by the watchdog (metering units) and the run ends naming it', async (t) => {
  const s = await runDomain({ app: 'idle', appArgs: ['--spin', '2', '--ms', '500'], boards: '3', engine: 'xs', watchdog: '20000000' });
  t.false(s.ok);
  t.is(s.reason, 'board 2 did not yield for 20000000 XS metering units (task watchdog)');
  t.is(s.boards[2]!.state, 'halted');
  t.is(s.boards[2]!.haltReason, s.reason);
  t.deepEqual(s.watchdog.fired.map((f) => f.board), [2]);
  t.is(s.watchdog.units, 20_000_000);
  t.like(s.faults[0], { board: 2, source: 'watchdog', command: 'task watchdog', status: 'applied' });
  t.true(s.virtualMs < 1000, 'ended at once, not at the virtual time limit');
});

test('under the CPU model the limit is board time', async (t) => {
  const s = await runDomain({ app: 'idle', appArgs: ['--spin', '1', '--ms', '500'], boards: '2', engine: 'xs', cpu: '150', watchdog: '2s' });
  t.false(s.ok);
  t.is(s.reason, 'board 1 did not yield for 2 s of board time (13333333 XS metering units at 150 ns/unit) (task watchdog)');
});

test('boards that yield are not touched by the default watchdog', async (t) => {
  const s = await runDomain({ app: 'idle', appArgs: ['--ms', '300'], boards: '2', engine: 'xs' });
  t.true(s.ok, s.reason);
  t.is(s.watchdog.units, DEFAULT_WATCHDOG_UNITS);
  t.deepEqual(s.watchdog.fired, []);
});

test('a V8 board in for (;;) {} ends the process with a message instead of freezing it', (t) => {
  const started = Date.now();
  const r = runChild(process.execPath, [bin, 'sim', 'examples/idle', '--boards', '2', '--engine', 'node', '--consoles', 'none', '--quiet', '--watchdog', '2s', '--', '--spin', '1']);
  t.is(r.signal, 'SIGKILL');
  t.regex(r.err, /board (1|\(one of [\d, ]+\)) did not yield for 2 s of wall-clock time \(task watchdog\)/);
  t.regex(r.err, /cannot be interrupted/);
  // A frozen process runs until runChild's bound kills it (that throws); 30 s here was tight for
  // a loaded host, where bundling and starting the boards alone took ~20 s.
  t.true(Date.now() - started < 120_000, `ended after ${Date.now() - started} ms, on its own`);
});

test('--watchdog: on by default, off, units, times; bad values are named', (t) => {
  t.is(parseWatchdog(undefined, 0).units, DEFAULT_WATCHDOG_UNITS);
  t.is(parseWatchdog('default', 150).units, Math.floor((DEFAULT_WATCHDOG_BOARD_MS * 1e6) / 150));
  t.is(parseWatchdog('off', 0).units, 0);
  t.is(parseWatchdog('off', 0).v8WallMs, 0);
  t.is(parseWatchdog('1e9', 0).units, 1e9);
  t.is(parseWatchdog('5s', 0).v8WallMs, 5000);
  t.throws(() => parseWatchdog('soon', 0), { message: /--watchdog: "soon" must be off, a number of XS metering units/ });
  t.throws(() => parseWatchdog('10', 0), { message: /at least 1000 XS metering units/ });
});
