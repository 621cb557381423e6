/**
 * Real Moddable-runtime boards in simulated domains: Moddable-lin processes (the firmware
 * built with the SDK, run by lin-host) whose UARTs are ptys bridged through the simulator's
 * link model, and a Moddable-lin process attached as if it were a board on a serial device.
 *
 * Needs the Moddable SDK ($MODDABLE, or what npm install prepared). Without it these tests say
 * so and do not run — except under CI=true, where that is a failure.
 */
import { prepareApp } from '../../host-sim/apps/prepare.js';
import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDomain } from '../../host-sim/sim/run.js';
import { runConfig } from '../../host-sim/sim/run.js';
import { Simulator } from '../../host-sim/sim/simulator.js';
import { boardFactory } from '../../host-sim/sim/factory.js';
import { ModdableBoard } from '../../host-sim/boards/moddable-board.js';
import { linImage, moddableUnavailable } from '../../host-sim/boards/moddable-image.js';
import { runConformance } from '../../host-sim/commands/conformance.js';
import { ConsoleHub, inject } from '../../host-sim/console/index.js';
import { LinBoard, ptyPair } from '../../host-sim/moddable/lin-board.js';

const missing = moddableUnavailable();
const ci = process.env['CI'] === 'true';
if (missing !== null && !ci) console.log(`Moddable simulator tests did NOT run: ${missing}`);
const mtest = missing === null || ci ? test.serial : test.skip;

test.serial('the Moddable SDK is there (required under CI=true)', (t) => {
  if (missing !== null && ci) t.fail(`CI=true but no Moddable SDK: ${missing}`);
  else t.pass(missing === null ? 'SDK found' : `not under CI: ${missing}`);
});

const pingpong = { app: 'pingpong', topology: 'full', link: 'uart:921600', seed: '5', appArgs: ['--rounds', '3'] };
/** Wall bound of any run with real boards (its `--max-virtual` is wall time then). */
const WALL = '90s';

mtest('3 Moddable-lin boards over pty UARTs run pingpong to the all-XS result, paced to the wall clock', async (t) => {
  t.timeout(300_000, 'first run builds the firmware');
  const real = await runDomain({ ...pingpong, boards: '3', engine: 'moddable', maxVirtual: WALL });
  t.true(real.ok, real.reason);
  t.is(real.clock, 'wall');
  t.deepEqual(real.realBoards, [0, 1, 2]);
  t.true(real.boards.every((b) => b.engine === 'moddable' && b.state === 'done' && b.framesOut > 0));
  t.true(real.links.every((l) => l.frames > 0 && l.bytes > 0 && l.predictedMs > 0 && l.kind === 'uart:921600'));
  const xs = await runDomain({ ...pingpong, boards: '3', engine: 'xs' });
  t.true(xs.ok, xs.reason);
  t.is(xs.clock, 'virtual');
  t.deepEqual(real.app.results, xs.app.results);
});

mtest('a mixed domain (XS in the simulator + Moddable processes, a spare) runs pingpong to the all-XS result', async (t) => {
  t.timeout(240_000);
  const mixed = await runDomain({ ...pingpong, boards: '4', spares: '1', engine: 'xs,moddable,xs,moddable,moddable', maxVirtual: WALL });
  t.true(mixed.ok, mixed.reason);
  t.deepEqual(mixed.boards.map((b) => b.engine), ['xs', 'moddable', 'xs', 'moddable', 'moddable']);
  const xs = await runDomain({ ...pingpong, boards: '4', spares: '1', engine: 'xs' });
  t.deepEqual(mixed.app.results, xs.app.results);
});

