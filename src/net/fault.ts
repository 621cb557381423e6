/**
 * Ingress fault injection (the board console's `fault` commands): applied to frames as they
 * come off this board's links, before decoding, so every layer above sees the consequences
 * exactly as it would see a bad cable. Probabilities draw on the random source passed in the
 * net options, so a seeded run stays deterministic.
 */
import { NODE_ID_MAX, NODE_TABLE_SIZE } from '../wire/ids.js';

export interface IngressFault {
  /** Probability (0..1) that a received frame is discarded. */
  drop?: number;
  /** Probability (0..1) that one random bit of a received frame is flipped (the CRC catches it). */
  corrupt?: number;
  /** Extra latency (ms) before a received frame is processed; order is kept. */
  delayMs?: number;
  /** Frames from or to these nodes, or arriving from such a neighbour, are discarded (a partition). */
  blockNodes?: readonly number[];
}

export interface ResolvedFault {
  drop: number;
  corrupt: number;
  delayMs: number;
  blockNodes: number[];
  /** blocked[node] === 1 for each node in blockNodes. */
  blocked: Uint8Array;
}

function probability(name: string, v: unknown): number {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
    throw new RangeError(`fault ${name} must be a probability in 0..1, got ${String(v)}`);
  }
  return v;
}

/** Validate a fault description; null when it injects nothing. */
export function resolveFault(f: IngressFault): ResolvedFault | null {
  const drop = probability('drop', f.drop ?? 0);
  const corrupt = probability('corrupt', f.corrupt ?? 0);
  const delayMs = f.delayMs ?? 0;
  if (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0) {
    throw new RangeError(`fault delayMs must be a number of ms >= 0, got ${String(delayMs)}`);
  }
  const blocked = new Uint8Array(NODE_TABLE_SIZE);
  const blockNodes: number[] = [];
  for (const n of f.blockNodes ?? []) {
    if (!Number.isInteger(n) || n < 0 || n > NODE_ID_MAX) {
      throw new RangeError(`fault blockNodes entries must be node ids 0..${NODE_ID_MAX}, got ${String(n)}`);
    }
    if (blocked[n] === 0) blockNodes.push(n);
    blocked[n] = 1;
  }
  blockNodes.sort((a, b) => a - b);
  if (drop === 0 && corrupt === 0 && delayMs === 0 && blockNodes.length === 0) return null;
  return { drop, corrupt, delayMs, blockNodes, blocked };
}
