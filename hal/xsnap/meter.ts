/**
 * Keeps the simulator's own work inside an XS board out of the board's meter. xsnap-worker
 * meters everything a command runs, including what only a simulated board does: decoding the
 * host's event batch (hal/driven/codec.ts) and marshalling native byte helpers over the pipe
 * (native-bytes.ts). A real board pays neither. `resetMeter(limit, index)` (xsnap-worker's
 * global) sets the meter back to where such work began; the units taken out are summed and
 * reported to the host with every step (install.ts), which shows them as `simHalUnits`.
 *
 * A few units per exclusion (the resetMeter calls themselves, after the mark) stay counted.
 */

interface MeterGlobals {
  resetMeter?: (limit: number, index: number) => number;
  currentMeterLimit?: () => number;
}

export class SimMeter {
  /** Units taken out of the meter since the last `take()`. */
  private excluded = 0;
  private readonly reset: MeterGlobals['resetMeter'];
  private readonly limit: MeterGlobals['currentMeterLimit'];

  constructor() {
    const g = globalThis as unknown as MeterGlobals;
    this.reset = typeof g.resetMeter === 'function' ? g.resetMeter : undefined;
    this.limit = typeof g.currentMeterLimit === 'function' ? g.currentMeterLimit : undefined;
  }

  /** The meter now (0 where there is no meter). */
  mark(): number {
    const reset = this.reset;
    const limit = this.limit;
    if (reset === undefined || limit === undefined) return 0;
    const lim = limit();
    const now = reset(lim, 0);
    reset(lim, now);
    return now;
  }

  /** Take what ran since `from` (a mark) out of the meter, and count it. */
  exclude(from: number): void {
    const reset = this.reset;
    const limit = this.limit;
    if (reset === undefined || limit === undefined) return;
    const lim = limit();
    const now = reset(lim, from);
    if (now > from) this.excluded += now - from;
  }

  /** Count units that ran outside any crank (never metered), e.g. encoding the reply. */
  add(units: number): void {
    if (units > 0) this.excluded += units;
  }

  /** The units excluded or added since the last call. */
  take(): number {
    const n = this.excluded;
    this.excluded = 0;
    return n;
  }
}
