// An XS step that never answers used to hold a plain `mcdsm sim` for ever: XsWorker waited for a
// reply without a bound. Now a worker silent for the reply bound (neither a reply nor an
// issueCommand) is killed and every pending command fails naming the worker (the board). The
// bound exists only with a metering limit, which bounds a step's computation: see replyBoundMs.
// The stall here is a real xsnap-worker stopped with SIGSTOP.
import test from 'ava';
import { XsWorker, XsWorkerExited, replyBoundMs } from '../../host-sim/xsnap/worker.js';

test('the reply bound follows the metering limit: none without one, 1 us a unit, at least 10 min', (t) => {
  t.is(replyBoundMs(undefined), 0);
  t.is(replyBoundMs(0), 0);
  t.is(replyBoundMs(1e9), 1_000_000);
  t.is(replyBoundMs(4e8), 600_000);
  t.is(replyBoundMs(5e7), 600_000);
});

test('a stopped worker: the pending command fails within the bound, naming the board', async (t) => {
  t.timeout(30_000);
  const w = new XsWorker({ name: 'board3', stdout: 'ignore', meteringLimit: 1e9, replyMs: 500 });
  try {
    await w.evaluate('globalThis.x = 1;');
    process.kill(w.pid!, 'SIGSTOP');
    const started = Date.now();
    const e = await t.throwsAsync(w.evaluate('x + 1'), { instanceOf: XsWorkerExited });
    t.is(e?.message, 'board3: xsnap-worker gave no reply within 500 ms of wall time (the reply bound; a stopped or wedged worker), killed');
    t.true(Date.now() - started < 10_000);
    t.false(w.alive);
    // Later commands fail the same way at once.
    await t.throwsAsync(w.evaluate('1'), { instanceOf: XsWorkerExited });
  } finally {
    await w.kill();
  }
});

test('the bound counts silence, not a step: a step longer than it that keeps asking the host ends well; idle time owes nothing', async (t) => {
  t.timeout(30_000);
  const w = new XsWorker({
    name: 'board1',
    stdout: 'ignore',
    meteringLimit: 1e9,
    replyMs: 400,
    onIssueCommand: () => new Promise<Uint8Array>((resolve) => setTimeout(() => resolve(new Uint8Array([1])), 150)),
  });
  try {
    const started = Date.now();
    const r = await w.evaluate('let n = 0; for (let i = 0; i < 8; i++) n += new Uint8Array(issueCommand(new ArrayBuffer(1)))[0]; globalThis.n = n;');
    t.true(Date.now() - started >= 8 * 150, 'the step lasted longer than the bound');
    t.true(r.meter.compute > 0);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    t.true(w.alive, 'idle for longer than the bound: still alive');
    const r2 = await w.evaluate('new TextEncoder().encode(String(n)).buffer');
    t.is(Buffer.from(r2.reply).toString('utf8'), '8');
  } finally {
    await w.kill();
  }
});

test('without a metering limit there is no bound (a step may compute as long as the app wants)', async (t) => {
  const w = new XsWorker({ name: 'board0', stdout: 'ignore' });
  try {
    await w.evaluate('1');
    process.kill(w.pid!, 'SIGSTOP');
    const pending = w.evaluate('2');
    const settled = await Promise.race([pending.then(() => 'settled', () => 'settled'), new Promise((resolve) => setTimeout(() => resolve('pending'), 1000))]);
    t.is(settled, 'pending');
  } finally {
    await w.kill();
  }
});
