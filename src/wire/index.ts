export { Crc32 } from './crc32.js';
export type { CrcSlices } from './crc32.js';
export { CobsDeframer, cobsDecode, cobsEncode, cobsEncodedLength } from './cobs.js';
export type { FrameSink } from './cobs.js';
export * from './frame.js';
export { FrameType } from './frame-types.js';
export { SPLICE_MIN, bufferConcat, copyBytes, copyRun, findZero, ownBuffer } from './bytes.js';
export type { BufferConcat } from './bytes.js';
