/** The fault-tolerance module: public surface (docs/FT.md). */
export { FaultTolerance } from './fault-tolerance.js';
export type { FtHal, FtListener } from './fault-tolerance.js';
export { FtRun, APP_SEGMENT } from './run.js';
export type { RevokeListener } from './run.js';
export { resolveFtOptions } from './options.js';
export type { FtOptions, ResolvedFtOptions } from './options.js';
export { FtError } from './types.js';
export type {
  CheckpointCallOptions,
  CheckpointContent,
  FtCheckpointFigures,
  FtErrorCode,
  FtMemoryFigures,
  FtPhase,
  FtRecoveryFigures,
  FtStats,
  Segment,
} from './types.js';
export type { AppState } from './app-state.js';
export { encodeAppState, decodeAppState } from './app-state.js';
export { registerFtConsole, FT_COMMANDS, checkpointStatus } from './commands.js';
export { FtFrame } from './frames.js';
export { buddiesOf, wardsOf, ranksOf } from './view.js';
export { attachFaultTolerance } from './attach.js';
export type { AttachOptions } from './attach.js';
