/**
 * Short slices of the board-time benchmarks (`npm run bench` runs the long ones): the JSON
 * has the fields the issue names, the figures are board time of both sides from one
 * invocation, physics is never beaten, and the simulator's own work is measured and left out.
 */
import test from 'ava';
import { benchMac, benchMcapi, wireLimitMs, minimalWireBytes } from '../../bench/mcapi.js';
import { benchBarriers, benchDsm, barrierCounts, marginal } from '../../bench/dsm.js';
import { runMetered } from '../../bench/timing.js';
import { boardTime } from '../../bench/board-time.js';
import type { RunOptions } from '../../host-sim/sim/run.js';

test('the wire limit of a round trip: payload + CRC-32 + COBS on a UART, the datagram on udp, each way', (t) => {
  t.is(minimalWireBytes('uart:921600', 24), 30);
  t.is(minimalWireBytes('udp', 24), 24);
  t.is(wireLimitMs('uart:921600', 24), 2 * (0.05 + 30 / 92.16));
  t.is(wireLimitMs('udp', 4096), 2 * (1 + 4096 / 1250));
});

test('bench mcapi: board time of MCAPI and raw on uart and udp, side by side, simulator work left out', async (t) => {
  const r = await benchMcapi({ count: 3 });
  t.deepEqual(Object.keys(r), ['uart', 'udp', 'nsPerUnit', 'simHalUnits']);
  t.deepEqual(r.nsPerUnit, [150, 300]);
  t.true(r.simHalUnits > 0);
  for (const link of ['uart', 'udp'] as const) {
    for (const what of ['msg24', 'pkt4k'] as const) {
      const f = r[link][what];
      t.deepEqual(Object.keys(f), ['ratio', 'wireRatio', 'units', 'rawUnits']);
      t.true(f.units > f.rawUnits, `${link} ${what}: ${f.units} vs raw ${f.rawUnits}`);
      t.true(f.rawUnits > 0);
      t.true(f.wireRatio >= 1, `${link} ${what}: faster than the wire (${f.wireRatio})`);
      t.true(f.ratio > 0.9, `${link} ${what}: ratio ${f.ratio}`);
    }
  }
  // The UART baseline frames and checks: it costs more than the udp one, which sends datagrams.
  t.true(r.uart.msg24.rawUnits > r.udp.msg24.rawUnits);
});

test('bench mcapi: the domain key costs units per frame and 8 bytes on the wire', async (t) => {
  const lines: string[] = [];
  const m = await benchMac({ count: 3, log: (l) => lines.push(l) });
  t.is(m.link, 'udp');
  t.true(m.unitsPerFrame > 0 && m.keyedUnitsPerFrame > m.unitsPerFrame, `${m.keyedUnitsPerFrame} with the key, ${m.unitsPerFrame} without`);
  t.is(m.macUnitsPerFrame, m.keyedUnitsPerFrame - m.unitsPerFrame);
  // Every frame carries the 8-byte tag (a window may hold a HELLO more or less in one run).
  t.true(Math.abs(m.bytesPerFrame - 8) < 1, `+${m.bytesPerFrame} B per frame`);
  t.true(lines.some((l) => l.startsWith('MAC (domain key) on msg24 over udp:')), lines.join('\n'));
});

test('bench dsm: marginal barrier figures grow with the ring, Laplace points carry the issue fields', async (t) => {
  const r = await benchDsm({ fetches: 2, barriers: 3, barrierBoards: [2, 4], laplaceBoards: [4], iters: 2 });
  t.true(r.pageFetch4k.ratio > 0.9);
  t.deepEqual(r.barrier.map((b) => b.boards), [2, 4]);
  // Marginal: a barrier of 2 boards is two small messages, not the start-up floods.
  t.true(r.barrier[0]!.bytes > 0 && r.barrier[0]!.bytes < 200, `2-board barrier: ${r.barrier[0]!.bytes} bytes`);
  t.true(r.barrier[1]!.units > r.barrier[0]!.units);
  t.deepEqual(r.laplace.map((p) => [p.boards, p.link, p.topology]), [[4, 'uart', 'ring'], [4, 'udp', 'full']]);
  for (const p of r.laplace) t.deepEqual(Object.keys(p), ['boards', 'link', 'topology', 'cpuRatio', 'wireRatio']);
});

