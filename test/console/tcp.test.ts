import test from 'ava';
import net from 'node:net';
import { ConsoleServer, ConsoleHub } from '../../host-sim/console/tcp-server.js';
import { ConsoleSession, inject, LineSplitter } from '../../host-sim/console/session.js';
import { parseConsoleAddress } from '../../host-sim/console/connection.js';
import { startBoards } from './helpers.js';
import { onFreePorts } from '../util/wait.js';

test('inject over tcp:// gets each command its own answer', async (t) => {
  const { hub, boards, infos } = await startBoards([1, 2, 3]);
  try {
    const url2 = infos.get(2)?.url as string;
    t.regex(url2, /^tcp:\/\/127\.0\.0\.1:\d+$/);
    t.is(await inject(url2, 'status'), 'node=2 rank=2 role=member app=idle state=waiting epoch=0 uptime_ms=0 heap=48128 heap_limit=196608 log=info\nOK');
    t.is(await inject(url2, 'fault partition 9'), 'ERR unknown board 9');
    t.is(await inject(url2, 'fault partition 1,3'), 'OK');
    t.deepEqual(boards.get(2)?.shell.netFaults.partitioned, [1, 3]);
    t.deepEqual(boards.get(1)?.shell.netFaults.partitioned, []);
    t.is(await inject(infos.get(3)?.url as string, 'log debug'), 'OK');
    t.is(boards.get(3)?.board.level, 'debug');
    t.is(boards.get(2)?.board.level, 'info');
    // What reached the board: Ctrl-U, the ping, then the command.
    t.regex(boards.get(3)?.received as string, /^\x15ping \S+\r\nlog debug\r\n$/);
  } finally {
    await hub.close();
  }
});

test('stale output before the pong, notices and board echo never end up in the answer', async (t) => {
  const { hub, boards, infos } = await startBoards([0, 1]);
  try {
    const b = boards.get(1)!;
    b.junkBeforeNextInput = 'node=99\r\nOK\r\nERR old\r\n';
    const url = infos.get(1)!.url;
    const session = await ConsoleSession.open(url);
    const unsolicited: string[] = [];
    const s2 = new ConsoleSession(session.connection, (l) => unsolicited.push(l));
    const a = await s2.command('peers');
    t.deepEqual(a.lines, ['node=0 reachable=0']);
    t.true(a.ok);
    t.deepEqual(unsolicited, []);
    b.shell.echo = true;
    const e = await s2.command('ping hello');
    t.deepEqual(e.lines, ['pong=hello']);
    b.shell.echo = false;
    const n = s2.command('fault drop 2');
    b.shell.notice('peer 0 lost');
    const bad = await n;
    t.deepEqual(unsolicited, ['# peer 0 lost']);
    t.false(bad.ok);
    t.is(bad.reason, "bad <p> '2': out of range [0, 1]");
    await s2.close();
  } finally {
    await hub.close();
  }
});

test('a session runs commands one at a time, in the order asked', async (t) => {
  const { hub, infos } = await startBoards([1]);
  try {
    const s = await ConsoleSession.open(infos.get(1)!.url);
    const all = await Promise.all(['ping a', 'ping b', 'nosuch', 'ping c'].map((c) => s.command(c)));
    t.deepEqual(all.map((a) => a.text), ['pong=a\nOK', 'pong=b\nOK', "ERR unknown command 'nosuch' (try: help)", 'pong=c\nOK']);
    await t.throwsAsync(() => s.command(''), { message: /empty line/ });
    await t.throwsAsync(() => s.command('ping a\r\nfault crash'), { message: /control characters/ });
    await s.close();
  } finally {
    await hub.close();
  }
});

test('inject rejects when the board never answers, naming the command', async (t) => {
  const server = await ConsoleServer.listen({ onInput: () => undefined });
  try {
    await t.throwsAsync(() => inject(server.url, 'status', 300), { message: /: no answer to 'status' within 300 ms: the board did not answer a ping; is it running the mcdsm shell\?$/ });
  } finally {
    await server.close();
  }
});

test('a board that printed # HALT and reads nothing: inject says it halted, within the grace, not the timeout', async (t) => {
  const server: ConsoleServer = await ConsoleServer.listen({ onInput: () => server.write('# HALT fault crash\r\n') });
  try {
    const t0 = Date.now();
    // A timeout far above the 500 ms grace: a loaded host's delays cannot blur the two.
    await t.throwsAsync(() => inject(server.url, 'status', 60_000), { message: /^console tcp:\/\/\S+: the board has halted \(fault crash\) and answers no commands; 'status' was not run$/ });
    t.true(Date.now() - t0 < 30_000, `${Date.now() - t0} ms`);
  } finally {
    await server.close();
  }
});

test('a board that printed # HALT but still runs its shell (the firmware): its answer comes through', async (t) => {
  const server: ConsoleServer = await ConsoleServer.listen({
    onInput: (text) => {
      const token = /ping (\S+)/.exec(text)?.[1];
      server.write(`# HALT out of memory\r\n${token === undefined ? '' : `pong=${token}\r\nOK\r\nnode=1\r\nOK\r\n`}`);
    },
  });
  try {
    t.is(await inject(server.url, 'status', 2000), 'node=1\nOK');
  } finally {
    await server.close();
  }
});

