/**
 * A board running in a real Lua interpreter (lua5.1 with the `bit` module, or lua5.3): the
 * runtime compiled by typescript-to-lua (dist/lua/<target>, scripts/build-lua.mjs) behind
 * hal/lua/main.ts, the same BoardHost, event/action codec and boot as an XS board. Each step is
 * one pipe round trip: `LENGTH\n` + the encoded event batch in, `LENGTH BYTES UNITS\n` + the
 * encoded actions out, after every promise job and end-of-turn timer in the VM has run (see
 * hal/lua/main.ts). UNITS are Lua VM instructions: BoardFigures.compute, what the CPU model
 * charges. A heap figure over the board's ramLimit is confirmed by a full collection first
 * (`gc`), as XsBoard does, since Lua counts garbage until it collects.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeActions, encodeEvents } from '../../hal/driven/codec.js';
import type { BoardAction, BoardEvent } from '../../hal/driven/events.js';
import { emptyFigures } from './sim-board.js';
import type { BoardFigures, SimBoard } from './sim-board.js';

export type LuaVersion = '5.1' | '5.3';

export interface LuaBoardOptions {
  version: LuaVersion;
  name?: string;
  /** Interpreter; default lua5.1 / lua5.3 on PATH. */
  binary?: string;
  /** Lua 5.1 only: the `bit` module raises on operands outside int32 (NodeMCU's C cast). Default true. */
  strictBit?: boolean;
  /** Where the interpreter's stderr goes. Default 'inherit'. */
  stderr?: 'inherit' | 'ignore';
}

/** The Debian packages a Lua board's interpreter comes from (README.md; .ci/run installs them). */
const LUA_PACKAGES: Record<LuaVersion, string> = { '5.1': 'lua5.1 lua-bitop', '5.3': 'lua5.3' };

export function luaDistDir(version: LuaVersion): string {
  // dist/host-sim/boards/lua-board.js -> dist/lua/<version>
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'lua', version);
}

export class LuaBoard implements SimBoard {
  readonly engine: 'lua51' | 'lua53';
  private readonly proc: ChildProcessByStdio<Writable, Readable, Readable>;
  /** The interpreter's last error line on stderr: why it exited (e.g. the prelude's missing `bit` module). */
  private lastError = '';
  private readonly stats: BoardFigures = emptyFigures();
  private buf: Buffer = Buffer.alloc(0);
  private waiter: (() => void) | null = null;
  private exited: string | null = null;
  private halted = false;
  private deathReported = false;
  private ramLimit = 0;

