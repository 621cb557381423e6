/**
 * A firmware is built once per content, whatever folder asks for it: `mcdsm firmware build --out
 * fw` and then `mcdsm sim --engine moddable` (linImage, its own cache folder) used to run
 * mcconfig twice for the same inputs (~20 s each); the content store (firmwareStore) hands the
 * second folder the first one's files. The app carries a fresh token so that no earlier run's
 * cache can make the first build a hit: the test fails before the store (the second build ran
 * mcconfig, `cached: false`).
 */
import test from 'ava';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildFirmware, firmwareStore } from '../../host-sim/firmware/build.js';
import { linImage, linImageDir } from '../../host-sim/boards/moddable-image.js';
import { moddableSdkOrReport, tempDir, FIRMWARE_TEST_MS } from './helpers.js';

const sdk = moddableSdkOrReport(test);

if (sdk !== null) {
  test('firmware build --out A, then --out B and the simulator\'s lin image: mcconfig runs once', async (t) => {
    t.timeout(FIRMWARE_TEST_MS);
    const token = `store-${process.pid}-${Date.now().toString(36)}`;
    const dir = tempDir('fw-store');
    const appFile = join(dir, 'app.ts');
    writeFileSync(appFile, `import type { App } from 'mcdsm';\nexport const app: App = { name: 'store-probe', async main() { return '${token}'; } };\n`);
    const name = `store-probe-${token}`;
    let hash = '';
    try {
      const first = await buildFirmware({ app: appFile, target: 'lin', out: join(dir, 'a') });
      hash = first.hash;
      t.false(first.cached, 'a fresh app is built');
      const second = await buildFirmware({ app: appFile, target: 'lin', out: join(dir, 'b') });
      t.true(second.cached, 'the same inputs for another folder: taken from the store');
      t.is(second.hash, first.hash);
      t.is(second.mcSo, join(dir, 'b', 'mc.so'));
      t.deepEqual(readFileSync(second.mcSo!), readFileSync(first.mcSo!));
      t.deepEqual(second.archive?.modules, first.archive?.modules);
      t.is(JSON.parse(readFileSync(join(dir, 'b', 'firmware.json'), 'utf8')).mcSo, second.mcSo, 'B\'s firmware.json names B\'s files');
      const lines: string[] = [];
      const image = await linImage(appFile, name, (line) => lines.push(line));
      t.is(image.mcSo, join(linImageDir(name), 'mc.so'));
      t.true(lines.some((l) => /built before for another folder/.test(l)), lines.join('\n'));
      t.false(lines.some((l) => /^mcconfig/.test(l)), lines.join('\n'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(linImageDir(name), { recursive: true, force: true });
      if (hash !== '') rmSync(firmwareStore(hash), { recursive: true, force: true });
    }
  });
}
