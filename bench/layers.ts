/**
 * Where a 24-byte message round trip's XS units go, per layer (docs/PERFORMANCE.md):
 * `node dist/bench/layers.js [--json]`. Runs `mcapi-bench --mode rtt-layers` (the profiler of
 * bench/apps/layer-meter.ts on both boards) on uart:921600 and udp at 150 ns/unit, next to
 * the plain `rtt` run and the raw baseline, and prints units per round trip, both boards:
 * each layer's own work, the rest (app, promise reactions, the HAL's dispatch, timers: the
 * profiled total minus the layers) and the profiler's distortion (profiled minus plain total).
 */
import { NS_PER_UNIT, boardTime } from './board-time.js';
import { BENCH_LINKS } from './mcapi.js';

interface LayerFigures {
  link: string;
  units: number;
  rawUnits: number;
  profiledUnits: number;
  layers: Record<string, number>;
  rest: number;
  calls: Record<string, number>;
}

async function one(linkName: keyof typeof BENCH_LINKS, count: number): Promise<LayerFigures> {
  const link = BENCH_LINKS[linkName];
  const common = { boards: '2', engine: 'xs', topology: 'line', link, ram: '8M', nsPerUnit: NS_PER_UNIT[0] } as const;
  const args = ['--size', '24', '--count', String(count)];
  const plain = await boardTime({ ...common, app: 'mcapi-bench', appArgs: ['--mode', 'rtt', ...args] });
  const prof = await boardTime({ ...common, app: 'mcapi-bench', appArgs: ['--mode', 'rtt-layers', ...args] });
  const raw = await boardTime({ ...common, app: 'raw-echo', appArgs: args });
  const layers: Record<string, number> = {};
  const calls: Record<string, number> = {};
  let sum = 0;
  for (const res of Object.values(prof.summary.app.results)) {
    const l = (res as { layers?: Record<string, { units: number; calls: number }> } | null)?.layers;
    if (l === undefined) throw new Error('bench layers: a board returned no layer figures');
    for (const [k, v] of Object.entries(l)) {
      layers[k] = (layers[k] ?? 0) + v.units / count;
      calls[k] = (calls[k] ?? 0) + v.calls / count;
      sum += v.units / count;
    }
  }
  for (const k of Object.keys(layers)) layers[k] = Math.round(layers[k]!);
  const profiledUnits = Math.round(prof.units / prof.count);
  return {
    link, units: Math.round(plain.units / plain.count), rawUnits: Math.round(raw.units / raw.count), profiledUnits, layers,
    rest: Math.round(profiledUnits - sum), calls,
  };
}

export async function benchLayers(count = 40): Promise<LayerFigures[]> {
  return [await one('uart', count), await one('udp', count)];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const figs = await benchLayers();
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(figs));
  } else {
    const names = Object.keys(figs[0]!.layers);
    console.log(`| layer | ${figs.map((f) => f.link).join(' | ')} |`);
    console.log(`| --- | ${figs.map(() => '---').join(' | ')} |`);
    for (const n of names) console.log(`| ${n} | ${figs.map((f) => `${f.layers[n]} (${Math.round(f.calls[n]!)} calls)`).join(' | ')} |`);
    console.log(`| rest (app, promise reactions, HAL dispatch, timers) | ${figs.map((f) => f.rest).join(' | ')} |`);
    console.log(`| total, profiled run | ${figs.map((f) => f.profiledUnits).join(' | ')} |`);
    console.log(`| total, plain run (bench mcapi) | ${figs.map((f) => f.units).join(' | ')} |`);
    console.log(`| raw baseline | ${figs.map((f) => f.rawUnits).join(' | ')} |`);
  }
}
