/**
 * The board bundles' numeric constants and enum members as literals
 * (host-sim/firmware/inline-constants.ts): what is inlined, what is left alone (shadowed,
 * exported, written, not a number), that the code computes the same, and that the firmware and
 * the simulator's XS bundles both get it. No SDK needed (the firmware's runs on the real runtime
 * are test/moddable/lin-boards and footprint).
 */
import test from 'ava';
import { parseAst } from 'rollup/parseAst';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inlineConstants, type InlineResult } from '../../host-sim/firmware/inline-constants.js';
import { builtinAppFile, bundleFirmware } from '../../host-sim/firmware/bundle.js';
import { bundleBoard } from '../../host-sim/apps/bundle.js';
import { DEFAULT_XS_BUNDLE, PACKAGE_ROOT } from '../../host-sim/apps/package-root.js';

function inline(code: string): InlineResult {
  return inlineConstants(code, parseAst(code));
}

const run = (code: string): unknown => new Function(`${code}\nreturn f();`)() as unknown;

/** How many reads `name.X` the code makes (comments aside). */
function memberReads(code: string, name: string): number {
  let n = 0;
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) for (const y of x) walk(y);
    else if (x !== null && typeof x === 'object') {
      const o = x as { type?: string; object?: { type?: string; name?: string } };
      if (o.type === 'MemberExpression' && o.object?.type === 'Identifier' && o.object.name === name) n++;
      for (const v of Object.values(o)) if (typeof v === 'object') walk(v);
    }
  };
  walk(parseAst(code));
  return n;
}

test('numeric constants, and constants folded from them, become literals; their declarations go', (t) => {
  const src = [
    'const BASE = 26;',
    'const EPOCH = BASE + 2;',
    'const NONE = -1;',
    'const MASK = ~0 >>> 24;',
    'function f() { const a = new Float64Array(40); a[EPOCH] = 7; return [a[EPOCH], NONE, MASK, `${EPOCH}`, { EPOCH }, { k: EPOCH }.k, 5 - NONE, EPOCH.toString(16), BASE.constructor === Number]; }',
  ].join('\n');
  const out = inline(src);
  t.is(out.inlined, 4);
  t.false(/\bconst (BASE|EPOCH|NONE|MASK)\b/.test(out.code), out.code);
  t.true(out.code.includes('a[28] = 7'), out.code);
  t.true(out.code.includes('{ EPOCH: 28 }'), 'a shorthand property keeps its name');
  t.true(out.code.includes('5 - (-1)'), 'a negative literal in parentheses');
  t.true(out.code.includes('(28).toString(16)'), 'a literal read as an object is in parentheses');
  t.deepEqual(run(out.code), run(src));
});

test('a constant bound again anywhere, exported, or not a finite number is left as it is', (t) => {
  const src = [
    'const A = 1;',
    'const B = 2;',
    'const C = 3;',
    "const S = 'x';",
    'const P = Math.PI;',
    'const I = 1 / 0;',
    'const D = 4;',
    'function g(A) { return A; }',
    'function h() { const B = 5; return B; }',
    'function f() { const o = { D: 9 }; return [g(A), h(), B, C, S, P, I, o.D, D]; }',
    'export { C };',
  ].join('\n');
  const out = inline(src);
  t.is(out.inlined, 1, 'only D');
  for (const name of ['A', 'B', 'C', 'S', 'P', 'I']) t.true(out.code.includes(`const ${name} =`), name);
  t.true(out.code.includes('{ D: 9 }') && out.code.includes('o.D'), 'property names are not references');
  t.true(out.code.includes('P, I, o.D, 4]'), out.code);
});

