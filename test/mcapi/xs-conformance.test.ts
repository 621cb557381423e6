/**
 * The conformance suite inside a real XS machine (xsnap-worker): the same board code as on a
 * board, three MCAPI nodes in one VM over the test LoopNet.
 */
import test from 'ava';
import { fileURLToPath } from 'node:url';
import { rollup } from 'rollup';
import { XsWorker } from '../../host-sim/xsnap/worker.js';
import { allCases } from '../../examples/conformance/cases/index.js';

async function bundle(): Promise<string> {
  const b = await rollup({
    input: fileURLToPath(new URL('./fixtures/xs-conformance-main.js', import.meta.url)),
    onwarn: (w) => {
      throw new Error(`rollup: ${w.message}`);
    },
  });
  const { output } = await b.generate({ format: 'iife', strict: true });
  await b.close();
  return output[0].code;
}

test('every conformance case passes in an XS machine', async (t) => {
  const code = await bundle();
  const w = new XsWorker({ name: 'mcapi-conformance', stdout: 'ignore' });
  try {
    await w.evaluate(code);
    const r = await w.evaluate('new TextEncoder().encode(conformanceResult).buffer');
    const text = Buffer.from(r.reply).toString('utf8');
    t.false(text.startsWith('ERROR'), text);
    const parsed = JSON.parse(text) as { results: { passed: number; failed: number; failures: unknown[] }[]; stats: { handlerErrors: number }[] };
    for (const res of parsed.results) {
      t.deepEqual(res.failures, []);
      t.is(res.passed, allCases().length);
    }
    for (const s of parsed.stats) t.is(s.handlerErrors, 0);
  } finally {
    await w.kill();
  }
});
