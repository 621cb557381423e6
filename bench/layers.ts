/**
 * Where a 24-byte message round trip's XS units go, per layer (docs/PERFORMANCE.md):
 * `node dist/bench/layers.js [--json]`; with `--pkt` 4 KiB packets too; with `--steps` msg24 and pkt4k
 * on udp counting only the critical steps (stepLayers); with `--fetch` the DSM's
 * 4 KiB page fetch instead (its two critical steps after the request, `dsm-bench --mode fetch-steps`,
 * and on udp the reader's step that sends the request, `--mode fetch-request-steps`). Runs `mcapi-bench --mode rtt-layers` (the profiler of
 * bench/apps/layer-meter.ts on both boards) on uart:921600 and udp at 150 ns/unit, next to
 * the plain `rtt` run and the raw baseline, and prints units per round trip, both boards:
 * each layer's own work, and the rest (the app's own code, promise reactions, the board
 * entry: the plain run's total minus the layers). A layer's figure is what the profiled run
 * charged it less its calls' share of the wrapper cost, calibrated on an empty method and
 * scaled so that the wrapper costs add up to the profiled run's excess over the plain run.
 */
import { NS_PER_UNIT, boardTime } from './board-time.js';
import { BENCH_LINKS } from './mcapi.js';

interface LayerFigures {
  link: string;
  /**
   * msg24 (24-byte messages, `rtt`), pkt4k (4 KiB packets, `pkt-rtt`), fetch4k (the DSM page
   * fetch's two critical steps after the request, `dsm-bench --mode fetch-steps`) or fetchReq
   * (the reader's step that sends the FETCH, `--mode fetch-request-steps`).
   */
  what: What;
  units: number;
  rawUnits: number;
  profiledUnits: number;
  layers: Record<string, number>;
  rest: number;
  calls: Record<string, number>;
  /** Measured / calibrated wrapper cost (1 = the calibration was exact). */
  scale: number;
  /** The most expensive methods, both boards: [name, raw units per round trip (wrapper included), calls per round trip]. */
  methods: [string, number, number][];
}

type What = 'msg24' | 'pkt4k' | 'fetch4k' | 'fetchReq';

async function one(linkName: keyof typeof BENCH_LINKS, count: number, what: What = 'msg24', steps = false): Promise<LayerFigures> {
  // The request step's profile has no whole run of its own to scale by: the fetch's (fetch4k) is the same run.
  const wholeScale = steps || what === 'fetchReq' ? (await one(linkName, count, what === 'fetchReq' ? 'fetch4k' : what)).scale : undefined;
  const link = BENCH_LINKS[linkName];
  const common = { boards: '2', engine: 'xs', topology: 'line', link, ram: '8M', nsPerUnit: NS_PER_UNIT[0] } as const;
  const args = ['--size', what === 'msg24' ? '24' : '4096', '--count', String(count)];
  let plain, prof, raw;
  if (what === 'fetch4k' || what === 'fetchReq') {
    // The page fetch's two critical steps after the request (the home takes the FETCH and
    // sends the page, the reader takes it), or the reader's step that sends the FETCH (from
    // bench-start, since the CPU model lands a frame when it is written), the profiler
    // counting only those steps.
    const dsm = { ...common, pageSize: '4096', app: 'dsm-bench' };
    plain = await boardTime({ ...dsm, appArgs: ['--mode', 'fetch', ...args] });
    prof = await boardTime({ ...dsm, appArgs: ['--mode', what === 'fetch4k' ? 'fetch-steps' : 'fetch-request-steps', ...args] });
    raw = await boardTime({ ...common, app: 'raw-fetch', appArgs: args });
  } else {
    plain = await boardTime({ ...common, app: 'mcapi-bench', appArgs: ['--mode', what === 'msg24' ? 'rtt' : 'pkt-rtt', ...args] });
    prof = await boardTime({ ...common, app: 'mcapi-bench', appArgs: ['--mode', `${what === 'msg24' ? 'rtt' : 'pkt'}-${steps ? 'steps' : 'layers'}`, ...args] });
    raw = await boardTime({ ...common, app: 'raw-echo', appArgs: args });
  }
  const layers: Record<string, number> = {};
  const calls: Record<string, number> = {};
  const rawOf: Record<string, number> = {};
  const wrapOf: Record<string, number> = {};
  let estimated = 0;
  let sum = 0;
  const methods = new Map<string, [number, number]>();
  for (const res of Object.values(prof.summary.app.results)) {
    for (const [k, u, c] of (res as { methods?: [string, number, number][] } | null)?.methods ?? []) {
      const m = methods.get(k) ?? [0, 0];
      methods.set(k, [m[0] + u / count, m[1] + c / count]);
    }
    const l = (res as { layers?: Record<string, { units: number; raw: number; calls: number }> } | null)?.layers;
    if (l === undefined) throw new Error('bench layers: a board returned no layer figures');
    for (const [k, v] of Object.entries(l)) {
      if (k === 'profiler') {
        estimated += v.units / count;
        continue;
      }
      rawOf[k] = (rawOf[k] ?? 0) + v.raw / count;
      wrapOf[k] = (wrapOf[k] ?? 0) + (v.raw - v.units) / count;
      calls[k] = (calls[k] ?? 0) + v.calls / count;
    }
  }
  const units = plain.units / plain.count;
  const profiledUnits = prof.units / prof.count;
  // The calibrated wrapper cost is an estimate (an empty method's): scaled so that what the
  // profiler added in all is exactly the profiled run's excess over the plain one.
  // In steps mode the profiled run's excess is the whole run's and `estimated` the kept
  // steps': the scale is the whole run's profile's (`wholeScale`).
  const scale = wholeScale ?? (estimated > 0 ? (profiledUnits - units) / estimated : 0);
  for (const k of Object.keys(rawOf)) {
    layers[k] = Math.round(rawOf[k]! - scale * wrapOf[k]!);
    sum += layers[k]!;
  }
  return {
    link, what, methods: [...methods.entries()].map(([k, v]): [string, number, number] => [k, Math.round(v[0]), Math.round(v[1] * 10) / 10]).sort((a, b) => b[1] - a[1]).slice(0, 200),
    units: Math.round(units), rawUnits: Math.round(raw.units / raw.count), profiledUnits: Math.round(profiledUnits), layers,
    rest: Math.round(units - sum), calls, scale: Math.round(scale * 1000) / 1000,
  };
}

