/**
 * The app context (src/runtime/app-runner.ts, RunContext): its functions are getters that
 * build their closure on first use (docs/TARGETS.md, "Round 7: pingpong slots"). Apps may
 * still take them off the context; a context holds none of them as its own properties, so a
 * board pays only for the functions its app uses.
 */
import test from 'ava';
import { simulate } from '../../host-sim/api/index.js';
import { project } from '../apps/helpers.js';
import { plainRun } from '../../src/runtime/app-runner.js';
import type { McapiNode } from '../../src/mcapi/index.js';

const CTX_APP = `import type { App } from 'mcdsm';

export const app: App = {
  name: 'ctx-shape',
  async main(ctx) {
    const own = Object.keys(ctx).filter((k) => typeof Object.getOwnPropertyDescriptor(ctx, k)?.value === 'function');
    const { now, sleep, log, event, random, nodeOfRank, dsm, rank, boards, mcapi } = ctx;
    const t0 = now();
    await sleep(5);
    log('info', 'destructured');
    event('iter', 1);
    const r = random();
    const d = await dsm();
    const sameDsm = (await ctx.dsm()) === d;
    await d.barrier();
    return {
      rank, boards, ownFunctions: own.length, slept: now() - t0 >= 5, random: r >= 0 && r < 1,
      node: nodeOfRank(rank), sameDsm, sameFunction: ctx.now === now, ft: 'ft' in ctx, mcapi: mcapi === ctx.mcapi,
    };
  },
};
`;

for (const engine of ['node', 'xs'] as const) {
  test(`an app destructures the context; it holds no function of its own (${engine})`, async (t) => {
    const dir = project({ 'app.ts': CTX_APP }, 'mcdsm-ctx-');
    const summary = await simulate({ app: './app.ts', cwd: dir, boards: 2, engine, link: 'uart:921600', seed: 3 });
    t.true(summary.ok, summary.reason);
    t.deepEqual(summary.app.result, {
      rank: 0, boards: 2, ownFunctions: 0, slept: true, random: true, node: 0, sameDsm: true, sameFunction: true, ft: false, mcapi: true,
    });
  });
}

test('a plain run shares its constant functions (no closures per run)', (t) => {
  const a = plainRun(0, null as unknown as McapiNode, () => Promise.resolve());
  const b = plainRun(1, null as unknown as McapiNode, () => Promise.resolve());
  t.is(a.isActive, b.isActive);
  t.true(a.isActive());
  const va = a.begin();
  const vb = b.begin();
  t.is(va.nodeOfRank, vb.nodeOfRank);
  t.is(va.onRevoke, vb.onRevoke);
  t.is(va.nodeOfRank(3), 3);
});
