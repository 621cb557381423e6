/**
 * Endpoint lookup (mcapi_endpoint_get / _get_i) and remote node attribute queries.
 *
 * A lookup asks the endpoint's node (EP_GET). If the endpoint exists the node answers at once;
 * if not, it remembers the question (a bounded watch list, oldest evicted) and answers when the
 * endpoint is created. The asker also repeats the question with a doubling interval, so a lost
 * watch, a node that was not initialized yet, or one that restarted, only delays the answer.
 */
import { nonZeroNext } from '../util/next-id.js';
import type { NetFrame } from '../net/net.js';
import { EndpointAttributes } from './attributes.js';
import { NodeAttr } from './constants.js';
import type { Core } from './core.js';
import { MalformedFrame, McapiCodec } from './frames.js';
import { Endpoint } from './handles.js';
import { Request } from './request.js';
import type { EndpointState } from './state.js';
import { Status } from './status.js';
import { GetResult, McapiFrame } from './wire.js';

interface Lookup {
  req: Request<Endpoint>;
  node: number;
  port: number;
  token: number;
  timer: number;
  interval: number;
}

interface Watch {
  node: number;
  token: number;
  port: number;
}

export class LookupEngine {
  private readonly lookups = new Map<number, Lookup>();
  private readonly localWaits: { port: number; req: Request<Endpoint> }[] = [];
  private readonly watches: Watch[] = [];
  /** Remote node-attribute queries in flight, made by the first (a board that asks none holds no Map: ~6 XS slots). */
  private attrQueries: Map<number, { req: Request<number>; timer: number }> | null = null;
  private nextToken = 1;
  /** The local node's NodeAttr.TYPE (set at initialize). */
  nodeType = 0;

  constructor(private readonly core: Core) {}

  /** Finalize: withdraw outstanding lookups from the nodes asked, forget everything. */
  shutdown(): void {
    for (const l of this.lookups.values()) this.sendCancel(l);
    this.lookups.clear();
    this.localWaits.length = 0;
    this.watches.length = 0;
    this.attrQueries = null;
  }

  private token(): number {
    const t = this.nextToken;
    this.nextToken = nonZeroNext(t);
    return t;
  }

  /** Look up <this domain, n, port> (checked by args.nodeArg and args.portArg). */
  getI(n: number, port: number): Request<Endpoint> {
    const core = this.core;
    const req = core.requests.alloc<Endpoint>(Request.KIND.ENDPOINT_GET);
    if (n === core.node) {
      const st = core.endpoints.get(port);
      if (st !== undefined) {
        core.requests.succeed(req, st.handle, 0);
        return req;
      }
      const w = { port, req };
      this.localWaits.push(w);
      req._cancel = () => {
        const i = this.localWaits.indexOf(w);
        if (i >= 0) this.localWaits.splice(i, 1);
      };
      return req;
    }
    const l: Lookup = { req, node: n, port, token: this.token(), timer: -1, interval: 4 * core.limits.retryMs };
    this.lookups.set(l.token, l);
    req._cancel = () => {
      this.lookups.delete(l.token);
      core.clearTimer(l.timer);
      l.timer = -1;
      this.sendCancel(l);
    };
    this.poll(l);
    return req;
  }

  private poll(l: Lookup): void {
    const core = this.core;
    core.tx(McapiFrame.EP_GET, l.node, 0, l.port, McapiCodec.encodeToken(l.token));
    l.timer = core.setTimer(l.interval, () => {
      l.timer = -1;
      l.interval = Math.min(l.interval * 2, core.limits.getPollMaxMs);
      this.poll(l);
    });
  }

  private sendCancel(l: Lookup): void {
    this.core.tx(McapiFrame.EP_GET_CANCEL, l.node, 0, l.port, McapiCodec.encodeToken(l.token));
  }

  private reply(node: number, token: number, port: number): void {
    this.core.tx(McapiFrame.EP_GET_REPLY, node, port, 0, McapiCodec.encodeToken(token, GetResult.FOUND));
  }

  onGet(f: NetFrame): void {
    const core = this.core;
    const token = McapiCodec.decodeToken(f.payload);
    if (core.endpoints.has(f.dstPort)) {
      this.reply(f.src, token, f.dstPort);
      return;
    }
    if (core.limits.maxGetWatches === 0) return;
    for (const w of this.watches) if (w.node === f.src && w.token === token) return;
    this.watches.push({ node: f.src, token, port: f.dstPort });
    if (this.watches.length > core.limits.maxGetWatches) this.watches.shift();
  }