/** msg24 on uart and udp; with `pkt`, pkt4k (4 KiB packets over packet channels) on both too. */
export async function benchLayers(count = 40, pkt = false): Promise<LayerFigures[]> {
  const figs = [await one('uart', count), await one('udp', count)];
  if (pkt) figs.push(await one('uart', count, 'pkt4k'), await one('udp', count, 'pkt4k'));
  return figs;
}

/**
 * `--steps`: msg24 and pkt4k on udp, the profiler counting only the critical steps (a board
 * taking the message or packet and sending the next). The layers' figures are those steps';
 * the wrapper's scale is the whole run's, and `rest` and `units` are the whole run's (the
 * plain run cannot tell its steps apart): read the layers and the methods.
 */
export async function stepLayers(count = 40): Promise<LayerFigures[]> {
  return [await one('udp', count, 'msg24', true), await one('udp', count, 'pkt4k', true)];
}

/** The DSM's 4 KiB page fetch on udp and uart: its two critical steps after the request per layer, and on udp the request's step. */
export async function fetchLayers(count = 30): Promise<LayerFigures[]> {
  return [await one('udp', count, 'fetchReq'), await one('udp', count, 'fetch4k'), await one('uart', count, 'fetch4k')];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const figs = process.argv.includes('--fetch') ? await fetchLayers() : process.argv.includes('--steps') ? await stepLayers() : await benchLayers(40, process.argv.includes('--pkt'));
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(figs));
  } else {
    const names = Object.keys(figs[0]!.layers);
    console.log(`| layer | ${figs.map((f) => `${f.what} ${f.link}`).join(' | ')} |`);
    console.log(`| --- | ${figs.map(() => '---').join(' | ')} |`);
    for (const n of names) console.log(`| ${n} | ${figs.map((f) => `${f.layers[n]} (${Math.round(f.calls[n]!)} calls)`).join(' | ')} |`);
    console.log(`| rest (app code, promise reactions, board entry) | ${figs.map((f) => f.rest).join(' | ')} |`);
    console.log(`| total (the bench's units) | ${figs.map((f) => f.units).join(' | ')} |`);
    console.log(`| profiled run (wrapper cost scale) | ${figs.map((f) => `${f.profiledUnits} (${f.scale})`).join(' | ')} |`);
    console.log(`| raw baseline | ${figs.map((f) => f.rawUnits).join(' | ')} |`);
    if (process.argv.includes('--methods')) {
      for (const f of figs) {
        console.log(`\n${f.what} ${f.link}: the costliest methods (units per round trip with the wrapper, calls)`);
        for (const [k, u, c] of f.methods) console.log(`  ${k} ${u} (${c})`);
      }
    }
  }
}
