/**
 * The simulator's XS board bundle is one iife whose frame holds every module-level name of the
 * runtime; host-sim/apps/xs-frame.ts pads it to BUNDLE_FRAME_SLOTS so a simulated board keeps
 * exactly the firmware's stack for calls, and refuses a bundle with more names than that.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { rollup } from 'rollup';
import { parseAst } from 'rollup/parseAst';
import { BUNDLE_FRAME_SLOTS } from '../../host-sim/firmware/creation.js';
import { iifeNames, xsBundleFrame } from '../../host-sim/apps/xs-frame.js';
import { PACKAGE_ROOT } from '../../host-sim/apps/package-root.js';

type Ast = Parameters<typeof iifeNames>[0];

test('the board bundle\'s frame is padded to exactly BUNDLE_FRAME_SLOTS names and stays strict', (t) => {
  const code = readFileSync(`${PACKAGE_ROOT}/dist/bundles/board.xs.js`, 'utf8');
  const found = iifeNames(parseAst(code) as unknown as Ast);
  t.truthy(found);
  t.is(found?.names.length, BUNDLE_FRAME_SLOTS);
  const real = found?.names.filter((n) => !n.startsWith('$frame')).length ?? 0;
  t.true(real > 100 && real < BUNDLE_FRAME_SLOTS, `${real} module-level names`);
  t.regex(code.slice(0, 200), /^\(function \(\) \{\s*'use strict'; var \$frame0,/);
});

async function bundleWith(source: string, slots: number): Promise<string> {
  const id = '\0frame-fixture';
  const bundle = await rollup({
    input: id,
    treeshake: false,
    plugins: [{ name: 'fixture', resolveId: (x) => (x === id ? id : null), load: (x) => (x === id ? source : null) }, xsBundleFrame(slots)],
  });
  try {
    const { output } = await bundle.generate({ format: 'iife', strict: true });
    return output[0].code;
  } finally {
    await bundle.close();
  }
}

test('a small bundle gets padding, destructured names count, and too many names fail the build naming both figures', async (t) => {
  const src = 'const a = 1; let { b, c: [d, ...e] } = { c: [2] }; function f() { return a; } class G {} globalThis.out = [a, b, d, e, f, G];';
  const code = await bundleWith(src, 10);
  const found = iifeNames(parseAst(code) as unknown as Ast);
  t.deepEqual(found?.names.filter((n) => !n.startsWith('$frame')), ['a', 'b', 'd', 'e', 'f', 'G']);
  t.is(found?.names.length, 10);
  const err = await t.throwsAsync(bundleWith(src, 5));
  t.regex(err?.message ?? '', /6 module-level names, more than BUNDLE_FRAME_SLOTS \(5/);
});
