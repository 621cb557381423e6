/**
 * How a board runtime hosts the module: one call that creates, wires and starts it. The
 * options come resolved from the host (src/runtime/ft-host.ts builds them from the board
 * config); the host also registers the module's console commands (`wire`, before it starts).
 */
import { FaultTolerance } from './fault-tolerance.js';
import type { FtHal, FtListener, FtNet } from './fault-tolerance.js';
import type { FtOptions } from './options.js';

export interface AttachOptions {
  net: FtNet;
  hal: FtHal;
  options: FtOptions;
  /** Called with the module before it starts (its console commands: registerFtConsole). */
  wire?: (ft: FaultTolerance) => void;
  /**
   * `startRun`: start the app for this run (rank, restored state), at start and after every
   * recovery; `ftStopped`: the module stopped for good (refused, unrecoverable): report and halt.
   */
  listener: FtListener;
}

/** Create, wire and start the module for a board. */
export function attachFaultTolerance(a: AttachOptions): FaultTolerance {
  const ft = new FaultTolerance(a.net, a.hal, a.options);
  ft.listen(a.listener);
  a.wire?.(ft);
  ft.start();
  return ft;
}
