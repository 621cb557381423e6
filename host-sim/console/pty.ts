/**
 * A board's console as a pseudo-terminal, so `screen`, `minicom`, `mcdsm console` or anything
 * built on the serialport package opens a simulated board exactly like /dev/ttyUSB0.
 *
 * socat does the work: it connects to the board's TCP console, then creates the pty (raw, no
 * echo) and links it at a stable path — in that order, so that once the link exists the bridge
 * is whole. We wait for the link, resolve it to /dev/pts/N and kill socat on close.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export class SocatMissingError extends Error {
  constructor(command: string) {
    super(`'${command}' not found: the pty console needs socat (Debian/Ubuntu: apt-get install -y socat; macOS: brew install socat)`);
    this.name = 'SocatMissingError';
  }
}

export interface PtyOptions {
  /** Path of the symlink to create (its directory must exist; an old link there is replaced). */
  link: string;
  /** The board's TCP console. */
  port: number;
  host?: string;
  /** How long to wait for socat to create the link (default 5000 ms). */
  timeoutMs?: number;
  /** The socat executable (default `socat` on PATH). */
  socat?: string;
}

export interface PtyBridge {
  readonly link: string;
  /** The resolved device, e.g. /dev/pts/3. */
  readonly device: string;
  readonly pid: number;
  /** True until socat exits. */
  readonly alive: boolean;
  /** Kill socat (which removes the link) and wait for it to exit. */
  close(): Promise<void>;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function linkExists(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

class SocatPty implements PtyBridge {
  private exited: Promise<void>;
  private running = true;

  constructor(
    private readonly child: ChildProcess,
    readonly link: string,
    readonly device: string,
  ) {
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        this.running = false;
        resolve();
        return;
      }
      child.once('exit', () => {
        this.running = false;
        resolve();
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get alive(): boolean {
    return this.running;
  }

  async close(): Promise<void> {
    if (this.running) {
      this.child.kill('SIGTERM');
      const t = setTimeout(() => {
        if (this.running) this.child.kill('SIGKILL');
      }, 2000);
      await this.exited;
      clearTimeout(t);
    }
    // socat unlinks on a clean exit; after SIGKILL it cannot.
    if (linkExists(this.link)) {
      try {
        fs.unlinkSync(this.link);
      } catch {
        // someone else's file now; leave it
      }
    }
  }
}

/** Start socat for one console. Rejects with SocatMissingError when socat is not installed. */
export async function openPty(options: PtyOptions): Promise<PtyBridge> {
  const command = options.socat ?? 'socat';
  const host = options.host ?? '127.0.0.1';
  const timeoutMs = options.timeoutMs ?? 5000;
  const link = path.resolve(options.link);
  if (/[,!:]/.test(link)) throw new Error(`pty link '${link}': socat addresses cannot hold ',', '!' or ':'`);
  if (!fs.existsSync(path.dirname(link))) throw new Error(`pty link '${link}': directory ${path.dirname(link)} does not exist`);
  // A stale link from a killed run would make us report the old device.
  if (linkExists(link)) {
    const st = fs.lstatSync(link);
    if (!st.isSymbolicLink()) throw new Error(`pty link '${link}' exists and is not a symlink`);
    fs.unlinkSync(link);
  }
  const child = spawn(command, [`TCP:${host}:${options.port}`, `PTY,link=${link},rawer,echo=0`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (s: string) => {
    if (stderr.length < 4096) stderr += s;
  });
  let spawnError: NodeJS.ErrnoException | null = null;
  child.on('error', (e: NodeJS.ErrnoException) => {
    spawnError = e;
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const err = spawnError as NodeJS.ErrnoException | null;
    if (err !== null) {
      if (err.code === 'ENOENT') throw new SocatMissingError(command);
      throw new Error(`socat: ${err.message}`);
    }
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`socat exited (${child.exitCode ?? child.signalCode}) before creating ${link}: ${stderr.trim() || 'no message'}`);
    }
    if (linkExists(link)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`socat did not create ${link} within ${timeoutMs} ms: ${stderr.trim() || 'no message'}`);
    }
    await sleep(10);
  }
  let device: string;
  try {
    device = fs.realpathSync(link);
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`pty link ${link} does not resolve: ${(e as Error).message}`);
  }
  return new SocatPty(child, link, device);
}
