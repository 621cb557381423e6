/**
 * What an application sees. An app is a named `main` that every working board runs with its
 * own rank; it talks to other boards through MCAPI (and, once enabled, the DSM) and returns a
 * JSON-compatible result that the simulator reports.
 */
import type { McapiNode } from './mcapi/index.js';
import type { Dsm } from './dsm/index.js';
import type { Hal, LogLevel } from './hal.js';
import type { BoardConfig } from './config.js';

export type AppValue = null | boolean | number | string | AppValue[] | { [key: string]: AppValue };

export interface AppContext {
  readonly domain: number;
  readonly node: number;
  /** This board's logical rank, 0..boards-1. */
  readonly rank: number;
  /** Number of working boards (spares excluded). */
  readonly boards: number;
  /** The words after `--` on the command line (or from firmware config on a board). */
  readonly args: readonly string[];
  /** This board's MCAPI node, initialized. */
  readonly mcapi: McapiNode;
  /**
   * The distributed shared memory of the working boards, opened on first call (every board
   * must call it; later calls return the same one). Page size and limits come from the board's
   * runtime options (`mcdsm sim --page-size`).
   */
  dsm(): Promise<Dsm>;
  /** The node id that currently holds `rank`. */
  nodeOfRank(rank: number): number;
  now(): number;
  sleep(ms: number): Promise<void>;
  log(level: LogLevel, message: string): void;
  /** Report progress (`iter`, ...) for the live view, the trace and fault triggers. */
  event(name: string, value: number): void;
  random(): number;
}

export interface App {
  readonly name: string;
  main(ctx: AppContext): Promise<AppValue>;
}

/**
 * A program that runs on the bare HAL with no network layer, MCAPI or console — the raw
 * baselines of the benchmarks. It reports through Hal.event like any app.
 */
export interface RawApp {
  readonly name: string;
  readonly raw: true;
  start(hal: Hal, config: BoardConfig): void;
}
