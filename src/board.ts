/**
 * The board runtime's entry (`mcdsm/board`): `bootBoard` for every target's main. The
 * composition root behind it lives in src/runtime/ (docs/ARCHITECTURE.md): config checked into
 * typed options (src/config.ts), the layers wired (board-runtime.ts), one app runner
 * (app-runner.ts), fault tolerance hosted (ft-host.ts), the console target (console-target.ts),
 * the DSM port policy (dsm-ports.ts) and the DSM's checkpoint content (dsm-content.ts).
 */
export { bootBoard } from './runtime/boot.js';
export { BoardRuntime } from './runtime/board-runtime.js';
export type { AppState } from './runtime/app-runner.js';
export { ftDsmPort } from './runtime/dsm-ports.js';
