/**
 * What the domain key costs on XS (docs/PROTOCOL.md §13), with the XS meter (deterministic
 * units): SipHash-2-4 signing and verifying frames of 24 bytes and 4 KiB, next to the CRC-32
 * seal. Logged, and bounded so a regression shows.
 */
import test from 'ava';
import { fileURLToPath } from 'node:url';
import { rollup } from 'rollup';
import { XsWorker } from '../../host-sim/xsnap/worker.js';

async function bundle(): Promise<string> {
  const b = await rollup({
    input: fileURLToPath(new URL('./fixtures/xs-auth-main.js', import.meta.url)),
    onwarn: (w) => {
      throw new Error(`rollup: ${w.message}`);
    },
  });
  const { output } = await b.generate({ format: 'iife', strict: true });
  await b.close();
  return output[0].code;
}

test('SipHash MAC cost per frame and per KiB on XS, next to the CRC', async (t) => {
  const w = new XsWorker({ name: 'auth-cost', stdout: 'ignore' });
  const N = 50;
  const units = async (fn: string, size: number): Promise<number> => {
    const base = (await w.evaluate(`emptyRounds(${N}, ${size})`)).meter.compute;
    return ((await w.evaluate(`${fn}(${N}, ${size})`)).meter.compute - base) / N;
  };
  try {
    await w.evaluate(await bundle());
    const sign24 = await units('signRounds', 24);
    const sign4k = await units('signRounds', 4096);
    const verify24 = await units('verifyRounds', 24);
    const crc24 = await units('crcRounds', 24);
    const crc4k = await units('crcRounds', 4096);
    const macPerKiB = ((sign4k - sign24) / (4096 - 24)) * 1024;
    const crcPerKiB = ((crc4k - crc24) / (4096 - 24)) * 1024;
    t.log(`XS units per frame: MAC 24 B ${Math.round(sign24)} (verify ${Math.round(verify24)}), MAC 4 KiB ${Math.round(sign4k)}; CRC 24 B ${Math.round(crc24)}, CRC 4 KiB ${Math.round(crc4k)}`);
    t.log(`per KiB: MAC ${Math.round(macPerKiB)}, CRC ${Math.round(crcPerKiB)}; wire: +8 bytes per frame`);
    t.true(sign24 > 0 && sign4k > sign24, 'the meter sees the work');
    t.true(Math.abs(verify24 - sign24) < sign24 * 0.5, 'verifying costs about what signing does');
    t.true(macPerKiB < 95_000, `MAC per KiB ${Math.round(macPerKiB)} units`);
  } finally {
    await w.kill();
  }
});
