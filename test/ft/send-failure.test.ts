/**
 * A frame the network refuses to take at all (net.send throws: here FT was told to build
 * frames larger than the network carries, a misconfigured `ft.maxPayload`) is not treated as
 * sent: the checkpoint stream fails and the round is aborted at once with the network's reason,
 * instead of the stream waiting for acknowledgements of frames that never left and the round
 * timing out with a misleading "did not get its data stored".
 */
import test from 'ava';
import { Cluster } from './cluster.js';
import type { AppSpec } from './cluster.js';

const SPEC: AppSpec = { size: 32768, iters: 6, every: 2, frac: 0.5, iterMs: 20 };

test('checkpoint data the network cannot send aborts the round at once, naming why', async (t) => {
  const c = new Cluster({ boards: 3, seed: 41, ft: { maxPayload: 8000, checkpointTimeoutMs: 5000 } });
  c.spec = SPEC;
  t.true(await c.runUntil(() => c.errors.length === 3, 20_000), `errors: ${JSON.stringify(c.errors)}`);
  const sendAt = c.ofName('ckpt-send')[0]!.at;
  for (const e of c.errors) {
    t.regex(e, /checkpoint 1 aborted: rank \d \(node \d\) could not checkpoint: its data cannot be sent to buddy node \d: frame\.payload is \d+ bytes, more than 4200/);
  }
  // Aborted by the refusal, long before checkpointTimeoutMs.
  const f = c.ft.get(0)!.stats().checkpoints;
  t.is(f.aborted, 1);
  t.true(c.now - sendAt < 1000, `aborted ${c.now - sendAt} ms after the round started`);
  t.is(f.count, 0);
  t.true(c.logs.some((l) => l.includes('error: ft: frame 0x59 to node') && l.includes('cannot be sent')), 'the failure is logged');
});