  constructor(options: LuaBoardOptions) {
    this.engine = options.version === '5.1' ? 'lua51' : 'lua53';
    const dir = luaDistDir(options.version);
    const run = resolve(dir, 'run.lua');
    if (!existsSync(run)) throw new Error(`Lua board build ${run} is missing: run \`npm run build\``);
    const binary = options.binary ?? (options.version === '5.1' ? 'lua5.1' : 'lua5.3');
    this.proc = spawn(binary, [run, 'hal.lua.main'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, MCDSM_STRICT_BIT: options.version === '5.1' && options.strictBit !== false ? '1' : '0' },
    });
    this.proc.stdout.on('data', (chunk: Buffer) => {
      this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
      this.wake();
    });
    this.proc.on('error', (e: NodeJS.ErrnoException) => {
      // "spawn lua5.1 ENOENT" said nothing about the fix: the packages README.md lists.
      const missing = e.code === 'ENOENT' ? (options.binary === undefined ? `${binary} is not on PATH (install it: apt-get install ${LUA_PACKAGES[options.version]})` : `${binary} not found`) : null;
      this.exited = missing !== null ? `could not start: ${missing}` : `could not start ${binary}: ${e.message}`;
      this.wake();
    });
    // Passed through (unless `stderr: 'ignore'`); the last line also goes into the halt reason.
    const passStderr = options.stderr !== 'ignore';
    this.proc.stderr.on('data', (chunk: Buffer) => {
      if (passStderr) process.stderr.write(chunk);
      // A Lua error's own line, not its traceback (tab-indented, after `stack traceback:`).
      const lines = chunk.toString('utf8').split('\n').filter((l) => /^\S/.test(l) && l !== 'stack traceback:').map((l) => l.trim());
      if (lines.length > 0) this.lastError = lines[lines.length - 1]!;
    });
    // 'close': after the process exited and its stderr was read to the end.
    this.proc.on('close', (code, signal) => {
      const why = this.lastError !== '' && code !== 0 ? `: ${this.lastError}` : '';
      this.exited ??= signal !== null ? `killed by ${signal}` : `exited with code ${String(code)}${why}`;
      this.wake();
    });
    this.proc.stdin.on('error', () => undefined);
  }

  get alive(): boolean {
    return this.exited === null;
  }

  get exitReason(): string | null {
    return this.exited;
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  async step(events: readonly BoardEvent[]): Promise<BoardAction[]> {
    if (this.exited !== null) return this.deathActions();
    if (this.halted) {
      this.stats.steps++;
      return [];
    }
    const t0 = performance.now();
    try {
      for (const e of events) {
        if (e.kind !== 'boot') continue;
        try {
          const limit = (JSON.parse(e.config) as { ramLimit?: unknown }).ramLimit;
          if (typeof limit === 'number') this.ramLimit = limit;
        } catch {
          // The board itself reports a bad config.
        }
      }
      const batch = encodeEvents(events);
      this.proc.stdin.write(`${String(batch.length)}\n`);
      this.proc.stdin.write(batch);
      const header = await this.readLine();
      if (header === null) return this.deathActions();
      const [len, heapBytes, units] = header.split(' ').map(Number) as [number, number, number];
      const body = await this.readBytes(len);
      if (body === null) return this.deathActions();
      const actions = decodeActions(body);
      for (const a of actions) {
        if (a.kind === 'halt' || a.kind === 'reset') this.halted = true;
        // A Lua board has no native helpers: a frame's units are its instruction count.
        if (a.kind === 'tx' || a.kind === 'event') delete a.natives;
      }
      let heap = heapBytes;
      if (this.ramLimit > 0 && heap > this.ramLimit) {
        this.proc.stdin.write('gc\n');
        const again = await this.readLine();
        if (again !== null) heap = Number(again.split(' ')[1]);
      }
      this.stats.compute = units;
      this.stats.computeTotal += units;
      this.stats.heapBytes = heap;
      if (heap > this.stats.heapPeakBytes) this.stats.heapPeakBytes = heap;
      return actions;
    } finally {
      this.stats.steps++;
      this.stats.hostMs += performance.now() - t0;
    }
  }

  figures(): BoardFigures {
    return { ...this.stats };
  }

  async kill(): Promise<void> {
    this.deathReported = true;
    if (this.exited !== null) return;
    const gone = new Promise<void>((r) => this.proc.once('exit', () => r()));
    this.proc.kill('SIGKILL');
    await gone;
  }

  private deathActions(): BoardAction[] {
    if (this.deathReported || this.halted) return [];
    this.deathReported = true;
    return [{ kind: 'halt', reason: `lua vm ${this.exited ?? 'gone'}` }];
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    if (w !== null) w();
  }

  private async readLine(): Promise<string | null> {
    for (;;) {
      const nl = this.buf.indexOf(10);
      if (nl >= 0) {
        const line = this.buf.subarray(0, nl).toString('latin1');
        this.buf = this.buf.subarray(nl + 1);
        return line;
      }
      if (this.exited !== null) return null;
      await new Promise<void>((r) => (this.waiter = r));
    }
  }

  private async readBytes(n: number): Promise<Uint8Array | null> {
    for (;;) {
      if (this.buf.length >= n) {
        const out = new Uint8Array(this.buf.subarray(0, n));
        this.buf = this.buf.subarray(n);
        return out;
      }
      if (this.exited !== null) return null;
      await new Promise<void>((r) => (this.waiter = r));
    }
  }
}
