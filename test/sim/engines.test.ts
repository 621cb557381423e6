/**
 * `--engine` per board and `--attach`: the list is checked before anything starts, with errors
 * that name the entry, and the presets still work.
 */
import test from 'ava';
import { engineList, isRealEngine, measuresHeap } from '../../host-sim/sim/engines.js';
import { boardTable } from '../../host-sim/sim/status-view.js';
import type { BoardSummary } from '../../host-sim/sim/sim-types.js';
import { buildSimConfig, parseAttach, type SimFlags } from '../../host-sim/sim/options.js';
import { BoardOutput } from '../../host-sim/boards/board-output.js';

const flags = (o: Partial<SimFlags>): SimFlags => ({ boards: '4', spares: '1', engine: 'xs', topology: 'full', link: 'uart:921600', seed: '1', ram: '160k', maxVirtual: '60s', fault: [], ...o });

test('presets: one engine for all, mixed alternates', (t) => {
  t.deepEqual(engineList('xs', 3), ['xs', 'xs', 'xs']);
  t.deepEqual(engineList('node', 2), ['node', 'node']);
  t.deepEqual(engineList('mixed', 4), ['xs', 'node', 'xs', 'node']);
  t.deepEqual(engineList('moddable', 2), ['moddable', 'moddable']);
});

test('one entry per board, spares last', (t) => {
  const cfg = buildSimConfig(flags({ engine: 'xs,xs,moddable,moddable,xs' }), 'pingpong', []);
  t.deepEqual(cfg.engines, ['xs', 'xs', 'moddable', 'moddable', 'xs']);
  t.deepEqual(cfg.engines.map(isRealEngine), [false, false, true, true, false]);
});

test('a wrong count names both numbers', (t) => {
  const e = t.throws(() => buildSimConfig(flags({ engine: 'xs,xs,moddable,moddable' }), 'pingpong', []));
  t.regex(e!.message, /--engine: 4 entries for 5 boards \(--boards 4 \+ --spares 1\)/);
});

test('an unknown engine names the entry and the board', (t) => {
  const e = t.throws(() => engineList('xs,xs,moddabel,xs,xs', 5, 4));
  t.regex(e!.message, /unknown engine "moddabel" \(entry 3, board 2\); expected xs, node, moddable, lua51, lua53, mixed/);
  const spare = t.throws(() => engineList('xs,xs,xs,xs,lua', 5, 4));
  t.regex(spare!.message, /entry 5, board 4, a spare/);
  t.throws(() => engineList('v8', 2), { message: /unknown engine "v8"/ });
});

test('a Moddable board needs UART links', (t) => {
  const e = t.throws(() => buildSimConfig(flags({ engine: 'xs,xs,moddable,xs,xs', link: 'udp' }), 'pingpong', []));
  t.regex(e!.message, /board 2 \(engine moddable\) talks over UARTs, but its link 0-2 is udp/);
});

test('--attach: board, devices, console, baud; bad forms are named', (t) => {
  t.deepEqual(parseAttach('2=/dev/ttyUSB1,console=/dev/ttyUSB0,baud=115200', 4), { node: 2, links: ['/dev/ttyUSB1'], console: '/dev/ttyUSB0', baud: 115200 });
  t.deepEqual(parseAttach('1=/dev/pts/3+/dev/pts/4', 4), { node: 1, links: ['/dev/pts/3', '/dev/pts/4'], console: null, baud: 921600 });
  t.throws(() => parseAttach('/dev/ttyUSB0', 4), { message: /expected <board>=<serial device>/ });
  t.throws(() => parseAttach('7=/dev/ttyUSB0', 4), { message: /board 7 does not exist/ });
  t.throws(() => parseAttach('1=/dev/ttyUSB0,speed=9', 4), { message: /unknown option "speed=9"/ });
  // The last board of a line has one link.
  const cfg = buildSimConfig(flags({ topology: 'line', attach: ['4=/dev/null'] }), 'pingpong', []);
  t.deepEqual(cfg.attach?.map((a) => a.node), [4]);
  t.throws(() => buildSimConfig(flags({ attach: ['3=/dev/a', '3=/dev/b'] }), 'pingpong', []), { message: /board 3 is attached twice/ });
  t.throws(() => buildSimConfig(flags({ attach: ['3=/dev/a'], link: 'ideal' }), 'pingpong', []), { message: /board 3 \(attached\) talks over UARTs/ });
});

test('--attach: a device per link and every device there, checked before any board starts', (t) => {
  // Board 1 of a ring has two links (to 0, then to 2): one device is not enough.
  const few = t.throws(() => buildSimConfig(flags({ topology: 'ring', attach: ['1=/dev/null'] }), 'pingpong', []));
  t.is(few.message, '--attach: board 1 has 2 link(s) in this topology (to boards 0, 2, in that order) but 1 device(s) are named: give one device per link joined by "+" (1=/dev/ttyUSB1+/dev/ttyUSB2), or choose a topology that gives it 1 (--topology line, a .json file)');
  const missing = t.throws(() => buildSimConfig(flags({ topology: 'line', attach: ['4=/dev/mcdsm-no-such-tty'] }), 'pingpong', []));
  t.regex(missing.message, /^--attach: board 4: serial device \/dev\/mcdsm-no-such-tty does not exist/);
  const console = t.throws(() => buildSimConfig(flags({ topology: 'line', attach: ['4=/dev/null,console=/dev/mcdsm-no-console'] }), 'pingpong', []));
  t.regex(console.message, /serial device \/dev\/mcdsm-no-console does not exist/);
});

test('board output: events and halts are picked out of whole lines, the rest is console text', (t) => {
  const text: string[] = [];
  const events: string[] = [];
  const halts: string[] = [];
  let restarts = 0;
  const out = new BoardOutput({ text: (s) => text.push(s), event: (n, v, d) => events.push(`${n}|${v}|${d}`), halt: (r) => halts.push(r), restarted: () => restarts++ }, false);
  out.push('event app-st');
  out.push('art 2\r\nOK\r\n> ');
  out.push('event fault 0 partition 1,2\n# app-result rank=1 {"sum":3}\r\n# HALT fault crash\r\nlin-host: restart\n');
  t.deepEqual(events, ['app-start|2|', 'fault|0|partition 1,2', 'app-result|1|{"sum":3}']);
  t.deepEqual(halts, ['fault crash']);
  t.is(restarts, 1);
  t.is(text.join(''), 'OK\r\n> # app-result rank=1 {"sum":3}\r\n# HALT fault crash\r\n');
});

test('the board table shows heap figures only for engines whose heap the simulator measures ("-" for V8, Moddable and attached boards, not 0B)', (t) => {
  const row = (node: number, engine: BoardSummary['engine'], heapBytes: number): BoardSummary =>
    ({ node, rank: node, engine, state: 'done', framesIn: 1, framesOut: 1, bytesIn: 10, bytesOut: 10, heapBytes, heapPeakBytes: heapBytes, hostMs: 0, compute: 0, cpuMs: 0, steps: 1, boots: 1 });
  const lines = boardTable([row(0, 'xs', 46_080), row(1, 'node', 0), row(2, 'moddable', 0), row(3, 'attached', 0), row(4, 'lua53', 2_048)], 10).split('\n').slice(2);
  const heapColumn = lines.map((l) => l.split(/\s+/)[7]);
  t.deepEqual(heapColumn, ['45.0K', '-', '-', '-', '2048B']);
  t.true(measuresHeap('xs'));
  t.false(measuresHeap('moddable'));
});
