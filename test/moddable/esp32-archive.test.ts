/**
 * The esp32 build's JavaScript half with the real SDK tools: without ESP-IDF, mcconfig writes
 * the build folder and make runs xsc, xsid and xsl into the archive (mc.xs.c). Every module
 * the firmware bundle imports must be linked into it, and nothing of the apps not asked for.
 */
import test from 'ava';
import { existsSync, mkdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_NAME, buildFirmware, buildFolder } from '../../host-sim/firmware/build.js';
import { packageRoot } from '../../host-sim/firmware/sdk.js';
import { firmwareOut, moddableSdkOrReport, tempDir, FIRMWARE_TEST_MS } from './helpers.js';

const sdk = moddableSdkOrReport(test);

if (sdk !== null) {
  test('esp32 without ESP-IDF: the xsc/xsl archive step links every module the bundle imports', async (t) => {
    t.timeout(FIRMWARE_TEST_MS);
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

if (sdk !== null) {
  // Every app's project has the same name in the shared build folder, and make judges its
  // compiled module by mtime: a board.js written while another app's build held the folder
  // was older than that build's module, and the other app was linked in (seen when ava ran
  // two Moddable test files at once: "app pingpong is not built into this firmware (have:
  // idle)"). The project files must be written only once the build holds the folder's lock.
  test('a build writes its project only once it holds the build folder, then builds its own app', async (t) => {
    t.timeout(FIRMWARE_TEST_MS);
    const saved = process.env['IDF_PATH'];
    delete process.env['IDF_PATH'];
    const out = tempDir('fw-lock');
    const lock = `${buildFolder(packageRoot(), 'esp32')}.lock`;
    mkdirSync(buildFolder(packageRoot(), 'esp32'), { recursive: true });
    let held = false;
    try {
      // Take the folder as another build would (wait for a real one to finish first).
      for (let i = 0; !held; i++) {
        try {
          mkdirSync(lock);
          held = true;
        } catch {
          if (i > 2400) return t.fail(`${lock} stayed taken`);
          await new Promise((r) => setTimeout(r, 250));
        }
      }
      const build = buildFirmware({ app: 'counter', target: 'esp32', out });
      const project = join(out, PROJECT_NAME);
      for (let i = 0; !existsSync(project); i++) {
        if (i > 600) return t.fail('the build never made its project folder');
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 500));
      t.false(existsSync(join(project, 'board.js')), 'board.js written while another build held the folder');
      t.false(existsSync(join(project, 'manifest.json')));
      rmdirSync(lock);
      held = false;
      const fw = await build;
      t.is(fw.app, 'counter');
      t.true(existsSync(join(project, 'board.js')));
      t.true(fw.files.some((f) => f.includes('examples/counter')), fw.files.join(' '));
      t.false(fw.files.some((f) => f.includes('examples/pingpong')));
    } finally {
      if (held) rmdirSync(lock);
      rmSync(out, { recursive: true, force: true });
      if (saved !== undefined) process.env['IDF_PATH'] = saved;
    }
  });
}

/** The key table of an xsl archive (mc.xs.c): every preloaded name, one slot and pointer each. */
function archiveKeys(xsC: string): string[] {
  return [...readFileSync(xsC, 'latin1').matchAll(/XS_KEY_X?_?KIND\}, \.value = \{ \.key = \{ "([^"]*)"/g)].map((m) => m[1] as string).sort();
}

if (sdk !== null) {
  test('an archive holds its own bundle\'s keys only: the same app after another app in the build folder links to the same bytes', async (t) => {
    t.timeout(FIRMWARE_TEST_MS);
    const saved = process.env['IDF_PATH'];
    delete process.env['IDF_PATH'];
    const outs = [tempDir('fw-keys-a'), tempDir('fw-keys-b'), tempDir('fw-keys-a2')];
    try {
      const first = await buildFirmware({ app: 'idle', target: 'esp32', out: outs[0] as string });
      const other = await buildFirmware({ app: 'conformance', target: 'esp32', out: outs[1] as string });
      // Past the content store: the second build must run the link step after another app's.
      const again = await buildFirmware({ app: 'idle', target: 'esp32', out: outs[2] as string, useStore: false });
      if (first.archive === undefined || other.archive === undefined || again.archive === undefined) return t.fail('no archive');
      t.false(again.cached, 'the second idle build must link again, not reuse the first');
      const firstKeys = archiveKeys(first.archive.path);
      const otherOnly = archiveKeys(other.archive.path).filter((k) => !firstKeys.includes(k));
      t.true(otherOnly.length > 0, 'the conformance firmware has names the idle one does not');
      const againKeys = archiveKeys(again.archive.path);
      t.deepEqual(againKeys.filter((k) => otherOnly.includes(k)), [], 'keys of the app linked before leaked into this archive');
      t.is(again.archive.bytes, first.archive.bytes);
      t.log(`idle ${first.archive.bytes} B (${firstKeys.length} keys), conformance ${other.archive.bytes} B, idle again ${again.archive.bytes} B`);
    } finally {
      for (const out of outs) rmSync(out, { recursive: true, force: true });
      if (saved !== undefined) process.env['IDF_PATH'] = saved;
    }
  });
}
