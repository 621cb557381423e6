/**
 * The livelock guard (docs/SIMULATOR.md, "Livelock guard"): something that re-arms a timer (or
 * answers a frame) without virtual time moving would spin forever with no time limit tripping.
 * The scheduler counts its steps per virtual instant and who took events in them.
 */
import type { BoardEvent } from '../../hal/driven/events.js';

/**
 * Steps at one virtual instant after which the run is a livelock. A real run takes a few dozen
 * steps per instant at most.
 */
export const LIVELOCK_STEPS = 100_000;

export class LivelockGuard {
  private t = -1;
  private steps = 0;
  private readonly boards = new Map<number, { events: number; timer: number | undefined }>();

  /** Board `node` takes `ev` in the step at the current instant. */
  took(node: number, ev: BoardEvent): void {
    let seen = this.boards.get(node);
    if (!seen) this.boards.set(node, (seen = { events: 0, timer: undefined }));
    seen.events++;
    if (ev.kind === 'timer') seen.timer = ev.id;
  }

  /** Count a step at `t`: the livelock verdict when there were too many at one instant, else null. */
  step(t: number, round3: (v: number) => number): string | null {
    if (t !== this.t) {
      this.t = t;
      this.steps = 0;
      this.boards.clear();
    }
    if (++this.steps <= LIVELOCK_STEPS) return null;
    let worst = -1;
    let most = -1;
    for (const [node, b] of this.boards) if (b.events > most) (worst = node), (most = b.events);
    const timer = worst >= 0 ? this.boards.get(worst)!.timer : undefined;
    const where = worst >= 0 ? ` on board ${worst}${timer !== undefined ? ` (timer ${timer})` : ''}` : '';
    return `livelock at t=${round3(t)} ms${where}: ${LIVELOCK_STEPS} steps without virtual time advancing`;
  }
}
