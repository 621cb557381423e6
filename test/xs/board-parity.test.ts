import test from 'ava';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NodeBoard } from '../../host-sim/boards/node-board.js';
import { XsBoard, defaultBundlePath } from '../../host-sim/boards/xs-board.js';
import type { SimBoard } from '../../host-sim/boards/sim-board.js';
import { XsWorker } from '../../host-sim/xsnap/worker.js';
import { decodeActions } from '../../hal/driven/codec.js';
import { splitMeterTrailer } from '../../hal/xsnap/meter-trailer.js';
import type { BoardAction, BoardEvent } from '../../hal/driven/events.js';
import type { BootFunction } from '../../hal/driven/board-host.js';
import { probeBoot } from './fixtures/probe-boot.js';
import { bootConfig, probeBundle } from './fixtures/bundle.js';

const script: BoardEvent[][] = [
  [{ kind: 'time', now: 0 }, { kind: 'boot', config: bootConfig(3) }],
  [{ kind: 'time', now: 5 }, { kind: 'timer', id: 1 }],
  [
    { kind: 'time', now: 6 },
    { kind: 'rx', link: 0, bytes: new Uint8Array([1, 2, 3, 4]) },
    { kind: 'rx', link: 1, bytes: new Uint8Array([9]) },
    { kind: 'rx', link: 7, bytes: new Uint8Array([9]) },
    { kind: 'console', text: 'now' },
  ],
  [{ kind: 'time', now: 15.25 }, { kind: 'timer', id: 2 }, { kind: 'console', text: 'utf8' }, { kind: 'console', text: 'cancel' }],
  [{ kind: 'time', now: 16 }, { kind: 'timer', id: 3 }, { kind: 'console', text: 'hang 5' }, { kind: 'console', text: 'mem' }],
  [{ kind: 'time', now: 20 }, { kind: 'console', text: 'throw boom' }, { kind: 'console', text: 'now' }],
  [{ kind: 'time', now: 21 }, { kind: 'console', text: 'now' }],
];

async function runScript(board: SimBoard, batches: BoardEvent[][]): Promise<BoardAction[][]> {
  const out: BoardAction[][] = [];
  for (const batch of batches) out.push(await board.step(batch));
  return out;
}

/**
 * Uint8Array views from a pipe and fresh arrays compare equal by content. A frame's or an
 * event's `units` (the meter when it was written) is XS's alone: a V8 board has no meter.
 */
function plain(actions: BoardAction[][]): unknown {
  return actions.map((batch) => batch.map((a) => {
    if (a.kind === 'tx') return { kind: a.kind, link: a.link, bytes: [...a.bytes] };
    if (a.kind === 'event') return { kind: a.kind, name: a.name, value: a.value, detail: a.detail };
    return a;
  }));
}

test('a V8 board and an XS board given the same batches take the same actions', async (t) => {
  const xs = await XsBoard.create({ bundleText: await probeBundle(), reportMemory: false, name: 'parity' });
  try {
    const v8 = new NodeBoard(probeBoot);
    const [a, b] = [await runScript(v8, script), await runScript(xs, script)];
    t.deepEqual(plain(b), plain(a));
    // And the script exercised what it meant to: echoes, PRNG text, UTF-8, a hang, the crash.
    const flat = a.flat();
    t.true(flat.some((x) => x.kind === 'tx' && x.link === 0 && x.bytes.join() === '4,3,2,1'));
    t.true(flat.some((x) => x.kind === 'console' && x.text.includes('世界 🎉')));
    t.true(flat.some((x) => x.kind === 'hang' && x.ms === 5));
    t.true(flat.some((x) => x.kind === 'timer-clear'));
    t.deepEqual(a[5], [{ kind: 'halt', reason: 'uncaught exception in console handler: Error: thrown on request boom' }]);
    t.deepEqual(a[6], []);
    t.true(xs.figures().computeTotal > 0);
    t.is(xs.figures().steps, script.length);
  } finally {
    await xs.kill();
  }
});

