/**
 * Keeps the simulator's own work inside an XS board out of the board's meter. xsnap-worker
 * meters everything a command runs, including what only a simulated board does: decoding the
 * host's event batch (hal/driven/codec.ts) and marshalling native byte helpers over the pipe
 * (native-bytes.ts). A real board pays neither. `resetMeter(limit, index)` (xsnap-worker's
 * global) sets the meter back to where such work began; the units taken out are summed and
 * reported to the host with every step (install.ts), which shows them as `simHalUnits`.
 *
 * Also the driven HAL's recording of its actions (hal/driven/driven-hal.ts `SimCost`).
 *
 * `begin()` / `end(mark)` is the cheap pair (two host calls): `begin` sets the meter to 0
 * and returns where it was, `end` reads the units since (the excluded work) and puts the
 * meter back; pairs nest. What stays counted per exclusion is the call into `begin` up to
 * its host call and the return out of `end` after it: ~15-20 units (measured: docs/
 * PERFORMANCE.md "Round 14"). The meter's limit is the command's (xsnap-worker sets it for
 * every command): read once per step (`step()`), not at every exclusion.
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
  /** The command's meter limit (step()); resetMeter must be given it back. */
  private lim = 0;
  /** begin / end as closures over the meter (hal/driven's SimCost): no `this` to look up. */
  readonly begin: () => number;
  readonly end: (mark: number) => void;
  /** Whether `begin()` reads a meter (hal/driven's SimCost): a frame then carries the units spent. */
  readonly metered: boolean;
  /**
   * Native byte-helper calls made in this step (native-bytes.ts counts them, inside their
   * exclusion; install.ts sets it to 0 inside the batch's): a frame carries the count, and the host adds the declared cost of those calls
   * (host-sim/boards/native-host.ts) to the units the frame was written at.
   */
  nativeCalls = 0;

  constructor() {
    const g = globalThis as unknown as MeterGlobals;
    const reset = typeof g.resetMeter === 'function' ? g.resetMeter : undefined;
    this.reset = reset;
    this.limit = typeof g.currentMeterLimit === 'function' ? g.currentMeterLimit : undefined;
    this.step();
    this.metered = reset !== undefined;
    if (reset === undefined) {
      this.begin = () => 0;
      this.end = () => {};
    } else {
      this.begin = () => reset(this.lim, 0);
      this.end = (mark) => {
        this.excluded += reset(this.lim, mark);
      };
    }
  }

  /** A command began: read its meter limit (every begin / end of the step gives it back). */
  step(): void {
    const limit = this.limit;
    if (limit !== undefined) this.lim = limit();
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
