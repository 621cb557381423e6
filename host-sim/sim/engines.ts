/**
 * The engines a simulated domain's boards can run on, in one table: what `--engine` accepts
 * per board, and whether the simulator steps the board in virtual time (`simulated`) or the
 * board runs on its own in real time (`real`: a separate runtime the simulator only talks to
 * through its UARTs and console, docs/SIMULATOR.md "Real boards"), and whether its heap is measured.
 *
 * To add an engine: one entry in ENGINES (and its board factory in host-sim/sim/factory.ts).
 */
import { SpecError } from './link-model.js';

export const ENGINES = {
  /** Each board an xsnap-worker process, stepped through the driven HAL. */
  xs: { clock: 'virtual', heap: true, help: 'XS (xsnap) process stepped by the simulator' },
  /** In-process V8 board. */
  node: { clock: 'virtual', heap: false, help: 'in-process V8 board' },
  /** A Moddable-`lin` process (the firmware on Moddable's own XS port), UARTs on ptys. */
  moddable: { clock: 'wall', heap: false, help: 'Moddable-lin firmware process, UART links on ptys (real time)' },
  /** A lua5.1 process (strict `bit`) running dist/lua/5.1, stepped through the driven HAL. */
  lua51: { clock: 'virtual', heap: true, help: 'Lua 5.1 (+bit) process stepped by the simulator' },
  /** A lua5.3 process running dist/lua/5.3, stepped through the driven HAL. */
  lua53: { clock: 'virtual', heap: true, help: 'Lua 5.3 process stepped by the simulator' },
} as const satisfies Record<string, { clock: 'virtual' | 'wall'; heap: boolean; help: string }>;

export type EngineName = keyof typeof ENGINES;

/**
 * What an attached board (`--attach`) shows as its engine: it is not started by the
 * simulator, so it is not an `--engine` choice.
 */
export type BoardEngineName = EngineName | 'attached';

/**
 * Whether the simulator measures a board's heap (`heap: true` in ENGINES): V8 boards live in the
 * host's heap, Moddable and attached boards in processes or chips of their own; their heapBytes is 0.
 */
export function measuresHeap(engine: BoardEngineName): boolean {
  return engine !== 'attached' && ENGINES[engine].heap;
}

/** Whole-domain presets `--engine` also accepts. */
const PRESETS: Record<string, (i: number) => EngineName> = {
  // Even boards XS, odd boards V8: every link then joins the two engines.
  mixed: (i) => (i % 2 === 0 ? 'xs' : 'node'),
};

export function isEngineName(text: string): text is EngineName {
  return Object.prototype.hasOwnProperty.call(ENGINES, text);
}

/** True when boards of this engine run in real (wall-clock) time. */
export function isRealEngine(engine: BoardEngineName): boolean {
  return engine === 'attached' || ENGINES[engine].clock === 'wall';
}

/** The `--engine` words this build accepts, for help and error texts. */
export function engineChoices(): string {
  return [...Object.keys(ENGINES), ...Object.keys(PRESETS)].join(', ');
}

/**
 * `--engine`: one engine for every board (`xs`), a preset (`mixed`), or one entry per board,
 * working boards first and spares last (`xs,xs,moddable,moddable,xs`).
 */
export function engineList(engine: string, total: number, boards = total): EngineName[] {
  const text = engine.trim();
  const preset = PRESETS[text];
  if (preset) return Array.from({ length: total }, (_, i) => preset(i));
  const words = text.split(',').map((w) => w.trim());
  words.forEach((w, i) => {
    if (!isEngineName(w)) {
      const where = words.length > 1 ? ` (entry ${i + 1}, ${describeBoard(i, boards)})` : '';
      throw new SpecError(`--engine: unknown engine "${w}"${where}; expected ${engineChoices()}, or one engine per board separated by commas`);
    }
  });
  if (words.length === 1) return Array.from({ length: total }, () => words[0] as EngineName);
  if (words.length !== total) {
    throw new SpecError(
      `--engine: ${words.length} entries for ${total} boards (--boards ${boards} + --spares ${total - boards}): give one engine per board, working boards first and spares last, or a single engine for all`,
    );
  }
  return words as EngineName[];
}

function describeBoard(i: number, boards: number): string {
  return i < boards ? `board ${i}` : `board ${i}, a spare`;
}
