/**
 * The console as a pseudo-terminal through socat, opened with the serialport package exactly
 * as a real board's /dev/ttyUSB0 is. Needs socat (.ci/run installs it).
 */
import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openPty, SocatMissingError } from '../../host-sim/console/pty.js';
import { ConsoleSession, inject } from '../../host-sim/console/session.js';
import { startBoards } from './helpers.js';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'mcdsm-pty-'));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('inject through the pty link and through /dev/pts/N (serialport) gets the right answer', async (t) => {
  const dir = tempDir();
  const { hub, boards, infos } = await startBoards([1, 2], { ptyDir: dir });
  try {
    const pty = infos.get(2)?.pty;
    if (pty === undefined) return t.fail('no pty reported');
    t.is(pty.link, path.join(dir, 'board2'));
    t.regex(pty.device, /^\/dev\/pts\/\d+$/);
    t.is(fs.realpathSync(pty.link), pty.device);
    t.not(infos.get(1)?.pty?.device, pty.device);

    t.is(await inject(pty.link, 'status'), 'node=2 rank=2 role=member app=idle state=waiting epoch=0 uptime_ms=0 heap=48128 heap_limit=196608 log=info\nOK');
    t.is(await inject(pty.device, 'fault partition 1', 5000, { baudRate: 921600 }), 'OK');
    t.deepEqual(boards.get(2)?.shell.netFaults.partitioned, [1]);
    t.is(await inject(pty.link, 'fault partition 7'), 'ERR unknown board 7');
    t.is(await inject(infos.get(1)!.pty!.link, 'log warn'), 'OK');
    t.is(boards.get(1)?.board.level, 'warn');
  } finally {
    await hub.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('output left in the pty while nobody had it open is not taken for the answer', async (t) => {
  const dir = tempDir();
  const { hub, infos } = await startBoards([1], { ptyDir: dir });
  try {
    // The board talks while no terminal is open: socat writes it into the pty, where it waits.
    hub.output(1, 'pong=x\r\nOK\r\nERR stale\r\n');
    await new Promise((r) => setTimeout(r, 100));
    const link = infos.get(1)!.pty!.link;
    const s = await ConsoleSession.open(link);
    const a = await s.command('ping fresh');
    t.deepEqual(a.lines, ['pong=fresh']);
    const b = await s.command('fault hang 0');
    t.is(b.final, "ERR bad <ms> '0': out of range [1, 3600000]");
    await s.close();
    // Closing the device must not take the bridge down: the next client works.
    t.is(await inject(link, 'ping again'), 'pong=again\nOK');
  } finally {
    await hub.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('closing the hub kills socat and removes the links', async (t) => {
  const dir = tempDir();
  const { hub, infos } = await startBoards([4], { ptyDir: dir });
  const link = infos.get(4)!.pty!.link;
  t.true(fs.existsSync(link));
  await hub.close();
  t.false(fs.existsSync(link));
  fs.rmSync(dir, { recursive: true, force: true });
});

test('openPty: socat lifecycle, a stale link replaced, clear errors', async (t) => {
  const dir = tempDir();
  try {
    const link = path.join(dir, 'b');
    fs.symlinkSync('/dev/null', link);
    const net = await import('node:net');
    const server = net.createServer((s) => s.on('error', () => undefined));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as import('node:net').AddressInfo).port;
    const p = await openPty({ link, port });
    t.regex(p.device, /^\/dev\/pts\/\d+$/);
    t.true(p.alive);
    t.true(isAlive(p.pid));
    await p.close();
    t.false(p.alive);
    t.false(fs.existsSync(link));
    await new Promise<void>((r) => server.close(() => r()));

    await t.throwsAsync(() => openPty({ link, port, socat: path.join(dir, 'no-such-socat') }), { instanceOf: SocatMissingError, message: /needs socat .*apt-get install -y socat/ });
    await t.throwsAsync(() => openPty({ link: path.join(dir, 'missing-dir', 'b'), port }), { message: /does not exist/ });
    await t.throwsAsync(() => openPty({ link: path.join(dir, 'a,b'), port }), { message: /cannot hold/ });
    // Nothing listens on port 1 (the closed server's port could be taken by another process's
    // listen(0) meanwhile): socat fails to connect and says so.
    await t.throwsAsync(() => openPty({ link, port: 1 }), { message: /socat exited .*before creating/ });
    fs.writeFileSync(path.join(dir, 'plain'), '');
    await t.throwsAsync(() => openPty({ link: path.join(dir, 'plain'), port }), { message: /not a symlink/ });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
