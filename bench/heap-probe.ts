/**
 * The lin heap probe's command line (docs/TARGETS.md "Heap probe"; host-sim/firmware/heap-probe.ts):
 *
 *   MODDABLE=... node dist/bench/heap-probe.js <idle|pingpong|laplace|conformance> [--all] [--lines] [--json] [-- <app args>]
 *
 * `--all` samples after every callback (slower; peaks only otherwise), `--lines` prints every
 * sample, `-- <app args>` replaces the scenario's (e.g. `-- --case "4 KiB"`). Prints, per board,
 * the live peak and where it was reached and, per step (a log line: a conformance case), the
 * live set at its start, the largest sampled during it and the heaps as grown by its end. Next
 * to each callback-end figure, the live set at the collections XS made on its own (inside jobs:
 * the real peaks; the firmware is built with XS's collection reports for this). Real processes
 * in real time: the figures move from run to run; repeat what matters.
 */
import { SCENARIOS } from '../host-sim/firmware/footprint.js';
import type { Scenario } from '../host-sim/firmware/footprint.js';
import { probePeaks, probeScenario, probeSteps } from '../host-sim/firmware/heap-probe.js';
import { findModdableSdk } from '../host-sim/firmware/sdk.js';

async function main(argv: readonly string[]): Promise<void> {
  const dash = argv.indexOf('--');
  const own = dash >= 0 ? argv.slice(0, dash) : argv.slice();
  const appArgs = dash >= 0 ? argv.slice(dash + 1) : null;
  const key = own.find((a) => !a.startsWith('--'));
  const base = SCENARIOS.find((s) => s.key === key);
  if (base === undefined) throw new Error(`usage: heap-probe.js <${SCENARIOS.map((s) => s.key).join('|')}> [--all] [--lines] [--json] [-- <app args>]`);
  const scenario: Scenario = appArgs === null ? base : { ...base, appArgs };
  const found = findModdableSdk();
  if (!found.ok) throw new Error(`heap probe: no Moddable SDK: ${found.reason}`);
  const log = (l: string): void => void process.stderr.write(`${l}\n`);
  const { results, boards, collections } = await probeScenario(found.sdk, scenario, own.includes('--all') ? 'all' : 'peak', log);
  if (boards.every((b) => b.length === 0)) throw new Error('heap probe: no board printed a heap-probe line (is the firmware built from this checkout?)');
  if (own.includes('--json')) {
    const out = boards.map((b, i) => {
      const gcs = collections[i] ?? [];
      return { peaks: probePeaks(b, gcs), samples: b, collections: gcs, steps: probeSteps(b, gcs) };
    });
    process.stdout.write(`${JSON.stringify({ scenario: scenario.key, appArgs: scenario.appArgs, results, boards: out })}\n`);
    return;
  }
  boards.forEach((samples, i) => {
    const gcs = collections[i] ?? [];
    const peaks = probePeaks(samples, gcs);
    const peakSlots = samples.reduce((a, x) => (x.liveSlots > a.liveSlots ? x : a), samples[0]!);
    const peakChunks = samples.reduce((a, x) => (x.liveChunks > a.liveChunks ? x : a), samples[0]!);
    const last = samples[samples.length - 1]!;
    process.stdout.write(
      `board ${String(i)}: live peak ${String(peakSlots.liveSlots)} slots (at "${peakSlots.label}"), ${String(peakChunks.liveChunks)} B of chunks (at "${peakChunks.label}"); ` +
        `heaps grown to ${String(last.heapSlots)} slots, ${String(last.heapChunks)} B\n` +
        `  at collections: live peak ${String(peaks.gcSlots)} slots vs ${String(peaks.callbackSlots)} at callback ends; inside jobs ${String(peaks.ownSlots)} (after "${peaks.ownAfter}"; ` +
        `${String(peaks.collections)} collections by XS; ${String(peaks.tight)} of all left less than XS's minimum free)\n`,
    );
    if (own.includes('--lines')) for (const x of samples) process.stdout.write(`  ${x.label}: ${String(x.liveSlots)} / ${String(x.liveChunks)} B (heap ${String(x.heapSlots)} / ${String(x.heapChunks)} B)${x.peak ? ' peak' : ''}\n`);
    process.stdout.write('  step | live at start: slots / chunks | max live | max live at collections (XS\'s own) | heaps at end\n');
    for (const s of probeSteps(samples, gcs)) {
      process.stdout.write(`  ${s.step.slice(0, 70)} | ${String(s.startSlots)} / ${String(s.startChunks)} | ${String(s.maxSlots)} / ${String(s.maxChunks)} | ${String(s.gcMaxSlots)} (${String(s.collections)}) | ${String(s.heapSlots)} / ${String(s.heapChunks)}\n`);
    }
  });
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
