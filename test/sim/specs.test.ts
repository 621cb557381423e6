import test from 'ava';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseLinkSpec, SpecError, wireTimeMs } from '../../host-sim/sim/link-model.js';
import { buildTopology, loadTopologyFile, disconnected } from '../../host-sim/sim/topology.js';
import { parseFaultFlag, parseScenario, checkScenarioBoards } from '../../host-sim/sim/scenario.js';
import { buildSimConfig, type SimFlags } from '../../host-sim/sim/options.js';
import { EventQueue } from '../../host-sim/sim/event-queue.js';

const dir = mkdtempSync(join(tmpdir(), 'mcdsm-spec-'));
const flags = (over: Partial<SimFlags> = {}): SimFlags => ({
  boards: '4', spares: '0', engine: 'node', topology: 'ring', link: 'uart:921600', seed: '1', ram: '160k', maxVirtual: '60s', fault: [], ...over,
});

test('uart link counts 10 bits a byte', (t) => {
  const m = parseLinkSpec('uart:115200');
  t.is(m.halKind, 'stream');
  t.is(wireTimeMs(m, 11520), 1000);
  const u = parseLinkSpec('udp,loss=0.05,corrupt=1%,reorder=0.1,latency=2ms');
  t.deepEqual([u.halKind, u.loss, u.corrupt, u.reorder, u.latencyMs], ['datagram', 0.05, 0.01, 0.1, 2]);
});

test('bad link specs name the problem', (t) => {
  t.throws(() => parseLinkSpec('serial:9600'), { instanceOf: SpecError, message: /unknown link kind "serial"/ });
  t.throws(() => parseLinkSpec('uart:fast'), { message: /baud rate "fast"/ });
  t.throws(() => parseLinkSpec('uart:9600,loss=2'), { message: /loss: "2" must be a probability/ });
  t.throws(() => parseLinkSpec('uart:9600,reorder=0.1'), { message: /reorder applies to datagram links only/ });
  t.throws(() => parseLinkSpec('udp,jitter=3'), { message: /unknown option "jitter"/ });
});

test('topologies have the expected edges', (t) => {
  const m = parseLinkSpec('ideal');
  t.is(buildTopology('line', 5, m).edges.length, 4);
  t.is(buildTopology('ring', 5, m).edges.length, 5);
  t.is(buildTopology('star', 5, m).edges.length, 4);
  t.is(buildTopology('full', 5, m).edges.length, 10);
  t.deepEqual(buildTopology('ring', 2, m).edges.map((e) => [e.a, e.b]), [[0, 1]]);
  t.throws(() => buildTopology('mesh', 3, m), { message: /unknown topology "mesh"/ });
});

test('topology files are checked field by field', (t) => {
  const m = parseLinkSpec('ideal');
  const write = (name: string, body: string) => {
    const p = join(dir, name);
    writeFileSync(p, body);
    return p;
  };
  const good = loadTopologyFile(write('good.json', '{"boards":3,"links":[{"a":0,"b":1},{"a":1,"b":2,"link":"uart:115200"}]}'), m);
  t.is(good.edges[1]!.model.baud, 115200);
  t.throws(() => loadTopologyFile(write('bad1.json', '{"boards":3,"links":[{"a":0,"b":3}]}'), m), { message: /links\[0\]\.b must be a board number from 0 to 2/ });
  t.throws(() => loadTopologyFile(write('bad2.json', '{"boards":3,"links":[{"a":0,"b":1},{"a":1,"b":0}]}'), m), { message: /duplicates the link/ });
  t.throws(() => loadTopologyFile(write('bad3.json', '{"boards":3,'), m), { message: /topology file .*bad3.json/ });
  t.throws(() => loadTopologyFile(join(dir, 'missing.json'), m), { message: /ENOENT/ });
  t.deepEqual(disconnected(loadTopologyFile(write('split.json', '{"boards":4,"links":[{"a":0,"b":1},{"a":2,"b":3}]}'), m)), [2, 3]);
});

test('fault flags compile to console commands', (t) => {
  t.like(parseFaultFlag('crash:2@1200ms'), { board: 2, command: 'fault crash', atMs: 1200 });
  t.like(parseFaultFlag('reboot:1@iter=30'), { board: 1, command: 'fault reboot', onEvent: { name: 'iter', value: 30 } });
  t.like(parseFaultFlag('hang:3@800ms:250ms'), { board: 3, command: 'fault hang 250', atMs: 800 });
  t.like(parseFaultFlag('crash:0@ckpt-commit'), { board: 0, onEvent: { name: 'ckpt-commit' } });
  t.like(parseFaultFlag('partition:1@2s:2,3'), { command: 'fault partition 2,3', atMs: 2000 });
  for (const bad of ['crash', 'crash:x@1s', 'explode:1@1s', 'hang:1@1s', 'crash:1@1s:5', 'drop:1@1s:3', 'crash:1@Iter']) {
    t.throws(() => parseFaultFlag(bad), { instanceOf: SpecError }, bad);
  }
});

test('scenario files parse and name bad lines', (t) => {
  const steps = parseScenario('# demo\nat 1.5s board 2: fault crash\non iter=3 board 0: fault hang 100\n\n', 's.txt');
  t.is(steps.length, 2);
  t.like(steps[0], { atMs: 1500, board: 2, command: 'fault crash' });
  t.throws(() => parseScenario('at soon board 1: fault crash', 's.txt'), { message: /s\.txt:1: "at" needs a time, not "soon"/ });
  t.throws(() => parseScenario('\nwhenever board 1: x', 's.txt'), { message: /s\.txt:2: expected/ });
  t.throws(() => checkScenarioBoards(steps, 2), { message: /board 2 does not exist \(boards are 0\.\.1\)/ });
});

test('sim flags fail before anything starts, naming the flag', (t) => {
  t.throws(() => buildSimConfig(flags({ boards: '0' }), 'pingpong', []), { message: /--boards: "0"/ });
  t.throws(() => buildSimConfig(flags({ engine: 'spidermonkey' }), 'pingpong', []), { message: /--engine/ });
  t.throws(() => buildSimConfig(flags({ ram: 'lots' }), 'pingpong', []), { message: /--ram: "lots"/ });
  t.throws(() => buildSimConfig(flags({ pageSize: '1000' }), 'pingpong', []), { message: /--page-size: 1000 must be a power of two/ });
  t.throws(() => buildSimConfig(flags({ fault: ['crash:9@1s'] }), 'pingpong', []), { message: /board 9 does not exist/ });
  const cfg = buildSimConfig(flags({ spares: '1', engine: 'mixed' }), 'pingpong', ['--n', '3']);
  t.deepEqual(cfg.engines, ['xs', 'node', 'xs', 'node', 'xs']);
  t.is(cfg.topology.edges.length, 5);
  t.deepEqual(cfg.appArgs, ['--n', '3']);
  t.is(cfg.ramBytes, 160 * 1024);
});

test('event queue orders by time then insertion', (t) => {
  const q = new EventQueue<string>();
  q.push(5, 'c');
  q.push(1, 'a');
  q.push(5, 'd');
  q.push(1, 'b');
  q.push(3, 'x');
  const out: string[] = [];
  while (q.size) out.push(q.pop()!.item);
  t.deepEqual(out, ['a', 'b', 'x', 'c', 'd']);
});
