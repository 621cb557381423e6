/**
 * The boot-path cuts of docs/FOOTPRINT.md "Round 14: boot slots", each guarded by the shape it
 * leaves (xs-boot.test.ts counts the slots): a shell nobody typed at holds no counters or line
 * queue, the command registry no record per table, a node at the default limits MCAPI's
 * module-level endpoint defaults, a pending `ctx.sleep` no closure.
 */
import test from 'ava';
import { ConsoleShell } from '../../src/console/shell.js';
import { CommandRegistry, commandTable } from '../../src/console/registry.js';
import { DEFAULT_LIMITS } from '../../src/mcapi/index.js';
import { MemConsole, RealBoard, parseAnswers } from '../console/helpers.js';
import { makeNodes } from '../mcapi/loopnet.js';
import { AppRunner, PlainRun } from '../../src/runtime/app-runner.js';
import type { PlainRunBoard, RunnerBoard } from '../../src/runtime/app-runner.js';
import type { App } from '../../src/app.js';

const field = (o: object, name: string): unknown => (o as Record<string, unknown>)[name];

test('a shell nobody typed at holds no counters and no line queue; the first line makes them', (t) => {
  const board = new RealBoard(1);
  const io = new MemConsole();
  const shell = new ConsoleShell(io, board.target);
  // Before Round 14: a counters record (7 numbers) and an empty queue array from the start.
  t.is(field(shell, 'counters'), null);
  t.is(field(shell, 'queue'), null);
  t.deepEqual(shell.stats(), { lines: 0, ok: 0, err: 0, overlong: 0, busy: 0, interrupted: 0, internal: 0 });
  shell.feed('status\r\n');
  t.is(parseAnswers(io.take()).length, 1);
  t.is(shell.stats().lines, 1);
  t.is(shell.stats().ok, 1);
  t.not(field(shell, 'counters'), null);
});

test('the command registry keeps its tables as parallel arrays: no record per table', (t) => {
  const reg = new CommandRegistry();
  const a = commandTable<number>([{ name: 'alpha', args: [], help: 'a', handler: () => undefined }]);
  const b = commandTable<string>([{ name: 'beta one', args: [], help: 'b', handler: () => undefined }]);
  reg.registerTable(a, 1);
  reg.registerTable(b, 'two');
  reg.reserve('gamma', 'g', 'not in this build');
  // Before Round 14: `tables`, an array of { specs, owner, reserved } records (~4 XS slots each).
  for (const v of Object.values(reg)) {
    t.true(Array.isArray(v));
    for (const item of v as unknown[]) t.false(typeof item === 'object' && item !== null && !Array.isArray(item) && 'specs' in item, 'no per-table record');
  }
  t.is(reg.get('alpha')?.owner, 1);
  t.is(reg.get('beta one')?.owner, 'two');
  t.is(reg.get('gamma')?.reserved, 'not in this build');
  t.deepEqual(reg.subcommands('beta'), ['one']);
  t.throws(() => reg.register({ name: 'alpha', args: [], help: '', handler: () => undefined }), { message: /already registered/ });
  t.is(reg.get('beta two'), undefined);
  // A table after a refused one, and after tables with no owner or reason, gets its own (the
  // arrays are set by index: under Lua a pushed nil would shift every later entry).
  reg.registerTable(commandTable<number>([{ name: 'delta', args: [], help: 'd', handler: () => undefined }]), 4);
  t.is(reg.get('delta')?.owner, 4);
  t.is(reg.get('delta')?.reserved, null);
  t.is(reg.get('alpha')?.reserved, null);
});

test('nodes at the default limits share MCAPI\'s module-level endpoint defaults; other limits get their own', (t) => {
  const { nodes: [a, b] } = makeNodes(2);
  const core = (n: unknown): { endpointDefaults: object; limits: object } => field(n as object, 'core') as { endpointDefaults: object; limits: object };
  t.is(core(a).limits, DEFAULT_LIMITS);
  // Before Round 14: a frozen copy per node (7 XS slots).
  t.is(core(a).endpointDefaults, core(b).endpointDefaults);
  t.true(Object.isFrozen(core(a).endpointDefaults));
  const { nodes: [c] } = makeNodes(1, { fullPolicy: 'fail' });
  t.not(core(c).endpointDefaults, core(a).endpointDefaults);
  t.is(field(core(c).endpointDefaults, 'failOnLimit'), true);
});

test('a pending ctx.sleep holds a record and a module-level timer function, no closure', async (t) => {
  const timers: { fire: (arg: unknown) => void; arg: unknown }[] = [];
  let woke = 0;
  const app: App = {
    name: 'sleeper',
    main: async (ctx) => {
      await ctx.sleep(5);
      woke++;
      await ctx.sleep(5);
      woke++;
      return 0;
    },
  };
  const board = {
    hal: {
      setTimer: (_ms: number, fire: (arg: unknown) => void, arg?: unknown): number => timers.push({ fire, arg }),
      clearTimer: (): void => undefined,
      now: (): number => 0,
      event: (): void => undefined,
    },
    config: { domain: 1, node: 0, rank: 0, boards: 1, appArgs: [], options: { convergeMs: 100, spares: 0, dsm: {} } },
    app,
    mcapi: null,
    appState: 'waiting',
    net: { whenConverged: (): Promise<void> => Promise.resolve(), reachable: (): boolean => true },
    members: (): number[] => [0],
    log: (): void => undefined,
    openRpc: (): never => {
      throw new Error('no rpc');
    },
  } as unknown as RunnerBoard & PlainRunBoard & { runner: AppRunner };
  const runner = new AppRunner(board);
  (board as { runner: AppRunner }).runner = runner;
  const done = runner.run(new PlainRun(0, board));
  for (let i = 0; i < 10; i++) await Promise.resolve();
  // timers[0] is the convergence timer; then the first sleep.
  t.is(timers.length, 2);
  const first = timers[1]!;
  t.not(typeof first.arg, 'function');
  t.deepEqual(Object.keys(first.arg as object).sort(), ['resolve', 'run']);
  first.fire(first.arg);
  for (let i = 0; i < 10; i++) await Promise.resolve();
  t.is(woke, 1);
  const second = timers[2]!;
  // Before Round 14: a fresh closure per sleep (over the context and resolve).
  t.is(second.fire, first.fire, 'one module-level function for every sleep');
  second.fire(second.arg);
  await done;
  t.is(woke, 2);
  t.is(board.appState, 'done');
});
