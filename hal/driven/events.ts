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
  | { kind: 'tx'; link: number; bytes: Uint8Array }
  /** Fire timer `id` at virtual time `at` (absolute ms). */
  | { kind: 'timer-set'; id: number; at: number }
  | { kind: 'timer-clear'; id: number }
  | { kind: 'console'; text: string }
  | { kind: 'log'; level: string; message: string }
  | { kind: 'event'; name: string; value: number; detail: string }
  | { kind: 'halt'; reason: string }
  | { kind: 'reset' }
  /** The board stops processing events for `ms` of virtual time (injected hang). */
  | { kind: 'hang'; ms: number };
