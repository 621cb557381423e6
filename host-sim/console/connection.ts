/**
 * One connection to a board's console, whatever carries it: a serial device (a real board's
 * /dev/ttyUSB0, or a simulated board's pty) through the serialport package, or TCP
 * (`tcp://host:port`, a simulated board's console server).
 */
import { existsSync } from 'node:fs';
import net from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { SerialPort } from 'serialport';

export const DEFAULT_BAUD = 115200;

export type ConsoleAddress =
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'serial'; path: string; baudRate: number };

/** `tcp://host:port` (IPv6 hosts in brackets) or a device path. Throws naming what is wrong. */
export function parseConsoleAddress(address: string, baudRate: number = DEFAULT_BAUD): ConsoleAddress {
  if (address.length === 0) throw new Error('console address: empty (expected a device path or tcp://host:port)');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(address)) {
    const m = /^tcp:\/\/(\[[^\]]+\]|[^:/\[\]]+):(\d+)\/?$/i.exec(address);
    if (m === null) throw new Error(`console address '${address}': expected tcp://host:port`);
    const host = (m[1] as string).replace(/^\[|\]$/g, '');
    const port = Number(m[2]);
    if (!(port >= 1 && port <= 65535)) throw new Error(`console address '${address}': port out of range [1, 65535]`);
    return { kind: 'tcp', host, port };
  }
  if (!Number.isInteger(baudRate) || baudRate <= 0) throw new Error(`baud rate: expected a positive integer, got ${String(baudRate)}`);
  return { kind: 'serial', path: address, baudRate };
}

export function formatConsoleAddress(a: ConsoleAddress): string {
  return a.kind === 'tcp' ? `tcp://${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}` : a.path;
}

export interface ConsoleConnection {
  readonly address: ConsoleAddress;
  /** Receives decoded text. Text that arrives before this is set is kept and handed over when it is. */
  onData: ((text: string) => void) | null;
  /** Called once when the other side goes away (not after close()). */
  onClose: ((reason: string) => void) | null;
  write(text: string): Promise<void>;
  close(): Promise<void>;
  readonly isOpen: boolean;
}

abstract class BaseConnection implements ConsoleConnection {
  private dataHandler: ((text: string) => void) | null = null;
  private early: string[] = [];
  onClose: ((reason: string) => void) | null = null;
  protected open = true;
  private readonly decoder = new StringDecoder('utf8');

  constructor(readonly address: ConsoleAddress) {}

  get onData(): ((text: string) => void) | null {
    return this.dataHandler;
  }

  set onData(h: ((text: string) => void) | null) {
    this.dataHandler = h;
    if (h !== null && this.early.length > 0) {
      const pending = this.early.join('');
      this.early = [];
      h(pending);
    }
  }

  get isOpen(): boolean {
    return this.open;
  }

  protected received(chunk: Buffer): void {
    const text = this.decoder.write(chunk);
    if (text.length === 0) return;
    if (this.dataHandler !== null) this.dataHandler(text);
    // Bounded: a connection nobody reads keeps only the last 64 KiB.
    else {
      this.early.push(text);
      let total = 0;
      for (const s of this.early) total += s.length;
      while (total > 65536 && this.early.length > 1) total -= (this.early.shift() as string).length;
    }
  }

  protected lost(reason: string): void {
    if (!this.open) return;
    this.open = false;
    this.onClose?.(reason);
  }

  abstract write(text: string): Promise<void>;
  abstract close(): Promise<void>;
}

class TcpConnection extends BaseConnection {
  constructor(
    address: ConsoleAddress,
    private readonly socket: net.Socket,
  ) {
    super(address);
    socket.on('data', (b: Buffer) => this.received(b));
    socket.on('error', (e) => this.lost(e.message));
    socket.on('close', () => this.lost('connection closed'));
  }

  write(text: string): Promise<void> {
    if (!this.open) return Promise.reject(new Error(`console ${formatConsoleAddress(this.address)} is closed`));
    return new Promise((resolve, reject) => this.socket.write(text, 'utf8', (e) => (e ? reject(e) : resolve())));
  }

