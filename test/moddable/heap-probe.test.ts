/**
 * The lin heap probe (docs/TARGETS.md "Heap probe"): a board started with MCDSM_HEAP_PROBE
 * collects and samples its live set at events, log lines and new peaks; without it, nothing.
 * Its firmware reports every collection (XS's `mxReport`), so the live set inside a job, where
 * XS decides to grow its heap, is seen too.
 */
import test from 'ava';
import { buildFirmware } from '../../host-sim/firmware/build.js';
import { outDir, runScenario, SCENARIOS } from '../../host-sim/firmware/footprint.js';
import { parseCollections, parseProbeLines, probePeaks, probeScenario, probeSteps } from '../../host-sim/firmware/heap-probe.js';
import { moddableSdkOrReport, FIRMWARE_TEST_MS } from './helpers.js';

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
  t.deepEqual(steps[1], { step: 'log case a', startSlots: 1550, startChunks: 19500, maxSlots: 1700, maxChunks: 25000, heapSlots: 2111, heapChunks: 33792, gcMaxSlots: 0, collections: 0 });
});

test('collection reports parse: XS\'s own and the probe\'s, placed after the samples before them', (t) => {
  const lines = [
    '# Slot collection: reserved 65504 used 3200 peak 4000 bytes 0', // before the slot size is known: not counted
    'heap-probe-collections slot-bytes=32',
    '# Chunk collection: reserved 32768 used 9000 peak 9000 bytes',
    '# Slot collection: reserved 65504 used 32000 peak 40000 bytes 0',
    'heap-probe-forced',
    '# Slot collection: reserved 65504 used 35200 peak 40000 bytes 0',
    'heap-probe event app-start 0 live-slots=1100 live-chunks=9000 heap-slots=2047 heap-chunks=32768 peak',
    'heap-probe log case a live-slots=1150 live-chunks=9000 heap-slots=2047 heap-chunks=32768',
    '# Slot collection: reserved 65504 used 63680 peak 65504 bytes 1',
    'heap-probe-forced',
    '# Slot collection: reserved 65504 used 38400 peak 65504 bytes 0',
    'heap-probe timer live-slots=1200 live-chunks=9500 heap-slots=2047 heap-chunks=32768 peak',
  ];
  const c = parseCollections(lines);
  t.deepEqual(c, [
    { after: 0, liveSlots: 1000, heapSlots: 2047, tight: false, forced: false },
    { after: 0, liveSlots: 1100, heapSlots: 2047, tight: false, forced: true },
    { after: 2, liveSlots: 1990, heapSlots: 2047, tight: true, forced: false },
    { after: 2, liveSlots: 1200, heapSlots: 2047, tight: false, forced: true },
  ]);
  const samples = parseProbeLines(lines);
  const steps = probeSteps(samples, c);
  t.deepEqual(steps.map((s) => [s.step, s.maxSlots, s.gcMaxSlots, s.collections]), [['boot', 1100, 1100, 1], ['log case a', 1200, 1990, 1]]);
  t.deepEqual(probePeaks(samples, c), { callbackSlots: 1200, callbackAt: 'timer', gcSlots: 1990, gcAfter: 'log case a', ownSlots: 1990, ownAfter: 'log case a', collections: 2, tight: 1 });
  t.deepEqual(parseCollections(lines.filter((l) => !l.startsWith('heap-probe-collections'))), [], 'no slot size: not a report build');
});

if (sdk !== null) {
  test.serial('an idle member with MCDSM_HEAP_PROBE samples its live set after collections', async (t) => {
    t.timeout(FIRMWARE_TEST_MS);
    const idle = SCENARIOS.find((s) => s.key === 'idle');
    if (idle === undefined) throw new Error('no idle scenario');
    const run = await probeScenario(sdk, { ...idle, appArgs: ['--ms', '1000'] }, 'peak', (l) => t.log(l));
    t.is(run.boards.length, 2);
    run.boards.forEach((samples, i) => {
      // Every collection is reported (XS's own and the probe's), and the two channels agree: a
      // printed sample's live set is the collection reported just before it.
      const gcs = run.collections[i] ?? [];
      const peaks = probePeaks(samples, gcs);
      t.log(`board ${String(i)}: ${JSON.stringify(peaks)}`);
      t.true(peaks.gcSlots > 0, 'a peak at collections');
      t.true(peaks.gcSlots >= peaks.callbackSlots, `at collections ${String(peaks.gcSlots)} >= at callback ends ${String(peaks.callbackSlots)}`);
      t.true(peaks.collections > 0, 'XS collected on its own at least once (boot fills the heap)');
      t.true(gcs.filter((c) => c.forced).length >= samples.length, 'a probe collection for every printed sample');
      for (let k = 0; k < samples.length; k++) {
        const before = gcs.filter((c) => c.after === k && c.forced).pop();
        t.is(before?.liveSlots, samples[k]!.liveSlots, `${samples[k]!.label}: the collection before it left the same live set`);
      }
      for (const c of gcs) t.true(c.liveSlots > 100 && c.liveSlots <= c.heapSlots, `a collection left ${String(c.liveSlots)} of ${String(c.heapSlots)}`);
    });
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
    t.timeout(FIRMWARE_TEST_MS);
    const idle = SCENARIOS.find((s) => s.key === 'idle');
    if (idle === undefined) throw new Error('no idle scenario');
    const fw = await buildFirmware({ app: idle.app, target: 'lin', out: outDir(idle.app, 'lin'), log: (l) => t.log(l) });
    const { lines, samples } = await runScenario(sdk, { ...idle, appArgs: ['--ms', '500'] }, fw, (l) => t.log(l));
    t.true(samples.every((b) => b.length > 0), 'the instrumented build still samples');
    t.deepEqual(lines.map((l) => parseProbeLines(l).length), [0, 0]);
  });
}