test("the firmware bundle reads FT's index constants as literals", async (t) => {
  const b = await bundleFirmware(builtinAppFile('pingpong'));
  t.false(/\bconst FS_EPOCH\b/.test(b.code), 'FS_EPOCH is not a module binding');
  t.false(/\bconst P_SUSPECTED\b/.test(b.code));
  t.false(/figs\[FS_[A-Z_]+\](?!`)/.test(b.code), "no read of figs by a named constant (a comment's example aside)");
});

test('enum objects: member reads become literals; the declaration goes when nothing else uses it', (t) => {
  const src = [
    "'use strict';",
    'const BASE = 0x50;',
    'const Frame = {',
    '  /** a comment */',
    '  HEARTBEAT: BASE,',
    '  JOIN: BASE + 1,',
    "  'a-b': -2,",
    '};',
    'const Sub = { FIRST: Frame.JOIN + 1 };',
    "function f() { const t = Frame.JOIN; return [t, Frame.HEARTBEAT, Frame['a-b'], Frame.JOIN.toString(16), `${Frame.HEARTBEAT}`, Sub.FIRST, -Frame['a-b'], typeof Frame.JOIN]; }",
  ].join('\n');
  const out = inline(src);
  t.is(out.inlined, 1);
  t.deepEqual(out.enums, ['Frame', 'Sub']);
  t.deepEqual(out.keptEnums, []);
  t.is(out.enumReads, 9, 'eight in f, one in Sub');
  t.false(/\bconst (Frame|Sub)\b/.test(out.code), out.code);
  t.false(/Frame\.|Frame\[|Sub\./.test(out.code), out.code);
  t.true(out.code.includes('(81).toString(16)'), 'a literal read as an object is in parentheses');
  t.true(out.code.includes('(-2)'), 'a negative literal in parentheses');
  t.is(out.code.split('\n').length, src.split('\n').length, 'every line keeps its number');
  t.deepEqual(run(out.code), run(src));
});

test('an enum read as an object but never written keeps its declaration, unfrozen; its member reads still fold', (t) => {
  const src = [
    "'use strict';",
    'const Status = { OK: 1, BUSY: 2, FAIL: 3 };',
    'function name(code) { for (const k of Object.keys(Status)) if (Status[k] === code) return k; return null; }',
    "function f() { return [name(Status.BUSY), Status.FAIL, 'OK' in Status, { ...Status }.FAIL, Object.entries(Status).length]; }",
  ].join('\n');
  const out = inline(src);
  t.deepEqual(out.enums, ['Status']);
  t.deepEqual(out.keptEnums, ['Status']);
  t.true(out.code.includes('const Status = { OK: 1, BUSY: 2, FAIL: 3 };'), 'kept as it was: nothing can write it');
  t.true(out.code.includes('name(2), 3'), out.code);
  t.deepEqual(run(out.code), run(src));
});

test('an enum that goes where code could write it is frozen, and its reads still fold', (t) => {
  const src = [
    "'use strict';",
    'const Kind = { A: 1, B: 2 };',
    'const ns = Object.freeze({ __proto__: null, Kind: Kind });',
    'function keep(x) { return x; }',
    'function f() { let threw = false; try { keep(ns.Kind).A = 5; } catch { threw = true; } return [Kind.A, Kind.B, keep(Kind) === ns.Kind, threw]; }',
  ].join('\n');
  const out = inline(src);
  t.deepEqual(out.keptEnums, ['Kind']);
  t.true(out.code.includes('const Kind = Object.freeze({ A: 1, B: 2 });'), out.code);
  t.true(out.code.includes('return [1, 2,'), out.code);
  t.deepEqual(run(out.code), [1, 2, true, true], 'a write elsewhere throws instead of making a literal wrong');
});

test('an enum written through, shadowed, exported, or not all numbers is left as it is', (t) => {
  const src = [
    "'use strict';",
    'const W1 = { A: 1 };',
    'const W2 = { A: 1 };',
    'const W3 = { A: 1 };',
    'const W4 = { A: 1 };',
    'const W5 = { A: 1 };',
    'const W6 = { A: 1 };',
    'const S = { A: 1 };',
    'const E = { A: 1 };',
    "const N = { A: 1, B: 'b' };",
    'const C = { [1 + 1]: 2 };',
    'const M = { A: 1, m() { return 2; } };',
    'const P = { __proto__: null, A: 1 };',
    'const D = { A: W1.A + 1 };',
    'function shadow(S) { return S.A; }',
    "function f() { W1.A = 2; W2['A']++; delete W3.A; [W4.A] = [7]; ({ x: W5.A } = { x: 8 }); for (W6.A of [9]); const k = 'A'; return [W1.A, W2.A, W3.A, W4.A, W5.A, W6.A, shadow({ A: 3 }), S.A, E.A, N.A, C[2], M.A, P.A, D.A, k]; }",
    'export { E, f };',
  ].join('\n');
  const out = inline(src);
  t.deepEqual(out.enums, [], out.code);
  t.is(out.code, src, 'not one character changed');
  const computed = "'use strict';\nconst X = { A: 1, B: 2 };\nfunction f() { const k = 'B'; X[k] = 5; return [X.A, X.B]; }";
  t.is(inline(computed).code, computed, 'a computed write is a write');
  t.deepEqual(run(computed), [1, 5]);
});

test('a bundle that names eval is left as it is', (t) => {
  const src = "const A = 1;\nconst X = { B: 2 };\nfunction f() { return eval('A + X.B'); }";
  t.is(inline(src).code, src);
});

test("the module scope of an iife bundle (the simulator's XS bundle) is its function's body", (t) => {
  const src = [
    '(function () {',
    "    'use strict';",
    '    const SIZE = 4;',
    '    const Dir = {',
    '        IN: 1,',
    '        OUT: 2,',
    '    };',
    '    function f() { return [SIZE, Dir.IN, Dir.OUT]; }',
    '    globalThis.result = f();',
    '})();',
  ].join('\n');
  const out = inline(src);
  t.is(out.inlined, 1);
  t.deepEqual(out.enums, ['Dir']);
  t.true(out.code.includes('return [4, 1, 2]'), out.code);
  t.is(out.code.split('\n').length, src.split('\n').length);
});

test("the firmware bundle reads the runtime's enums as literals", async (t) => {
  const b = await bundleFirmware(builtinAppFile('pingpong'));
  t.false(/\bStatus\.MCAPI_/.test(b.code), 'no read of Status.MCAPI_*');
  t.true(/\bconst Status = \{/.test(b.code), 'Status stays: Object.keys(Status) names a code');
  for (const name of ['ChanDir', 'ChanKind', 'FtFrame', 'McapiFrame', 'FrameType', 'Msg']) t.false(new RegExp(`\\bconst ${name}\\b`).test(b.code), name);
  for (const name of ['Status', 'ChanDir', 'FtFrame', 'McapiFrame']) t.is(memberReads(b.code, name), name === 'Status' ? 2 : 0, name);
});

test("the simulator's XS bundles run the firmware's inlined code: the default bundle and an app's", async (t) => {
  const builtin = readFileSync(DEFAULT_XS_BUNDLE, 'utf8');
  const dir = mkdtempSync(join(tmpdir(), 'mcdsm-inline-'));
  try {
    const app = await bundleBoard({ app: join(PACKAGE_ROOT, 'examples', 'pingpong'), target: 'xs', cacheDir: dir, typecheck: false });
    for (const [what, code] of [['default', builtin], ['app', readFileSync(app.file, 'utf8')]] as const) {
      t.false(/\bconst FS_EPOCH\b/.test(code), `${what}: FS_EPOCH is not a binding`);
      t.false(/\bStatus\.MCAPI_/.test(code), `${what}: no read of Status.MCAPI_*`);
      t.false(/\bconst (ChanDir|FtFrame) =/.test(code), `${what}: ChanDir and FtFrame are gone`);
    }
    // The bench's layer meter takes module namespaces: the enums in them are frozen, still folded.
    t.true(/\bconst OutFlag = Object\.freeze\(\{/.test(builtin), 'OutFlag escapes into a namespace object in the default bundle');
    t.is(memberReads(builtin, 'OutFlag'), 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