test('bench dsm barrier: the marginal of two whole runs over every board, not board 0\'s windows', async (t) => {
  const lines: string[] = [];
  const [r] = await benchBarriers(4, [2], (l) => lines.push(l));
  // Counted another way (timing.ts's meter, every step of every board; the run's wire bytes):
  // runs of 2 and 4 barriers on the same line, the difference per added barrier.
  const whole = async (n: number): Promise<{ units: number; bytes: number }> => {
    const { summary, compute } = await runMetered(
      { boards: '2', engine: 'xs', topology: 'line', link: 'uart:921600', ram: '8M', cpu: '150', app: 'dsm-bench', appArgs: ['--mode', 'barrier', '--count', String(n)] },
      {},
      () => true,
    );
    t.true(summary.ok, summary.reason);
    return { units: compute.reduce((a, b) => a + b, 0), bytes: summary.wire.bytes };
  };
  const two = await whole(2);
  const four = await whole(4);
  // Board 0's windows (the old figure) gave 28.9k units and 102 B here: the first timed
  // barrier's settling work in, other boards' steps between windows out.
  t.deepEqual(r, { boards: 2, units: Math.round((four.units - two.units) / 2), bytes: Math.round((four.bytes - two.bytes) / 2) });
  t.true(r!.bytes > 0 && r!.bytes < 200, `${r!.bytes} B`);
  t.true(lines.some((l) => l.includes('runs of 2 and 4 barriers')), lines.join('\n'));
});

test('bench dsm barrier: counts halve, a marginal needs two runs that differ', (t) => {
  t.deepEqual(barrierCounts(20), [10, 20]);
  t.deepEqual(barrierCounts(3), [1, 3]);
  t.throws(() => barrierCounts(1), { instanceOf: RangeError });
  t.deepEqual(marginal({ units: 100, simHalUnits: 10, bytes: 50, ms: 1 }, { units: 300, simHalUnits: 30, bytes: 90, ms: 2 }, 4), { units: 50, simHalUnits: 5, bytes: 10, ms: 0.25 });
});

test('bench dsm page fetch: the window holds one FETCH and its FETCH_DATA, not the barrier around it', async (t) => {
  // The links' HELLOs (every 500 ms, src/net/options.ts) are keepalive, not the fetch: where one
  // falls against four ~50 ms windows moves with every change of step cost (round 13's faster
  // steps put board 0's HELLO at 501 ms inside the third window). This short run sends them
  // every 5 s, so the frames counted are the fetch's alone.
  const run = (mode: string, link: string): ReturnType<typeof boardTime> =>
    boardTime({ boards: '2', engine: 'xs', topology: 'line', link, ram: '8M', nsPerUnit: 150, pageSize: '4096', options: { net: { helloMs: 5000 } }, app: 'dsm-bench', appArgs: ['--mode', mode, '--count', '4', '--size', '4096'] });
  const uart = await run('fetch', 'uart:921600');
  t.is(uart.windows, 4);
  t.is(uart.frames, 2 * 4, 'one request frame and one page frame per fetch on a UART');
  const udp = await run('fetch', 'udp');
  t.true(udp.frames <= 3 * 4, `udp: ${udp.frames} frames in 4 fetches (a request, the page, at most one ack)`);
  t.true(udp.units / 4 < 30_000, `udp: ${Math.round(udp.units / 4)} units per fetch`);
  // Timed right behind the barrier, the window also holds the home's next BARRIER_ARRIVE.
  const behind = await run('fetch-barrier', 'udp');
  t.true(behind.frames > udp.frames && behind.units > udp.units * 1.5, `behind the barrier: ${behind.frames} frames, ${behind.units} units`);
});

test('board time costs the steps: the same run at 300 ns/unit takes longer than at 150', async (t) => {
  const o: RunOptions = { app: 'raw-echo', appArgs: ['--size', '24', '--count', '5'], boards: '2', engine: 'xs', topology: 'line', link: 'uart:921600', ram: '8M' };
  const fast = await boardTime({ ...o, nsPerUnit: 150 });
  const slow = await boardTime({ ...o, nsPerUnit: 300 });
  t.is(fast.units, slow.units, 'metering is deterministic');
  t.true(slow.ms > fast.ms);
  t.true(fast.simHalUnits > 0);
  t.is(fast.bytes, 5 * 2 * 30, '5 round trips of 30 framed bytes each way');
});
