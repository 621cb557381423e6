/**
 * `mcdsm bench ft`: checkpoint cost and recovery time.
 *  - ckpt: two boards each checkpoint a state of 16 KiB .. 1 MiB (every byte changed since the
 *    previous checkpoint) into the other's RAM over a 921600-baud UART, against the same bytes
 *    streamed raw over the same link (bench/apps/raw-stream.ts). Times are virtual ms: the
 *    simulator's link model makes them what the UART would take; they do not depend on the
 *    engine (runs are deterministic and identical on V8 and XS), so V8 boards are used.
 *  - laplaceOverheadPct: Laplace on 4 XS boards, N=256, 100 iterations, a checkpoint every 10
 *    iterations against none, in virtual time with the simulator's CPU model (--cpu 150, the
 *    ESP32 estimate: each XS metering unit costs 150 ns of board time), on UDP links (a board's
 *    Wi-Fi). Next to it: the same on 921600-baud UARTs, and the CPU spent alone (XS units
 *    summed over the boards, deterministic).
 *  - recovery: 64 KiB per board on an ideal link, a board crashed, a spare takes over:
 *    detection, restore and total virtual ms as the coordinator reported them, with fast
 *    heartbeats (50 ms / 200 ms timeout) and with the defaults (250 ms / 2 s) on V8 boards
 *    (computation is free there: restore is protocol and link time only), and on XS boards
 *    under the CPU model (100 ms / 500 ms: restore includes the boards' work).
 */
import { ESP32_NS_PER_UNIT } from '../host-sim/sim/options.js';
import { parseLinkSpec } from '../host-sim/sim/link-model.js';
import { runDomain } from '../host-sim/sim/run.js';
import { round } from './timing.js';

export interface FtBenchResult {
  ckpt: { stateBytes: number; ms: number; rawMs: number; ratio: number; bytesSent: number; bytesChanged: number }[];
  laplaceOverheadPct: number;
  laplace: LaplaceCkptPoint[];
  recovery: { detectMs: number; restoreMs: number; totalMs: number };
  recoveryDefaults: { detectMs: number; restoreMs: number; totalMs: number };
  /** On XS boards with the CPU model (100 ms beats, 500 ms timeout): restore includes the boards' work. */
  recoveryXsCpu: { detectMs: number; restoreMs: number; totalMs: number };
}

export interface LaplaceCkptPoint {
  link: string;
  cpuNsPerUnit: number;
  overheadPct: number;
  cpuOverheadPct: number;
  memoryMultiple: number;
  /** Moving the changed bytes alone, split evenly over the boards' links (in parallel), as % of the run without checkpoints. */
  wireFloorPct: number;
  /** Moving the busiest board's changed bytes alone over its link to its buddy, as % of the run without checkpoints. */
  busiestWireFloorPct: number;
}

/**
 * The wire floors of a checkpointed run, in % of the run without checkpoints: every board's
 * changed bytes split evenly over `boards` links working in parallel, and the busiest board's
 * own stream (a blocking checkpoint waits for it; the deltas are rarely even).
 */
export function wireFloors(changedBytes: number, busiestBytes: number, boards: number, bytesPerMs: number, baseMs: number): { wireFloorPct: number; busiestWireFloorPct: number } {
  return {
    wireFloorPct: round((100 * changedBytes) / boards / bytesPerMs / baseMs),
    busiestWireFloorPct: round((100 * busiestBytes) / bytesPerMs / baseMs),
  };
}

const LINK = 'uart:921600';
/** The CPU model's estimate for an ESP32 at 240 MHz (ESP32_NS_PER_UNIT, docs/SIMULATOR.md). */
const CPU_NS = ESP32_NS_PER_UNIT;

