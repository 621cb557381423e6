export { NetLayer } from './net-layer.js';
export { resolveNetOptions, MIN_MAX_PAYLOAD, MAX_WINDOW } from './options.js';
export type { NetHost, NetOptions, ResolvedNetOptions } from './options.js';
export type { IngressFault, ResolvedFault } from './fault.js';
export type { LinkStats, NetLayerStats } from './stats.js';
export { BROADCAST_NODE } from './net.js';
export type { Net, NetFrame, NetHandler, NetStats } from './net.js';
