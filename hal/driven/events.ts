/**
 * The boundary between a simulated board and the host simulator. The simulator owns time
 * and the network: it hands a board a batch of events, the board runs until every promise
 * job has settled, and hands back the actions it took. Both the in-process V8 board
 * (host-sim/boards/node-board.ts) and the XS board (hal/xsnap, over xsnap-worker's pipe, encoded by codec.ts)
 * speak exactly this, which is why a run is deterministic and the same on both engines.
 */

export type BoardEvent =
  /** First event a board ever gets: its configuration (JSON text of src/config.ts BoardConfig). */
  | { kind: 'boot'; config: string }
  /** Virtual time advances to `now` (ms). Always the first event of a batch. */
  | { kind: 'time'; now: number }
  | { kind: 'rx'; link: number; bytes: Uint8Array }
  | { kind: 'timer'; id: number }
  | { kind: 'console'; text: string }
  /** Heap figures for Hal.memory(): bytes in use as measured by the host, and the budget. */
  | { kind: 'memory'; used: number; limit: number };

export type BoardAction =
  /**
   * A frame written to link `link`. `units`: where the board's VM is metered (XS, Lua), the
   * units it had run in this step when it wrote the frame, so the CPU model sends the frame then
   * (a board's UART or socket sends it when it is written), not when the step ends; absent
   * elsewhere (V8: no meter), and the frame goes at the step's end. `natives`: native byte-helper
   * calls made before it in the step (XS boards), whose declared cost only the host knows: the
   * host adds it to `units` and drops the field (host-sim/boards/xs-board.ts).
   */
  | { kind: 'tx'; link: number; bytes: Uint8Array; units?: number; natives?: number }
  /** Fire timer `id` at virtual time `at` (absolute ms). */
  | { kind: 'timer-set'; id: number; at: number }
  | { kind: 'timer-clear'; id: number }
  | { kind: 'console'; text: string }
  | { kind: 'log'; level: string; message: string }
  /** A runtime event; `units` and `natives` as a tx's: the CPU model lands it when it was raised. */
  | { kind: 'event'; name: string; value: number; detail: string; units?: number; natives?: number }
  | { kind: 'halt'; reason: string }
  | { kind: 'reset' }
  /** The board stops processing events for `ms` of virtual time (injected hang). */
  | { kind: 'hang'; ms: number };

/**
 * How the halt of a board whose promise rejected with nobody to handle it begins (BoardHost):
 * the simulator ends the run on it as on an app failure (host-sim/sim/simulator.ts).
 */
export const UNHANDLED_REJECTION = 'unhandled rejection (a Moddable board aborts here)';
