/**
 * The esp32 build's JavaScript half with the real SDK tools: without ESP-IDF, mcconfig writes
 * the build folder and make runs xsc, xsid and xsl into the archive (mc.xs.c). Every module
 * the firmware bundle imports must be linked into it, and nothing of the apps not asked for.
 */
import test from 'ava';
import { buildFirmware } from '../../host-sim/firmware/build.js';
import { firmwareOut, moddableSdkOrReport } from './helpers.js';

const sdk = moddableSdkOrReport(test);

if (sdk !== null) {
  test('esp32 without ESP-IDF: the xsc/xsl archive step links every module the bundle imports', async (t) => {
    const saved = process.env['IDF_PATH'];
    delete process.env['IDF_PATH'];
    try {
      const fw = await buildFirmware({ app: 'pingpong', target: 'esp32', out: firmwareOut('pingpong-esp32') });
      t.false(fw.full);
      const archive = fw.archive;
      if (archive === undefined) return t.fail('no archive');
      t.true(archive.bytes > 10_000, String(archive.bytes));
      t.log(`esp32 archive: ${archive.bytes} bytes, ${archive.modules.length} modules`);
      for (const m of [...fw.sdkImports, 'main']) t.true(archive.modules.includes(m), `${m} not in ${archive.modules.join(' ')}`);
      t.false(fw.files.some((f) => f.includes('conformance') || f.startsWith('bench/')));
    } finally {
      if (saved !== undefined) process.env['IDF_PATH'] = saved;
    }
  });
}
