import test from 'ava';
import { commandTable, ConsoleError } from '../../src/console/registry.js';
import type { CommandSpec } from '../../src/console/registry.js';
import { BUILTIN_COMMANDS } from '../../src/console/builtin-commands.js';
import { FAULT_COMMANDS } from '../../src/console/fault-commands.js';
import { FT_COMMANDS } from '../../src/ft/commands.js';
import { FIRMWARE_COMMANDS } from '../../firmware/console-commands.js';
import { parseRecord } from '../../src/console/record.js';
import { NO_NET_FAULTS } from '../../src/console/target.js';
import { reserveCheckpointCommands } from '../../src/runtime/ft-host.js';
import { ConsoleShell } from '../../src/console/shell.js';
import type { ConsoleTarget } from '../../src/console/index.js';
import { makeShell, MemConsole, parseAnswers, run, TEST_HEAP } from './helpers.js';

test('help lists every command, one line each, and ends OK', (t) => {
  const { shell, io } = makeShell();
  const a = run(shell, io, 'help');
  t.is(a.final, 'OK');
  const names = a.lines.map((l) => l.split(' -- ')[0]);
  for (const want of ['help [<command>]', 'status', 'peers', 'stats', 'log <level>', 'fault crash', 'fault hang <ms>', 'fault partition <boards>', 'fault heal', 'arm faults', 'ckpt now', 'ckpt status', 'ping [<token>]']) {
    t.true(names.includes(want), `help lists ${want}`);
  }
  t.true(a.lines.some((l) => l.startsWith('ckpt now') && l.includes('checkpointing not enabled')));
  const f = run(shell, io, 'help fault');
  t.true(f.lines.length >= 9);
  t.true(f.lines.every((l) => l.startsWith('fault ')));
  t.is(run(shell, io, 'help nosuch').final, "ERR unknown command 'nosuch'");
});

test('status, peers and stats answer key=value lines, as the board has them', (t) => {
  const { shell, io, board } = makeShell();
  board.advance(1234.4);
  const s = run(shell, io, 'status');
  t.is(s.final, 'OK');
  t.is(s.lines.length, 1);
  // Node 1 of a 4-board domain with no links: its app waits for a network that never converges.
  t.is(s.lines[0], `node=1 rank=1 role=member app=idle state=waiting epoch=0 uptime_ms=1234 heap=${TEST_HEAP.used} heap_limit=${TEST_HEAP.limit} log=info`);
  t.deepEqual(parseRecord(s.lines[0] as string), {
    node: '1', rank: '1', role: 'member', app: 'idle', state: 'waiting', epoch: '0', uptime_ms: '1234', heap: String(TEST_HEAP.used), heap_limit: String(TEST_HEAP.limit), log: 'info',
  });

  const p = run(shell, io, 'PEERS');
  t.deepEqual(p.lines, ['node=0 reachable=0', 'node=2 reachable=0', 'node=3 reachable=0']);

  const st = run(shell, io, 'stats');
  t.is(st.final, 'OK');
  t.deepEqual(st.lines.map((l) => parseRecord(l)['section']), ['net', 'mcapi', 'console']);
  const net = parseRecord(st.lines[0] as string);
  t.is(net['framesIn'], '0');
  t.is(net['malformed'], '0');
  t.true(Number(net['framesOut']) >= 0 && Object.keys(net).length > 10, st.lines[0]);
  t.is(parseRecord(st.lines[1] as string)['endpoints'], '0');
  const c = parseRecord(st.lines[2] as string);
  t.is(c['lines'], '3'); // status, PEERS, stats
  t.is(c['err'], '0');
});

test('log sets the level; a bad level changes nothing', (t) => {
  const { shell, io, board } = makeShell();
  t.is(run(shell, io, 'log debug').final, 'OK');
  t.is(board.level, 'debug');
  t.is(run(shell, io, 'log TRACE').final, 'OK');
  t.is(board.level, 'trace');
  t.is(run(shell, io, 'log loud').final, "ERR bad <level> 'loud': expected one of error|warn|info|debug|trace");
  t.is(run(shell, io, 'log').final, 'ERR missing <level> (usage: log <level>)');
  t.is(run(shell, io, 'log info extra').final, "ERR unexpected argument 'extra' (usage: log <level>)");
  t.is(board.level, 'trace');
});

