/**
 * The handles an application holds: endpoints (mcapi_endpoint_t) and the four typed, directional
 * channel handles (mcapi_pktchan_send_hndl_t, ...). They are plain values; every call checks
 * them against the node's state, so a stale, foreign or wrongly typed handle is reported with
 * the MCAPI status for it instead of being trusted.
 */
/** An endpoint <domain, node, port>, local or on another node. */
export class Endpoint {
  readonly domain: number;
  readonly node: number;
  readonly port: number;
  /**
   * @internal Incarnation of a local endpoint (0 when unknown, for endpoints of other nodes):
   * a handle to a deleted endpoint stays invalid even when its port is reused.
   */
  readonly _gen: number;

  constructor(domain: number, node: number, port: number, gen = 0) {
    this.domain = domain;
    this.node = node;
    this.port = port;
    this._gen = gen;
  }

  /** Same <domain, node, port>. */
  equals(other: Endpoint): boolean {
    return other.domain === this.domain && other.node === this.node && other.port === this.port;
  }

  toString(): string {
    return `<${String(this.domain)},${String(this.node)},${String(this.port)}>`;
  }
}

export type ChannelKindName = 'packet' | 'scalar';
export type ChannelSide = 'send' | 'receive';

/**
 * Base of the four channel handles; valid from the open's completion until the close. A handle
 * holds no state of its own: the node finds the channel through the endpoint (args.ts).
 */
export abstract class ChannelHandle {
  abstract readonly kind: ChannelKindName;
  abstract readonly side: ChannelSide;
  /** The local endpoint this side of the channel belongs to. */
  readonly endpoint: Endpoint;

  constructor(endpoint: Endpoint) {
    this.endpoint = endpoint;
  }
}

export class PacketSendHandle extends ChannelHandle {
  override readonly kind = 'packet';
  override readonly side = 'send';
}

export class PacketRecvHandle extends ChannelHandle {
  override readonly kind = 'packet';
  override readonly side = 'receive';
}

export class ScalarSendHandle extends ChannelHandle {
  override readonly kind = 'scalar';
  override readonly side = 'send';
}

export class ScalarRecvHandle extends ChannelHandle {
  override readonly kind = 'scalar';
  override readonly side = 'receive';
}
