/**
 * Waiting in wall-clock tests for something that becomes true eventually (a state the board
 * reaches, a port free to listen on), instead of a fixed sleep that is too short on a loaded
 * host and wasted time on a fast one. The bounds are for a slow, shared 2-core machine: they
 * only ever run out when something is really wrong, and then the failure names what was awaited.
 */
import net from 'node:net';
import { readFileSync } from 'node:fs';

/** Bound for a state a running simulation reaches within a few of its own seconds. */
export const EVENTUALLY_MS = 30_000;
/** How often a condition is asked again. */
const POLL_MS = 25;

/**
 * Ask `probe` until `done` accepts what it returned; the last answer is returned. Throws naming
 * `what` and the last answer when `boundMs` of wall time pass first.
 */
export async function eventually<T>(what: string, probe: () => Promise<T> | T, done: (v: T) => boolean, boundMs = EVENTUALLY_MS): Promise<T> {
  const until = Date.now() + boundMs;
  for (;;) {
    const v = await probe();
    if (done(v)) return v;
    if (Date.now() > until) throw new Error(`timed out after ${boundMs} ms waiting for ${what}; last seen: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

function listenOn(port: number): Promise<net.Server | null> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(null));
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
}

function close(s: net.Server): Promise<void> {
  return new Promise((r) => s.close(() => r()));
}

/** The kernel's range for ephemeral ports (outgoing connections, listen(0)); Linux's default when unreadable. */
function ephemeralRange(): [number, number] {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (lo !== undefined && hi !== undefined && lo > 0 && hi >= lo) return [lo, hi];
  } catch {
    // not Linux: the default below
  }
  return [32768, 60999];
}

/**
 * A base port such that `count` consecutive ports from it are free right now, below the
 * ephemeral range (where any process's outgoing connection can take a port at any time).
 * A port derived from the pid alone was sometimes taken: by another test file's connection
 * or another checkout's run of the same test.
 */
export async function freePortRun(count: number): Promise<number> {
  const [lo] = ephemeralRange();
  const first = 20_000;
  const span = Math.max(1, lo - first - count);
  const start = first + (process.pid * 7919) % span;
  for (let i = 0; i < span; i += count) {
    const base = first + ((start - first + i) % span);
    const held: net.Server[] = [];
    for (let p = base; p < base + count; p++) {
      const s = await listenOn(p);
      if (s === null) break;
      held.push(s);
    }
    await Promise.all(held.map(close));
    if (held.length === count) return base;
  }
  throw new Error(`no ${count} consecutive free ports from ${first} to ${lo}`);
}

/**
 * How many times a test takes fresh ports after one it found free was taken before it listened:
 * a port can only be found free, not kept free for another process (`mcdsm sim`) to listen on.
 * Each lost race needs another process to listen on that very port in a few milliseconds.
 */
export const PORT_ATTEMPTS = 5;

/** True for what a listen on a port someone else holds ends with: Node's error, or a CLI's stderr naming it. */
export function portTaken(e: unknown): boolean {
  if (typeof e === 'string') return e.includes('EADDRINUSE');
  return (e as NodeJS.ErrnoException | null)?.code === 'EADDRINUSE' || (e instanceof Error && e.message.includes('EADDRINUSE'));
}

/**
 * Run `body` on `count` consecutive ports found free just now (`freePortRun`), and again on
 * fresh ones when another process took one in between: `body` threw EADDRINUSE, or `taken`
 * says its result shows it (a CLI run's stderr). After PORT_ATTEMPTS lost races the last
 * outcome stands (the error is thrown, the result returned) for the test to fail on.
 */
export async function onFreePorts<T>(count: number, body: (base: number) => Promise<T> | T, taken: (r: T) => boolean = () => false, find = freePortRun): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const base = await find(count);
    const last = attempt >= PORT_ATTEMPTS;
    try {
      const r = await body(base);
      if (last || !taken(r)) return r;
    } catch (e) {
      if (last || !portTaken(e)) throw e;
    }
  }
}
