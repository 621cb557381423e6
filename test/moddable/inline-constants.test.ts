/**
 * The firmware bundle's numeric constants as literals (host-sim/firmware/inline-constants.ts):
 * what is inlined, what is left alone (shadowed, exported, not a number), and that the code
 * computes the same. No SDK needed.
 */
import test from 'ava';
import { parseAst } from 'rollup/parseAst';
import { inlineConstants } from '../../host-sim/firmware/inline-constants.js';
import { bundleFirmware, resolveAppFile } from '../../host-sim/firmware/bundle.js';

function inline(code: string): { code: string; inlined: number } {
  return inlineConstants(code, parseAst(code));
}

const run = (code: string): unknown => new Function(`${code}\nreturn f();`)() as unknown;

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
  const b = await bundleFirmware(resolveAppFile('pingpong'));
  t.false(/\bconst FS_EPOCH\b/.test(b.code), 'FS_EPOCH is not a module binding');
  t.false(/\bconst P_SUSPECTED\b/.test(b.code));
  t.false(/figs\[FS_[A-Z_]+\](?!`)/.test(b.code), "no read of figs by a named constant (a comment's example aside)");
});
