/**
 * What the packet channel cases share: opening a channel between ranks 0 and 1, closing it,
 * waiting for packets the sender has reported sent.
 */
import { Endpoint, EndpointAttr, MemoryType } from '../../../src/mcapi/index.js';
import type { PacketRecvHandle, PacketSendHandle } from '../../../src/mcapi/index.js';
import type { CaseContext } from '../context.js';
export interface ChannelSetup {
  recvBuffers?: number;
  maxPayload?: number;
  /** Set on the send endpoint before connecting. */
  sendTimeoutMs?: number;
  failOnLimit?: boolean;
}

export interface Side {
  ep: Endpoint;
  send: PacketSendHandle | null;
  recv: PacketRecvHandle | null;
}

/**
 * How long a receiver waits for packets the sender has reported sent (ms). A completed pktSend
 * means the packet left the sender's hands, not that it arrived: it may still be in MCAPI's
 * outbox (a busy link refuses a bulk frame for a while) or on the wire, while the barrier's own
 * message, sent later, overtakes it. On simulated boards the packets are there at once; lin
 * boards on a loaded host needed up to tens of ms (two cases failed on counts taken after a
 * fixed 10 ms, docs/FOOTPRINT.md "Round 8").
 */
const ARRIVAL_MS = 2000;
const ARRIVAL_STEP_MS = 5;

/** Waits until `n` packets are queued at `recv` (at most ARRIVAL_MS); the caller asserts the count. */
export async function arrived(ctx: CaseContext, recv: PacketRecvHandle, n: number): Promise<void> {
  for (let waited = 0; ctx.mcapi.pktAvailable(recv) < n && waited < ARRIVAL_MS; waited += ARRIVAL_STEP_MS) {
    await ctx.sleep(ARRIVAL_STEP_MS);
  }
}

/** Rank 0 receives on port(0), rank 1 sends from port(1); rank 1 connects; both open. */
export async function openChannel(ctx: CaseContext, o: ChannelSetup = {}): Promise<Side> {
  const m = ctx.mcapi;
  const ep = m.createEndpoint(ctx.port(ctx.rank));
  if (o.maxPayload !== undefined) m.setEndpointAttribute(ep, EndpointAttr.MAX_PAYLOAD_SIZE, o.maxPayload);
  if (ctx.rank === 0 && o.recvBuffers !== undefined) m.setEndpointAttribute(ep, EndpointAttr.NUM_RECV_BUFFERS, o.recvBuffers);
  if (ctx.rank === 1 && o.sendTimeoutMs !== undefined) m.setEndpointAttribute(ep, EndpointAttr.TIMEOUT, o.sendTimeoutMs);
  if (ctx.rank === 1 && o.failOnLimit === true) m.setEndpointAttribute(ep, EndpointAttr.MEMORY_TYPE, MemoryType.FAIL_ON_MEM_LIMIT);
  await ctx.sync('created');
  if (ctx.rank === 1) await m.pktConnect(ep, await ctx.peer(0, 0), ctx.timeoutMs);
  await ctx.sync('connected');
  if (ctx.rank === 0) return { ep, send: null, recv: await m.pktRecvOpen(ep, ctx.timeoutMs) };
  return { ep, send: await m.pktSendOpen(ep, ctx.timeoutMs), recv: null };
}

/** Close this side, wait for the other side's close, delete the endpoint. */
export async function closeChannel(ctx: CaseContext, s: Side): Promise<void> {
  const m = ctx.mcapi;
  if (s.send !== null) m.pktSendClose(s.send);
  if (s.recv !== null) m.pktRecvClose(s.recv);
  await ctx.sync('closed');
  m.deleteEndpoint(s.ep);
}