test('ping answers its token', (t) => {
  const { shell, io } = makeShell();
  t.deepEqual(run(shell, io, 'ping abc-1'), { lines: ['pong=abc-1'], final: 'OK' });
  t.deepEqual(run(shell, io, 'ping'), { lines: ['pong=-'], final: 'OK' });
});

test('fault crash and reboot answer OK first, then act, then the shell goes quiet', (t) => {
  for (const [kind, stop] of [['crash', { kind: 'halt', reason: 'fault crash' }], ['reboot', { kind: 'reset' }]] as const) {
    const { shell, board } = makeShell();
    const order: string[] = [];
    board.onOutput = (text) => order.push(`write:${text}`);
    board.hal.onAction = ((record) => (a) => {
      if (a.kind === 'event' || a.kind === 'halt' || a.kind === 'reset') order.push(`${a.kind}:${a.kind === 'event' ? a.detail : ''}`);
      record(a);
    })(board.hal.onAction!);
    shell.feed(`fault ${kind}\r\nstatus\r\n`);
    t.deepEqual(order, ['write:OK\r\n', `event:${kind}`, `${stop.kind}:`]);
    t.deepEqual(board.actions[board.actions.length - 1], stop);
    t.is(board.hal.stopped, stop.kind);
    t.true(shell.isStopped);
    shell.feed('status\r\n');
    t.is(order.length, 3);
  }
});

test('fault hang validates <ms> and hangs after the answer', (t) => {
  const { shell, io, board } = makeShell();
  t.is(run(shell, io, 'fault hang 500').final, 'OK');
  t.deepEqual(board.faultEvents(), ['hang 500']);
  t.deepEqual(board.actions.filter((a) => a.kind === 'hang'), [{ kind: 'hang', ms: 500 }]);
  for (const bad of ['fault hang', 'fault hang 0', 'fault hang -5', 'fault hang 1.5', 'fault hang 3600001', 'fault hang ten', 'fault hang 5 6']) {
    t.true(run(shell, io, bad).final.startsWith('ERR '), bad);
  }
  t.is(board.faultEvents().length, 1);
  t.false(shell.isStopped);
});

test('network faults accumulate into one state the board installs whole', (t) => {
  const { shell, io, board } = makeShell();
  t.is(run(shell, io, 'fault drop 0.25').final, 'OK');
  t.is(run(shell, io, 'fault corrupt 1e-2').final, 'OK');
  t.is(run(shell, io, 'fault delay 20').final, 'OK');
  t.is(run(shell, io, 'fault partition 3,2,2').final, 'OK');
  t.is(run(shell, io, 'fault partition 0').final, 'OK');
  t.deepEqual(board.netFault(), { drop: 0.25, corrupt: 0.01, delayMs: 20, blockNodes: [0, 2, 3] });
  t.deepEqual(board.faultEvents(), ['drop 0.25', 'corrupt 0.01', 'delay 20', 'partition 2,3', 'partition 0,2,3']);
  t.deepEqual(run(shell, io, 'fault status').lines, ['armed=1 drop=0.25 corrupt=0.01 delay=20 partition=0,2,3']);
  t.is(run(shell, io, 'fault heal').final, 'OK');
  t.deepEqual(shell.netFaults, NO_NET_FAULTS);
  t.is(board.netFault(), null);
  t.is(board.faultEvents().at(-1), 'heal');
  t.deepEqual(run(shell, io, 'fault status').lines, ['armed=1 drop=0 corrupt=0 delay=0 partition=-']);
});

