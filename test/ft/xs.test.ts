/**
 * The FT module on the board engine: the same scenario (a crash, detection, recovery by a
 * spare, restarted apps) runs in a real XS machine (xsnap-worker) and in V8, and both must
 * produce the same results and the same event trace.
 */
import test from 'ava';
import { rollup } from 'rollup';
import { fileURLToPath } from 'node:url';
import { XsWorker } from '../../host-sim/xsnap/worker.js';
import { runScenario } from './fixtures/scenario.js';

async function bundle(): Promise<string> {
  const b = await rollup({
    input: fileURLToPath(new URL('./fixtures/xs-main.js', import.meta.url)),
    onwarn: (w) => {
      throw new Error(`rollup: ${w.message}`);
    },
  });
  const { output } = await b.generate({ format: 'iife', strict: true });
  await b.close();
  return output[0].code;
}

test('FT runs on XS exactly as on V8: same results, same events, same recovery', async (t) => {
  const v8 = JSON.parse(await runScenario()) as { results: Record<string, string>; events: string[]; recoveries: unknown[] };
  t.is(Object.keys(v8.results).length, 3);
  t.is(v8.recoveries.length, 1);
  t.true(v8.events.some((e) => e.includes('recovery-transfer')));
  const w = new XsWorker({ name: 'ft', stdout: 'ignore' });
  try {
    await w.evaluate(await bundle());
    const r = await w.evaluate('new TextEncoder().encode(globalThis.ftResult ?? ("ERROR " + (globalThis.ftError ?? "no result"))).buffer');
    const text = Buffer.from(r.reply).toString('utf8');
    t.false(text.startsWith('ERROR'), text);
    t.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(v8)));
  } finally {
    await w.kill();
  }
});
