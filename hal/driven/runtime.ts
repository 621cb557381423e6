/**
 * The boot function of a simulated board: the runtime (src/board.ts) with every app built
 * into the bundle (examples/registry.ts). The XS bundle (hal/xsnap/main.ts) and in-process
 * V8 boards (`new NodeBoard(bootRuntime)`) boot through this same function.
 */
import type { Hal } from '../../src/hal.js';
import type { BoardConfig } from '../../src/config.js';
import { bootBoard } from '../../src/board.js';
import { appRegistry } from '../../examples/registry.js';

export function bootRuntime(hal: Hal, config: BoardConfig): void {
  bootBoard(hal, config, appRegistry());
}