  async close(): Promise<void> {
    this.open = false;
    if (this.socket.destroyed) return;
    await new Promise<void>((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.end();
      // end() waits for the peer's FIN; a console need not wait for it.
      setTimeout(() => this.socket.destroy(), 200).unref();
    });
  }
}

class SerialConnection extends BaseConnection {
  constructor(
    address: ConsoleAddress,
    private readonly port: SerialPort,
  ) {
    super(address);
    port.on('data', (b: Buffer) => this.received(b));
    port.on('error', (e: Error) => this.lost(e.message));
    port.on('close', () => this.lost('port closed'));
  }

  write(text: string): Promise<void> {
    if (!this.open) return Promise.reject(new Error(`console ${formatConsoleAddress(this.address)} is closed`));
    return new Promise((resolve, reject) => {
      this.port.write(text, 'utf8', (e) => {
        if (e) return reject(e);
        this.port.drain((e2) => (e2 ? reject(e2) : resolve()));
      });
    });
  }

  async close(): Promise<void> {
    this.open = false;
    if (!this.port.isOpen) return;
    await new Promise<void>((resolve) => this.port.close(() => resolve()));
  }
}

function tcpErrorText(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'ECONNREFUSED': return 'connection refused (is the simulator still running? it prints its console addresses at start)';
    case 'ENOTFOUND': return 'unknown host';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH': return 'host unreachable';
    default: return e.message;
  }
}

function serialErrorText(e: Error): string {
  // The serialport bindings word errors as "Error: Permission denied, cannot open /dev/ttyUSB0".
  const m = e.message.replace(/^Error:\s*/, '');
  if (/permission denied/i.test(m)) return `${m} (on Linux, add yourself to the dialout group: sudo usermod -aG dialout $USER, then log in again)`;
  if (/no such file/i.test(m)) return 'no such device';
  if (/not a typewriter|inappropriate ioctl/i.test(m)) return 'not a serial device';
  return m;
}

export interface ConnectOptions {
  baudRate?: number;
  /** Give up connecting after this long (default 5000 ms). */
  timeoutMs?: number;
}

/**
 * Open a console. A serial device is flushed after opening so that output which waited in
 * the driver (or in a pty nobody read) is not taken for fresh output.
 */
export async function connectConsole(address: string | ConsoleAddress, options: ConnectOptions = {}): Promise<ConsoleConnection> {
  const a = typeof address === 'string' ? parseConsoleAddress(address, options.baudRate ?? DEFAULT_BAUD) : address;
  const timeoutMs = options.timeoutMs ?? 5000;
  if (a.kind === 'tcp') {
    const socket = net.connect({ host: a.host, port: a.port });
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => {
        socket.destroy();
        reject(new Error(`console ${formatConsoleAddress(a)}: no connection within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(t);
        socket.off('error', onError);
        resolve();
      });
      const onError = (e: NodeJS.ErrnoException): void => {
        clearTimeout(t);
        reject(new Error(`console ${formatConsoleAddress(a)}: ${tcpErrorText(e)}`));
      };
      socket.once('error', onError);
    });
    return new TcpConnection(a, socket);
  }
  if (!existsSync(a.path)) {
    throw new Error(`console ${a.path}: no such device (a serial device such as /dev/ttyUSB0, a simulated board's /dev/pts/N, or tcp://host:port)`);
  }
  const port = new SerialPort({ path: a.path, baudRate: a.baudRate, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(new Error(`console ${a.path}: ${serialErrorText(e)}`)) : resolve())));
  try {
    await new Promise<void>((resolve, reject) => port.flush((e) => (e ? reject(new Error(`console ${a.path}: flush: ${e.message}`)) : resolve())));
  } catch (e) {
    await new Promise<void>((resolve) => port.close(() => resolve()));
    throw e;
  }
  return new SerialConnection(a, port);
}
