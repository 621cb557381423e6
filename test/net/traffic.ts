/** Helpers shared by the network-layer tests: numbered traffic and its checks. */
import type { TestNetwork } from './harness.js';

export const RAW = 0x70;

export function numbered(i: number, size = 8 + (i % 40)): Uint8Array {
  const p = new Uint8Array(Math.max(4, size));
  new DataView(p.buffer).setUint32(0, i, true);
  for (let k = 4; k < p.length; k++) p[k] = (i + k) & 0xff;
  return p;
}

export function numberOf(payload: Uint8Array): number {
  return new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getUint32(0, true);
}

/** Payload intact: bytes after the counter follow the pattern `numbered` wrote. */
export function intact(payload: Uint8Array): boolean {
  const i = numberOf(payload);
  for (let k = 4; k < payload.length; k++) if (payload[k] !== ((i + k) & 0xff)) return false;
  return true;
}

export interface Sender {
  /** Frames accepted by send() so far. */
  readonly sent: number;
  /** Stop sending (the next timer does nothing). */
  stop(): void;
}

/**
 * Send `count` numbered frames from `from` to `to` as fast as the layer accepts them (retrying
 * every `retryMs` when send() refuses), on `from`'s own clock.
 */
export function startSender(
  net: TestNetwork, from: number, to: number, count: number,
  opts: { type?: number; retryMs?: number; size?: (i: number) => number; port?: number } = {},
): Sender {
  const node = net.node(from);
  let i = 0;
  let stopped = false;
  const tick = (): void => {
    if (stopped || !node.alive) return;
    while (i < count) {
      const payload = numbered(i, opts.size?.(i));
      if (!node.net.send({ type: opts.type ?? RAW, dst: to, srcPort: from, dstPort: opts.port ?? 1, payload })) break;
      i++;
    }
    if (i < count) node.clock.setTimer(opts.retryMs ?? 2, tick);
  };
  tick();
  return {
    get sent() {
      return i;
    },
    stop() {
      stopped = true;
    },
  };
}

/** Numbers of the frames `at` received from `from` (on port `port` if given), in arrival order. */
export function receivedFrom(net: TestNetwork, at: number, from: number, port?: number): number[] {
  return net
    .node(at)
    .received.filter((f) => f.src === from && (port === undefined || f.dstPort === port))
    .map((f) => numberOf(f.payload));
}

export function isRange(xs: readonly number[], n: number): boolean {
  return xs.length === n && xs.every((x, i) => x === i);
}

export function strictlyIncreasing(xs: readonly number[]): boolean {
  return xs.every((x, i) => i === 0 || x > xs[i - 1]);
}