test('bad fault arguments answer ERR and change nothing', (t) => {
  const { shell, io, board } = makeShell();
  run(shell, io, 'fault drop 0.5');
  const before = { ...shell.netFaults };
  const n = board.faultEvents().length;
  const cases: [string, string][] = [
    ['fault drop 1.5', "ERR bad <p> '1.5': out of range [0, 1]"],
    ['fault drop -0.1', "ERR bad <p> '-0.1': out of range [0, 1]"],
    ['fault drop x', "ERR bad <p> 'x': expected a number in [0, 1]"],
    ['fault drop', 'ERR missing <p> (usage: fault drop <p>)'],
    ['fault corrupt NaN', "ERR bad <p> 'NaN': expected a number in [0, 1]"],
    ['fault delay 60001', "ERR bad <ms> '60001': out of range [0, 60000]"],
    ['fault partition 9', 'ERR unknown board 9'],
    ['fault partition 2,9', 'ERR unknown board 9'],
    ['fault partition 1', 'ERR cannot partition board 1 from itself'],
    ['fault partition 2,,3', "ERR bad <boards> '2,,3': expected node ids 0..254 separated by commas"],
    ['fault partition 300', "ERR bad <boards> '300': node id 300 out of range [0, 254]"],
    ['fault partition 2 3', "ERR unexpected argument '3' (usage: fault partition <boards>)"],
    ['fault', 'ERR fault needs a subcommand: corrupt|crash|delay|drop|hang|heal|partition|reboot|status'],
    ['fault explode', "ERR unknown fault command 'explode' (one of corrupt|crash|delay|drop|hang|heal|partition|reboot|status)"],
    ['fault crash now', "ERR unexpected argument 'now' (usage: fault crash)"],
  ];
  for (const [line, want] of cases) t.is(run(shell, io, line).final, want, line);
  t.deepEqual(shell.netFaults, before);
  t.is(board.faultEvents().length, n);
  t.deepEqual(board.netFault()?.drop, 0.5);
  t.false(shell.isStopped);
});

test('a fault the target refuses answers ERR and keeps the previous state', (t) => {
  // The shell's contract with any target (docs/CONSOLE.md): fault() may throw to refuse. The
  // board's own target never refuses what the shell lets through, so the refusal is put around
  // it; the real board must then be left as it was.
  const { board } = makeShell();
  const real = board.target;
  let refuse = false;
  const target: ConsoleTarget = {
    node: real.node,
    knownNodes: () => real.knownNodes(),
    status: () => real.status(),
    peers: () => real.peers(),
    stats: () => real.stats(),
    setLogLevel: (level) => real.setLogLevel(level),
    fault: (f) => {
      if (refuse) throw new Error('the HAL refused');
      real.fault(f);
    },
  };
  const io = new MemConsole();
  const shell = new ConsoleShell(io, target, { faultsArmed: true });
  run(shell, io, 'fault drop 0.5');
  refuse = true;
  t.is(run(shell, io, 'fault drop 0.9').final, 'ERR internal error: the HAL refused');
  t.is(run(shell, io, 'fault heal').final, 'ERR internal error: the HAL refused');
  t.is(shell.netFaults.drop, 0.5);
  t.is(board.netFault()?.drop, 0.5);
  t.deepEqual(board.faultEvents(), ['drop 0.5']);
  t.is(shell.stats().internal, 2);
});

test('faults are locked until armed when faultsArmed is false', (t) => {
  // The board's own shell, booted with faultsArmed: false as firmware is.
  const { shell, io, board } = makeShell({ faultsArmed: false });
  t.is(shell, board.shell);
  t.is(run(shell, io, 'fault drop 0.1').final, "ERR fault injection is not armed (send 'arm faults' first)");
  t.is(run(shell, io, 'fault crash').final, "ERR fault injection is not armed (send 'arm faults' first)");
  t.deepEqual(run(shell, io, 'fault status').lines, ['armed=0 drop=0 corrupt=0 delay=0 partition=-']);
  t.is(board.faultEvents().length, 0);
  t.is(board.hal.stopped, null);
  t.is(run(shell, io, 'arm faults').final, 'OK');
  t.is(run(shell, io, 'fault drop 0.1').final, 'OK');
  t.deepEqual(board.faultEvents(), ['drop 0.1']);
  t.is(run(shell, io, 'disarm faults').final, 'OK');
  t.is(run(shell, io, 'fault heal').final.slice(0, 4), 'ERR ');
  t.is(run(shell, io, 'arm').final, 'ERR arm needs a subcommand: faults');
});

test('a build without fault commands does not know them', (t) => {
  const { shell, io } = makeShell({ faultCommands: false });
  t.is(run(shell, io, 'fault crash').final, "ERR unknown command 'fault' (try: help)");
  t.is(run(shell, io, 'arm faults').final, "ERR unknown command 'arm' (try: help)");
});

