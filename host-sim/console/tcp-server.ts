/**
 * A simulated board's console over TCP: text received from any client goes to the board, the
 * board's output goes to every connected client — like several terminals on one UART.
 * ConsoleHub keeps one server (and optionally one pty) per board.
 */
import net from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { openPty } from './pty.js';
import type { PtyBridge } from './pty.js';

/** Output queued for one client beyond this is dropped (as a UART drops what no one reads). */
export const DEFAULT_MAX_CLIENT_BUFFER = 256 * 1024;

export interface ConsoleServerOptions {
  /** Address to listen on (default 127.0.0.1: a console is a local debugging port). */
  host?: string;
  /** Port (default 0: the system picks a free one). */
  port?: number;
  /** Receives text typed by clients, decoded as UTF-8, in arrival order. */
  onInput: (text: string) => void;
  /** Bytes queued per client before further output to it is dropped. */
  maxClientBuffer?: number;
}

export interface ConsoleServerStats {
  clients: number;
  connections: number;
  bytesIn: number;
  bytesOut: number;
  /** Output bytes not sent to a slow client because its queue was full. */
  droppedBytes: number;
}

export class ConsoleServer {
  private readonly clients = new Set<net.Socket>();
  private readonly counters = { connections: 0, bytesIn: 0, bytesOut: 0, droppedBytes: 0 };
  private closed = false;

  private constructor(
    private readonly server: net.Server,
    readonly host: string,
    readonly port: number,
    private readonly onInput: (text: string) => void,
    private readonly maxClientBuffer: number,
  ) {
    server.on('connection', (s) => this.accept(s));
  }

  static async listen(options: ConsoleServerOptions): Promise<ConsoleServer> {
    const host = options.host ?? '127.0.0.1';
    const port = options.port ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`port: expected an integer in [0, 65535], got ${String(port)}`);
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address();
    if (addr === null || typeof addr === 'string') throw new Error('console server: no TCP address after listen');
    return new ConsoleServer(server, host, addr.port, options.onInput, options.maxClientBuffer ?? DEFAULT_MAX_CLIENT_BUFFER);
  }

  /** `tcp://host:port`, the address `mcdsm console` and inject() take. */
  get url(): string {
    return `tcp://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`;
  }

  private accept(s: net.Socket): void {
    if (this.closed) {
      s.destroy();
      return;
    }
    this.clients.add(s);
    this.counters.connections++;
    s.setNoDelay(true);
    const decoder = new StringDecoder('utf8');
    s.on('data', (chunk: Buffer) => {
      this.counters.bytesIn += chunk.length;
      const text = decoder.write(chunk);
      if (text.length > 0) this.onInput(text);
    });
    // A client vanishing mid-write is normal for a console; never let it throw.
    s.on('error', () => undefined);
    s.on('close', () => this.clients.delete(s));
  }

  /** Send board output to every client. */
  write(text: string): void {
    if (this.closed || this.clients.size === 0 || text.length === 0) return;
    const bytes = Buffer.from(text, 'utf8');
    for (const c of this.clients) {
      if (c.destroyed || c.writableLength + bytes.length > this.maxClientBuffer) {
        this.counters.droppedBytes += bytes.length;
        continue;
      }
      this.counters.bytesOut += bytes.length;
      c.write(bytes);
    }
  }

  stats(): ConsoleServerStats {
    return { clients: this.clients.size, ...this.counters };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.clients) c.destroy();
    this.clients.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export interface ConsoleHubOptions {
  host?: string;
  /** Board `node` listens on basePort + node; 0 (default) gives every board an ephemeral port. */
  basePort?: number;
  /** When set, each board also gets a pseudo-terminal linked at `<dir>/board<node>` (needs socat). */
  ptyDir?: string;
  maxClientBuffer?: number;
}

export interface BoardConsoleInfo {
  board: number;
  /** `tcp://127.0.0.1:<port>`. */
  url: string;
  port: number;
  /** The symlink and the /dev/pts/N it points to, when ptyDir was given. */
  pty?: { link: string; device: string };
}

interface HubEntry {
  server: ConsoleServer;
  pty: PtyBridge | null;
}

export class ConsoleHub {
  private readonly boards = new Map<number, HubEntry>();
  private closed = false;

  constructor(private readonly options: ConsoleHubOptions = {}) {
    const base = options.basePort ?? 0;
    if (!Number.isInteger(base) || base < 0 || base > 65535) throw new RangeError(`basePort: expected an integer in [0, 65535], got ${String(base)}`);
  }

  /** Open the console of `board`; `onInput` receives what clients type (hand it to the simulator). */
  async attach(board: number, onInput: (text: string) => void): Promise<BoardConsoleInfo> {
    if (this.closed) throw new Error('console hub is closed');
    if (!Number.isInteger(board) || board < 0) throw new RangeError(`board: expected a node id, got ${String(board)}`);
    if (this.boards.has(board)) throw new Error(`board ${board} already has a console`);
    const base = this.options.basePort ?? 0;
    const server = await ConsoleServer.listen({
      host: this.options.host ?? '127.0.0.1',
      port: base === 0 ? 0 : base + board,
      onInput,
      ...(this.options.maxClientBuffer !== undefined ? { maxClientBuffer: this.options.maxClientBuffer } : {}),
    });
    const entry: HubEntry = { server, pty: null };
    this.boards.set(board, entry);
    if (this.options.ptyDir !== undefined) {
      try {
        const before = server.stats().connections;
        entry.pty = await openPty({ link: `${this.options.ptyDir}/board${board}`, host: server.host, port: server.port });
        // Output written before the server has accepted socat's connection would be lost.
        const deadline = Date.now() + 5000;
        while (server.stats().connections === before) {
          if (!entry.pty.alive || Date.now() > deadline) throw new Error(`socat for board ${board} did not connect to ${server.url}`);
          await new Promise((r) => setTimeout(r, 5));
        }
      } catch (e) {
        await entry.pty?.close();
        this.boards.delete(board);
        await server.close();
        throw e;
      }
    }
    return this.info(board) as BoardConsoleInfo;
  }

  /** Board output (from the simulator's console actions). Unknown boards are ignored. */
  output(board: number, text: string): void {
    this.boards.get(board)?.server.write(text);
  }

  info(board: number): BoardConsoleInfo | undefined {
    const e = this.boards.get(board);
    if (e === undefined) return undefined;
    const info: BoardConsoleInfo = { board, url: e.server.url, port: e.server.port };
    if (e.pty !== null) info.pty = { link: e.pty.link, device: e.pty.device };
    return info;
  }

  list(): BoardConsoleInfo[] {
    return [...this.boards.keys()].sort((a, b) => a - b).map((b) => this.info(b) as BoardConsoleInfo);
  }

  stats(board: number): ConsoleServerStats | undefined {
    return this.boards.get(board)?.server.stats();
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.boards.values()];
    this.boards.clear();
    await Promise.all(all.map(async (e) => {
      if (e.pty !== null) await e.pty.close();
      await e.server.close();
    }));
  }
}