test('the XS board really runs XS', async (t) => {
  const xs = await XsBoard.create({ bundleText: await probeBundle(), name: 'engine' });
  try {
    const v8 = new NodeBoard(probeBoot);
    const ask: BoardEvent[][] = [[{ kind: 'time', now: 0 }, { kind: 'boot', config: bootConfig(1) }], [{ kind: 'time', now: 1 }, { kind: 'console', text: 'engine' }]];
    const fromXs = (await runScript(xs, ask))[1];
    const fromV8 = (await runScript(v8, ask))[1];
    t.deepEqual(fromXs, [{ kind: 'console', text: 'keeps-source false\n' }]);
    t.deepEqual(fromV8, [{ kind: 'console', text: 'keeps-source true\n' }]);
    t.is(xs.engine, 'xs');
    t.true(xs.pid !== undefined);
  } finally {
    await xs.kill();
  }
});

test('the XS board reports its measured heap through Hal.memory()', async (t) => {
  // Also the path without a snapshot: the bundle is evaluated in the board's own VM.
  const xs = await XsBoard.create({ bundleText: await probeBundle(), name: 'memory', snapshot: false });
  try {
    await xs.step([{ kind: 'time', now: 0 }, { kind: 'boot', config: bootConfig(1) }]);
    const actions = await xs.step([{ kind: 'time', now: 1 }, { kind: 'console', text: 'mem' }]);
    const m = /^mem (\d+) (\d+)\n$/.exec((actions[0] as { text: string }).text);
    t.truthy(m);
    t.true(Number(m![1]) > 0);
    t.is(Number(m![2]), 150 * 1024);
    t.true(xs.figures().heapBytes > 0);
  } finally {
    await xs.kill();
  }
});

test('garbage does not count against the heap budget; live data does', async (t) => {
  const bundleText = await probeBundle();
  const tight = await XsBoard.create({ bundleText, name: 'heap-tight' });
  const loose = await XsBoard.create({ bundleText, name: 'heap-loose' });
  try {
    const boot = (ramLimit: number): BoardEvent[] => [{ kind: 'time', now: 0 }, { kind: 'boot', config: bootConfig(1, { ramLimit }) }];
    const garbage: BoardEvent[] = [{ kind: 'time', now: 1 }, { kind: 'console', text: 'garbage 2000' }];
    await tight.step(boot(64 * 1024));
    await loose.step(boot(1 << 30));
    await tight.step(garbage);
    await loose.step(garbage);
    // Far below its budget nobody collects: the uncollected figure includes the garbage...
    t.true(loose.figures().heapBytes > 64 * 1024, `uncollected: ${loose.figures().heapBytes}`);
    // ...which a board near its budget does not get blamed for.
    t.true(tight.figures().heapBytes < 64 * 1024, `collected: ${tight.figures().heapBytes}`);
    await tight.step([{ kind: 'time', now: 2 }, { kind: 'console', text: 'hog 5000' }]);
    t.true(tight.figures().heapBytes > 64 * 1024, `live: ${tight.figures().heapBytes}`);
    t.true(tight.figures().heapPeakBytes >= tight.figures().heapBytes);
  } finally {
    await tight.kill();
    await loose.kill();
  }
});

test('an XS board that computes forever dies as a halt action, then stays silent', async (t) => {
  const xs = await XsBoard.create({ bundleText: await probeBundle(), meteringLimit: 1_000_000, stderr: 'ignore', name: 'spin' });
  await xs.step([{ kind: 'time', now: 0 }, { kind: 'boot', config: bootConfig(1) }]);
  const actions = await xs.step([{ kind: 'time', now: 1 }, { kind: 'console', text: 'spin' }]);
  t.is(actions.length, 1);
  t.is(actions[0]!.kind, 'halt');
  t.regex((actions[0] as { reason: string }).reason, /too much computation/);
  t.false(xs.alive);
  t.regex(xs.exitReason!, /exit 17/);
  t.deepEqual(await xs.step([{ kind: 'time', now: 2 }]), []);
});

