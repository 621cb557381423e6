/**
 * The apps that ship with mcdsm (examples/ and the benchmarks' apps): reachable by name
 * (`pingpong`) or by their folder (`examples/pingpong`). They are already in the default XS
 * bundle (dist/bundles/board.xs.js) and in-process V8 boards boot them from the registry.
 */
import type { App, RawApp } from '../../src/app.js';
import type { Hal } from '../../src/hal.js';
import type { BoardConfig } from '../../src/config.js';
import { bootBoard } from '../../src/board.js';
import { appRegistry } from '../../examples/registry.js';

/** A built-in app by name (undefined when there is none). */
export function builtinApp(name: string): App | RawApp | undefined {
  return appRegistry().get(name);
}

export function builtinAppNames(): string[] {
  return [...appRegistry().keys()];
}

/** Boot function of an in-process V8 board with every built-in app. */
export function builtinBoot(hal: Hal, config: BoardConfig): void {
  bootBoard(hal, config, appRegistry());
}
