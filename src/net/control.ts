/**
 * Payloads of the network layer's own frames (docs/PROTOCOL.md, "HELLO" and "LSA"):
 *
 *   HELLO (9 bytes):  0 u32 session (sender's link session, never 0)
 *                     4 u32 echo    (the peer session the sender has heard on this link, 0 = none)
 *                     8 u8  link    (sender's link index, for diagnostics)
 *   LINK_ACK (0..8):  selective ack: bit i (LSB first of byte i/8) set = the sender holds the
 *                     frame with lseq = lack + 1 + i; trailing zero bytes are left out
 *   LSA (5 + k):      0 u32 seq     (origin's advertisement number; higher replaces lower)
 *                     4 u8  k       (number of up neighbours)
 *                     5 k × u8      neighbour node ids, strictly ascending
 *
 * All integers little endian. The origin of an LSA is the frame's src field.
 */

export const HELLO_LENGTH = 9;
/** A window of at most 64 frames leaves at most 63 to report beyond the ack. */
export const SACK_MAX_LENGTH = 8;
export const LSA_HEADER_LENGTH = 5;

import { readU32LE as readU32, writeU32LE as writeU32 } from '../util/u32.js';
import { assert } from '../util/assert.js';
import { NODE_ID_MAX } from '../wire/ids.js';

export { readU32, writeU32 };

export function writeHello(p: Uint8Array, session: number, echo: number, link: number): void {
  writeU32(p, 0, session);
  writeU32(p, 4, echo);
  p[8] = link & 0xff;
}

export interface Lsa {
  seq: number;
  /** Ascending, no duplicates. */
  neighbours: number[];
}

export function encodeLsa(lsa: Lsa): Uint8Array {
  const k = lsa.neighbours.length;
  assert(k <= NODE_ID_MAX, 'lsa: a node has at most NODE_ID_MAX neighbours');
  const p = new Uint8Array(LSA_HEADER_LENGTH + k);
  writeU32(p, 0, lsa.seq);
  p[4] = k;
  for (let i = 0; i < k; i++) p[LSA_HEADER_LENGTH + i] = lsa.neighbours[i]!;
  return p;
}

/** The advertisement in `p`, or null when its length or neighbour list is malformed. */
export function decodeLsa(p: Uint8Array): Lsa | null {
  if (p.length < LSA_HEADER_LENGTH) return null;
  const k = p[4]!;
  if (p.length !== LSA_HEADER_LENGTH + k) return null;
  const neighbours: number[] = [];
  let last = -1;
  for (let i = 0; i < k; i++) {
    const n = p[LSA_HEADER_LENGTH + i]!;
    if (n <= last || n > NODE_ID_MAX) return null;
    neighbours.push(n);
    last = n;
  }
  return { seq: readU32(p, 0), neighbours };
}

/** The LINK_ACK selective-ack bitmap; statics of one class: one module-level binding (see HopLink.LSEQ_SPACE). */
export class SackBitmap {
/**
 * Write the LINK_ACK bitmap of the frames held beyond the gap at `expected` (held[lseq & mask]
 * present; `mask` + 1 a power of two >= window, so the window's frames have distinct places)
 * into `out`, zeroed first; returns its length with trailing zero bytes left out. `window` ≤ 64
 * keeps it within SACK_MAX_LENGTH bytes.
 */
static write(held: readonly (Uint8Array | undefined)[], mask: number, expected: number, window: number, out: Uint8Array): number {
  out.fill(0);
  let len = 0;
  for (let i = 1; i < window; i++) {
    if (held[(expected + i) & mask] === undefined) continue;
    const bit = i - 1;
    out[bit >>> 3]! |= 1 << (bit & 7);
    len = (bit >>> 3) + 1;
  }
  return len;
}

/**
 * Set `flag` in state[((first + i) & mask) << 2] for each of the first `bits` bits of a LINK_ACK
 * bitmap that is set (the flags of the hop link's per-frame numbers, four per place: hop-link.ts `fs`).
 */
static mark(sack: Uint8Array, bits: number, first: number, state: number[], mask: number, flag: number): void {
  for (let i = 0; i < bits; i++) {
    if ((sack[i >>> 3]! & (1 << (i & 7))) !== 0) {
      const k = ((first + i) & mask) << 2;
      state[k] = state[k]! | flag;
    }
  }
}
}
