/**
 * The DSM through the simulator beyond the examples: several writers of one page, the
 * `--page-size` flag, and bad calls that must fail the run with an error naming the array.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { runDomain } from '../../host-sim/sim/run.js';
import { expectedDigest, laplace, ranOnXs, type Engine } from './helpers.js';

const bench = (boards: number, engine: Engine, args: string[], more: Record<string, string> = {}) =>
  runDomain({ app: 'dsm-bench', boards: String(boards), engine, topology: 'line', link: 'uart:921600', appArgs: args, ...more });

for (const [engine, boards] of [
  ['node', 2],
  ['node', 4],
  ['xs', 3],
] as [Engine, number][]) {
  const declare = engine === 'xs' ? test.serial : test;
  declare(`${boards} ${engine} boards writing interleaved bytes of one page between barriers all keep their bytes`, async (t) => {
    const s = await bench(boards, engine, ['--mode', 'disjoint', '--count', '4']);
    t.true(s.ok, s.reason);
    // Every board checked every byte of the page in every round (a wrong byte fails the run).
    t.deepEqual(s.app.result, { mode: 'disjoint', boards, size: 1024, rounds: 4, checked: 4096 });
    if (engine === 'xs') t.true(ranOnXs(s));
  });
}

test('interleaved writers survive lost and reordered datagrams', async (t) => {
  const s = await bench(3, 'node', ['--mode', 'disjoint', '--count', '5', '--size', '700'], { link: 'udp,loss=0.05,reorder=0.2', seed: '3' });
  t.true(s.ok, s.reason);
  t.deepEqual(s.app.result, { mode: 'disjoint', boards: 3, size: 700, rounds: 5, checked: 3500 });
});

test('--page-size reaches the DSM: one page fetched is one page of that size', async (t) => {
  for (const ps of [256, 4096]) {
    const s = await bench(2, 'node', ['--mode', 'fetch', '--count', '3'], { pageSize: String(ps), link: 'ideal' });
    t.true(s.ok, s.reason);
    const r = s.app.result as { size: number; fetched: number; fetchedBytes: number };
    t.is(r.size, ps, 'the app saw dsm.limits.pageSize');
    t.is(r.fetched, 3 * ps);
    t.is(r.fetchedBytes, 4 * ps, 'warm-up + 3 timed fetches, each the whole page');
  }
});

// Laplace places its homes on the DSM's page boundaries (docs/DSM.md, "Placing homes"): the page
// size moves the bounds (another run), but only the halo rows cross the wire either way.
test('Laplace at 256-byte and 4 KiB pages: same digest, different runs, the same halo bytes', async (t) => {
  const small = await laplace(3, 64, 10, 'node', { pageSize: '256' });
  const large = await laplace(3, 64, 10, 'node', { pageSize: '4096' });
  t.true(small.ok && large.ok, `${small.reason} / ${large.reason}`);
  const want = expectedDigest(64, 10);
  t.is((small.app.result as { digest: string }).digest, want);
  t.is((large.app.result as { digest: string }).digest, want);
  t.not(small.traceDigest, large.traceDigest, 'the page size reached the DSM');
  t.true(Math.abs(small.wire.bytes - large.wire.bytes) <= small.wire.bytes * 0.02, `${small.wire.bytes} vs ${large.wire.bytes} B`);
});

test('mcdsm sim --page-size on the command line reaches the DSM', async (t) => {
  const cli = fileURLToPath(new URL('../../../bin/mcdsm.js', import.meta.url));
  const args = ['sim', 'dsm-bench', '--boards', '2', '--engine', 'node', '--link', 'ideal', '--page-size', '512', '--consoles', 'none', '--quiet', '--json', '--', '--mode', 'fetch', '--count', '1'];
  const { stdout } = await promisify(execFile)(process.execPath, [cli, ...args]);
  const lines = stdout.trim().split('\n');
  const summary = JSON.parse(lines[lines.length - 1]!) as { ok: boolean; app: { result: { size: number } } };
  t.true(summary.ok);
  t.is(summary.app.result.size, 512);
});

for (const engine of ['node', 'xs'] as Engine[]) {
  const declare = engine === 'xs' ? test.serial : test;
  declare(`a mismatched alloc fails the run on ${engine} boards, naming the array and both declarations`, async (t) => {
    const s = await bench(3, engine, ['--mode', 'bad-alloc']);
    t.false(s.ok);
    t.regex(s.reason, /app failed: DsmError: dsm\.alloc: boards disagree on shared array #0 'bench\.bad'/);
    t.regex(s.reason, /rank 0 allocates 'bench\.bad' Float64\[100\].*rank \d allocates 'bench\.bad' Float32\[100\]/);
  });

  declare(`an out-of-range acquire fails the run on ${engine} boards, naming the array and the range`, async (t) => {
    const s = await bench(3, engine, ['--mode', 'bad-acquire']);
    t.false(s.ok);
    t.regex(s.reason, /^board 0 \(rank 0\): app failed: DsmError: dsm\.acquire\('bench\.vec', 0, 101, r\): range outside 'bench\.vec' \(elements 0\.\.100/);
  });
}
