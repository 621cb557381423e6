/**
 * The DSM on XS itself (the engine it is written for), in one XS machine with an in-VM
 * transport: the read-only check takes the native BigInt snapshot and finds a bit-only write;
 * wide copies keep NaN payloads; sparse 'rw' writes (twins compared chunk by chunk natively)
 * send exactly the changed bytes; and the XS meter bounds what the DSM's own code costs: the
 * check of a 128 KiB range, and a page fetch, whose cost must not grow with the page's bytes
 * (the home builds its reply with one native concat, not a copy in JavaScript).
 */
import test from 'ava';
import { fileURLToPath } from 'node:url';
import { rollup } from 'rollup';
import { XsWorker } from '../../host-sim/xsnap/worker.js';

async function bundle(): Promise<string> {
  const b = await rollup({
    input: fileURLToPath(new URL('./fixtures/xs-dsm-main.js', import.meta.url)),
    onwarn: (w) => {
      throw new Error(`rollup: ${w.message}`);
    },
  });
  const { output } = await b.generate({ format: 'iife', strict: true });
  await b.close();
  return output[0].code;
}

test('the DSM on XS: native read checks, exact wide copies, and no per-byte cost on a page fetch', async (t) => {
  const w = new XsWorker({ name: 'dsm-xs', stdout: 'ignore' });
  const out = async (): Promise<unknown> => JSON.parse(Buffer.from((await w.evaluate('new TextEncoder().encode(String(globalThis.out)).buffer')).reply).toString()) as unknown;
  try {
    await w.evaluate(await bundle());

    await w.evaluate('violation()');
    const verdicts = (await out()) as string[];
    t.regex(verdicts[0]!, /^READ_ONLY_WRITE: .*'temps'\[1000, 30000\) was written through a read-only \('r'\) acquisition/);
    t.notRegex(verdicts[0]!, /35000/);
    t.is(verdicts[1], 'ok');

    await w.evaluate('checkSetup()');
    const clean = await w.evaluate('checkRound(-1)');
    t.deepEqual(await out(), { form: 'bigint', unchanged: true });
    for (const flip of [0, 65_535, 131_071]) {
      await w.evaluate(`checkRound(${flip})`);
      t.deepEqual(await out(), { form: 'bigint', unchanged: false }, `byte ${flip} flipped`);
    }
    // Snapshot and check of 128 KiB: a few units per 4 KiB chunk, not per byte (a hash costs ~850k;
    // 16 KiB chunks took ~3.7k, 4 KiB chunks ~7.3k: the price of a smaller transient on a board).
    t.log(`snapshot and check of 128 KiB on XS: ${clean.meter.compute} units`);
    t.true(clean.meter.compute < 10_000, `read check of 128 KiB: ${clean.meter.compute} units`);

    await w.evaluate('copyNaNs()');
    t.deepEqual(await out(), [true, true, true, true]);

    await w.evaluate('sparseWrites()');
    t.deepEqual(await out(), [{ ok: true, diffBytes: 3 }, { ok: true, diffBytes: 0 }], 'rank 0 sent exactly its 3 changed bytes');

    const perFetch = async (pageSize: number): Promise<number> => {
      await w.evaluate(`fetchSetup(${pageSize})`);
      let units = 0;
      for (let i = 0; i < 4; i++) {
        await w.evaluate('fetchWrite()');
        const r = await w.evaluate('fetchRead()');
        t.deepEqual(await out(), { ok: true, fetches: i + 1 }, `page ${pageSize}: one FETCH per page`);
        if (i > 0) units += r.meter.compute;
      }
      return units / 3;
    };
    // The reader's acquisition up to its FETCH handed to the transport, metered alone: on a
    // board that is the reader's step before its request leaves, on the fetch's critical path
    // (docs/PERFORMANCE.md "Round 17b": 3 722 units before, 2 366 with the one-request path).
    await w.evaluate('fetchSetup(4096)');
    await w.evaluate('fetchWrite()');
    await w.evaluate('fetchRead()');
    await w.evaluate('fetchWrite()');
    const ask = await w.evaluate('fetchAsk()');
    await w.evaluate('fetchTake()');
    t.deepEqual(await out(), { ok: true, fetches: 2, askedMessages: 1 }, 'the FETCH is sent within the acquire call');
    t.log(`the reader's acquisition up to its FETCH on XS: ${ask.meter.compute} units`);
    t.true(ask.meter.compute < 2_800, `the acquisition up to its FETCH costs ${ask.meter.compute} units`);

    const big = await perFetch(4096);
    const small = await perFetch(256);
    t.log(`DSM code per page fetch on XS (both boards, in-VM transport): 4096 B ${Math.round(big)} units, 256 B ${Math.round(small)} units`);
    // The home joins FETCH_DATA with XS's one-call ArrayBuffer concat (0.62 units per page byte
    // when it copied the pages through 8-byte views; 0.37 now: the client's copy into its store).
    t.true((big - small) / (4096 - 256) < 0.5, `${((big - small) / 3840).toFixed(2)} units per page byte`);
    t.true(big < 15_000, `a 4 KiB fetch costs the DSM ${Math.round(big)} units`);
  } finally {
    await w.kill();
  }
});
