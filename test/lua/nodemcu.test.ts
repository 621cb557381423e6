/**
 * hal/nodemcu on a real Lua: lua5.1 (strict `bit`, as NodeMCU's ESP8266 firmware) and lua5.3
 * run the runtime and the NodeMCU HAL compiled by the Lua build; the NodeMCU firmware's C
 * modules (uart, tmr, node, file, net, console) are what is stubbed (test/lua/nodemcu-stub.lua:
 * they record every call, and a virtual-time scheduler wires the boards). Two boards run
 * pingpong to V8's result: ESP32-style over UARTs, ESP8266-style over UDP with tmr.now()
 * wrapping at 2^31 µs mid-run; a bad config file halts the board naming the field.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runDomain } from '../../host-sim/sim/run.js';
import { luaDir } from './lua-run.js';

const STUB = fileURLToPath(new URL('../../../test/lua/nodemcu-stub.lua', import.meta.url));

interface StubRun {
  console: Map<number, string[]>;
  calls: string[];
  endMs: number;
}

function runStub(target: '5.1' | '5.3', script: string[], image = false): StubRun {
  const bin = target === '5.1' ? 'lua5.1' : 'lua5.3';
  const r = spawnSync(bin, [STUB, luaDir(target), ...(image ? ['image'] : [])], {
    input: `${script.join('\n')}\n`,
    encoding: 'utf8',
    env: { ...process.env, MCDSM_STRICT_BIT: target === '5.1' ? '1' : '0' },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`${bin} nodemcu-stub exited ${String(r.status)}: ${r.stderr}`);
  const out: StubRun = { console: new Map(), calls: [], endMs: -1 };
  for (const line of r.stdout.split('\n')) {
    const m = /^console (\d+) (.*)$/.exec(line);
    if (m !== null) {
      const b = Number(m[1]);
      out.console.set(b, [...(out.console.get(b) ?? []), m[2]!]);
    } else if (line.startsWith('call ')) out.calls.push(line.slice(5));
    else if (line.startsWith('end ')) out.endMs = Number(line.slice(4));
  }
  return out;
}

function boardConfig(node: number, link: Record<string, unknown>): string {
  return JSON.stringify({ domain: 0, node, rank: node, boards: 2, seed: 7, ramLimit: 4_000_000, app: 'pingpong', appArgs: [], options: {}, links: [link], console: { uart: 0, baud: 115200 } });
}

/** Rank 0's result as the console notice prints it. */
function result(run: StubRun, board: number): unknown {
  const line = (run.console.get(board) ?? []).find((l) => l.startsWith('# app-result rank='));
  if (line === undefined) return undefined;
  return JSON.parse(line.slice(line.indexOf(' ', '# app-result rank='.length) + 1));
}

async function v8Result(link: string): Promise<unknown> {
  const s = await runDomain({ app: 'pingpong', appArgs: [], boards: '2', engine: 'node', topology: 'line', link, ram: '4M', seed: '7' });
  if (!s.ok) throw new Error(s.reason);
  return s.app.result;
}

test('Lua 5.3, ESP32 firmware: two boards over UART2 at 921600 run pingpong to V8 boards\' result', async (t) => {
  const run = runStub('5.3', [
    'board esp32',
    'board esp32',
    `file 0 mcdsm.json ${boardConfig(0, { kind: 'stream', mtu: 256, uart: 2, baud: 921600 })}`,
    `file 1 mcdsm.json ${boardConfig(1, { kind: 'stream', mtu: 256, uart: 2, baud: 921600 })}`,
    'wire 0 2 1 2 921600',
    'run 60000',
  ]);
  t.deepEqual(result(run, 0), await v8Result('uart:921600'));
  t.truthy(result(run, 1), (run.console.get(1) ?? []).join('\n'));
  // The firmware calls the HAL made: config from the file system, UART2 set up and started,
  // data callbacks on UART2 (id first, as on the ESP32), the console through the console module.
  for (const b of [0, 1]) {
    t.true(run.calls.includes(`${String(b)} file.getcontents "mcdsm.json"`));
    t.true(run.calls.includes(`${String(b)} uart.setup 2 921600 8 0 1 0`));
    t.true(run.calls.includes(`${String(b)} uart.start 2`));
    t.true(run.calls.includes(`${String(b)} uart.on 2 "data" 0 fn`));
    t.true(run.calls.includes(`${String(b)} console.on "data" 0`));
  }
  t.true(run.calls.some((c) => c.startsWith('0 uart.write 2 ')));
  t.true(run.calls.some((c) => c.startsWith('0 tmr.alarm ')));
});

