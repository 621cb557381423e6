/**
 * The app context (src/runtime/app-runner.ts, RunContext): its functions are getters that
 * build their closure on first use (docs/FOOTPRINT.md, "Round 7: pingpong slots"). Apps may
 * still take them off the context; a context holds none of them as its own properties, so a
 * board pays only for the functions its app uses.
 */
import test from 'ava';
import { simulate } from '../../host-sim/api/index.js';
import { project } from '../apps/helpers.js';
import { PlainRun } from '../../src/runtime/app-runner.js';
import type { AppRun, PlainRunBoard } from '../../src/runtime/app-runner.js';
import type { McapiNode } from '../../src/mcapi/index.js';
import { FtAppRun, HostedRun } from '../../src/runtime/ft-host.js';
import type { FtHost } from '../../src/runtime/ft-host.js';
import type { Dsm } from '../../src/dsm/index.js';
import { DsmCheckpointContent } from '../../src/runtime/dsm-content.js';
import type { FaultTolerance, FtRun } from '../../src/ft/index.js';

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
      bound: [now, sleep, log, event, random, nodeOfRank, dsm].every((f) => f.name.startsWith('bound ')),
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
      // Round 11: bound methods (~8 XS slots each), not arrow functions over a getter's environment (~15).
      bound: true,
    });
  });
}

const field = (o: object, name: string): unknown => (o as Record<string, unknown>)[name];

/** A board for plain runs: timers kept by hand, members 0 and 1, node 1 reachable only when `up`. */
function plainBoard(): { board: PlainRunBoard; timers: Map<number, () => void>; failed: string[]; waits: number[][] } {
  const timers = new Map<number, () => void>();
  const failed: string[] = [];
  const waits: number[][] = [];
  let next = 1;
  const board = {
    hal: {
      setTimer: <A>(_ms: number, fire: (arg: A) => void, arg?: A): number => {
        const id = next++;
        timers.set(id, () => fire(arg as A));
        return id;
      },
      clearTimer: (id: number): void => void timers.delete(id),
    },
    config: { options: { convergeMs: 500 } },
    mcapi: null,
    net: {
      whenConverged: (expected: readonly number[]): Promise<void> => {
        waits.push(expected.slice());
        return new Promise<void>(() => undefined);
      },
      reachable: (n: number): boolean => n === 0,
    },
    runner: { fail: (run: AppRun, e: unknown): void => void failed.push(`${run.rank} ${(e as Error).message}`) },
    members: (): number[] => [0, 1],
  };
  return { board: board as unknown as PlainRunBoard, timers, failed, waits };
}

test('a plain run is one object of methods and its own view: no closure, no view object (Round 14)', (t) => {
  const { board } = plainBoard();
  const a = new PlainRun(0, board);
  const b = new PlainRun(1, board);
  // Before Round 14: `begin` a closure per run, and `ready` the board's converge closure.
  for (const [k, v] of Object.entries(a)) t.not(typeof v, 'function', `own function ${k}`);
  t.is(a.isActive, b.isActive);
  t.is(a.ready, b.ready);
  t.is(a.begin, b.begin);
  t.true(a.isActive());
  t.is(a.epoch, 0);
  t.false(a.hostedByFt);
  const va = a.begin();
  t.is(va, a, 'the run is its own view');
  t.is(va.nodeOfRank, b.begin().nodeOfRank);
  t.is(va.onRevoke, b.begin().onRevoke);
  t.is(va.nodeOfRank(3), 3);
  t.is(va.ft, null);
  t.is(va.mcapi, board.mcapi);
});

test('a plain run waits on the network\'s own promise; begin clears its timer, a timeout fails it with the unreachable nodes', (t) => {
  const ok = plainBoard();
  const run = new PlainRun(0, ok.board);
  void run.ready();
  t.deepEqual(ok.waits, [[0, 1]]);
  t.is(ok.timers.size, 1);
  run.begin();
  t.is(ok.timers.size, 0, 'converged: the timer is cleared');

  const late = plainBoard();
  const r2 = new PlainRun(1, late.board);
  void r2.ready();
  for (const fire of [...late.timers.values()]) fire();
  t.deepEqual(late.failed, ['1 network did not converge in 500 ms: nodes 1 unreachable']);
  t.false(r2.isActive(), 'a later convergence starts nothing');
});

