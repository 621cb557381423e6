/**
 * `ctx.rpc`: remote calls between boards (docs/RPC.md). One MCAPI endpoint per board carries
 * both roles — serving named functions (and holding checkpoints for other servers) and calling
 * them — so a board needs one port and one receive loop whatever it does. The endpoint opens
 * on the first `serve` or `call`.
 */
import type { Clock } from '../hal.js';
import type { McapiNode } from '../mcapi/index.js';
import { RpcClient } from './client.js';
import { encodeRpcEvent } from './events.js';
import { decodeMessage, MsgType, RpcFrameError } from './frames.js';
import { RpcServer } from './server.js';
import { RpcTransport } from './transport.js';
import { emitEvent } from '../util/events.js';
import { withGetter } from '../util/next-id.js';
import {
  DEFAULT_RPC_LIMITS, RPC_PORT, RpcError, RpcStatus,
  type CallOptions, type Rpc, type RpcCallReport, type RpcLimits, type RpcValue, type ServedFunction, type ServeOptions,
} from './types.js';

export interface RpcHost {
  mcapi: McapiNode;
  clock: Clock;
  domain: number;
  /** Every node of the domain (the default candidate servers). */
  nodes(): readonly number[];
  /** Runtime events: `rpc-start` ... (fault triggers), `rpc-call` (one per finished call). */
  event(name: string, value: number, detail?: string): void;
  limits?: Partial<RpcLimits>;
}

export interface RpcStats {
  received: number;
  sent: number;
  dropped: number;
  malformed: number;
  served: number;
  resumed: number;
  storedBytes: number;
}

function checkLimits(partial: Partial<RpcLimits> | undefined): RpcLimits {
  const l: RpcLimits = { ...DEFAULT_RPC_LIMITS, ...(partial ?? {}) };
  for (const [field, v] of Object.entries(l)) {
    if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) throw new RpcError(RpcStatus.PARAMETER, `options.rpc.${field}: expected a positive number, got ${String(v)}`);
  }
  if (!Number.isInteger(l.chunkBytes) || l.chunkBytes > 4096) throw new RpcError(RpcStatus.PARAMETER, `options.rpc.chunkBytes: expected an integer up to 4096, got ${l.chunkBytes}`);
  if (l.silenceMs <= l.progressMs) throw new RpcError(RpcStatus.PARAMETER, `options.rpc.silenceMs (${l.silenceMs}) must exceed progressMs (${l.progressMs}), or every computation looks dead`);
  return l;
}

export class RpcLayer implements Rpc {
  private readonly transport: RpcTransport;
  private readonly server: RpcServer;
  private readonly client: RpcClient;
  private malformed = 0;

  constructor(private readonly host: RpcHost) {
    const limits = checkLimits(host.limits);
    this.transport = new RpcTransport(host.mcapi, host.domain, RPC_PORT, limits.startMs, limits.chunkMs * 2, (bytes) => this.onMessage(bytes));
    const transport = this.transport;
    // Getters by withGetter: typescript-to-lua cannot compile accessors in object literals.
    this.server = new RpcServer(host.clock, limits, withGetter({
      send: (node: number, bytes: Uint8Array) => transport.send(node, bytes),
      event: (name: string, value: number, detail?: string) => host.event(name, value, detail),
    }, 'node', () => transport.node));
    const clientHost: Omit<ConstructorParameters<typeof RpcClient>[2], 'node'> = {
      send: (node, bytes) => transport.send(node, bytes),
      reachable: async (node, ms) => (await transport.endpointOf(node, ms)) !== null,
      nodes: () => host.nodes(),
      report: (r) => emitEvent(host, encodeRpcEvent({ name: 'rpc-call', call: r.call, report: r })),
    };
    this.client = new RpcClient(host.clock, limits, withGetter(clientHost, 'node', () => transport.node));
  }

  serve(name: string, fn: ServedFunction, options?: ServeOptions): void {
    if (typeof name !== 'string' || name.length === 0) throw new RpcError(RpcStatus.PARAMETER, 'serve: a function name is needed');
    if (typeof fn !== 'function') throw new RpcError(RpcStatus.PARAMETER, `serve ${name}: not a function`);
    this.transport.start();
    this.server.serve(name, fn, options);
  }

  call(name: string, args: RpcValue, options?: CallOptions): Promise<RpcValue> {
    this.transport.start();
    return this.client.call(name, args, options);
  }

  reports(): readonly RpcCallReport[] {
    return this.client.reports();
  }

  stats(): RpcStats {
    const t = this.transport.stats;
    const s = this.server.stats;
    return { received: t.received, sent: t.sent, dropped: t.dropped, malformed: this.malformed, served: s.completed, resumed: s.resumed, storedBytes: s.storedBytes };
  }

  close(): void {
    this.client.close();
    this.server.close();
    this.transport.close();
  }

  private onMessage(bytes: Uint8Array): void {
    let m;
    try {
      m = decodeMessage(bytes);
    } catch (e) {
      if (!(e instanceof RpcFrameError)) throw e;
      this.malformed++;
      return;
    }
    switch (m.type) {
      case MsgType.ACCEPT:
      case MsgType.REFUSE:
      case MsgType.ARG_ACK:
      case MsgType.PROGRESS:
      case MsgType.RESULT:
        this.client.handle(m);
        return;
      default:
        this.server.handle(m);
    }
  }
}