async function ckptPoint(stateBytes: number, log: (l: string) => void): Promise<FtBenchResult['ckpt'][number]> {
  let ckptUs = 0;
  const ft = await runDomain({
    app: 'ft-bench', appArgs: ['--state', String(stateBytes), '--change', '1'], boards: '2', engine: 'node', topology: 'line', link: LINK, ram: '16M',
    options: { ft: { maxStoreBytes: stateBytes * 6 + 65536 } },
    observer: { boardEvent: (_b, name, value) => void (name === 'ckpt-ms' && (ckptUs = Math.max(ckptUs, value))) },
  });
  if (!ft.ok || ckptUs === 0) throw new Error(`ft-bench with ${stateBytes} bytes failed: ${ft.reason}`);
  const raw = await runDomain({ app: 'raw-stream', appArgs: ['--size', String(stateBytes)], boards: '2', engine: 'node', topology: 'line', link: LINK, ram: '16M' });
  const rawMs = Math.max(...Object.values(raw.app.results).map((r) => (r as { ms: number }).ms));
  const ms = ckptUs / 1000;
  const point = { stateBytes, ms: round(ms), rawMs: round(rawMs), ratio: round(ms / rawMs, 3), bytesSent: ft.checkpoints.bytesSent, bytesChanged: ft.checkpoints.changedBytes };
  log(`checkpoint of ${stateBytes} B per board: ${point.ms} ms vs raw ${point.rawMs} ms (x${point.ratio}); ${point.bytesSent} B sent for ${point.bytesChanged} B changed`);
  return point;
}

/**
 * Laplace on 4 XS boards (full mesh, CPU model), checkpoints every 10 iterations against none,
 * on `link`: time and XS-unit overhead, memory multiple and the two wire floors. The app's
 * default checkpoints (background: the iterations go on while a delta streams).
 */
export async function laplaceCkptPoint(link: string, log: (l: string) => void, size = { n: 256, iters: 100 }): Promise<LaplaceCkptPoint> {
  const boards = 4;
  const run = (every: number) =>
    runDomain({ app: 'laplace', appArgs: ['--n', String(size.n), '--iters', String(size.iters), '--ckpt-every', String(every)], boards: String(boards), engine: 'xs', topology: 'full', link, ram: '8M', cpu: String(CPU_NS) });
  const base = await run(0);
  const withCkpt = await run(10);
  if (!base.ok || !withCkpt.ok) throw new Error(`laplace runs on ${link} failed: ${base.reason} / ${withCkpt.reason}`);
  if (base.app.result === null || JSON.stringify(base.app.result) !== JSON.stringify(withCkpt.app.result)) throw new Error('laplace with checkpoints gave another result');
  const cpu = (s: typeof base) => s.boards.reduce((a, b) => a + b.compute, 0);
  // The floors: each board moving its own changed bytes to its buddy over its own link (the
  // boards do it in parallel, full mesh), at the link's rate, nothing else.
  const model = parseLinkSpec(link);
  const ck = withCkpt.checkpoints;
  const point: LaplaceCkptPoint = {
    link, cpuNsPerUnit: CPU_NS,
    overheadPct: round((withCkpt.virtualMs / base.virtualMs - 1) * 100),
    cpuOverheadPct: round((cpu(withCkpt) / cpu(base) - 1) * 100),
    memoryMultiple: ck.memoryMultiple,
    ...wireFloors(ck.changedBytes, ck.maxBoardChangedBytes, boards, model.bytesPerMs, base.virtualMs),
  };
  const ratio = (floor: number): string => (floor > 0 ? String(round(point.overheadPct / floor, 2)) : 'n/a');
  log(`laplace ${boards} XS boards N=${size.n} x${size.iters} on ${link}, CPU model ${CPU_NS} ns/unit: ${round(base.virtualMs)} ms without checkpoints, ${round(withCkpt.virtualMs)} ms with one every 10 iterations (${ck.count} committed): +${point.overheadPct}% time, +${point.cpuOverheadPct}% XS units; memory multiple ${point.memoryMultiple}`);
  log(`  wire floor: ${ck.changedBytes} changed bytes (${ck.bytesSent} sent), a quarter per board at ${model.bytesPerMs} B/ms = +${point.wireFloorPct}% (overhead / floor ${ratio(point.wireFloorPct)}); the busiest board's ${ck.maxBoardChangedBytes} B alone = +${point.busiestWireFloorPct}% (overhead / that floor ${ratio(point.busiestWireFloorPct)})`);
  const extra = withCkpt.links.map((l, i) => ({ l, d: l.bytes - (base.links[i]?.bytes ?? 0) })).reduce((a, b) => (b.d > a.d ? b : a));
  log(`  busiest link ${extra.l.a}-${extra.l.b}: +${extra.d} B with checkpoints, ${round(extra.d / model.bytesPerMs)} ms of line = ${round((100 * extra.d) / model.bytesPerMs / base.virtualMs)}% of the run without them`);
  return point;
}

