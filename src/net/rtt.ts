/**
 * Round-trip estimation as RFC 6298 does it, shared by per-hop ARQ (hop-link.ts) and
 * end-to-end delivery (e2e.ts): smoothed RTT and variance with gains 1/8 and 1/4, and the
 * timeout SRTT + 4·RTTVAR (+ a fixed extra) clamped to a floor and a ceiling.
 */

/** An estimate; `srtt < 0` until the first sample. */
export interface RttEstimate {
  srtt: number;
  rttvar: number;
}

/** The two operations, statics of one class: one module-level binding (see HopLink.LSEQ_SPACE). */
export class Rtt {
  /** Fold the round trip `r` (ms) into `e`. */
  static sample(e: RttEstimate, r: number): void {
  if (e.srtt < 0) {
    e.srtt = r;
    e.rttvar = r / 2;
  } else {
    e.rttvar = 0.75 * e.rttvar + 0.25 * Math.abs(e.srtt - r);
    e.srtt = 0.875 * e.srtt + 0.125 * r;
  }
}

/** `sample`, then `rto` of the estimate it leaves, in one call (both estimators do the two on every clean ack). */
  static update(e: RttEstimate, r: number, extra: number, min: number, max: number): number {
    // `sample`'s arithmetic inline: one call fewer on every clean ack (hop link and e2e).
    const s = e.srtt;
    if (s < 0) {
      e.srtt = r;
      e.rttvar = r / 2;
    } else {
      e.rttvar = 0.75 * e.rttvar + 0.25 * (s > r ? s - r : r - s);
      e.srtt = 0.875 * s + 0.125 * r;
    }
    const v = e.srtt + 4 * e.rttvar + extra;
    return v < min ? min : v > max ? max : v;
  }

/** The timeout for `e`: `initial` before any sample, else SRTT + 4·RTTVAR + extra within [min, max]. */
  static rto(e: RttEstimate, extra: number, initial: number, min: number, max: number): number {
  if (e.srtt < 0) return initial;
  const v = e.srtt + 4 * e.rttvar + extra;
  return v < min ? min : v > max ? max : v;
}
}
