/**
 * Byte pipes to ttys, for real boards:
 * - `openPtyPipe`: a new pseudo-terminal whose slave a board process opens as its UART or
 *   console, and whose master the simulator reads and writes (socat holds the master and
 *   relays it over its stdin/stdout, raw, no echo). We also hold the slave open (never reading
 *   it): a master reads EOF (EIO) whenever no slave is open, which would end the relay before
 *   the board opens its tty and every time the board restarts.
 * - `openSerialDevice`: an existing serial device (/dev/ttyUSB0, or a pty in tests) through the
 *   serialport package.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { SerialPort } from 'serialport';
import { SocatMissingError } from '../console/pty.js';

/** How long socat gets to create a pty (it takes a few ms). */
const PTY_CREATE_TIMEOUT_MS = 5000;

export interface TtyPipe {
  /** The tty the board opens (pty slave, or the serial device itself). */
  readonly device: string;
  write(bytes: Uint8Array): void;
  /** Bytes read; `closed` once with why when the pipe ends. */
  onData: ((bytes: Uint8Array) => void) | null;
  onClose: ((why: string) => void) | null;
  close(): Promise<void>;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

class PtyPipe implements TtyPipe {
  onData: ((bytes: Uint8Array) => void) | null = null;
  onClose: ((why: string) => void) | null = null;
  private running = true;
  private readonly exited: Promise<void>;

  constructor(
    private readonly child: ChildProcess,
    readonly device: string,
    private readonly link: string,
    private holdFd: number,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.running = false;
        this.onClose?.(`pty relay ended (${code ?? signal})`);
        resolve();
      });
    });
    child.stdout!.on('data', (b: Buffer) => this.onData?.(new Uint8Array(b.buffer, b.byteOffset, b.length)));
    // The board went away and socat with it: writes now fail with EPIPE, which is not our error.
    child.stdin!.on('error', () => undefined);
  }

  write(bytes: Uint8Array): void {
    if (this.running) this.child.stdin!.write(bytes);
  }

  async close(): Promise<void> {
    if (this.holdFd >= 0) {
      fs.closeSync(this.holdFd);
      this.holdFd = -1;
    }
    if (this.running) {
      this.child.kill('SIGTERM');
      const t = setTimeout(() => this.running && this.child.kill('SIGKILL'), 1000);
      await this.exited;
      clearTimeout(t);
    }
    try {
      fs.unlinkSync(this.link);
    } catch {
      // socat removed it
    }
  }
}

/** A new pty; its slave is linked at `link` (a path in a folder of ours). */
export async function openPtyPipe(link: string): Promise<TtyPipe> {
  const abs = path.resolve(link);
  if (/[,!:]/.test(abs)) throw new Error(`pty link '${abs}': socat addresses cannot hold ',', '!' or ':'`);
  try {
    fs.unlinkSync(abs);
  } catch {
    // none yet
  }
  const child = spawn('socat', [`PTY,link=${abs},rawer,echo=0`, 'STDIO'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (s: string) => {
    if (stderr.length < 2048) stderr += s;
  });
  let spawnError: NodeJS.ErrnoException | null = null;
  child.on('error', (e: NodeJS.ErrnoException) => (spawnError = e));
  const deadline = Date.now() + PTY_CREATE_TIMEOUT_MS;
  for (;;) {
    const err = spawnError as NodeJS.ErrnoException | null;
    if (err !== null) throw err.code === 'ENOENT' ? new SocatMissingError('socat') : new Error(`socat: ${err.message}`);
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`socat exited before creating ${abs}: ${stderr.trim() || 'no message'}`);
    if (fs.existsSync(abs)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`socat did not create ${abs} within ${PTY_CREATE_TIMEOUT_MS} ms`);
    }
    await sleep(5);
  }
  const device = fs.realpathSync(abs);
  let hold: number;
  try {
    hold = fs.openSync(device, fs.constants.O_RDWR | fs.constants.O_NOCTTY);
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`cannot open ${device}: ${(e as Error).message}`);
  }
  return new PtyPipe(child, device, abs, hold);
}

class DevicePipe implements TtyPipe {
  onData: ((bytes: Uint8Array) => void) | null = null;
  onClose: ((why: string) => void) | null = null;
  private open = true;

  constructor(
    private readonly port: SerialPort,
    readonly device: string,
  ) {
    port.on('data', (b: Buffer) => this.onData?.(new Uint8Array(b.buffer, b.byteOffset, b.length)));
    port.on('close', () => {
      if (!this.open) return;
      this.open = false;
      this.onClose?.(`${device} closed`);
    });
    port.on('error', (e: Error) => {
      if (!this.open) return;
      this.open = false;
      this.onClose?.(`${device}: ${e.message}`);
    });
  }

  write(bytes: Uint8Array): void {
    if (this.open) this.port.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
  }

  async close(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    await new Promise<void>((resolve) => this.port.close(() => resolve()));
  }
}

/** Open an existing serial device; rejects naming the device and the cause. */
export async function openSerialDevice(device: string, baudRate: number): Promise<TtyPipe> {
  if (!fs.existsSync(device)) throw new Error(`serial device ${device} does not exist`);
  const port = new SerialPort({ path: device, baudRate, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(new Error(`cannot open serial device ${device}: ${e.message}`)) : resolve())));
  return new DevicePipe(port, device);
}
