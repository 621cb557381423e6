/**
 * A board the simulator does not step: a runtime of its own (a Moddable-`lin` process, or a
 * real board on a serial device) that runs in wall-clock time. The simulator only sees what
 * crosses its UARTs and its console, the way a logic analyser would, and feeds both through the
 * same link model and console hub as a simulated board's (docs/SIMULATOR.md, "Real boards").
 */
import type { BoardConfig } from '../../src/config.js';

export interface RealBoardHooks {
  /** Bytes the board sent on link `link` (a chunk, as read from its tty). */
  linkData(link: number, bytes: Uint8Array): void;
  /** Text the board wrote on its console (event lines already taken out). */
  consoleText(text: string): void;
  /** A runtime event the board reported (Hal.event), read from its output. */
  event(name: string, value: number, detail: string): void;
  /** The board stopped for good: it printed `HALT <reason>`, its process exited, its device closed. */
  halted(reason: string): void;
  /** The board restarted by itself (a reset: RAM lost, same identity), and is booting again. */
  restarted(): void;
}

export interface RealBoard {
  readonly kind: 'real';
  readonly engine: 'moddable' | 'attached';
  /** Where it lives (process id, devices), for the boot line and errors. */
  readonly description: string;
  /**
   * Provision the board with `config` where the simulator can (a Moddable-lin process gets it
   * in its preferences file; an attached board was provisioned by its owner) and start it.
   * Rejects with the cause when it cannot start at all (missing device, no firmware).
   */
  start(config: BoardConfig, hooks: RealBoardHooks): Promise<void>;
  writeLink(link: number, bytes: Uint8Array): void;
  writeConsole(text: string): void;
  /** Stop it (kill the process, close the devices) and wait until it is gone. */
  kill(): Promise<void>;
}

export function isRealBoard(b: unknown): b is RealBoard {
  return typeof b === 'object' && b !== null && (b as { kind?: unknown }).kind === 'real';
}
