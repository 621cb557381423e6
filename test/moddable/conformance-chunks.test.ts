/**
 * Round 9 (docs/FOOTPRINT.md "Round 9: conformance chunks"): the MCAPI conformance suite's 4 KiB
 * packet case, alone on three instrumented lin boards. Its sender grew the chunk heap to
 * 43 008 B while each frame's COBS encoding (~4.3 KiB) sat whole in the transmit queue next to
 * the frame the net holds until acknowledged (3 runs of 3 before the change); the queue now
 * reads the encoding from the held frame as the port drains (HalLink.writeSource), and every
 * board stays within the ESP32's default 32 KiB chunk heap.
 */
import test from 'ava';
import { CHUNK_INITIAL } from '../../host-sim/firmware/creation.js';
import { outDir, runScenario, SCENARIOS } from '../../host-sim/firmware/footprint.js';
import { buildFirmware } from '../../host-sim/firmware/build.js';
import { moddableSdkOrReport, FIRMWARE_TEST_MS } from './helpers.js';

const sdk = moddableSdkOrReport(test);

if (sdk !== null) {
  test.serial('the 4 KiB packet case keeps every lin board within the 32 KiB chunk heap', async (t) => {
    t.timeout(FIRMWARE_TEST_MS);
    const conf = SCENARIOS.find((s) => s.key === 'conformance');
    if (conf === undefined) throw new Error('no conformance scenario');
    const fw = await buildFirmware({ app: conf.app, target: 'lin', out: outDir(conf.app, 'lin'), log: (l) => t.log(l) });
    const { samples, results } = await runScenario(sdk, { ...conf, appArgs: ['--case', '4 KiB packets'] }, fw, (l) => t.log(l));
    t.is(results.length, 3);
    for (const r of results) t.regex(r, /"passed":1,"failed":0/, r);
    samples.forEach((board, rank) => {
      t.true(board.length > 0, `rank ${rank} printed instrumentation samples`);
      const chunks = Math.max(...board.map((s) => s.chunkAvailable));
      t.log(`rank ${rank}: chunk heap ${chunks} B`);
      t.true(chunks <= CHUNK_INITIAL, `rank ${rank} grew its chunk heap to ${chunks} B (ESP32 default ${CHUNK_INITIAL} B)`);
    });
  });
}