export async function benchFt(opts: { log?: (l: string) => void } = {}): Promise<FtBenchResult> {
  const log = opts.log ?? (() => {});
  const ckpt = [];
  for (const s of [16 * 1024, 64 * 1024, 256 * 1024, 1024 * 1024]) ckpt.push(await ckptPoint(s, log));

  const laplace = [];
  for (const link of ['udp', LINK]) laplace.push(await laplaceCkptPoint(link, log));
  const laplaceOverheadPct = laplace[0]!.overheadPct;

  // Detection is set by the heartbeat timeout. The defaults (250 ms beats, 2 s timeout, 500 ms
  // HELLOs) suit busy UART boards; on an ideal link 50 ms beats, a 200 ms timeout and 50 ms
  // HELLOs detect without false suspicion. Both are reported.
  const recovery = async (options: Record<string, unknown>, engine: 'node' | 'xs' = 'node', cpu?: number) => {
    // XS boards under the CPU model need longer to take both checkpoints: the crash comes later.
    const at = cpu !== undefined ? 3000 : 1000;
    const rec = await runDomain({
      app: 'ft-bench', appArgs: ['--state', '65536', '--change', '0.1', '--hold', String(at + 2000)], boards: '2', spares: '1', engine, topology: 'full', link: 'ideal', ram: '16M',
      ...(cpu !== undefined ? { cpu: String(cpu) } : {}),
      fault: [`crash:1@${at}ms`], options,
    });
    // The recovery from the crash (not one a false suspicion may have caused earlier).
    const r = rec.recoveries.find((x) => x.failed.includes(1));
    if (!rec.ok || !r) throw new Error(`recovery run failed: ${rec.reason}`);
    return { detectMs: r.detectMs, restoreMs: r.restoreMs, totalMs: r.totalMs };
  };
  const fast = await recovery({ ft: { heartbeatMs: 50, timeoutMs: 200 }, net: { helloMs: 50 } });
  const defaults = await recovery({});
  // A 200 ms timeout is shorter than some steps of a board at 150 ns per unit (a 64 KiB diff):
  // busy boards would be suspected. 100 ms beats and a 500 ms timeout are the fast setting there.
  const xsCpu = await recovery({ ft: { heartbeatMs: 100, timeoutMs: 500 }, net: { helloMs: 100 } }, 'xs', CPU_NS);
  log(`recovery of a 64 KiB board on an ideal link, 50 ms heartbeats / 200 ms timeout: detect ${fast.detectMs} ms, restore ${fast.restoreMs} ms, total ${fast.totalMs} ms (virtual)`);
  log(`  with the default 250 ms heartbeats / 2 s timeout: detect ${defaults.detectMs} ms, restore ${defaults.restoreMs} ms, total ${defaults.totalMs} ms`);
  log(`  on XS boards with the CPU model (${CPU_NS} ns/unit), 100 ms heartbeats / 500 ms timeout: detect ${xsCpu.detectMs} ms, restore ${xsCpu.restoreMs} ms, total ${xsCpu.totalMs} ms`);
  return { ckpt, laplaceOverheadPct, laplace, recovery: fast, recoveryDefaults: defaults, recoveryXsCpu: xsCpu };
}
