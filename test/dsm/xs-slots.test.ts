/**
 * The XS slots a DSM member holds, counted in a real XS machine (gc() + currentHeapCount
 * around each step): two DSMs (window 2, as bench footprint's Laplace) joined by an in-VM
 * transport run Laplace N=64's DSM calls: the Dsm and its parts, the two pushed grids, then the
 * iterations whose pushes set up the halo subscriptions. What the Laplace + FT board holds from
 * the run's start to `iter 1` (docs/FOOTPRINT.md "Round 14: DSM member slots").
 */
import test from 'ava';
import { XsWorker } from '../../host-sim/xsnap/worker.js';
import { bundleFixture, xsProbe } from '../xs/fixtures/slot-probe.js';
import { digestFloat64, laplaceSequential } from '../../examples/laplace/laplace.js';

const bundle = (): Promise<string> => bundleFixture(new URL('./fixtures/xs-slots-main.js', import.meta.url));

/**
 * Bounds, XS slots. Before Round 14 (main b369b8e): a Dsm 256 (two: 513), a Laplace grid 87.5
 * (four: 350, the alloc's promises included), a board from `new Dsm` through six iterations
 * 510. After it: 209.5, 59.5 and 380.5 (main 9122bd0: 200, 57.5, 355). Round 14b (the Dsm's
 * parts, its barrier node and push sides read its rank, size, limits, figures and clock instead
 * of keeping copies): 178, 57.5, 333. Round 16 (a call is a record, not a promise chain: the
 * Dsm's `chain` promise went): 171, 57.5, 326; the bounds fail on main 8e3eec3. Round 19 (the
 * Dsm's figures and a grid's `runEnd` and `homes` plain Arrays, not typed arrays: 2 XS slots
 * each, not 7): 166, 47.5, 301; the bounds fail on main 0df1b0e (171, 57.5, 326).
 */
const PER_DSM_MAX = 168;
const PER_GRID_MAX = 50;
const PER_BOARD_MAX = 308;

test(`a DSM holds at most ${PER_DSM_MAX} XS slots, a Laplace grid ${PER_GRID_MAX}, a Laplace board's DSM after six iterations ${PER_BOARD_MAX}`, async (t) => {
  const w = new XsWorker({ name: 'dsm-slots', stdout: 'ignore' });
  const { text, live } = xsProbe(w);
  try {
    await w.evaluate(await bundle());
    await w.evaluate('setup()');
    const l0 = await live();
    await w.evaluate('makeDsms()');
    const l1 = await live();
    await w.evaluate('allocGrids()');
    const l2 = await live();
    await w.evaluate('firstBarrier()');
    for (let i = 0; i < 6; i++) await w.evaluate('iterate()');
    const l3 = await live();
    // Two DSMs, two grids each, seven barriers each, no timer left behind but the two it had.
    t.regex(await text('counts()'), /^2 2,2 7,7 \d+$/);
    const perDsm = (l1 - l0) / 2;
    const perGrid = (l2 - l1) / 4;
    const perBoard = (l3 - l0) / 2;
    t.log(`a Dsm ${perDsm} slots, a grid ${perGrid}, a board after six iterations ${perBoard}`);
    t.true(perDsm <= PER_DSM_MAX, `${perDsm} slots per Dsm`);
    t.true(perGrid <= PER_GRID_MAX, `${perGrid} slots per grid`);
    t.true(perBoard <= PER_BOARD_MAX, `${perBoard} slots per board`);
  } finally {
    await w.kill();
  }
});

/**
 * Laplace's final phase on rank 0 while rank 1 is still in its last checkpoint (held after its
 * last barrier), over what rank 0 held there itself: rank 0 has allocated the hash state
 * `laplace.sha` and waits for rank 1's ALLOC: the pending alloc's queue link, async frames and
 * promises, the array (~60), the alloc checker; on a lin board the final phase's peak
 * (docs/FOOTPRINT.md "Round 15b: Laplace's final phase"). 308 slots on main ecc7756, 283 since
 * `Dsm.enqueue` chains a call on the previous call's own promise (no second promise and
 * reaction per pending call), 145 since a pending call is one record and the app's promise
 * (Round 16: no async function, promise chain or part's promise inside the DSM), 135 since the
 * hash state's `runEnd` and `homes` are plain Arrays (Round 19). The bound fails on main
 * 0df1b0e (145).
 */
const FINAL_PHASE_MAX = 140;

test(`Laplace's final phase holds at most ${FINAL_PHASE_MAX} XS slots on rank 0 while rank 1 is held, and ends with the sequential digest`, async (t) => {
  const w = new XsWorker({ name: 'dsm-final-slots', stdout: 'ignore' });
  const { text, live } = xsProbe(w);
  try {
    await w.evaluate(await bundle());
    await w.evaluate('setup()');
    await w.evaluate('makeDsms()');
    await w.evaluate('startLaplace()');
    await w.evaluate('settle()');
    // Both boards held after their last barrier, no result yet.
    t.is(await text('laplaceState()'), '2 0 2,2 null');
    const l0 = await live();
    await w.evaluate('releaseRank(0)');
    const l1 = await live();
    // Rank 0 allocated the hash state and waits for rank 1.
    t.is(await text('laplaceState()'), '2 0 3,2 null');
    await w.evaluate('releaseRank(1)');
    t.is(await text('laplaceState()'), `2 2 3,3 ${JSON.stringify({ digest: digestFloat64(laplaceSequential(64, 2)), n: 64, iters: 2, boards: 2 })}`);
    t.log(`rank 0's final phase while rank 1 is held: ${l1 - l0} slots`);
    t.true(l1 - l0 <= FINAL_PHASE_MAX, `${l1 - l0} slots`);
  } finally {
    await w.kill();
  }
});

