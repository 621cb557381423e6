/** `ckpt now` and `ckpt status` through the real console shell, on a cluster node. */
import test from 'ava';
import { Cluster } from './cluster.js';
import type { AppSpec } from './cluster.js';
import { makeShell, parseAnswers, run } from '../console/helpers.js';
import { registerFtConsole } from '../../src/ft/commands.js';
import { parseRecord } from '../../src/console/record.js';

test('ckpt status reports the last committed checkpoint', async (t) => {
  const spec: AppSpec = { size: 4096, iters: 20, every: 5, frac: 0.05, iterMs: 20 };
  const c = new Cluster({ boards: 3, spares: 1, seed: 61 });
  c.spec = spec;
  const { shell, io } = makeShell();
  const before = run(shell, io, 'ckpt status');
  t.is(before.final, 'ERR checkpointing not enabled', 'reserved until the module registers');
  registerFtConsole(shell, c.ft.get(1)!);
  t.true(await c.runUntil(() => c.finished(), 30_000));
  const a = run(shell, io, 'ckpt status');
  t.is(a.final, 'OK');
  const r = parseRecord(a.lines[0]!);
  t.is(r.gen, '4');
  t.is(r.progress, '20');
  t.is(r.phase, 'running');
  t.is(r.ranks, '1');
  t.is(r.buddies, '2');
  t.is(r.wards, '0');
  t.is(r.count, '4');
  t.true(Number(r.bytes) > 0 && Number(r.bytes) < Number(r.full));
  t.is(r.multiple, '2');
  t.true(Number(r.peak) >= 2);
});

test('ckpt now: every rank checkpoints at the same coming opportunity; the answer comes at commit', async (t) => {
  // The app offers an opportunity every iteration but has no periodic checkpoints.
  const spec: AppSpec = { size: 4096, iters: 60, every: 0, frac: 0.05, iterMs: 20, opportunities: true };
  const c = new Cluster({ boards: 4, seed: 62 });
  c.spec = spec;
  const { shell, io } = makeShell();
  registerFtConsole(shell, c.ft.get(2)!);
  await c.run(400);
  t.is(c.ofName('ckpt-commit').length, 0);
  io.take();
  shell.feed('ckpt now\r\n');
  t.is(io.out, '', 'no answer yet');
  await c.runUntil(() => io.out.includes('OK') || io.out.includes('ERR'), 5_000);
  const [answer] = parseAnswers(io.take());
  t.is(answer!.final, 'OK');
  const r = parseRecord(answer!.lines[0]!);
  t.is(r.gen, '1');
  const progress = Number(r.progress);
  t.true(progress > 15 && progress < 30, `checkpoint at iteration ${progress}`);
  t.true(await c.runUntil(() => c.finished(), 30_000));
  t.deepEqual(c.wrong(spec), []);
  // One checkpoint, on every board, at that iteration.
  for (const f of c.live()) t.is(f.stats().checkpoints.count, 1);
  t.is(c.ofName('ckpt-send').length, 4);
});

test('ckpt now answers ERR when the app never reaches an opportunity', async (t) => {
  const spec: AppSpec = { size: 1024, iters: 400, every: 0, frac: 0.05, iterMs: 20 };
  const c = new Cluster({ boards: 2, seed: 63, ft: { checkpointTimeoutMs: 1000 } });
  c.spec = spec;
  const { shell, io } = makeShell();
  registerFtConsole(shell, c.ft.get(0)!);
  await c.run(300);
  io.take();
  shell.feed('ckpt now\r\n');
  await c.runUntil(() => io.out.includes('ERR'), 5_000);
  const [answer] = parseAnswers(io.take());
  t.regex(answer!.final, /^ERR no checkpoint committed within 2000 ms \(does the app call opportunity\(\) or checkpoint\(\)\?\)$/);
});
