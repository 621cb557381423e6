/**
 * Rtt.update (the hop link's and e2e's one call per clean ack) is exactly Rtt.sample followed by
 * Rtt.rto, for any history of samples (docs/PERFORMANCE.md "Round 10: udp frame path").
 */
import test from 'ava';
import fc from 'fast-check';
import { Rtt } from '../../src/net/rtt.js';

test('Rtt.update = sample then rto, on any sequence of samples', (t) => {
  const ms = fc.double({ min: 0, max: 5_000, noNaN: true });
  fc.assert(fc.property(fc.array(ms, { minLength: 1, maxLength: 20 }), ms, fc.integer({ min: 1, max: 300 }), fc.integer({ min: 300, max: 8_000 }), (samples, extra, min, max) => {
    const a = { srtt: -1, rttvar: 0 };
    const b = { srtt: -1, rttvar: 0 };
    for (const r of samples) {
      const got = Rtt.update(a, r, extra, min, max);
      Rtt.sample(b, r);
      const want = Rtt.rto(b, extra, 1_000, min, max);
      if (got !== want || a.srtt !== b.srtt || a.rttvar !== b.rttvar) return false;
    }
    return true;
  }), { numRuns: 500 });
  t.pass();
});
