import test from 'ava';
import { runConformance } from '../../host-sim/commands/conformance.js';

// The MCAPI conformance suite as users run it (`mcdsm conformance`): three simulated boards
// running the real board runtime — V8 boards in-process, XS boards as xsnap-worker processes
// evaluating the same bundle a board runs.
for (const engine of ['node', 'xs'] as const) {
  test(`the MCAPI conformance suite passes on ${engine} boards`, async (t) => {
    const r = await runConformance(engine);
    t.deepEqual(r.failures, []);
    t.is(r.failed, 0);
    t.true(r.passed >= 60, `${r.passed} cases`);
  });
}

test('a filtered run reports only the matching cases', async (t) => {
  const r = await runConformance('node', 'scalar');
  t.true(r.passed > 0 && r.passed < 60);
  t.is(r.failed, 0);
});