mtest('the MCAPI conformance suite passes on Moddable-lin boards', async (t) => {
  t.timeout(300_000);
  const r = await runConformance('moddable');
  t.true(r.passed > 10, `passed ${r.passed}: ${r.reason}; ${r.failures.map((f) => `${f.name}: ${f.message}`).join('; ')}`);
  // Real boards run in wall-clock time: on a loaded host a case's 5 s budget can run out. A case
  // that failed gets one more run on its own, and must pass it; both outcomes are logged.
  for (const f of r.failures) {
    t.log(`first run: ${f.name}: ${f.message}`);
    const again = await runConformance('moddable', f.name);
    t.is(again.failed, 0, `${f.name} failed twice: ${again.failures.map((x) => x.message).join('; ')}`);
    t.true(again.passed >= 1, `${f.name}: the rerun ran it`);
  }
});

mtest('a mixed domain (2 XS + 2 Moddable, a Moddable spare) runs Laplace N=64 with a crash typed on a Moddable console to the fault-free digest', async (t) => {
  t.timeout(300_000);
  const laplace = { app: 'laplace', appArgs: ['--n', '64', '--iters', '30'], topology: 'full', link: 'uart:921600', seed: '3' };
  const ref = await runDomain({ ...laplace, boards: '3', engine: 'xs' });
  t.true(ref.ok, ref.reason);
  const hub = new ConsoleHub({});
  const cfg = runConfig({ ...laplace, boards: '3', spares: '1', engine: 'xs,moddable,xs,moddable', maxVirtual: '120s' });
  const sim = new Simulator(cfg, boardFactory({ app: await prepareApp('laplace') }), {
    consoleOutput: (b, text) => hub.output(b, text),
    boardEvent: (b, name, value) => {
      if (b === 1 && name === 'iter' && value === 10) void inject(urls[1]!, 'fault crash', 10_000).catch(() => undefined);
    },
  });
  const urls: string[] = [];
  try {
    for (let b = 0; b < 4; b++) urls.push((await hub.attach(b, (text) => sim.consoleInput(b, text))).url);
    const s = await sim.run();
    t.true(s.ok, s.reason);
    t.is(s.boards[1]!.haltReason, 'fault crash');
    t.true(s.recoveries.length >= 1);
    const digest = (r: unknown) => (r as { digest?: string } | null)?.digest;
    t.is(digest(s.app.result), digest(ref.app.result));
  } finally {
    await sim.shutdown();
    await hub.close();
  }
});

mtest('a Moddable board answers `status` and `ERR` through its console pty; a crash typed there halts it', async (t) => {
  t.timeout(180_000);
  const hub = new ConsoleHub({ ptyDir: mkdtempSync(join(tmpdir(), 'mcdsm-mod-pty-')) });
  const cfg = runConfig({ app: 'idle', appArgs: ['--ms', '8000'], topology: 'full', link: 'uart:921600', boards: '2', engine: 'xs,moddable', maxVirtual: '12s' });
  const sim = new Simulator(cfg, boardFactory({ app: await prepareApp('idle') }), { consoleOutput: (b, text) => hub.output(b, text) });
  try {
    const info = [];
    for (let b = 0; b < 2; b++) info.push(await hub.attach(b, (text) => sim.consoleInput(b, text)));
    await sim.start();
    const running = sim.run();
    const device = info[1]!.pty!.device;
    const status = await inject(device, 'status', 10_000);
    t.regex(status, /node=1 rank=1 /);
    t.regex(status, /(^|\n)OK$/);
    const bad = await inject(device, 'frobnicate now', 10_000);
    t.regex(bad, /^ERR unknown command/);
    const crash = await inject(info[1]!.url, 'fault crash', 10_000);
    t.regex(crash, /OK/);
    const s = await running;
    t.is(s.boards[1]!.state, 'halted');
    t.is(s.boards[1]!.haltReason, 'fault crash');
    t.like(s.faults.find((f) => f.board === 1), { command: 'fault crash', source: 'console', effect: 'crash' });
  } finally {
    await sim.shutdown();
    await hub.close();
  }
});