test('Lua 5.1 strict bit, ESP8266 firmware: two boards over UDP, tmr.now() wrapping mid-run, console on UART0', async (t) => {
  const udp = (node: number): Record<string, unknown> => ({ kind: 'datagram', mtu: 8192, udp: { port: 5000, peer: `10.0.0.${String(2 - node)}`, peerPort: 5000 } });
  const run = runStub('5.1', ['board esp8266', 'board esp8266', `file 0 mcdsm.json ${boardConfig(0, udp(0))}`, `file 1 mcdsm.json ${boardConfig(1, udp(1))}`, 'input 0 25 status', 'run 60000']);
  t.deepEqual(result(run, 0), await v8Result('udp'));
  t.truthy(result(run, 1), (run.console.get(1) ?? []).join('\n'));
  // The stub's counter starts 20 ms before its 2^31 µs wrap: a run past that crossed it (a
  // now() that went back would have stalled or reordered the protocol's timers).
  t.true(run.endMs > 25, `ended at ${String(run.endMs)} ms`);
  // The console (UART0) answers `status` typed 5 ms after the wrap with the board's real uptime,
  // fields in the order an XS board prints them.
  const status = (run.console.get(0) ?? []).find((l) => l.startsWith('node=0 '));
  t.regex(status ?? '', /^node=0 rank=0 role=member app=pingpong state=running epoch=0 uptime_ms=25 heap=\d+ heap_limit=4000000 log=info$/);
  for (const b of [0, 1]) {
    t.true(run.calls.includes(`${String(b)} udp.listen 5000`));
    // UART0 is the console: binary, kept from NodeMCU's interpreter (run_input 0).
    t.true(run.calls.includes(`${String(b)} uart.setup 0 115200 8 0 1 0`));
    t.true(run.calls.includes(`${String(b)} uart.on "data" 0 fn 0`));
  }
  t.true(run.calls.some((c) => c.startsWith('0 udp.send 5000 "10.0.0.2" ')));
});

test('a config file with a bad field halts the board naming it; a missing file too; the console then provisions it', (t) => {
  const bad = JSON.parse(boardConfig(0, { kind: 'stream', mtu: 256, uart: 7, baud: 921600 })) as Record<string, unknown>;
  const goodLinks = JSON.stringify([{ kind: 'stream', mtu: 256, uart: 2, baud: 921600 }]);
  const run = runStub('5.3', [
    'board esp32',
    'board esp32',
    `file 0 mcdsm.json ${JSON.stringify(bad)}`,
    // Board 0: a change that still breaks the links is refused; a good one is stored.
    'input 0 10 config set links [{"kind":"stream","mtu":256,"uart":9,"baud":921600}]',
    `input 0 20 config set links ${goodLinks}`,
    'input 0 30 config show',
    'input 0 40 reset',
    // Board 1 (no file): fields are stored one by one.
    'input 1 10 config set node 1',
    'input 1 20 config show',
    'run 1000',
  ]);
  const c0 = run.console.get(0) ?? [];
  t.is(c0[0], '# HALT bad config in mcdsm.json: links[0].uart: expected an integer in 0..2');
  t.true(c0.includes('ERR links[0].uart: expected an integer in 0..2'), c0.join('\n'));
  t.true(c0.some((l) => l.startsWith('field=links value="[{\\"kind\\":\\"stream\\",\\"mtu\\":256,\\"uart\\":2,') && l.endsWith(' applies="at reset"')), c0.join('\n'));
  // config show: the stored file, field by field, the fixed link in it.
  t.true(c0.includes('field=app value="\\"pingpong\\""'), c0.join('\n'));
  t.is(c0.filter((l) => l.startsWith('field=links value=') && !l.includes('applies=')).length, 1);
  t.true(run.calls.includes('0 node.restart'));
  t.true(run.calls.includes('0 file.putcontents "mcdsm.json"'));
  const c1 = run.console.get(1) ?? [];
  t.is(c1[0], '# HALT bad config in mcdsm.json: the file is missing');
  t.true(c1.includes('field=node value=1'), c1.join('\n'));
});

test('config show on a file that is not JSON says so (it said "missing or empty"); config set rewrites it', (t) => {
  const run = runStub('5.1', [
    'board esp8266',
    'file 0 mcdsm.json {notjson',
    'input 0 10 config show',
    'input 0 20 config set node 1',
    'input 0 30 config show',
    'run 100',
  ]);
  const c0 = run.console.get(0) ?? [];
  t.is(c0[0], '# HALT bad config in mcdsm.json: not JSON (JSON.parse: expected a key at position 1)');
  t.is(c0[1], 'ERR mcdsm.json: not JSON (JSON.parse: expected a key at position 1); config set rewrites it');
  t.true(c0.includes('field=node value=1'), c0.join('\n'));
  t.false(c0.some((l) => l.includes('missing or empty')), c0.join('\n'));
});

for (const target of ['5.1', '5.3'] as const) {
  test(`Lua ${target}: the staged NodeMCU image (init.lua + nodemcu/lfs, modules found through node.LFS.get) boots and runs pingpong`, async (t) => {
    const uart = { kind: 'stream', mtu: 256, uart: 2, baud: 921600 };
    const run = runStub(target, ['board esp32', 'board esp32', `file 0 mcdsm.json ${boardConfig(0, uart)}`, `file 1 mcdsm.json ${boardConfig(1, uart)}`, 'wire 0 2 1 2 921600', 'run 60000'], true);
    t.deepEqual(result(run, 0), await v8Result('uart:921600'));
    // init.lua waits 3 s (a window to stop it from the Lua prompt) before the runtime starts.
    t.true(run.calls.includes('0 tmr.alarm 3000 0'));
    t.true(run.endMs > 3000);
  });
}
