/**
 * The checkpoint data path against a raw transfer of the same bytes over the same link
 * (921600-baud UART model): a full first checkpoint of 64 KiB per board must take at most
 * 1.5× the time of sending 64 KiB of raw frames each way.
 */
import test from 'ava';
import { TestNetwork } from '../net/harness.js';
import { Cluster } from './cluster.js';
import type { FtRun } from '../../src/ft/run.js';

const SIZE = 64 * 1024;
const WIRE = { latencyMs: 1, bytesPerMs: 92, chunkMax: 1_000_000 };

async function rawMs(): Promise<number> {
  const net = new TestNetwork({ seed: 71, record: false });
  net.addNodes([0, 1]);
  net.connect(0, 1, 'stream', WIRE);
  net.start();
  net.runUntil(() => net.converged(), 5_000);
  net.run(500);
  const got = [0, 0];
  net.net(0).register(0x70, 0x70, (f) => (got[0] += f.payload.length));
  net.net(1).register(0x70, 0x70, (f) => (got[1] += f.payload.length));
  const t0 = net.now;
  const sent = [0, 0];
  const pump = (from: number): void => {
    while (sent[from]! < SIZE) {
      const n = Math.min(4200, SIZE - sent[from]!);
      if (!net.net(from).send({ type: 0x70, dst: 1 - from, srcPort: 0, dstPort: 0, payload: new Uint8Array(n) })) break;
      sent[from]! += n;
    }
    if (sent[from]! < SIZE) net.node(from).clock.setTimer(1, () => pump(from));
  };
  pump(0);
  pump(1);
  net.runUntil(() => got[0] === SIZE && got[1] === SIZE, 60_000);
  return net.now - t0;
}

async function checkpointMs(): Promise<number> {
  const c = new Cluster({ boards: 2, seed: 72, kind: 'stream', wire: WIRE, net: { helloMs: 500 }, ft: { timeoutMs: 5000 } });
  await c.runUntil(() => c.runs.size === 2, 10_000);
  await c.run(500);
  const runs = [0, 1].map((r) => c.runs.get(r) as FtRun);
  const data = runs.map((_, r) => new Uint8Array(SIZE - 8).fill(r + 1));
  runs.forEach((run, r) => run.addContent({ prefix: 'data', capture: () => [{ name: 'data/x', bytes: data[r]! }], restore: () => undefined }));
  const t0 = c.now;
  let done = 0;
  for (const run of runs) void run.checkpoint(null, 1).then(() => done++);
  await c.runUntil(() => done === 2, 60_000);
  return c.now - t0;
}

test('a full checkpoint takes at most 1.5x a raw transfer of the same bytes', async (t) => {
  const raw = await rawMs();
  const ckpt = await checkpointMs();
  t.log(`raw ${raw.toFixed(0)} ms, checkpoint ${ckpt.toFixed(0)} ms: ${(ckpt / raw).toFixed(2)}x`);
  t.true(raw > SIZE / 92, 'the link is the bottleneck');
  t.true(ckpt <= 1.5 * raw, `${ckpt} vs ${raw}`);
});
