/**
 * An in-process V8 board: the driven Hal and BoardHost running in the simulator's own
 * isolate. Fast (no process, no pipe) and, given the same events, action-for-action the
 * same as an XS board, which is what lets tests use either.
 */
import { BoardHost } from '../../hal/driven/board-host.js';
import type { BootFunction } from '../../hal/driven/board-host.js';
import type { BoardAction, BoardEvent } from '../../hal/driven/events.js';
import { emptyFigures } from './sim-board.js';
import type { BoardFigures, SimBoard } from './sim-board.js';

export class NodeBoard implements SimBoard {
  readonly engine = 'v8' as const;
  private readonly host: BoardHost;
  private readonly stats: BoardFigures = emptyFigures();
  private killed = false;
  private busy = false;

  constructor(boot: BootFunction) {
    this.host = new BoardHost(boot);
  }

  get alive(): boolean {
    return !this.killed;
  }

  get exitReason(): string | null {
    return this.killed ? 'killed by the host' : null;
  }

  /** The BoardHost (for inspection in tests). */
  get boardHost(): BoardHost {
    return this.host;
  }

  async step(events: readonly BoardEvent[]): Promise<BoardAction[]> {
    if (this.killed) return [];
    if (this.busy) throw new Error('NodeBoard.step: a step is already running (steps are serial per board)');
    this.busy = true;
    const t0 = performance.now();
    try {
      // rx bytes are copied as they would be on their way into an XS worker: the runtime
      // may keep or rewrite what it receives without touching the simulator's copy.
      this.host.apply(events.map((e) => (e.kind === 'rx' ? { kind: 'rx', link: e.link, bytes: e.bytes.slice() } : e)));
      // A macrotask runs only once the microtask queue is empty: every promise job the
      // batch started (and the jobs those started) has settled when this resolves. Then the
      // end-of-turn (zero-delay) timers run, round by round, as the XS entry runs them.
      do await new Promise<void>((resolve) => setImmediate(resolve));
      while (this.host.settle());
      return this.host.takeActions();
    } finally {
      this.busy = false;
      this.stats.steps++;
      this.stats.hostMs += performance.now() - t0;
    }
  }

  figures(): BoardFigures {
    return { ...this.stats };
  }

  async kill(): Promise<void> {
    this.killed = true;
  }
}
