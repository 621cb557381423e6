import test from 'ava';
import { runDomain } from '../../host-sim/sim/run.js';
import { expectedDigest, ftLaplace } from './helpers.js';

// Seeds that once failed become tests. These two hung: on a ring, the crashed board was the
// spare that relayed members' frames; frames queued on its links were lost and, with no
// rollback for a spare, a DSM message never arrived. A spare's loss then rolled everyone back;
// with end-to-end delivery (docs/PROTOCOL.md §8) the lost frames are resent and no rollback is needed.
// (Round 12's one-hop streams made the first run faster: it ended at 2 254 ms, before its crash
// at 2 531 ms could fire; the crash moved to 2 000 ms, still mid-run: the run then takes 4 542 ms.)
const ringHangs: [number, string][] = [
  [796697533, 'crash:4@2000ms'],
  [796824237, 'crash:4@425ms'],
];

for (const [seed, fault] of ringHangs) {
  test(`ring campaign seed ${seed} (${fault}): a relaying spare crashes, the run still ends with the fault-free digest`, async (t) => {
    const r = await ftLaplace({ n: 64, iters: 60, topology: 'ring', link: 'uart:921600,loss=0.03,corrupt=0.001', seed: String(seed), fault: [fault] });
    t.true(r.s.ok, r.s.reason);
    t.is(r.digest, expectedDigest(64, 60));
    t.deepEqual(r.s.recoveries, [], 'the spare loss costs no rollback');
    t.is(r.s.faults.length, 1, 'the crash happened');
  });
}

// This one deadlocked: board 1 stopped hearing board 0 (a one-sided partition), took rank 0
// away from it and gave it to the spare, then crashed while sending the spare the checkpoint.
// The spare waited for a recovery coordinator that was dead, and board 0, pushed out of the
// view, kept asking itself to join: nobody started the next recovery. Now the recovery's first
// live participant does.
test('the coordinator of a recovery crashes mid-transfer while the old view\'s first member is joining: the spare takes over', async (t) => {
  const s = await runDomain({
    app: 'ft-bench', appArgs: ['--state', '4096', '--change', '0.1', '--hold', '9000'], boards: '2', spares: '1', engine: 'node', topology: 'full', link: 'ideal', ram: '16M',
    fault: ['partition:1@500ms:0', 'crash:1@recovery-transfer'], maxWallMs: 60_000,
  });
  t.true(s.ok, s.reason);
  const results = Object.values(s.app.results) as { sum: number }[];
  t.is(results.length, 2);
  t.true(results.every((r) => r.sum === results[0]!.sum), 'both ranks end with the state of the committed checkpoint');
  t.true(s.recoveries.some((r) => r.failed.includes(1)), 'a later recovery names the crashed coordinator');
});

// A coordinator that answers the start late (here: hung for 400 ms right after boot) used to
// take a member's repeated JOIN, which had crossed the start's REC_RESUME, for a member that
// lost its run, and rolled everyone back before anything had run.
test('a JOIN that crossed the start is answered with the start again, not with a recovery', async (t) => {
  const s = await runDomain({
    app: 'ft-bench', appArgs: ['--state', '65536', '--change', '0.1', '--hold', '500'], boards: '2', spares: '1', engine: 'node', topology: 'full', link: 'ideal', ram: '16M',
    fault: ['hang:0@5ms:400ms'], options: { ft: { heartbeatMs: 50, timeoutMs: 200 }, net: { helloMs: 50 } },
  });
  t.true(s.ok, s.reason);
  t.deepEqual(s.recoveries, [], 'no recovery');
  t.is(Object.keys(s.app.results).length, 2);
});
