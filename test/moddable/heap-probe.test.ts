/**
 * The lin heap probe (docs/TARGETS.md "Heap probe"): a board started with MCDSM_HEAP_PROBE
 * collects and samples its live set at events, log lines and new peaks; without it, nothing.
 */
import test from 'ava';
import { buildFirmware } from '../../host-sim/firmware/build.js';
import { outDir, runScenario, SCENARIOS } from '../../host-sim/firmware/footprint.js';
import { parseProbeLines, probeScenario, probeSteps } from '../../host-sim/firmware/heap-probe.js';
import { moddableSdkOrReport } from './helpers.js';

const sdk = moddableSdkOrReport(test);

test('probe lines parse, and steps start at log lines', (t) => {
  const s = parseProbeLines([
    'instruments: 1,2,3',
    'heap-probe event app-start 0 live-slots=1500 live-chunks=19000 heap-slots=2047 heap-chunks=32768',
    'heap-probe links[0] receive live-slots=1600 live-chunks=20000 heap-slots=2047 heap-chunks=32768 peak',
    'heap-probe log case a live-slots=1550 live-chunks=19500 heap-slots=2047 heap-chunks=32768',
    'heap-probe timer live-slots=1700 live-chunks=25000 heap-slots=2111 heap-chunks=33792 peak',
  ]);
  t.is(s.length, 4);
  t.deepEqual(s[1], { label: 'links[0] receive', liveSlots: 1600, liveChunks: 20000, heapSlots: 2047, heapChunks: 32768, peak: true });
  const steps = probeSteps(s);
  t.deepEqual(steps.map((x) => x.step), ['boot', 'log case a']);
  t.deepEqual(steps[1], { step: 'log case a', startSlots: 1550, startChunks: 19500, maxSlots: 1700, maxChunks: 25000, heapSlots: 2111, heapChunks: 33792 });
});

if (sdk !== null) {
  test.serial('an idle member with MCDSM_HEAP_PROBE samples its live set after collections', async (t) => {
    const idle = SCENARIOS.find((s) => s.key === 'idle');
    if (idle === undefined) throw new Error('no idle scenario');
    const run = await probeScenario(sdk, { ...idle, appArgs: ['--ms', '1000'] }, 'peak', (l) => t.log(l));
    t.is(run.boards.length, 2);
    for (const samples of run.boards) {
      const start = samples.find((x) => x.label.startsWith('event app-start'));
      t.truthy(start, 'a sample at the app-start event');
      t.true(samples.some((x) => x.peak), 'new peaks are marked');
      for (const x of samples) {
        // Live after a collection: some runtime, and never more than the heaps hold.
        t.true(x.liveSlots > 500 && x.liveSlots <= x.heapSlots, `${x.label}: ${x.liveSlots} of ${x.heapSlots} slots`);
        t.true(x.liveChunks > 1000 && x.liveChunks <= x.heapChunks, `${x.label}: ${x.liveChunks} of ${x.heapChunks} B`);
      }
    }
  });
}

if (sdk !== null) {
  test.serial('without MCDSM_HEAP_PROBE a board prints no probe line', async (t) => {
    const idle = SCENARIOS.find((s) => s.key === 'idle');
    if (idle === undefined) throw new Error('no idle scenario');
    const fw = await buildFirmware({ app: idle.app, target: 'lin', out: outDir(idle.app, 'lin'), log: (l) => t.log(l) });
    const { lines, samples } = await runScenario(sdk, { ...idle, appArgs: ['--ms', '500'] }, fw, (l) => t.log(l));
    t.true(samples.every((b) => b.length > 0), 'the instrumented build still samples');
    t.deepEqual(lines.map((l) => parseProbeLines(l).length), [0, 0]);
  });
}
