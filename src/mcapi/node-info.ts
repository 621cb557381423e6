/**
 * What McapiNode reports about itself: mcapi_info_t, the node attributes given to initialize,
 * and the stats (counters and the depth of every bounded structure).
 */
import { EndpointAttributes } from './attributes.js';
import { NodeAttr, NodeType } from './constants.js';
import type { McapiCounters } from './core.js';
import { McapiError, Status } from './status.js';

/** What initialize reports (mcapi_info_t). */
export interface McapiInfo {
  mcapiVersion: number;
  organizationId: number;
  implementationVersion: number;
  numberOfDomains: number;
  numberOfNodes: number;
  numberOfPorts: number;
}

/** Counters and the current depth of every bounded structure. */
export interface McapiStats extends McapiCounters {
  endpoints: number;
  requests: number;
  requestLimit: number;
  queuedMessages: number;
  queuedBytes: number;
  channelBufferBytes: number;
  openChannels: number;
  packetsInUse: number;
  pendingSends: number;
  blockedSenders: number;
  lookups: number;
  watches: number;
  outbox: number;
}

/** mcapi_node_attributes_t: set before initialize. */
export class NodeAttributes {
  private type: number = NodeType.REGULAR;

  /** mcapi_node_set_attribute. */
  set(attr: number, value: number): void {
    if (attr !== NodeAttr.TYPE) throw EndpointAttributes.numberError(attr, 1);
    if (value !== NodeType.REGULAR) throw new McapiError(Status.MCAPI_ERR_ATTR_VALUE, 'the only node type is NodeType.REGULAR');
    this.type = value;
  }

  get(attr: number): number {
    if (attr !== NodeAttr.TYPE) throw EndpointAttributes.numberError(attr, 1);
    return this.type;
  }
}
