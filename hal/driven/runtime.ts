/**
 * The boot function of a board bundle: the runtime (src/board.ts) with the apps the build put
 * into it (the virtual module `mcdsm:board-apps`, see host-sim/apps/). The XS bundle
 * (hal/xsnap/main.ts) boots through it; it only exists inside a bundle.
 */
import type { Hal } from '../../src/hal.js';
import type { BoardConfig } from '../../src/config.js';
import { bootBoard } from '../../src/board.js';
import { boardApps } from 'mcdsm:board-apps';

export function bootRuntime(hal: Hal, config: BoardConfig): void {
  bootBoard(hal, config, boardApps());
}