test('an FT run is one object of methods: run view, ctx.ft and the runner side hold no closures', async (t) => {
  const calls: string[] = [];
  const run = {
    rank: 1, epoch: 2, restored: { iteration: 7 }, generation: 3, progress: 7,
    checkpoint: (_s: unknown, p: number) => (calls.push(`checkpoint ${p}`), Promise.resolve()),
    opportunity: (p: number) => (calls.push(`opportunity ${p}`), Promise.resolve(false)),
    yield: () => (calls.push('yield'), Promise.resolve()),
    report: (p: number) => void calls.push(`report ${p}`),
    settled: () => Promise.resolve(),
    onRevoke: () => void calls.push('onRevoke'),
  } as unknown as FtRun;
  const module = { rankMap: () => [4, 5], stats: () => ({ phase: 'running' }) } as unknown as FaultTolerance;
  const content = new DsmCheckpointContent();
  const h = new HostedRun(run, content, module, null as unknown as McapiNode, true);
  // A closure per function per run cost ~5-7 XS slots each (docs/FOOTPRINT.md "Round 9: Laplace slots").
  const own = Object.getOwnPropertyNames(h).filter((k) => typeof Object.getOwnPropertyDescriptor(h, k)?.value === 'function');
  t.deepEqual(own, []);
  t.is(h.app, h);
  t.is(h.ft, h);
  t.deepEqual([h.restored, h.generation, h.progress, h.epoch, h.recoverable], [{ iteration: 7 }, 3, 7, 2, true]);
  t.deepEqual([h.nodeOfRank(0), h.nodeOfRank(1), h.nodeOfRank(2)], [4, 5, -1]);
  await h.checkpoint({ iteration: 8 }, 8);
  await h.opportunity(9, () => null);
  await h.yield();
  h.report(10);
  h.onRevoke(() => undefined);
  t.deepEqual(calls, ['checkpoint 8', 'opportunity 9', 'yield', 'report 10', 'onRevoke']);
  t.deepEqual(h.stats() as unknown, { phase: 'running' });
});

test("an FT run as the runner sees it is one object of methods, and closes its MCAPI scope at a rollback without a closure (Round 13)", (t) => {
  const listeners: unknown[] = [];
  let active = true;
  const run = {
    rank: 1, epoch: 2, restored: null, generation: 0, progress: 0,
    get active() {
      return active;
    },
    onRevoke: (l: unknown) => void listeners.push(l),
  } as unknown as FtRun;
  const closed: string[] = [];
  const scope = { mcapi: null, close: (why: string) => void closed.push(why) };
  const module = { rankMap: () => [4, 5], options: { shrink: false } } as unknown as FaultTolerance;
  const host = {
    ft: module,
    openScope: () => scope,
    recoverable: () => false,
  } as unknown as FtHost;
  const r = new FtAppRun(run, new DsmCheckpointContent(), host);
  const own = Object.getOwnPropertyNames(r).filter((k) => typeof Object.getOwnPropertyDescriptor(r, k)?.value === 'function');
  t.deepEqual(own, [], 'no closure as a property');
  t.deepEqual(Object.keys(r).sort(), ['content', 'host', 'run', 'scope']);
  t.deepEqual([r.rank, r.epoch, r.hostedByFt, r.isActive()], [1, 2, true, true]);
  const view = r.begin();
  t.true(view instanceof HostedRun);
  t.deepEqual(listeners, [r], 'the run object itself is the revoke listener');
  active = false;
  t.false(r.isActive());
  r.close();
  t.deepEqual(closed, ['the run of rank 1 (epoch 2) was superseded by a rollback']);
});

test("a DSM checkpoint content is the DSM's alloc listener and keeps the selected names as a list", (t) => {
  const c = new DsmCheckpointContent();
  c.select(['laplace.u']);
  t.deepEqual(field(c, 'only'), ['laplace.u'], 'a list, not a Set');
  const dsm = { onAllocated: null, limits: { lend: true }, sharedArrays: () => [] } as unknown as Dsm;
  c.attach(dsm);
  t.is(dsm.onAllocated, c, 'the content itself, not a closure');
});