test('an undecodable batch halts the XS board with the reason', async (t) => {
  const w = new XsWorker({ name: 'garbage', stdout: 'ignore' });
  try {
    await w.evaluate(await probeBundle());
    const r = await w.command(new Uint8Array([0x45, 5, 99]));
    const actions = decodeActions(splitMeterTrailer(r.reply).actions);
    t.is(actions.length, 1);
    t.regex((actions[0] as { reason: string }).reason, /^bad event batch: CodecError/);
  } finally {
    await w.kill();
  }
});

test('the built board bundle loads in XS and matches V8 on boot', async (t) => {
  const path = defaultBundlePath();
  if (!existsSync(path)) {
    t.fail(`${path} is missing: run \`npm run build\``);
    return;
  }
  const t0 = performance.now();
  const xs = await XsBoard.create({ name: 'bundle', reportMemory: false });
  t.log(`spawn + bundle evaluation: ${(performance.now() - t0).toFixed(1)} ms`);
  try {
    // The V8 side boots the same built-in apps the default XS bundle holds.
    const runtime = fileURLToPath(new URL('../../host-sim/apps/builtin.js', import.meta.url));
    const batches: BoardEvent[][] = [
      [{ kind: 'time', now: 0 }, { kind: 'boot', config: bootConfig(1, { app: 'counter' }) }],
      [{ kind: 'time', now: 1 }, { kind: 'console', text: 'help\n' }],
    ];
    const fromXs = await runScript(xs, batches);
    if (!existsSync(runtime)) {
      // Stand-in bundle (rollup.config.mjs) until the runtime exists.
      t.deepEqual(fromXs[0], [{ kind: 'halt', reason: 'no runtime in this bundle: src/board.ts was not built' }]);
      return;
    }
    const { builtinBoot } = (await import(runtime)) as { builtinBoot: BootFunction };
    const fromV8 = await runScript(new NodeBoard(builtinBoot), batches);
    t.deepEqual(plain(fromXs), plain(fromV8));
  } finally {
    await xs.kill();
  }
});

/** Runs one board alone: delivers its earliest timer each step until its app reports a result. */
async function driveAlone(board: SimBoard, config: string): Promise<BoardAction[][]> {
  const log: BoardAction[][] = [];
  const timers = new Map<number, number>();
  let batch: BoardEvent[] | null = [{ kind: 'time', now: 0 }, { kind: 'boot', config }];
  let now = 0;
  for (let i = 0; i < 500 && batch !== null; i++) {
    const actions = await board.step(batch);
    log.push(actions);
    for (const a of actions) {
      if (a.kind === 'timer-set') timers.set(a.id, a.at);
      if (a.kind === 'timer-clear') timers.delete(a.id);
    }
    batch = null;
    if (actions.some((a) => a.kind === 'event' && a.name === 'app-result')) break;
    const next = [...timers].sort((x, y) => x[1] - y[1] || x[0] - y[0])[0];
    if (next !== undefined) {
      timers.delete(next[0]);
      now = Math.max(now, next[1]);
      batch = [{ kind: 'time', now }, { kind: 'timer', id: next[0] }];
    }
  }
  return log;
}

test('the real runtime computes an app to the same result on V8 and XS', async (t) => {
  const runtime = fileURLToPath(new URL('../../host-sim/apps/builtin.js', import.meta.url));
  if (!existsSync(runtime) || !existsSync(defaultBundlePath())) {
    t.fail('the runtime or dist/bundles/board.xs.js is not built: run `npm run build`');
    return;
  }
  const { builtinBoot: bootRuntime } = (await import(runtime)) as { builtinBoot: BootFunction };
  const config = JSON.stringify({
    domain: 1,
    node: 0,
    rank: 0,
    boards: 1,
    links: [],
    seed: 5,
    ramLimit: 1 << 20,
    app: 'laplace',
    appArgs: ['--n', '48', '--iters', '20'],
    options: {},
  });
  const xs = await XsBoard.create({ name: 'laplace', reportMemory: false });
  try {
    const fromV8 = await driveAlone(new NodeBoard(bootRuntime), config);
    const fromXs = await driveAlone(xs, config);
    t.deepEqual(plain(fromXs), plain(fromV8));
    const result = fromV8.flat().find((a) => a.kind === 'event' && a.name === 'app-result');
    t.truthy(result, 'the app finished');
    t.log(`laplace result: ${(result as { detail: string }).detail.slice(0, 120)}`);
  } finally {
    await xs.kill();
  }
});

