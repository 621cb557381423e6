import test from 'ava';
import { runDomain } from '../../host-sim/sim/run.js';

// The app checks every token, packet byte and scalar itself and fails the run on any
// mismatch, so a completed run means every message arrived exactly once and in order.
const args = ['--rounds', '10', '--packets', '16', '--scalars', '16', '--max-packet', '600'];

test('pingpong over 5% loss and 1% corruption delivers everything exactly once, in order', async (t) => {
  const s = await runDomain({ app: 'pingpong', boards: '4', engine: 'node', topology: 'ring', link: 'uart:115200,loss=0.05,corrupt=0.01', seed: '11', appArgs: args });
  t.true(s.ok, s.reason);
  t.is(Object.keys(s.app.results).length, 4);
  const lost = s.links.reduce((a, l) => a + l.lost, 0);
  const corrupted = s.links.reduce((a, l) => a + l.corrupted, 0);
  t.true(lost > 0, 'the link really lost frames');
  t.true(corrupted > 0, 'the link really corrupted frames');
  const clean = await runDomain({ app: 'pingpong', boards: '4', engine: 'node', topology: 'ring', link: 'uart:115200', seed: '11', appArgs: args });
  t.deepEqual(s.app.results, clean.app.results, 'same result as over a clean link');
});

test('datagram links that lose, corrupt and reorder still deliver in order', async (t) => {
  const s = await runDomain({ app: 'pingpong', boards: '5', engine: 'node', topology: 'line', link: 'udp,loss=0.05,corrupt=0.01,reorder=0.2', seed: '5', appArgs: args });
  t.true(s.ok, s.reason);
});

for (const topology of ['line', 'ring', 'star', 'full']) {
  test(`pingpong on a ${topology} of 5 boards (frames forwarded across hops)`, async (t) => {
    const s = await runDomain({ app: 'pingpong', boards: '5', engine: 'node', topology, link: 'uart:921600', appArgs: ['--rounds', '2'] });
    t.true(s.ok, s.reason);
    t.is((s.app.result as { token: number }).token, 2 * (15 - 1));
  });
}

test('the summary predicts UART time from the bytes on each link', async (t) => {
  const s = await runDomain({ app: 'pingpong', boards: '3', engine: 'node', topology: 'line', link: 'uart:115200', appArgs: ['--rounds', '2'] });
  t.true(s.ok, s.reason);
  for (const l of s.links) {
    t.true(l.bytes > 0);
    // The summary rounds to the µs: within half a µs of the exact figure (rounding both sides
    // could differ by one where the exact figure falls near a .5 µs boundary).
    t.true(Math.abs(l.predictedMs - (l.bytes * 10 * 1000) / 115200) <= 0.0005 + 1e-9, `${l.predictedMs} ms for ${l.bytes} B`);
  }
});
