import test from 'ava';
import { existsSync } from 'node:fs';
import {
  XsEvalError,
  XsWorker,
  XsWorkerExited,
  boardXsnapBinary,
  defaultXsnapBinary,
  exitReason,
  stockXsnapBinary,
} from '../../host-sim/xsnap/worker.js';

const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

test('evaluates code in a real XS machine and reports the meter', async (t) => {
  const w = new XsWorker({ name: 'eval', stdout: 'ignore' });
  try {
    const r = await w.evaluate('globalThis.answer = 6 * 7;');
    t.true(r.meter.compute > 0);
    t.true(r.meter.currentHeapCount > 0);
    t.true(r.meter.allocate > 0);
    t.is(r.reply.length, 0);
    // A script's value is only returned when it is an ArrayBuffer.
    const r2 = await w.evaluate('new TextEncoder().encode(String(answer)).buffer');
    t.is(text(r2.reply), '42');
  } finally {
    await w.kill();
  }
});

test('commands round-trip through handleCommand after all promise jobs settle', async (t) => {
  const w = new XsWorker({ name: 'cmd', stdout: 'ignore' });
  try {
    await w.evaluate(`
      globalThis.handleCommand = (buf) => {
        const input = new Uint8Array(buf);
        let out = 'not settled';
        Promise.resolve(input.length)
          .then((n) => n * 2)
          .then((n) => Promise.resolve(n + 1))
          .then((n) => {
            out = [typeof Uint8Array, String(2n ** 70n % 1000n), n, input.join('.')].join(' ');
          });
        return { get result() { return new TextEncoder().encode(out).buffer; } };
      };
    `);
    const r = await w.command(new Uint8Array([7, 8, 9]));
    t.is(text(r.reply), `function ${String(2n ** 70n % 1000n)} 7 7.8.9`);
    // Serial queue: many commands in flight at once come back in order.
    const replies = await Promise.all([1, 2, 3, 4, 5].map((n) => w.command(new Uint8Array(n))));
    t.deepEqual(
      replies.map((x) => text(x.reply).split(' ')[2]),
      ['3', '5', '7', '9', '11'],
    );
    // Large payloads survive the netstring framing in both directions.
    const big = new Uint8Array(300_000).fill(1);
    const rb = await w.command(big);
    t.is(text(rb.reply).split(' ')[2], String(300_000 * 2 + 1));
  } finally {
    await w.kill();
  }
});

test('the engine is XS, not the host V8', async (t) => {
  const w = new XsWorker({ name: 'engine', stdout: 'ignore' });
  try {
    const r = await w.evaluate(`
      const f = function probe() { return 42; };
      new TextEncoder().encode([
        String(f).includes('42'),
        typeof process,
        typeof harden,
        typeof issueCommand,
      ].join(' ')).buffer
    `);
    // XS keeps no function source text; V8 would answer "true object ...".
    t.is(text(r.reply), 'false undefined function function');
  } finally {
    await w.kill();
  }
});

test('an exception in the VM is an error reply; the worker stays usable', async (t) => {
  const w = new XsWorker({ name: 'errors', stdout: 'ignore', stderr: 'ignore' });
  try {
    const e1 = await t.throwsAsync(w.evaluate('throw new RangeError("boom")'), { instanceOf: XsEvalError });
    t.regex(e1!.message, /RangeError: boom/);
    const e2 = await t.throwsAsync(w.evaluate('this is not javascript'), { instanceOf: XsEvalError });
    t.regex(e2!.message, /SyntaxError/);
    const e3 = await t.throwsAsync(w.command(new Uint8Array(1)), { instanceOf: XsEvalError });
    t.regex(e3!.message, /TypeError: .*no function/);
    t.true(w.alive);
    const r = await w.evaluate('new Uint8Array([1]).buffer');
    t.deepEqual([...r.reply], [1]);
  } finally {
    await w.kill();
  }
});

