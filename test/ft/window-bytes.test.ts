/**
 * Checkpoint bytes in flight (FtOptions.windowBytes, frameBytes): every unacknowledged byte of
 * a stream is held on the sender (the network's copy for resending, the link's encoding, the
 * target's transmit queue), so the byte window is what bounds a board's memory while it
 * checkpoints (docs/FOOTPRINT.md "Round 7: Laplace memory"). A real 2-board cluster (NetLayer
 * over a UART model, virtual time) takes a 64 KiB checkpoint per board.
 */
import test from 'ava';
import { Cluster } from './cluster.js';
import type { FtRun } from '../../src/ft/run.js';
import type { FtOptions } from '../../src/ft/options.js';
import { ByteWriter } from '../../src/ft/bytes.js';
import { FF_LAST_BYTES_SENT, FF_PEAK_IN_FLIGHT } from '../../src/ft/figures.js';
import type { FtState } from '../../src/ft/state.js';
import { Image, buildPending } from '../../src/ft/image.js';
import { StreamSender, sourceOfPending, S_IN_FLIGHT } from '../../src/ft/stream.js';

const SIZE = 64 * 1024;
const WIRE = { latencyMs: 1, bytesPerMs: 92, chunkMax: 1_000_000 };

async function checkpoint(ft: Partial<FtOptions>): Promise<{ peak: number[]; frames: number[]; ms: number }> {
  const c = new Cluster({ boards: 2, seed: 72, kind: 'stream', wire: WIRE, net: { helloMs: 500 }, ft: { timeoutMs: 5000, ...ft } });
  await c.runUntil(() => c.runs.size === 2, 10_000);
  await c.run(500);
  const runs = [0, 1].map((r) => c.runs.get(r) as FtRun);
  const data = runs.map((_, r) => new Uint8Array(SIZE).map((_, i) => (i * (r + 3)) & 0xff));
  runs.forEach((run, r) => run.addContent({ prefix: 'data', capture: () => [{ name: 'data/x', bytes: data[r]! }], restore: () => undefined }));
  const t0 = c.now;
  let done = 0;
  for (const run of runs) void run.checkpoint(null, 1).then(() => done++);
  if (!(await c.runUntil(() => done === 2, 60_000))) throw new Error('checkpoint did not complete');
  // The FT state behind each board's FaultTolerance (the figure is internal).
  const st = [0, 1].map((n) => (c.ft.get(n) as unknown as { ft: FtState }).ft);
  return { peak: st.map((s) => s.figs[FF_PEAK_IN_FLIGHT]!), frames: st.map((s) => s.figs[FF_LAST_BYTES_SENT]!), ms: c.now - t0 };
}

test('a checkpoint stream keeps at most windowBytes of payload unacknowledged', async (t) => {
  const d = await checkpoint({ windowBytes: 8192, frameBytes: 2100 });
  for (const p of d.peak) {
    t.true(p > 0, 'data was in flight');
    t.true(p <= 8192, `at most 8192 B in flight, saw ${p}`);
  }
  // The defaults: `window` (4) frames of maxPayload, no byte bound.
  const wide = await checkpoint({});
  for (const p of wide.peak) t.true(p > 8192, `without the byte window more is in flight (${p})`);
  const tight = await checkpoint({ windowBytes: 2048, frameBytes: 1024 });
  for (const p of tight.peak) t.true(p <= 2048, `at most 2048 B, saw ${p}`);
  // A blocking checkpoint on this UART: the link, not the acks, is the limit either way.
  t.true(d.ms <= 1.15 * wide.ms, `8 KiB window ${d.ms} ms vs unbounded ${wide.ms} ms`);
});

test('frames are cut at frameBytes and a stream with one frame out always sends it', (t) => {
  const owner = new Image(1);
  owner.pending = buildPending(owner, [{ name: 'a', bytes: new Uint8Array(10_000).fill(7) }], 1, 0, 8);
  const s = new StreamSender(2, 1, 1, 0, false, sourceOfPending(owner.pending), 8, 0, 3000, 2100);
  const w = new ByteWriter(2100);
  const sizes: number[] = [];
  while (s.wants()) {
    const p = s.build(w, 2100);
    sizes.push(p.length);
    s.sent(p.length);
  }
  t.is(sizes.length, 1, 'a second 2100-byte frame would pass 3000 bytes in flight');
  t.true(sizes[0]! <= 2100);
  t.is(s.ring[S_IN_FLIGHT]!, sizes[0]);
  s.onAck(1, 1);
  t.is(s.ring[S_IN_FLIGHT]!, 0);
  t.true(s.wants());
  s.sent(s.build(w, 2100).length);
  s.goBack(2);
  t.is(s.ring[S_IN_FLIGHT]!, 0, 'a resend starts counting again');
});
