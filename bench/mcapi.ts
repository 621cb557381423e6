/**
 * `mcdsm bench mcapi`: MCAPI between two XS boards against the raw host transport, in one run.
 * Both sides go through the same simulator loop and the same xsnap pipes; the raw side has no
 * network layer and no MCAPI on either board (bench/apps/raw-echo.ts), so the ratio is what
 * MCAPI and the network layer cost. Pairs are interleaved and the median of the repeats is
 * taken, because the machine is shared and noisy.
 */
import { timedRun, median, round } from './timing.js';

export interface McapiBenchResult {
  msg24: { mcapiUs: number; rawUs: number; ratio: number };
  pkt4k: { mcapiUs: number; rawUs: number; ratio: number };
  sameBoardMsgsPerSec: number;
  crossBoardMsgsPerSec: number;
  wire: { msg24BytesPerRoundTrip: number; pkt4kBytesPerRoundTrip: number; raw24BytesPerRoundTrip: number };
}

const COMMON = { boards: '2', engine: 'xs', topology: 'line', link: 'ideal', ram: '8M' } as const;

async function pair(size: number, mode: 'rtt' | 'pkt-rtt', count: number, repeats: number): Promise<{ mcapiUs: number; rawUs: number; ratio: number; wirePerRt: number; rawWirePerRt: number }> {
  const mc: number[] = [];
  const raw: number[] = [];
  let wirePerRt = 0;
  let rawWirePerRt = 0;
  const args = ['--size', String(size), '--count', String(count)];
  for (let i = 0; i < repeats; i++) {
    const r = await timedRun({ ...COMMON, app: 'raw-echo', appArgs: args });
    raw.push((r.ms * 1000) / r.count);
    rawWirePerRt = r.summary.wire.bytes / r.count;
    const m = await timedRun({ ...COMMON, app: 'mcapi-bench', appArgs: ['--mode', mode, ...args] });
    mc.push((m.ms * 1000) / m.count);
    wirePerRt = m.summary.wire.bytes / (m.count + 1);
  }
  const mcapiUs = median(mc);
  const rawUs = median(raw);
  return { mcapiUs: round(mcapiUs, 1), rawUs: round(rawUs, 1), ratio: round(mcapiUs / rawUs, 3), wirePerRt, rawWirePerRt };
}

export async function benchMcapi(opts: { count?: number; repeats?: number; log?: (line: string) => void } = {}): Promise<McapiBenchResult> {
  const count = opts.count ?? 300;
  const repeats = opts.repeats ?? 3;
  const log = opts.log ?? (() => {});
  const m24 = await pair(24, 'rtt', count, repeats);
  log(`24-byte message round trip: MCAPI ${m24.mcapiUs} us, raw ${m24.rawUs} us, ratio ${m24.ratio}`);
  const p4k = await pair(4096, 'pkt-rtt', count, repeats);
  log(`4 KiB packet round trip: MCAPI ${p4k.mcapiUs} us, raw ${p4k.rawUs} us, ratio ${p4k.ratio}`);
  const n = count * 5;
  const same = await timedRun({ ...COMMON, app: 'mcapi-bench', appArgs: ['--mode', 'stream-same', '--size', '24', '--count', String(n)] });
  const cross = await timedRun({ ...COMMON, app: 'mcapi-bench', appArgs: ['--mode', 'stream-cross', '--size', '24', '--count', String(n)] });
  const sameRate = Math.round((same.count * 1000) / same.ms);
  const crossRate = Math.round((cross.count * 1000) / cross.ms);
  log(`24-byte messages per second: same board ${sameRate}, across boards ${crossRate}`);
  return {
    msg24: { mcapiUs: m24.mcapiUs, rawUs: m24.rawUs, ratio: m24.ratio },
    pkt4k: { mcapiUs: p4k.mcapiUs, rawUs: p4k.rawUs, ratio: p4k.ratio },
    sameBoardMsgsPerSec: sameRate,
    crossBoardMsgsPerSec: crossRate,
    wire: { msg24BytesPerRoundTrip: round(m24.wirePerRt, 1), pkt4kBytesPerRoundTrip: round(p4k.wirePerRt, 1), raw24BytesPerRoundTrip: round(m24.rawWirePerRt, 1) },
  };
}
