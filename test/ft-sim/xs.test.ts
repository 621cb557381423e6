/**
 * Fault tolerance on XS boards (each an xsnap-worker process running the board bundle): a
 * crash recovered by the spare gives the fault-free digest and exactly the frames V8 boards
 * put on the wire in the same run, and a short XS slice of the fault campaign (10 runs, one
 * crash each on a random board at a random time, iteration or protocol phase, over 1% loss)
 * never ends with another digest.
 */
import test from 'ava';
import { runCampaign } from '../../host-sim/campaign/campaign.js';
import { expectedDigest, ftLaplace } from './helpers.js';

test.serial('XS boards recover a crashed worker to the fault-free digest, step for step as V8 boards do', async (t) => {
  const o = { fault: ['crash:1@iter=13'], seed: '9' };
  const xs = await ftLaplace({ ...o, engine: 'xs' });
  const v8 = await ftLaplace({ ...o, engine: 'node' });
  t.true(xs.s.ok, xs.s.reason);
  t.is(xs.digest, expectedDigest(32, 30));
  t.true(xs.s.boards.every((b) => b.engine === 'xs' && (b.compute > 0 || b.state === 'halted')), 'XS boards');
  t.deepEqual(xs.s.recoveries.map((r) => [r.failed, r.replacements, r.generation]), [[[1], [4], 1]]);
  t.deepEqual(xs.s.recoveries, v8.s.recoveries);
  t.is(xs.s.traceDigest, v8.s.traceDigest, 'the same frames, timers and events on both engines');
});

test.serial('an XS campaign slice: 10 runs with one crash each, every one identical to the fault-free run', async (t) => {
  const iters = 20;
  const s = await runCampaign({
    app: 'laplace', appArgs: ['--n', '32', '--iters', String(iters)], boards: 4, spares: 2, engine: 'xs', runs: 10, seed: 2026,
    link: 'uart:921600', topology: 'full', loss: 0.01, corrupt: 0.001, iterations: iters, workers: 2,
  });
  t.is(s.runs, 10);
  t.is(s.reference, expectedDigest(32, iters));
  const bad = s.reports.filter((r) => r.outcome !== 'identical').map((r) => `seed ${r.seed} ${r.fault}: ${r.outcome} (${r.reason})`);
  t.deepEqual(bad, [], 'no wrong, hung or unrecoverable run');
  t.is(s.identical, 10);
  t.true(s.reports.some((r) => /@(ckpt-send|ckpt-commit|recovery-transfer)$/.test(r.fault)) || s.reports.some((r) => /@iter=/.test(r.fault)), 'faults at phases or iterations');
});