test('ckpt commands answer ERR until a module registers them', (t) => {
  const { shell, io, board } = makeShell();
  // The shell itself reserves nothing: the board runtime reserves the two names (src/runtime/ft-host.ts).
  const bareIo = new MemConsole();
  const bare = new ConsoleShell(bareIo, board.target, { faultsArmed: true });
  t.is(run(bare, bareIo, 'ckpt now').final, "ERR unknown command 'ckpt' (try: help)");
  reserveCheckpointCommands(bare.registry);
  t.is(run(bare, bareIo, 'ckpt now').final, 'ERR checkpointing not enabled');
  t.is(run(shell, io, 'ckpt now').final, 'ERR checkpointing not enabled');
  t.is(run(shell, io, 'ckpt status').final, 'ERR checkpointing not enabled');
  t.is(run(shell, io, 'ckpt').final, 'ERR ckpt needs a subcommand: now|status');
  let taken = 0;
  shell.register({ name: 'ckpt now', args: [], help: 'checkpoint now', handler: () => void taken++ });
  shell.register({
    name: 'ckpt status',
    args: [],
    help: 'last checkpoint',
    handler: (ctx) => ctx.record({ committed: taken, epoch: 3 }),
  });
  t.is(run(shell, io, 'ckpt now').final, 'OK');
  t.deepEqual(run(shell, io, 'ckpt status'), { lines: ['committed=1 epoch=3'], final: 'OK' });
  t.throws(() => shell.register({ name: 'ckpt now', args: [], help: '', handler: () => undefined }), { message: /already registered/ });
  t.throws(() => shell.register({ name: 'fault', args: [], help: '', handler: () => undefined }), { message: /clashes/ });
  t.throws(() => shell.register({ name: 'status now', args: [], help: '', handler: () => undefined }), { message: /clashes/ });
  t.throws(() => shell.register({ name: 'Bad Name!', args: [], help: '', handler: () => undefined }), { message: /lower-case/ });
});

test('a handler that throws ConsoleError answers ERR and its printed lines are dropped', (t) => {
  const { shell, io } = makeShell();
  shell.register({
    name: 'probe',
    args: [{ name: 'n', kind: 'int', min: 0, max: 9 }],
    help: 'test',
    handler: (ctx) => {
      ctx.print('partial');
      if (ctx.args.number('n') > 5) throw new ConsoleError('too big');
      ctx.print('OK');
      ctx.print('ERR looks final');
      ctx.print('# looks like a notice');
      ctx.print('two\r\nlines');
    },
  });
  t.deepEqual(run(shell, io, 'probe 7'), { lines: [], final: 'ERR too big' });
  // Output lines can never pass for a final line or a notice.
  t.deepEqual(run(shell, io, 'probe 2'), { lines: ['partial', ' OK', ' ERR looks final', ' # looks like a notice', 'two lines'], final: 'OK' });
});

test('target failures answer ERR internal error and are counted', (t) => {
  const { shell, io, board } = makeShell();
  // The HAL's memory figures fail: the board's status() throws.
  board.hal.failMemory = true;
  t.is(run(shell, io, 'status').final, 'ERR internal error: memory figures unavailable');
  t.is(shell.stats().internal, 1);
});

test('unknown commands and stray words answer ERR', (t) => {
  const { shell, io } = makeShell();
  t.is(run(shell, io, 'reboot').final, "ERR unknown command 'reboot' (try: help)");
  t.is(run(shell, io, 'status now').final, "ERR unexpected argument 'now' (usage: status)");
  t.is(run(shell, io, '   status   ').final, 'OK');
  t.is(run(shell, io, 'echo maybe').final, "ERR bad <mode> 'maybe': expected one of on|off");
});

test('empty and blank lines get no answer', (t) => {
  const { shell, io } = makeShell();
  shell.feed('\r\n\n\r   \r\n\t\r\n');
  t.is(io.take(), '');
  t.is(shell.stats().lines, 0);
});

test('line ends: CR, LF, CRLF, and CRLF split across chunks each end one line', (t) => {
  const { shell, io } = makeShell();
  shell.feed('ping a\rping b\nping c\r\nping d\r');
  shell.feed('\nping e\r');
  shell.feed('\n');
  const a = parseAnswers(io.take());
  t.deepEqual(a.map((x) => x.lines[0]), ['pong=a', 'pong=b', 'pong=c', 'pong=d', 'pong=e']);
});

test('input split at every position gives the same answers as one chunk', (t) => {
  const script = 'status\r\nlog warn\r\nfault drop 0.5\nbogus\r\nping x\r';
  const whole = makeShell();
  whole.shell.feed(script);
  const want = whole.io.take();
  t.is(parseAnswers(want).length, 5);
  for (let i = 0; i <= script.length; i++) {
    for (let j = i; j <= script.length; j += 7) {
      const { shell, io } = makeShell();
      shell.feed(script.slice(0, i));
      shell.feed(script.slice(i, j));
      shell.feed(script.slice(j));
      t.is(io.take(), want, `split at ${i},${j}`);
    }
  }
});