test('inject rejects quickly when nothing listens', async (t) => {
  // Port 1 (tcpmux): no test and no unprivileged process listens there. A port found free with
  // listen(0) and closed again is an ephemeral one, which another process's listen(0) can take
  // before the connect.
  await t.throwsAsync(() => inject('tcp://127.0.0.1:1', 'status', 2000), { message: /connection refused/ });
});

test('the server sends board output to every client and forwards what any client types', async (t) => {
  const got: string[] = [];
  const server = await ConsoleServer.listen({ onInput: (s) => got.push(s) });
  try {
    const connect = (): Promise<net.Socket> => new Promise((r) => {
      const s = net.connect(server.port, '127.0.0.1', () => r(s));
    });
    const a = await connect();
    const b = await connect();
    while (server.stats().clients < 2) await new Promise((r) => setTimeout(r, 5));
    const seen = (s: net.Socket): Promise<string> => new Promise((r) => s.once('data', (d: Buffer) => r(d.toString())));
    const pa = seen(a);
    const pb = seen(b);
    server.write('hello ✓\r\n');
    t.deepEqual(await Promise.all([pa, pb]), ['hello ✓\r\n', 'hello ✓\r\n']);
    // A multi-byte character split across two TCP writes arrives whole.
    const check = Buffer.from('✓');
    a.write(check.subarray(0, 1));
    await new Promise((r) => setTimeout(r, 20));
    a.write(Buffer.concat([check.subarray(1), Buffer.from('\r\n')]));
    while (got.join('') !== '✓\r\n') await new Promise((r) => setTimeout(r, 5));
    t.is(got.join(''), '✓\r\n');
    t.is(server.stats().connections, 2);
    a.destroy();
    b.destroy();
  } finally {
    await server.close();
  }
});

test('output to a client that does not read is dropped past the limit, not buffered forever', async (t) => {
  const server = await ConsoleServer.listen({ onInput: () => undefined, maxClientBuffer: 4096 });
  const s = net.connect(server.port, '127.0.0.1');
  s.pause();
  try {
    while (server.stats().clients < 1) await new Promise((r) => setTimeout(r, 5));
    const chunk = 'x'.repeat(1000) + '\r\n';
    for (let i = 0; i < 20000; i++) server.write(chunk);
    t.true(server.stats().droppedBytes > 0);
    t.true(server.stats().bytesOut < 20000 * chunk.length);
  } finally {
    s.destroy();
    await server.close();
  }
});

test('the hub: base ports, listing, unknown boards ignored, close', async (t) => {
  // A port found free just now (below the ephemeral range); taken by another process before the
  // hub listened on it, the hub is made again on a fresh one.
  const { hub, free, info } = await onFreePorts(1, async (port) => {
    const h = new ConsoleHub({ basePort: port - 5 });
    try {
      return { hub: h, free: port, info: await h.attach(5, () => undefined) };
    } catch (e) {
      await h.close();
      throw e;
    }
  });
  try {
    t.is(info.port, free);
    t.is(info.url, `tcp://127.0.0.1:${free}`);
    t.deepEqual(hub.list().map((i) => i.board), [5]);
    await t.throwsAsync(() => hub.attach(5, () => undefined), { message: /already has a console/ });
    hub.output(77, 'nobody\r\n');
    t.is(hub.info(77), undefined);
  } finally {
    await hub.close();
  }
  await t.throwsAsync(() => hub.attach(6, () => undefined), { message: /closed/ });
  t.throws(() => new ConsoleHub({ basePort: 70000 }), { message: /basePort/ });
});

test('console addresses parse strictly', (t) => {
  t.deepEqual(parseConsoleAddress('tcp://127.0.0.1:7001'), { kind: 'tcp', host: '127.0.0.1', port: 7001 });
  t.deepEqual(parseConsoleAddress('tcp://[::1]:7001'), { kind: 'tcp', host: '::1', port: 7001 });
  t.deepEqual(parseConsoleAddress('/dev/ttyUSB0'), { kind: 'serial', path: '/dev/ttyUSB0', baudRate: 115200 });
  t.deepEqual(parseConsoleAddress('/dev/ttyACM0', 921600), { kind: 'serial', path: '/dev/ttyACM0', baudRate: 921600 });
  t.throws(() => parseConsoleAddress('tcp://host'), { message: /expected tcp:\/\/host:port/ });
  t.throws(() => parseConsoleAddress('tcp://host:0'), { message: /port out of range/ });
  t.throws(() => parseConsoleAddress('udp://host:5'), { message: /expected tcp/ });
  t.throws(() => parseConsoleAddress(''), { message: /empty/ });
  t.throws(() => parseConsoleAddress('/dev/ttyUSB0', 0), { message: /baud rate/ });
});

test('the line splitter handles LF, CRLF and CR, also split across chunks', (t) => {
  const s = new LineSplitter();
  t.deepEqual(s.push('a\r\nb\nc\rd'), ['a', 'b', 'c']);
  t.deepEqual(s.push('e\r'), ['de']);
  t.deepEqual(s.push('\nf\r\n\r\n'), ['f', '']);
  t.is(s.rest, '');
});
