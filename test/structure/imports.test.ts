/**
 * The import-direction check (.dependency-cruiser.cjs, docs/ARCHITECTURE.md) over the real
 * tree, and over a small tree that breaks each rule once, so a rule that stopped matching
 * (a typo in a path, a layer left out) fails here instead of passing silently.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = join(REPO, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const CONFIG = join(REPO, '.dependency-cruiser.cjs');
/** What the check covers: the runtime and everything that builds on it. */
const TREES = ['src', 'hal', 'firmware', 'examples', 'bench', 'host-sim'];

function depcruise(cwd: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, out: `${stdout}${stderr}` });
    });
  });
}

test('the tree keeps its import directions (npm run check:imports)', async (t) => {
  const r = await depcruise(REPO, [...TREES, '--config', CONFIG, '--ignore-known']);
  t.is(r.code, 0, r.out);
  t.regex(r.out, /no dependency violations found/);
});

test('each rule catches what it forbids', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mcdsm-layers-'));
  try {
    const files: Record<string, string> = {
      'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }),
      'package.json': JSON.stringify({ type: 'module' }),
      // net (rank 2) importing mcapi (rank 3): upward.
      'src/net/link.ts': "import { node } from '../mcapi/node.js';\nexport const link = node + 1;\n",
      'src/mcapi/node.ts': "import { HAL_NAME } from '../hal.js';\nexport const node = HAL_NAME.length;\n",
      // The HAL interface: imported as types only, and declared from wire/ and util/ only.
      'src/hal.ts': "import type { Link } from './net/link.js';\nexport const HAL_NAME = 'hal';\nexport type L = Link;\n",
      // net and console are siblings: neither imports the other.
      'src/console/shell.ts': "import { link } from '../net/link.js';\nexport const shell = link;\n",
      // A type-only cycle inside one layer.
      'src/util/a.ts': "import type { B } from './b.js';\nexport interface A { b?: B }\n",
      'src/util/b.ts': "import type { A } from './a.js';\nexport interface B { a?: A }\n",
      // src/ reaching a target folder, and a Node.js module.
      'src/wire/frame.ts': "import { boot } from '../../hal/driven/boot.js';\nexport const frame = boot;\n",
      'hal/driven/boot.ts': 'export const boot = 2;\n',
      'src/dsm/store.ts': "import { readFileSync } from 'node:fs';\nexport const store = readFileSync;\n",
      // A folder no layer names.
      'src/newthing/x.ts': "import { node } from '../mcapi/node.js';\nexport const x = node;\n",
      // A HAL taking its apps from examples/, and board code importing the simulator.
      'hal/xsnap/main.ts': "import { app } from '../../examples/demo/app.js';\nexport const main = app;\n",
      'examples/demo/app.ts': "import { sim } from '../../host-sim/sim/sim.js';\nexport const app = sim;\n",
      'host-sim/sim/sim.ts': 'export const sim = 3;\n',
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const r = await depcruise(dir, ['src', 'hal', 'examples', 'host-sim', '--config', CONFIG]);
    t.not(r.code, 0, 'the check fails');
    const expected: [string, RegExp][] = [
      ['layer-net', /layer-net: src\/net\/link\.ts → src\/mcapi\/node\.ts/],
      ['layer-console', /layer-console: src\/console\/shell\.ts → src\/net\/link\.ts/],
      ['no-circular', /no-circular: src\/util\/[ab]\.ts/],
      ['hal-interface-types-only', /hal-interface-types-only: src\/mcapi\/node\.ts → src\/hal\.ts/],
      ['hal-interface-imports', /hal-interface-imports: src\/hal\.ts → src\/net\/link\.ts/],
      ['src-stays-in-src', /src-stays-in-src: src\/wire\/frame\.ts → hal\/driven\/boot\.ts/],
      ['src-no-packages', /src-no-packages: src\/dsm\/store\.ts → (node:)?fs/],
      ['src-layer-unplaced', /src-layer-unplaced: src\/newthing\/x\.ts/],
      ['hal-not-apps', /hal-not-apps: hal\/xsnap\/main\.ts → examples\/demo\/app\.ts/],
      ['board-code-not-host', /board-code-not-host: examples\/demo\/app\.ts → host-sim\/sim\/sim\.ts/],
    ];
    for (const [rule, line] of expected) t.regex(r.out, line, `${rule} is reported\n${r.out}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
