/** The distributed shared memory: public surface. */
export { Dsm } from './dsm.js';
export { DsmError } from './types.js';
export type {
  DsmAllocOptions,
  DsmArray,
  DsmElementType,
  DsmErrorCode,
  DsmHome,
  DsmLimits,
  DsmMode,
  DsmOptions,
  DsmStats,
  DsmTransport,
  DsmViewOf,
} from './types.js';
