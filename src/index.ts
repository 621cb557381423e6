/**
 * The app API (`import type { App } from 'mcdsm'`): what an app written for mcdsm boards
 * imports. Everything here is board-safe; the simulator's API is `mcdsm/sim`.
 */
export type { App, AppContext, AppFt, AppValue, RawApp } from './app.js';
export type { Hal, HalLink, HalConsole, LogLevel, MemoryFigures, LinkKind, LinkReceiver } from './hal.js';
export type { BoardConfig } from './config.js';
export * from './mcapi/index.js';
export * from './dsm/index.js';
export {
  FtError, encodeAppState, decodeAppState, APP_SEGMENT,
} from './ft/index.js';
export type {
  AppState, FtOptions, FtStats, FtErrorCode, FtPhase, FtCheckpointFigures, FtMemoryFigures, FtRecoveryFigures,
} from './ft/index.js';
