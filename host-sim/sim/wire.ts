/**
 * One direction of one simulated link: serialises transmissions (a UART sends one byte after
 * another, so a burst queues behind the previous one), applies loss / corruption / reordering
 * from the simulator's seeded generator, and counts what crossed it.
 */
import { wireTimeMs, type LinkModel } from './link-model.js';
import type { Prng } from '../../src/util/prng.js';

export interface WireStats {
  frames: number;
  bytes: number;
  lost: number;
  corrupted: number;
  /** Time the wire was busy sending, i.e. what these bytes cost at this link's speed. */
  busyMs: number;
}

export interface Delivery {
  at: number;
  bytes: Uint8Array;
}

export class WireDirection {
  readonly stats: WireStats = { frames: 0, bytes: 0, lost: 0, corrupted: 0, busyMs: 0 };
  private busyUntil = 0;

  constructor(
    readonly model: LinkModel,
    private readonly rng: Prng,
  ) {}

  /** Returns when and what arrives at the far end, or null when the transmission is lost. */
  transmit(now: number, bytes: Uint8Array): Delivery | null {
    const m = this.model;
    const start = Math.max(now, this.busyUntil);
    const dur = wireTimeMs(m, bytes.length);
    this.busyUntil = start + dur;
    this.stats.frames++;
    this.stats.bytes += bytes.length;
    this.stats.busyMs += dur;
    let at = start + dur + m.latencyMs;
    if (m.loss > 0 && this.rng.random() < m.loss) {
      this.stats.lost++;
      return null;
    }
    let out = bytes;
    if (m.corrupt > 0 && this.rng.random() < m.corrupt && bytes.length > 0) {
      this.stats.corrupted++;
      // A datagram network checks its packets (UDP checksum, the MAC's CRC-32): a damaged one
      // is discarded on arrival, never handed to the board. A UART hands over whatever came.
      if (m.halKind === 'datagram') return null;
      out = bytes.slice();
      const bit = this.rng.below(bytes.length * 8);
      out[bit >> 3]! ^= 1 << (bit & 7);
    }
    if (m.reorder > 0 && this.rng.random() < m.reorder) {
      // Held back by up to a few packet times: later packets overtake it.
      at += (1 + this.rng.random() * 3) * (dur + m.latencyMs);
    }
    return { at, bytes: out };
  }
}