mtest('--attach: a Moddable-lin process on ptys joins a simulated domain as board 2', async (t) => {
  t.timeout(240_000);
  const image = await linImage('pingpong');
  const dir = mkdtempSync(join(tmpdir(), 'mcdsm-attach-'));
  // Board 2 of a full 3-board topology has two links (to 0, then to 1) and a console.
  const l0 = await ptyPair(join(dir, 'b2-l0'), join(dir, 'sim-l0'));
  const l1 = await ptyPair(join(dir, 'b2-l1'), join(dir, 'sim-l1'));
  const con = await ptyPair(join(dir, 'b2-con'), join(dir, 'sim-con'));
  const board = LinBoard.start({
    linHost: image.linHost,
    mcSo: image.mcSo,
    stateDir: join(dir, 'state'),
    // What `mcdsm provision` would write: this board's identity in the domain.
    config: { domain: 1, node: 2, rank: 2, boards: 3, app: 'pingpong', appArgs: ['--rounds', '3'], options: { faultsArmed: true }, links: [{ device: l0.a }, { device: l1.a }], console: { device: con.a } },
  });
  try {
    const s = await runDomain({ ...pingpong, boards: '3', engine: 'xs', attach: [`2=${l0.b}+${l1.b},console=${con.b}`], maxVirtual: WALL });
    t.true(s.ok, `${s.reason}\n${board.tail()}`);
    t.is(s.boards[2]!.engine, 'attached');
    t.is(s.clock, 'wall');
    t.true(s.boards[2]!.framesIn > 0 && s.boards[2]!.framesOut > 0);
    const xs = await runDomain({ ...pingpong, boards: '3', engine: 'xs' });
    t.deepEqual(s.app.results, xs.app.results);
  } finally {
    await board.stop();
    await Promise.all([l0.close(), l1.close(), con.close()]);
  }
});

mtest('bad input ends with the board and the cause: a missing attach device, a board that aborts or halts at boot', async (t) => {
  t.timeout(180_000);
  const started = Date.now();
  // Since session 18 the devices are checked with the other flags, before any board starts.
  await t.throwsAsync(runDomain({ ...pingpong, boards: '3', engine: 'xs', attach: ['1=/dev/mcdsm-no-such-tty+/dev/mcdsm-no-such-tty2'], maxVirtual: WALL }), {
    message: '--attach: board 1: serial device /dev/mcdsm-no-such-tty does not exist (a real board\'s USB serial, e.g. /dev/ttyUSB0, or a pty)',
  });

  const image = await linImage('pingpong');
  const dir = mkdtempSync(join(tmpdir(), 'mcdsm-badboot-'));
  const notFirmware = join(dir, 'mc.so');
  writeFileSync(notFirmware, 'not a shared library\n');
  const base = boardFactory({ app: await prepareApp('pingpong') });
  const aborting = new Simulator(runConfig({ ...pingpong, boards: '2', engine: 'xs,moddable', maxVirtual: WALL }), async (engine, node, attach) =>
    engine === 'moddable' ? new ModdableBoard({ linHost: image.linHost, mcSo: notFirmware }, join(dir, `b${node}`)) : base(engine, node, attach),
  );
  const a = await aborting.run().finally(() => aborting.shutdown());
  t.false(a.ok);
  t.regex(a.reason, /^board 1 \(moddable\) did not boot: board process ended \(exit 3: mc\.so could not be loaded\)/);
  t.regex(a.boards[1]!.haltReason ?? '', /mc\.so could not be loaded/);

  // The pingpong firmware asked to run an app it does not carry: the runtime halts at boot.
  const wrongApp = new Simulator(runConfig({ ...pingpong, app: 'counter', appArgs: [], boards: '2', engine: 'xs,moddable', maxVirtual: WALL }), async (engine, node, attach) =>
    engine === 'moddable' ? new ModdableBoard(image, join(dir, `w${node}`)) : base(engine, node, attach),
  );
  const w = await wrongApp.run().finally(() => wrongApp.shutdown());
  t.false(w.ok);
  t.regex(w.reason, /^board 1 \(moddable\) did not boot: .*app "counter" is not built into this firmware/);
  t.true(Date.now() - started < 120_000, 'nothing waited for the time limit');
});
