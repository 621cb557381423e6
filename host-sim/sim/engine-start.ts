/**
 * A simulated board's engine start (an xsnap or Lua process loading the bundle), bounded on the
 * wall clock. The loop waits for it (at the run's start, and for a reboot: see Simulator's
 * `rebooting`), so an engine that never came up held `mcdsm sim` for ever, saying nothing.
 * A real board's factory is not bounded here: it builds firmware, which has its own bound.
 */

/**
 * Longest an engine may take to start: seconds on a loaded host (2.6 s seen; node itself took
 * ~18 s to start at load 29), so only an engine that hangs reaches it.
 */
export const ENGINE_START_MS = 120_000;

/**
 * `starting`, or an error naming `what` and the bound once `ms` of wall time passed first. A
 * board that comes up after that is killed: nothing would ever step or stop it.
 */
export function boundedStart<T extends { kill(): Promise<void> }>(starting: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      reject(new Error(`${what}: its engine did not start within ${ms} ms of wall time`));
    }, ms);
    starting.then(
      (board) => {
        clearTimeout(timer);
        if (late) void board.kill();
        else resolve(board);
      },
      (e: unknown) => {
        clearTimeout(timer);
        if (!late) reject(e);
      },
    );
  });
}