  onGetReply(f: NetFrame): void {
    const core = this.core;
    const m = McapiCodec.decodeTokenByte(f.payload);
    MalformedFrame.check(m.byte === GetResult.FOUND, 'mcapi: EP_GET_REPLY with an unknown result');
    const l = this.lookups.get(m.token);
    if (l === undefined || l.node !== f.src || l.port !== f.srcPort) {
      core.counters.dropped++;
      return;
    }
    this.lookups.delete(l.token);
    core.clearTimer(l.timer);
    l.timer = -1;
    core.requests.succeed(l.req, new Endpoint(core.domain, l.node, l.port), 0);
  }

  onGetCancel(f: NetFrame): void {
    const token = McapiCodec.decodeToken(f.payload);
    const i = this.watches.findIndex((w) => w.node === f.src && w.token === token);
    if (i >= 0) this.watches.splice(i, 1);
  }

  /** A local endpoint was created: answer whoever is waiting for it. */
  endpointCreated(st: EndpointState): void {
    for (let i = 0; i < this.localWaits.length;) {
      const w = this.localWaits[i];
      if (w === undefined) break;
      if (w.port === st.port) {
        this.localWaits.splice(i, 1);
        this.core.requests.succeed(w.req, st.handle, 0);
      } else {
        i++;
      }
    }
    for (let i = 0; i < this.watches.length;) {
      const w = this.watches[i];
      if (w === undefined) break;
      if (w.port === st.port) {
        this.watches.splice(i, 1);
        this.reply(w.node, w.token, w.port);
      } else {
        i++;
      }
    }
  }

  /** Outstanding lookups from here, and questions from other nodes waiting here. */
  depths(): { lookups: number; watches: number } {
    return { lookups: this.lookups.size + this.localWaits.length, watches: this.watches.length };
  }

  // ---------------------------------------------------------------- node attributes

  /** The attribute `attr` of node `n` (checked by args.nodeArg). */
  nodeAttributeI(n: number, attr: number): Request<number> {
    const core = this.core;
    if (attr !== NodeAttr.TYPE) throw EndpointAttributes.numberError(attr, 1);
    const req = core.requests.alloc<number>(Request.KIND.NODE_ATTRIBUTE);
    if (n === core.node) {
      core.requests.succeed(req, this.nodeType, 4);
      return req;
    }
    const token = this.token();
    const q = { req, timer: -1 };
    const queries = this.attrQueries ?? (this.attrQueries = new Map());
    queries.set(token, q);
    req._cancel = () => {
      queries.delete(token);
      core.clearTimer(q.timer);
    };
    q.timer = core.setTimer(core.limits.controlTimeoutMs, () => {
      q.timer = -1;
      core.abort(req, Status.MCAPI_TIMEOUT, `node ${String(n)} did not answer`);
    });
    core.tx(McapiFrame.NODE_ATTR_GET, n, 0, 0, McapiCodec.encodeToken(token, attr));
    return req;
  }

  onAttrGet(f: NetFrame): void {
    const m = McapiCodec.decodeTokenByte(f.payload);
    const ok = m.byte === NodeAttr.TYPE;
    const q = McapiCodec.encodeNodeAttrReply(m.token, ok ? Status.MCAPI_SUCCESS : EndpointAttributes.numberError(m.byte, 1).status, ok ? this.nodeType : 0);
    this.core.tx(McapiFrame.NODE_ATTR_REPLY, f.src, 0, 0, q);
  }

  onAttrReply(f: NetFrame): void {
    const core = this.core;
    const m = McapiCodec.decodeNodeAttrReply(f.payload);
    const queries = this.attrQueries;
    const q = queries === null ? undefined : queries.get(m.token);
    if (queries === null || q === undefined) {
      core.counters.dropped++;
      return;
    }
    queries.delete(m.token);
    core.clearTimer(q.timer);
    if (m.status === Status.MCAPI_SUCCESS) core.requests.succeed(q.req, m.value, 4);
    else core.requests.fail(q.req, m.status, `node ${String(f.src)} refused the attribute query`);
  }
}
