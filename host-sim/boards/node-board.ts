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

/**
 * The V8 boards' steps, one at a time: a rejection nobody handled is reported by Node
 * (`unhandledRejection`) once the microtask queue drains, with nothing that says whose promise
 * it was. Steps that interleaved their promise jobs (the simulator steps boards concurrently)
 * could not be told apart; one at a time, it belongs to the board whose step is running. They
 * share one thread anyway: this costs an event-loop turn per V8 board and step, no computing.
 */
const steps = {
  /** Settles when the last step queued has ended. */
  tail: Promise.resolve(),
};

type RejectionListener = (reason: unknown, promise: Promise<unknown>) => void;

/**
 * While a board steps, its listener alone hears of rejections: the process's own (`mcdsm sim`'s
 * last resort, a test runner's) would take the board's rejection for theirs. Returns them, for
 * `giveBack`. A rejection of the host's own code made during the step is the board's too: the
 * price of knowing whose promise it was without tracking every promise.
 */
function takeRejections(listener: RejectionListener): Function[] {
  const others = process.rawListeners('unhandledRejection');
  process.removeAllListeners('unhandledRejection');
  process.on('unhandledRejection', listener);
  return others;
}

function giveBack(listener: RejectionListener, others: readonly Function[]): void {
  process.off('unhandledRejection', listener);
  for (const l of others) process.on('unhandledRejection', l as RejectionListener);
}

export class NodeBoard implements SimBoard {
  readonly engine = 'v8' as const;
  private readonly host: BoardHost;
  private readonly stats: BoardFigures = emptyFigures();
  private killed = false;
  private busy = false;

  /** A rejection nobody handled during this board's step halts it (BoardHost.unhandledRejection). */
  private readonly onRejection: RejectionListener;

  constructor(boot: BootFunction) {
    const host = new BoardHost(boot);
    this.host = host;
    this.onRejection = (reason) => host.unhandledRejection(reason);
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
    const before = steps.tail;
    let done!: () => void;
    steps.tail = new Promise<void>((resolve) => (done = resolve));
    await before;
    const others = takeRejections(this.onRejection);
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
      giveBack(this.onRejection, others);
      done();
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