test('editing keys: backspace, DEL, Ctrl-U, arrow keys', (t) => {
  const { shell, io } = makeShell();
  t.deepEqual(run(shell, io, 'ping abz\bc'), { lines: ['pong=abc'], final: 'OK' });
  t.deepEqual(run(shell, io, 'ping abz\x7fd'), { lines: ['pong=abd'], final: 'OK' });
  t.deepEqual(run(shell, io, 'garbage\x15ping e'), { lines: ['pong=e'], final: 'OK' });
  t.deepEqual(run(shell, io, 'ping \x1b[A\x1b[1;5Cf\x1bOPg'), { lines: ['pong=fg'], final: 'OK' });
  t.deepEqual(run(shell, io, 'ping\th'), { lines: ['pong=h'], final: 'OK' });
  t.deepEqual(run(shell, io, '\b\b\bping i'), { lines: ['pong=i'], final: 'OK' });
  t.deepEqual(run(shell, io, 'ping j\u{1F600}\b'), { lines: ['pong=j'], final: 'OK' });
  t.deepEqual(run(shell, io, 'ping \u00e9t\u00e9'), { lines: ['pong=\u00e9t\u00e9'], final: 'OK' });
});

test('overlong lines answer ERR line too long, are discarded whole, and the next line works', (t) => {
  const { shell, io, board } = makeShell({ maxLine: 32 });
  const long = 'log debug' + ' '.repeat(40) + 'x';
  t.is(run(shell, io, long).final, 'ERR line too long (max 32 characters)');
  t.is(board.level, 'info');
  // An overlong line sent in pieces, with backspaces after the limit, still counts as overlong.
  shell.feed('x'.repeat(20));
  shell.feed('y'.repeat(20));
  shell.feed('\b'.repeat(30) + '\r\n');
  t.is(parseAnswers(io.take())[0]?.final, 'ERR line too long (max 32 characters)');
  const exact = 'ping ' + 'a'.repeat(27);
  t.is(exact.length, 32);
  t.deepEqual(run(shell, io, exact).lines, ['pong=' + 'a'.repeat(27)]);
  // Ctrl-U forgets an overlong line without an answer.
  shell.feed('z'.repeat(50) + '\x15ping ok\r\n');
  t.deepEqual(parseAnswers(io.take()), [{ lines: ['pong=ok'], final: 'OK' }]);
  t.is(shell.stats().overlong, 2);
});

test('echo on repeats typed characters and erases on backspace', (t) => {
  const { shell, io } = makeShell();
  t.is(run(shell, io, 'echo on').final, 'OK');
  shell.feed('pinx');
  t.is(io.take(), 'pinx');
  shell.feed('\x7fg q\r\n');
  t.is(io.take(), '\b \bg q\r\npong=q\r\nOK\r\n');
  shell.feed('echo off\r\n');
  t.is(io.take(), 'echo off\r\nOK\r\n');
  shell.feed('ping r\r\n');
  t.is(io.take(), 'pong=r\r\nOK\r\n');
});

test('notices start with # and move a half-typed echoed line below them', (t) => {
  const { shell, io } = makeShell({ echo: true });
  shell.feed('sta');
  io.take();
  shell.notice('peer 3 lost\r\nreally');
  t.is(io.take(), '\r\n# peer 3 lost really\r\nsta');
  shell.feed('tus\r\n');
  t.is(parseAnswers(io.take().replace(/^.*?\r\n/, ''))[0]?.final, 'OK');
});