/**
 * A DSM call that waits, by kind (docs/FOOTPRINT.md "Round 16: DSM calls without promises"):
 * the live slots one board holds while the call waits for the other board, over what it held
 * before the call, the call's own promise (held by the caller, with the fixture's reaction to
 * it) and the messages queued on the in-VM network included. Each kind runs twice and the
 * second is counted, so what a first call makes for good (a lock manager, the request window's
 * watchdog) is not counted as the wait. Main 8e3eec3 (an async function per call chained on
 * the previous call's promise, a promise and resolving functions in each part waited for, a
 * closure per timer): barrier 185, fetch 175, diff 174, alloc 317 (the new array's ~60
 * included), lock 235, lend 146. Round 16 (one record per call, the parts tell the Dsm): 88,
 * 86, 75, 173, 81, 58. Every bound fails on main. Round 18: barrier 77 (the barrier node's timer
 * fires a module function with the node as argument, no closure per arrival); its bound (85)
 * fails on main b152785 (88). Round 19: alloc 163 (the new array's `runEnd` and `homes`
 * plain Arrays); its bound (168) fails on main 0df1b0e (173).
 */
const WAIT_MAX = { barrier: 85, fetch: 100, diff: 90, alloc: 168, lock: 95, lend: 70 } as const;
const WAIT_KINDS = Object.keys(WAIT_MAX) as (keyof typeof WAIT_MAX)[];

test(`a waiting DSM call holds at most ${JSON.stringify(WAIT_MAX)} XS slots, by kind`, async (t) => {
  const w = new XsWorker({ name: 'dsm-wait-slots', stdout: 'ignore' });
  const { text, live } = xsProbe(w);
  const held: Record<string, number> = {};
  try {
    await w.evaluate(await bundle());
    await w.evaluate('setup()');
    await w.evaluate('makeDsms()');
    await w.evaluate('allocSmall()');
    for (const kind of WAIT_KINDS) {
      for (let round = 0; round < 2; round++) {
        await w.evaluate(`prep(${JSON.stringify(kind)})`);
        const l0 = await live();
        await w.evaluate(`pend(${JSON.stringify(kind)})`);
        const l1 = await live();
        t.regex(await text('pendingState()'), /^false /, `${kind}: the call waits`);
        await w.evaluate(`finish(${JSON.stringify(kind)})`);
        t.regex(await text('pendingState()'), /^true /, `${kind}: the call ended`);
        held[kind] = l1 - l0;
      }
    }
    t.log(JSON.stringify(held));
    for (const kind of WAIT_KINDS) t.true(held[kind]! <= WAIT_MAX[kind], `${kind}: ${held[kind]} slots while it waits`);
  } finally {
    await w.kill();
  }
});

/**
 * The XS slots a Laplace iteration allocates (live or garbage) on the two boards: the heap count
 * right after the step, without a collection, over the live set before it. Garbage is what makes
 * XS collect inside a job, and every collection is a chance for two tight ones in a row (the heap
 * grows): on a lin board nearly every barrier's `closeInterval` triggered one (docs/FOOTPRINT.md
 * "Round 18"). Main b152785: 4 558 (a closure for the notices and one for request ids at every
 * release, a Map of DIFF writers and a closure per array, a closure per barrier timer and per
 * barrier end). Round 18: 4 286 (objects with methods, the Map made by the first page to diff).
 * The bound fails on main.
 */
const ITERATION_ALLOC_MAX = 4400;

test(`a Laplace iteration allocates at most ${ITERATION_ALLOC_MAX} XS slots on two boards`, async (t) => {
  const w = new XsWorker({ name: 'dsm-alloc', stdout: 'ignore' });
  const { text, live } = xsProbe(w);
  try {
    await w.evaluate(await bundle());
    // Past the iterations that set up the halo subscriptions (fetches first, then pushes).
    for (const s of ['setup()', 'makeDsms()', 'allocGrids()', 'firstBarrier()', 'iterate()', 'iterate()', 'iterate()', 'iterate()']) await w.evaluate(s);
    const counts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const before = await live();
      const after = (await w.evaluate('iterate()')).meter.currentHeapCount;
      counts.push(after - before);
    }
    // Two DSMs, two grids each, eight barriers each (the first and seven iterations).
    t.regex(await text('counts()'), /^2 2,2 8,8 \d+$/);
    t.log(`allocated per iteration: ${counts.join(', ')}`);
    // The same every iteration (a steady state): the largest counts.
    const most = Math.max(...counts);
    t.true(most <= ITERATION_ALLOC_MAX, `${most} slots allocated by an iteration`);
  } finally {
    await w.kill();
  }
});
