/**
 * What a received bulk frame makes on a Moddable serial board, counted in a real XS machine
 * (fixtures/xs-recv-chain-main.ts): a checkpoint stream's ~2.1 KB CKPT_DATA frame from the port's
 * reads (the real hal/moddable SerialPort and SerialLink over a stand-in `embedded:io/serial`)
 * through the deframer's native path, ingress, the hop link and the upper layer's record to the
 * handler (docs/FOOTPRINT.md "Round 21: the receive chain").
 */
import test from 'ava';
import { fileURLToPath } from 'node:url';
import { rollup } from 'rollup';
import { XsWorker } from '../../host-sim/xsnap/worker.js';
import { loadAndBase, xsProbe } from '../xs/fixtures/slot-probe.js';

/** The fixture bundled as a board's code, the SDK's serial module resolved to the stand-in. */
async function bundle(): Promise<string> {
  const fake = fileURLToPath(new URL('./fixtures/fake-serial.js', import.meta.url));
  const b = await rollup({
    input: fileURLToPath(new URL('./fixtures/xs-recv-chain-main.js', import.meta.url)),
    plugins: [{ name: 'fake-serial', resolveId: (id) => (id === 'embedded:io/serial' ? fake : null) }],
    onwarn: (w) => {
      throw new Error(`rollup: ${w.message}`);
    },
  });
  const { output } = await b.generate({ format: 'iife', strict: true });
  await b.close();
  return output[0].code;
}

/**
 * Bound, XS slots made by node 2 from the port's reads of a ~2.1 KB frame of doubles (nine reads
 * of 256 bytes, and a short frame's read) to the handler, with nothing collected. Main 2d8a9f3: 2 108,
 * ~1 830 of them a view per COBS run in the kept block's in-place decode (a double of few
 * significant bits has zero bytes: a run every few bytes) and ~13 a read in SerialLink (a
 * closure and the place's name for the Hal's guard). Round 21: 164 (281 with the decode's cut
 * alone): the decode moves runs with the target's native copy, and the Hal takes the link and
 * its bytes (ModdableHal.linkInput). Both cuts are needed to pass.
 */
const MADE_MAX = 190;

/**
 * Bound, XS slots: what the chain holds while the upper layer's handler runs (a collection forced
 * in the handler; the count after the step is what was live there plus the little the chain
 * makes after it, the ack's deadline). A handler that allocates (FT's arena, a CKPT_ACK, the
 * next frame of its own stream) collects with this live. Main 7099533: 49 (the kept block's own
 * array a local of the deframer's call to the sink, beside the frame's view of its buffer).
 * Round 22: 45 (the block decoded in a call of its own, CobsDeframer.keptFrame: only the view
 * is live); the bound fails on main.
 */
const IN_HANDLER_MAX = 47;

test(`a received bulk frame's chain on a Moddable serial link makes at most ${MADE_MAX} XS slots, ${IN_HANDLER_MAX} live in the handler`, async (t) => {
  const w = new XsWorker({ name: 'net-recv-chain', stdout: 'ignore' });
  const probe = xsProbe(w);
  try {
    const base = await loadAndBase(w, probe, await bundle());
    const made: number[] = [];
    const held: number[] = [];
    const live: number[] = [];
    // Three receives with nothing collected, then three with a collection in the handler.
    for (let i = 0; i < 6; i++) {
      await w.evaluate('send()');
      const before = (await w.evaluate('gc();')).meter.currentHeapCount;
      // No collection in a `recv` step (the fixture made room): what it leaves counted is what the chain made.
      const r = await w.evaluate(i < 3 ? 'recv()' : 'recvCollect()');
      (i < 3 ? made : live).push(r.meter.currentHeapCount - before - base);
      if (i < 3) held.push((await probe.live()) - before - base);
      await w.evaluate('settle()');
    }
    t.is(await probe.text('check()'), '7 0', 'every frame reached the handler and was acknowledged');
    t.log(`made ${made.join(', ')}; held after the receive ${held.join(', ')}; live in the handler ${live.join(', ')}`);
    // The least: the first receive also makes what a first frame of a size does.
    t.true(Math.min(...made) <= MADE_MAX, `${made.join(', ')} slots made`);
    t.true(Math.max(...live) <= IN_HANDLER_MAX, `${live.join(', ')} slots live in the handler`);
  } finally {
    await w.kill();
  }
});