test('asynchronous commands: later lines wait, answers stay in order, Ctrl-C abandons, overflow answers busy', async (t) => {
  const { shell, io } = makeShell({ maxQueued: 2 });
  let finish: () => void = () => undefined;
  shell.register({
    name: 'slow',
    args: [],
    help: 'waits',
    handler: (ctx) =>
      new Promise<void>((resolve) => {
        finish = () => {
          ctx.record({ done: 1 });
          resolve();
        };
      }),
  });
  shell.feed('slow\r\nping a\r\nping b\r\nping c\r\n');
  t.true(shell.isBusy);
  t.deepEqual(parseAnswers(io.take()), [{ lines: [], final: 'ERR busy: an earlier command is still running' }]);
  finish();
  await Promise.resolve();
  await Promise.resolve();
  t.deepEqual(parseAnswers(io.take()), [
    { lines: ['done=1'], final: 'OK' },
    { lines: ['pong=a'], final: 'OK' },
    { lines: ['pong=b'], final: 'OK' },
  ]);
  t.false(shell.isBusy);

  shell.feed('slow\r\nping d\r\n\x03');
  t.deepEqual(parseAnswers(io.take()), [
    { lines: [], final: 'ERR interrupted' },
    { lines: ['pong=d'], final: 'OK' },
  ]);
  finish(); // too late: its answer was given up
  await Promise.resolve();
  await Promise.resolve();
  t.is(io.take(), '');
  t.is(shell.stats().interrupted, 1);

  shell.register({ name: 'fails', args: [], help: 'rejects', handler: () => Promise.reject(new ConsoleError('no quorum')) });
  shell.feed('fails\r\nping e\r\n');
  await new Promise((r) => setImmediate(r));
  t.deepEqual(parseAnswers(io.take()), [
    { lines: [], final: 'ERR no quorum' },
    { lines: ['pong=e'], final: 'OK' },
  ]);
});

test('Ctrl-C with nothing running just drops the partial line', (t) => {
  const { shell, io } = makeShell();
  shell.feed('fault cr\x03');
  t.is(io.take(), '');
  t.deepEqual(run(shell, io, 'ping z').lines, ['pong=z']);
});

test('options are checked', (t) => {
  t.throws(() => makeShell({ maxLine: 0 }), { message: /maxLine/ });
  t.throws(() => makeShell({ maxQueued: -1 }), { message: /maxQueued/ });
});

test('command tables are constants: frozen to the argument lists, handlers get the owner they were registered with', (t) => {
  for (const table of [BUILTIN_COMMANDS, FAULT_COMMANDS, FT_COMMANDS, FIRMWARE_COMMANDS]) {
    t.true(Object.isFrozen(table));
    for (const spec of table as readonly CommandSpec<never>[]) {
      t.true(Object.isFrozen(spec) && Object.isFrozen(spec.args), spec.name);
      for (const a of spec.args) t.true(Object.isFrozen(a) && (a.kind !== 'enum' || Object.isFrozen(a.values)), `${spec.name} <${a.name}>`);
    }
  }
  const { shell, io } = makeShell();
  const owner = { hits: 0 };
  const table = commandTable<typeof owner>([
    { name: 'owned one', args: [], help: 'counts', handler: (_ctx, o) => void o.hits++ },
    { name: 'owned two', args: [{ name: 'n', kind: 'int', min: 0, max: 9 }], help: 'adds', handler: (ctx, o) => void (o.hits += ctx.args.number('n')) },
  ]);
  shell.registerTable(table, owner);
  t.is(run(shell, io, 'owned one').final, 'OK');
  t.is(run(shell, io, 'owned two 5').final, 'OK');
  t.is(owner.hits, 6);
  // A table with one bad name adds none of its commands.
  const bad = commandTable<typeof owner>([
    { name: 'fine cmd', args: [], help: '', handler: () => undefined },
    { name: 'status', args: [], help: '', handler: () => undefined },
  ]);
  t.throws(() => shell.registerTable(bad, owner), { message: /already registered/ });
  t.is(shell.registry.get('fine cmd'), undefined);
  t.throws(() => shell.registerTable(commandTable<null>([{ name: 'twice', args: [], help: '', handler: () => undefined }, { name: 'twice', args: [], help: '', handler: () => undefined }]), null), { message: /already registered/ });
});

test('footprint: the line assembler is built on the first input only (a board without a console never builds it)', (t) => {
  const { shell, io } = makeShell();
  const assembler = (): unknown => (shell as unknown as { assembler: unknown }).assembler;
  t.is(assembler(), null);
  shell.notice('before any input');
  t.is(assembler(), null);
  shell.echo = true;
  t.true(shell.echo);
  t.is(assembler(), null);
  t.is(run(shell, io, 'help nosuch').final, "ERR unknown command 'nosuch'");
  t.not(assembler(), null);
  t.true((assembler() as { echo: boolean }).echo, 'the echo set before the first input holds');
});
