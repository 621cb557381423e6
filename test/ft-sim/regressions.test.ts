import test from 'ava';
import { expectedDigest, ftLaplace } from './helpers.js';

// Seeds that once failed become tests. These two hung: on a ring, the crashed board was the
// spare that relayed members' frames; frames queued on its links were lost and, with no
// rollback for a spare, a DSM message never arrived. A spare's loss now rolls everyone back.
const ringHangs: [number, string][] = [
  [796697533, 'crash:4@2531ms'],
  [796824237, 'crash:4@425ms'],
];

for (const [seed, fault] of ringHangs) {
  test(`ring campaign seed ${seed} (${fault}): a relaying spare crashes, the run still ends with the fault-free digest`, async (t) => {
    const r = await ftLaplace({ n: 64, iters: 60, topology: 'ring', link: 'uart:921600,loss=0.03,corrupt=0.001', seed: String(seed), fault: [fault] });
    t.true(r.s.ok, r.s.reason);
    t.is(r.digest, expectedDigest(64, 60));
    t.true(r.s.recoveries.length >= 1, 'the spare loss caused a recovery');
  });
}
