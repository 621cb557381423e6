/**
 * MCAPI 2.x for boards: messages, packet channels, scalar channels and requests over the Net.
 * docs/MCAPI.md is the guide (API mapping, semantics, limits, wire messages).
 */
export { McapiNode } from './node.js';
export { NodeAttributes } from './node-info.js';
export type { McapiInfo, McapiStats } from './node-info.js';
export { McapiScope } from './scope.js';
export {
  ChannelHandle, Endpoint, PacketRecvHandle, PacketSendHandle, ScalarRecvHandle, ScalarSendHandle,
} from './handles.js';
export type { ChannelKindName, ChannelSide } from './handles.js';
export { Request } from './request.js';
export type { Completion } from './request.js';
export { McapiError, Status, hasStatus, isStatusCode, statusName } from './status.js';
export type { StatusCode, StatusName } from './status.js';
export {
  BufferType, EndpointAttr, EndpointStatus, EndpointType, MAX_PRIORITY, MCAPI_VERSION, MemoryType,
  NUM_RESERVED_PORTS, NodeAttr, NodeType, PORT_ANY, TIMEOUT_IMMEDIATE, TIMEOUT_INFINITE,
} from './constants.js';
export { DEFAULT_LIMITS, resolveLimits } from './limits.js';
export type { FullPolicy, McapiLimits } from './limits.js';
export type { Uint64 } from './u64.js';
export { McapiFrame } from './wire.js';
