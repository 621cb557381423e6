import test from 'ava';
import { runDomain } from '../../host-sim/sim/run.js';

const pingpong = { app: 'pingpong', boards: '4', topology: 'ring', link: 'uart:921600', appArgs: ['--rounds', '3', '--packets', '4', '--scalars', '4'] };

test('same seed twice gives the same trace digest and result', async (t) => {
  const a = await runDomain({ ...pingpong, engine: 'node', seed: '7' });
  const b = await runDomain({ ...pingpong, engine: 'node', seed: '7' });
  t.true(a.ok, a.reason);
  t.is(a.traceDigest, b.traceDigest);
  t.deepEqual(a.app.results, b.app.results);
  t.is(a.wire.bytes, b.wire.bytes);
});

test('a different seed on a lossy link gives a different trace but the same result', async (t) => {
  const link = 'uart:921600,loss=0.05';
  const a = await runDomain({ ...pingpong, link, engine: 'node', seed: '1' });
  const b = await runDomain({ ...pingpong, link, engine: 'node', seed: '2' });
  t.true(a.ok && b.ok);
  t.not(a.traceDigest, b.traceDigest);
  t.deepEqual(a.app.results, b.app.results);
});

test('XS boards and V8 boards give the same frames and result', async (t) => {
  const xs = await runDomain({ ...pingpong, engine: 'xs', seed: '3' });
  const v8 = await runDomain({ ...pingpong, engine: 'node', seed: '3' });
  t.true(xs.ok, xs.reason);
  t.true(xs.boards.every((b) => b.engine === 'xs' && b.compute > 0), 'every board ran in XS (metered)');
  t.deepEqual(xs.app.results, v8.app.results);
  t.is(xs.traceDigest, v8.traceDigest, 'the digest covers every frame, byte for byte');
});

test('a mixed domain (XS and V8 boards) runs pingpong', async (t) => {
  const s = await runDomain({ ...pingpong, engine: 'mixed', seed: '4' });
  t.true(s.ok, s.reason);
  t.deepEqual(s.boards.map((b) => b.engine), ['xs', 'node', 'xs', 'node']);
});
