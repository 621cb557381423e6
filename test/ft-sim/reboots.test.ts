/**
 * Issue 11, defect 4: reboots are real reboots (fresh randomness at every boot), and the two
 * defects that exposed — a rebooted coordinator waiting forever for JOINs, and a member
 * rebooted early stopping the run with "no spare is available" — plus defect 8's star hub:
 * spares that are alive but unreachable are named as such.
 */
import test from 'ava';
import { bootSeed } from '../../host-sim/sim/simulator.js';
import { expectedDigest, ftLaplace } from './helpers.js';

const lossy = 'uart:921600,loss=0.02,corrupt=0.005';

test('every boot of a board gets its own seed, derived from the run seed and the boot count', (t) => {
  const seeds = [1, 2, 3, 4].map((boot) => bootSeed(41000322, 1, boot));
  t.is(new Set(seeds).size, 4);
  t.is(bootSeed(41000322, 1, 2), seeds[1], 'deterministic');
  t.not(bootSeed(41000322, 2, 2), seeds[1], 'per node');
  t.is(seeds[0], (41000322 * 1000003 + 7919) >>> 0, 'the first boot keeps the seed it always had');
});

test('issue reproducer: a reboot on a ring at iteration 16 recovers with the fault-free result', async (t) => {
  const r = await ftLaplace({ n: 64, iters: 60, spares: '2', topology: 'ring', link: lossy, seed: '41000322', fault: ['reboot:1@iter=16'], maxWallMs: 120_000 });
  t.true(r.s.ok, r.s.reason);
  t.is(r.digest, expectedDigest(64, 60));
  t.is(r.s.boards[1]!.boots, 2);
  t.true(r.s.recoveries.some((x) => x.failed.includes(1)), 'the restart was noticed and recovered from');
});

for (const topology of ['ring', 'full']) {
  for (const at of ['50ms', '150ms']) {
    test(`${topology}: the coordinator rebooted at ${at} (before its first heartbeat was heard) is recognised as restarted`, async (t) => {
      const r = await ftLaplace({ n: 64, iters: 60, spares: '2', topology, link: lossy, seed: '5', fault: [`reboot:0@${at}`], maxVirtual: '60s', maxWallMs: 120_000 });
      t.true(r.s.ok, r.s.reason);
      t.is(r.digest, expectedDigest(64, 60));
      // Recognised: its rank goes to a spare, or, when the rebooted coordinator is back before the
      // plan is made (it is the lowest node, so it coordinates the recovery itself), every member
      // suspected it and the recovery restored the domain with it (as a member rebooted early may
      // be, below). Which one happens is timing (on this lossy ring, seed 5, at 150 ms: the second
      // since stream links delay standalone acks by streamAckDelayMs, docs/PROTOCOL.md §5).
      const suspectedBy = new Set(r.events.filter((e) => e.name === 'suspect' && e.value === 0).map((e) => e.board));
      t.true(
        r.s.recoveries.some((x) => x.failed.includes(0)) || ([1, 2, 3].every((b) => suspectedBy.has(b)) && r.s.recoveries.length > 0),
        JSON.stringify(r.s.recoveries),
      );
    });
  }
  test(`${topology}: a member rebooted at 50 ms is replaced by a spare (spares known from the configuration)`, async (t) => {
    const r = await ftLaplace({ n: 64, iters: 60, spares: '2', topology, link: lossy, seed: '5', fault: ['reboot:1@50ms'], maxVirtual: '60s', maxWallMs: 120_000 });
    t.true(r.s.ok, r.s.reason);
    t.is(r.digest, expectedDigest(64, 60));
    // Its rank goes to a spare, or back to the board itself when it rejoins before the plan is
    // made (end-to-end delivery lets it: docs/FT.md §13); either way the run never stops with
    // "no spare is available".
    t.true(r.s.recoveries.some((x) => x.failed.includes(1) && (x.replacements.length === 0 || x.replacements.some((n) => n >= 4))), JSON.stringify(r.s.recoveries));
  });
}

test('star: after the hub dies the boards say the spares are unreachable (or that they are cut off), not that none is available', async (t) => {
  const r = await ftLaplace({ n: 64, iters: 60, spares: '2', topology: 'star', link: lossy, seed: '5', fault: ['crash:0@500ms'], maxVirtual: '60s', maxWallMs: 120_000 });
  t.false(r.s.ok);
  const stops = r.s.boards.filter((b) => b.haltReason !== undefined && b.node !== 0).map((b) => b.haltReason!);
  t.true(stops.length > 0, r.s.reason);
  for (const why of stops) {
    // With the quorum rule (docs/FT.md §6) a leaf cut off from the majority halts itself saying
    // so; a board that still decides names the spares unreachable.
    t.regex(why, /unreachable|cut off from the majority/, why);
    t.notRegex(why, /no spare is available/);
  }
});
