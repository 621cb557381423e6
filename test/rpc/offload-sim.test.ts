/**
 * examples/offload end to end in the simulator: a client board offloads matrix-vector products
 * to three compute boards over 921600-baud UARTs; a board is crashed through its console at
 * each stage of a call (`--fault crash:<board>@rpc-<stage>`) and the run still ends with the
 * fault-free result, every call verified against the client's own computation, none delivered
 * or committed twice. One run on XS boards.
 */
import test from 'ava';
import { runDomain } from '../../host-sim/sim/run.js';
import type { SimSummary } from '../../host-sim/sim/simulator.js';

function offload(more: { fault?: string[]; engine?: string; appArgs?: string[]; boards?: string } = {}): Promise<SimSummary> {
  return runDomain({
    app: 'offload',
    boards: more.boards ?? '4',
    engine: more.engine ?? 'node',
    topology: 'full',
    link: 'uart:921600,loss=0.01',
    seed: '5',
    fault: more.fault ?? [],
    appArgs: more.appArgs ?? [],
  });
}

let clean: SimSummary | null = null;
async function cleanResult(): Promise<unknown> {
  clean ??= await offload();
  return clean.app.result;
}

test('fault-free: every call verified by the client, no retries', async (t) => {
  const s = await offload();
  t.true(s.ok, s.reason);
  t.like(s.app.result, { calls: 6, verified: 6 });
  t.like(s.rpc, { calls: 6, failed: 0, duplicated: 0 });
});

for (const [board, stage] of [[1, 'start'], [2, 'args'], [3, 'compute'], [1, 'result']] as const) {
  for (const idempotent of [1, 0]) {
    test(`a compute board crashed at rpc-${stage} (${idempotent ? 'idempotent' : 'not idempotent'}): the fault-free result, exactly once`, async (t) => {
      const s = await offload({ fault: [`crash:${board}@rpc-${stage}`], appArgs: ['--idempotent', String(idempotent)] });
      t.true(s.ok, s.reason);
      t.is(s.faults.length, 1);
      t.is(s.faults[0]!.effect, 'crash');
      t.deepEqual(s.app.result, await cleanResult());
      t.is(s.rpc.failed, 0);
      t.is(s.rpc.duplicated, 0);
    });
  }
}

test('a crash in mid-computation costs a retry at the compute stage and the buddy resumes from the checkpoint', async (t) => {
  const s = await offload({ fault: ['crash:2@rpc-compute'], appArgs: ['--work-ms', '60'] });
  t.true(s.ok, s.reason);
  t.deepEqual(s.app.result, await cleanResult());
  t.true(s.rpc.retries >= 1);
  t.true(s.rpc.byStage.compute + s.rpc.byStage.args >= 1, JSON.stringify(s.rpc));
  t.true(s.rpc.lostMs > 0);
});

test('with one compute board and no buddy, a non-idempotent call that lost it fails clearly', async (t) => {
  const s = await offload({ boards: '2', fault: ['crash:1@rpc-compute'], appArgs: ['--idempotent', '0', '--calls', '1'] });
  t.false(s.ok);
  t.regex(s.reason, /RPC_MAYBE_EXECUTED/);
  t.is(s.rpc.duplicated, 0);
});

test('XS boards: a crash at rpc-compute ends with the same result as V8 boards without faults', async (t) => {
  const s = await offload({ engine: 'xs', fault: ['crash:3@rpc-compute'], appArgs: ['--idempotent', '0'] });
  t.true(s.ok, s.reason);
  t.true(s.boards.every((b) => b.engine === 'xs'));
  t.deepEqual(s.app.result, await cleanResult());
  t.is(s.rpc.duplicated, 0);
});