test('the VM can call issueCommand and gets the host answer synchronously', async (t) => {
  const seen: string[] = [];
  const w = new XsWorker({
    name: 'issue',
    stdout: 'ignore',
    onIssueCommand: async (bytes) => {
      seen.push(text(bytes));
      return new TextEncoder().encode(`host:${text(bytes).toUpperCase()}`);
    },
  });
  try {
    const r = await w.evaluate(`
      const d = new TextDecoder();
      const a = d.decode(issueCommand(new TextEncoder().encode('ping').buffer));
      const b = d.decode(issueCommand(new TextEncoder().encode('pong').buffer));
      new TextEncoder().encode(a + '|' + b).buffer
    `);
    t.is(text(r.reply), 'host:PING|host:PONG');
    t.deepEqual(seen, ['ping', 'pong']);
  } finally {
    await w.kill();
  }
});

test('too much computation kills the worker with a reason; later calls fail the same way', async (t) => {
  const w = new XsWorker({ name: 'meter', meteringLimit: 200_000, stdout: 'ignore', stderr: 'ignore' });
  const queued = w.evaluate('1');
  const e = await t.throwsAsync(w.evaluate('for (;;) {}'), { instanceOf: XsWorkerExited });
  await queued;
  t.regex(e!.message, /too much computation/);
  t.is(e!.exitCode, 17);
  t.false(w.alive);
  const again = await t.throwsAsync(w.command(new Uint8Array(1)), { instanceOf: XsWorkerExited });
  t.is(again, w.exitInfo!);
});

test('killing a worker fails its pending commands', async (t) => {
  const w = new XsWorker({ name: 'kill', stdout: 'ignore', stderr: 'ignore' });
  await w.evaluate('1');
  const pending = w.evaluate('for (;;) {}');
  const queued = w.evaluate('2');
  await new Promise((r) => setTimeout(r, 50));
  await w.kill();
  const e = await t.throwsAsync(pending, { instanceOf: XsWorkerExited });
  t.regex(e!.message, /killed by the host/);
  await t.throwsAsync(queued, { instanceOf: XsWorkerExited });
});

test('a binary that cannot start is reported, not thrown', async (t) => {
  const w = new XsWorker({ name: 'nobin', binary: '/nonexistent/xsnap-worker' });
  const e = await t.throwsAsync(w.evaluate('1'), { instanceOf: XsWorkerExited });
  t.regex(e!.message, /could not start/);
});

test('close() ends the worker cleanly; exit codes map to reasons', async (t) => {
  const w = new XsWorker({ name: 'close', stdout: 'ignore' });
  await w.evaluate('1');
  await w.close();
  t.false(w.alive);
  t.is(w.exitInfo!.exitCode, 0);
  t.is(exitReason(11, null), 'died: out of memory (exit 11)');
  t.is(exitReason(null, 'SIGKILL'), 'killed by SIGKILL');
});

test('a snapshot starts a new worker with the saved heap', async (t) => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'mcdsm-xs-'));
  try {
    const w = new XsWorker({ name: 'snap', stdout: 'ignore' });
    await w.evaluate('globalThis.saved = "kept";');
    const path = join(dir, 'heap.xss');
    t.true((await w.writeSnapshot(path)) > 1000);
    await w.kill();
    const w2 = new XsWorker({ name: 'snap2', stdout: 'ignore', snapshot: path });
    const r = await w2.evaluate('new TextEncoder().encode(saved).buffer');
    t.is(text(r.reply), 'kept');
    await w2.kill();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the board-sized engine (scripts/setup.mjs) is the default and starts small', async (t) => {
  const stock = new XsWorker({ name: 'stock', binary: stockXsnapBinary(), stdout: 'ignore' });
  const stockMeter = (await stock.evaluate('1')).meter;
  await stock.kill();
  t.true(stockMeter.allocate > 32 * 1024 * 1024);
  if (!existsSync(boardXsnapBinary())) {
    t.is(defaultXsnapBinary(), stockXsnapBinary());
    t.log('no board-sized engine: run node scripts/setup.mjs --no-build');
    return;
  }
  t.is(defaultXsnapBinary(), boardXsnapBinary());
  const t0 = performance.now();
  const board = new XsWorker({ name: 'board', stdout: 'ignore' });
  const boardMeter = (await board.evaluate('1')).meter;
  t.log(`board-sized engine: started in ${(performance.now() - t0).toFixed(1)} ms, ${boardMeter.allocate} bytes allocated (stock: ${stockMeter.allocate})`);
  await board.kill();
  t.true(boardMeter.allocate * 8 < stockMeter.allocate);
});
