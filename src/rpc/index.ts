/** Remote calls between boards with stage-aware failover (docs/RPC.md). */
export { RpcLayer } from './rpc.js';
export type { RpcHost, RpcStats } from './rpc.js';
export { decodeValue, encodeValue, MAX_VALUE_DEPTH } from './value-codec.js';
export {
  DEFAULT_RPC_LIMITS, RPC_PORT, RPC_STAGES, RpcError, RpcStatus,
} from './types.js';
export type {
  CallOptions, Rpc, RpcCallReport, RpcFailure, RpcLimits, RpcStage, RpcStatusName, RpcTypedArray, RpcValue,
  ServeControl, ServedFunction, ServeOptions,
} from './types.js';
