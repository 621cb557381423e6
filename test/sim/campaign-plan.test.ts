/**
 * Issue 11, defect 6: a campaign schedules only faults that can fire, classifies every run
 * and prints a replay line that names everything the run used.
 */
import test from 'ava';
import { classify, reasonClass } from '../../host-sim/campaign/classify.js';
import { campaignLink, replayLine } from '../../host-sim/commands/campaign.js';
import { connectedWithout, parseFaultKinds, planRun, type ScheduleContext } from '../../host-sim/campaign/schedule.js';
import type { SimSummary } from '../../host-sim/sim/simulator.js';
import { parseFaultFlag } from '../../host-sim/sim/scenario.js';
import { buildTopology } from '../../host-sim/sim/topology.js';
import { parseLinkSpec } from '../../host-sim/sim/link-model.js';

function ctx(topology: string, kinds = parseFaultKinds('crash,reboot,hang,partition')): ScheduleContext {
  const edges = buildTopology(topology, 6, parseLinkSpec('uart:921600')).edges.map((e) => ({ a: e.a, b: e.b }));
  return { boards: 4, spares: 2, edges, horizonMs: 4000, iterations: 60, ckptEvery: 10, kinds };
}

test('only faults that can fire: spares get time triggers, recovery-transfer only as a second crash after a checkpoint', (t) => {
  const kinds = new Set<string>();
  for (const topology of ['ring', 'line', 'star', 'full']) {
    for (let i = 0; i < 400; i++) {
      const p = planRun(7, i, ctx(topology));
      kinds.add(p.kind);
      for (const f of p.faults) {
        const step = parseFaultFlag(f);
        t.true(step.board >= 0 && step.board < 6);
        if (step.board >= 4) t.not(step.atMs, undefined, `a spare gets a time trigger: ${f}`);
        if (step.atMs !== undefined) t.true(step.atMs >= 1 && step.atMs <= 4000, `inside the fault-free run: ${f}`);
        if (step.onEvent?.name === 'recovery-transfer') {
          t.is(p.kind, 'crash2');
          t.is(p.faults.indexOf(f), 1, 'the second crash');
          const first = parseFaultFlag(p.faults[0]!);
          t.true((first.onEvent?.value ?? 0) > 10, 'the first crash follows the first checkpoint (iteration 10)');
        }
      }
      if (p.kind === 'partition') {
        const [a, b] = [parseFaultFlag(p.faults[0]!), parseFaultFlag(p.faults[1]!)];
        t.true(ctx(topology).edges.some((e) => (e.a === a.board && e.b === b.board) || (e.a === b.board && e.b === a.board)), 'a wired pair');
        t.true(parseFaultFlag(p.faults[3]!).atMs! <= 4000, 'healed inside the run');
      }
      // End-to-end delivery resends what an outage stranded: outages are recoverable by design.
      if (p.kind === 'hang' || p.kind === 'partition') t.is(p.notRecoverable, null);
    }
  }
  t.deepEqual([...kinds].sort(), ['crash', 'crash2', 'hang', 'partition', 'reboot']);
  t.deepEqual(planRun(7, 3, ctx('ring')), planRun(7, 3, ctx('ring')), 'a plan is a function of the seed');
});

test('a crash that cuts the network is not recoverable by design (star hub, inner board of a line)', (t) => {
  t.false(connectedWithout(6, ctx('star').edges, [0]));
  t.true(connectedWithout(6, ctx('star').edges, [3]));
  t.false(connectedWithout(6, ctx('line').edges, [2]));
  t.true(connectedWithout(6, ctx('ring').edges, [2]));
  const star = Array.from({ length: 400 }, (_, i) => planRun(1, i, ctx('star', ['crash'])));
  for (const p of star.filter((x) => x.kind === 'crash')) {
    t.is(p.notRecoverable !== null, parseFaultFlag(p.faults[0]!).board === 0, p.faults[0]!);
  }
});

test('classification: clean stops are not hung, livelocks and wall bounds are livelock', (t) => {
  const s = (ok: boolean, reason: string, digest = 'x'): SimSummary => ({ ok, reason, app: { name: 'laplace', result: { digest }, results: {} } }) as unknown as SimSummary;
  t.is(classify(s(true, 'done'), 'x'), 'identical');
  t.is(classify(s(true, 'done', 'y'), 'x'), 'wrong');
  t.is(classify(s(false, 'virtual time limit of 166000 ms reached'), 'x'), 'hung');
  t.is(classify(s(false, 'livelock at t=17184.05 ms on board 2 (timer 101683): 100000 steps without virtual time advancing'), 'x'), 'livelock');
  t.is(classify(s(false, 'wall time limit of 180000 ms reached'), 'x'), 'livelock');
  t.is(classify(s(false, 'board 0 (rank 0): app failed: unrecoverable: checkpoint of rank 1 lost (node 1 and its buddy node 2 failed)'), 'x'), 'unrecoverable');
  t.is(classify(s(false, 'board 3 (rank 3): app failed: DsmError: dsm: no reply from rank 2 within 15000 ms'), 'x'), 'stopped');
  t.is(reasonClass('board 3 (rank 3): app failed: DsmError: dsm: no reply from rank 2 within 15000 ms'), 'app failed: DsmError: dsm: no reply from rank N within N ms');
});

test('the replay line names topology, link, seed, virtual-time limit and every fault; the link is taken as given', (t) => {
  t.is(campaignLink('uart:921600,loss=0.02,corrupt=0.005', undefined, undefined), 'uart:921600,loss=0.02,corrupt=0.005');
  t.is(campaignLink('uart:921600', undefined, '0'), 'uart:921600,loss=0.01,corrupt=0');
  t.throws(() => campaignLink('uart:921600,loss=0.02', '0.1', undefined), { message: /already sets loss/ });
  const flags = { runs: '1', boards: '4', spares: '2', engine: 'node', seed: '7', link: 'x', topology: 'ring', faults: 'crash' };
  const plan = planRun(7, 0, ctx('ring'));
  const line = replayLine('examples/laplace', flags, 'uart:921600,loss=0.02,corrupt=0.005', '166s', 0, ['--n', '64'], {
    ...plan, outcome: 'stopped', reason: '', digest: null, virtualMs: 0, wallMs: 0, recoveries: 0, fired: 0,
  });
  t.true(line.startsWith('mcdsm sim examples/laplace --boards 4 --spares 2 --engine node --topology ring --link "uart:921600,loss=0.02,corrupt=0.005"'));
  t.true(line.includes(`--seed ${plan.seed} --max-virtual 166s`));
  for (const f of plan.faults) t.true(line.includes(`--fault ${f}`));
  t.true(line.endsWith('-- --n 64'));
});
