/**
 * What MCAPI costs on XS, measured with the XS meter (deterministic instruction and copy
 * units): round trips of 24-byte messages and of 24-byte and 4 KiB packets, against raw frames
 * over the same in-VM test net. MCAPI must add a bounded cost per message and nothing that
 * grows with the packet size (no per-byte work, no copy). The same figures over the real
 * network layer are logged for comparison.
 */
import test from 'ava';
import { fileURLToPath } from 'node:url';
import { rollup } from 'rollup';
import { XsWorker } from '../../host-sim/xsnap/worker.js';

async function bundle(): Promise<string> {
  const b = await rollup({
    input: fileURLToPath(new URL('./fixtures/xs-cost-main.js', import.meta.url)),
    onwarn: (w) => {
      throw new Error(`rollup: ${w.message}`);
    },
  });
  const { output } = await b.generate({ format: 'iife', strict: true });
  await b.close();
  return output[0].code;
}

/** Harness cost of one virtual-clock step in the driver (16 awaits of ~59 units). */
const STEP = 16 * 59;

test('MCAPI per-message cost on XS is bounded; packets cost nothing per byte', async (t) => {
  const w = new XsWorker({ name: 'mcapi-cost', stdout: 'ignore' });
  const text = async (expr: string): Promise<string> => Buffer.from((await w.evaluate(`new TextEncoder().encode(String(${expr})).buffer`)).reply).toString();
  const fired = (): Promise<string> => text('(globalThis.hub?.clock.fired ?? 0) + (globalThis.netClock?.fired ?? 0) + (globalThis.rawFired ?? 0)');
  const measure = async (expr: string, n: number): Promise<number> => {
    await w.evaluate(expr.replace('N', '1'));
    const f0 = Number(await fired());
    const r = await w.evaluate(expr.replace('N', String(n)));
    const steps = (Number(await fired()) - f0) / n;
    const err = await text('globalThis.err ?? ""');
    if (err !== '') throw new Error(err);
    return r.meter.compute / n - steps * STEP;
  };
  try {
    await w.evaluate(await bundle());
    const raw24 = await measure('rawRounds(N, 24)', 100);
    const raw4k = await measure('rawRounds(N, 4096)', 100);
    const msg24 = await measure('msgRounds(N)', 100);
    const pkt24 = await measure('pktRounds(N, 24)', 100);
    const pkt4k = await measure('pktRounds(N, 4096)', 100);
    t.log(`per round trip, XS units: raw 24 B ${Math.round(raw24)}, raw 4 KiB ${Math.round(raw4k)}, msg 24 B ${Math.round(msg24)}, pkt 24 B ${Math.round(pkt24)}, pkt 4 KiB ${Math.round(pkt4k)}`);
    t.true(msg24 - raw24 < 10_000, `a message round trip adds ${Math.round(msg24 - raw24)} units`);
    t.true(pkt24 - raw24 < 12_000, `a packet round trip adds ${Math.round(pkt24 - raw24)} units`);
    const perByte = (pkt4k - pkt24) - (raw4k - raw24);
    t.true(Math.abs(perByte) < 500, `MCAPI adds ${Math.round(perByte)} units for 4072 more bytes per packet`);
    await w.evaluate('netSetup()');
    const netRaw = await measure('netRawRounds(N, 24)', 30);
    const netMsg = await measure('netMsgRounds(N)', 30);
    t.log(`over the NetLayer (stream links), per 24-byte round trip: raw frames ${Math.round(netRaw)}, MCAPI messages ${Math.round(netMsg)} (x${(netMsg / netRaw).toFixed(2)})`);
    t.true(netMsg / netRaw < 1.6);
  } finally {
    await w.kill();
  }
});