test('an XS board meters a HAL output, not the simulator recording it (simHalUnits)', async (t) => {
  // A frame written and a timer set and cleared cost the board its HAL calls and their
  // checks; recording the tx, timer-set and timer-clear actions (the records and a copy of
  // the frame) is the simulator's own work, counted apart (hal/driven/driven-hal.ts SimCost).
  const xs = await XsBoard.create({ bundleText: await probeBundle(), reportMemory: false, name: 'simhal' });
  try {
    await xs.step([{ kind: 'time', now: 0 }, { kind: 'boot', config: bootConfig(2) }]);
    const run = async (n: number, now: number): Promise<{ units: number; sim: number; tx: number }> => {
      const sim0 = xs.figures().simHalTotal;
      const actions = await xs.step([{ kind: 'time', now }, { kind: 'console', text: `frames ${n}` }]);
      return { units: xs.figures().compute, sim: xs.figures().simHalTotal - sim0, tx: actions.filter((a) => a.kind === 'tx').length };
    };
    const none = await run(0, 1);
    const many = await run(40, 2);
    t.is(many.tx, 40);
    const unitsEach = (many.units - none.units) / 40;
    const simEach = (many.sim - none.sim) / 40;
    // Measured per round (a frame written, a timer set and cleared): before, 452 units on the
    // board and 856 apart (the reply's encoding only); now 314 on the board (the calls, their
    // checks, the timer bookkeeping and ~28 a record of the exclusion itself) and 1 194 apart.
    t.log(`board units ${unitsEach}, apart ${simEach} per frame and timer pair`);
    t.true(unitsEach <= 380, `board units per frame and timer pair: ${unitsEach}`);
    t.true(simEach >= 1000, `left out per frame and timer pair: ${simEach}`);
  } finally {
    await xs.kill();
  }
});

test('an XS board stamps each frame with the units it had run when it wrote it (the CPU model sends it then)', async (t) => {
  const xs = await XsBoard.create({ bundleText: await probeBundle(), reportMemory: false, name: 'spaced' });
  try {
    await xs.step([{ kind: 'time', now: 0 }, { kind: 'boot', config: bootConfig(2) }]);
    const run = async (n: number, now: number): Promise<{ a: number; b: number; step: number }> => {
      const tx = (await xs.step([{ kind: 'time', now }, { kind: 'console', text: `spaced ${n}` }])).filter((x) => x.kind === 'tx');
      t.is(tx.length, 2);
      const [a, b] = tx.map((x) => (x.kind === 'tx' ? x.units : undefined));
      t.true(a !== undefined && b !== undefined, 'both frames carry their units');
      t.true(tx.every((x) => x.kind === 'tx' && x.natives === undefined), 'the host resolved the native calls');
      return { a: a!, b: b!, step: xs.figures().compute };
    };
    const short = await run(10, 1);
    const long = await run(2010, 2);
    t.log(`frames at ${short.a} / ${short.b} of ${short.step} units (10 rounds), ${long.a} / ${long.b} of ${long.step} (2010 rounds)`);
    for (const r of [short, long]) {
      t.true(r.a > 0 && r.a < r.b && r.b <= r.step, `0 < ${r.a} < ${r.b} <= ${r.step}`);
    }
    // The first frame is written before the loop: about the same point of both steps (reading
    // a longer number costs a unit or two), and what follows the second is the same code.
    t.true(Math.abs(long.a - short.a) <= 8, `${long.a} vs ${short.a}`);
    t.is(long.step - long.b, short.step - short.b, 'the same units after the second frame');
    // So the second is later by the loop's 2000 more rounds.
    const gap = (long.b - long.a) - (short.b - short.a);
    t.true(gap > 2000 * 5 && Math.abs(gap - (long.step - short.step)) <= 8, `2000 rounds cost ${gap} units (steps ${short.step} / ${long.step})`);
  } finally {
    await xs.kill();
  }
});
