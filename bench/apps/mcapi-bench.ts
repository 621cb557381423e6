/**
 * MCAPI side of the MCAPI benchmark (the raw side is raw-echo.ts). Modes:
 *  - `rtt`: rank 0 sends a `--size`-byte message to rank 1, which sends it back; `--count` times.
 *  - `pkt-rtt`: the same over a pair of packet channels (0→1 and 1→0).
 *  - `rtt-layers` / `pkt-layers`: `rtt` / `pkt-rtt` with the per-layer profiler (layer-meter.ts)
 *    on both boards; `rtt-steps` / `pkt-steps`: the profiler counting only the critical steps
 *    (those that take the message or packet, and send the answer or the next one).
 *  - `stream-same`: rank 0 passes `--count` messages between two endpoints of its own.
 *  - `stream-cross`: rank 0 streams `--count` messages to rank 1 with up to `--window` sends
 *    outstanding; rank 1 answers once with a 1-byte message when it has them all.
 * Rank 0 reports `bench-start` / `bench-end` events; the host times the run between them.
 */
import type { App, AppContext, AppValue } from '../../src/app.js';
import type { Request } from '../../src/mcapi/index.js';
import { benchArgs } from './args.js';
import { LayerMeter } from './layer-meter.js';

const PORT_A = 40;
const PORT_B = 41;
const LOOKUP_MS = 10_000;

/**
 * The profiler of the `-layers` and `-steps` modes (null for the plain ones); `-steps` keeps
 * only the board steps in which `critical` ran (a step that takes the message or packet).
 */
function profiler(mode: string, m: object, critical: string): LayerMeter | null {
  if (!mode.endsWith('-layers') && !mode.endsWith('-steps')) return null;
  const meter = new LayerMeter();
  if (!meter.install(m)) throw new Error(`mcapi-bench: ${mode} needs an XS board (xsnap-worker meter)`);
  if (mode.endsWith('-steps') && !meter.countSteps([critical])) throw new Error(`mcapi-bench: ${mode} needs xsnap-worker (handleCommand)`);
  return meter;
}

async function main(ctx: AppContext): Promise<AppValue> {
  const o = benchArgs(ctx.args);
  const m = ctx.mcapi;
  const peer = ctx.nodeOfRank(ctx.rank === 0 ? 1 : 0);
  const data = new Uint8Array(o.size);
  for (let i = 0; i < data.length; i++) data[i] = i & 0xff;
  const buf = new Uint8Array(Math.max(o.size, 8));
  switch (o.mode) {
    case 'rtt':
    case 'rtt-layers':
    case 'rtt-steps': {
      const meter = profiler(o.mode, m, 'MessageReceiver.onMsg');
      const ep = m.createEndpoint(PORT_A);
      const to = await m.getEndpoint(ctx.domain, peer, PORT_A, LOOKUP_MS);
      if (ctx.rank === 0) {
        await m.msgSend(ep, to, data);
        await m.msgRecv(ep, buf); // warm-up: both sides ready, routes and peers known
        ctx.event('bench-start', 0);
        meter?.start();
        for (let i = 0; i < o.count; i++) {
          await m.msgSend(ep, to, data);
          await m.msgRecv(ep, buf);
        }
        ctx.event('bench-end', o.count);
      } else {
        for (let i = 0; i <= o.count; i++) {
          const n = await m.msgRecv(ep, buf);
          await m.msgSend(ep, to, buf.subarray(0, n));
          if (i === 0) meter?.start(); // rank 0's window opens once the warm-up came back
        }
      }
      return meter === null ? { mode: o.mode, count: o.count } : { mode: o.mode, count: o.count, layers: meter.stop(), methods: meter.topMethods(80) };
    }
    case 'pkt-rtt':
    case 'pkt-layers':
    case 'pkt-steps': {
      const meter = profiler(o.mode, m, 'Packets.onPkt');
      const out = m.createEndpoint(PORT_A);
      const inp = m.createEndpoint(PORT_B);
      const peerIn = await m.getEndpoint(ctx.domain, peer, PORT_B, LOOKUP_MS);
      await m.pktConnect(out, peerIn, LOOKUP_MS);
      const [tx, rx] = await Promise.all([m.pktSendOpen(out, LOOKUP_MS), m.pktRecvOpen(inp, LOOKUP_MS)]);
      if (ctx.rank === 0) {
        await m.pktSend(tx, data);
        m.pktRelease(await m.pktRecv(rx));
        ctx.event('bench-start', 0);
        meter?.start();
        for (let i = 0; i < o.count; i++) {
          await m.pktSend(tx, data);
          m.pktRelease(await m.pktRecv(rx));
        }
        ctx.event('bench-end', o.count);
      } else {
        for (let i = 0; i <= o.count; i++) {
          const p = await m.pktRecv(rx);
          await m.pktSend(tx, p);
          m.pktRelease(p);
          if (i === 0) meter?.start();
        }
      }
      return meter === null ? { mode: o.mode, count: o.count } : { mode: o.mode, count: o.count, layers: meter.stop(), methods: meter.topMethods(80) };
    }
    case 'stream-same': {
      if (ctx.rank !== 0) return null;
      const a = m.createEndpoint(PORT_A);
      const b = m.createEndpoint(PORT_B);
      ctx.event('bench-start', 0);
      for (let i = 0; i < o.count; i++) {
        await m.msgSend(a, b, data);
        await m.msgRecv(b, buf);
      }
      ctx.event('bench-end', o.count);
      return { mode: o.mode, count: o.count };
    }
    case 'stream-cross': {
      const ep = m.createEndpoint(PORT_A);
      const to = await m.getEndpoint(ctx.domain, peer, PORT_A, LOOKUP_MS);
      if (ctx.rank === 0) {
        await m.msgSend(ep, to, data);
        await m.msgRecv(ep, buf);
        ctx.event('bench-start', 0);
        const inflight: Request<number>[] = [];
        for (let i = 0; i < o.count; i++) {
          if (inflight.length >= o.window) await m.wait(inflight.shift()!);
          inflight.push(m.msgSendI(ep, to, data));
        }
        for (const r of inflight) await m.wait(r);
        await m.msgRecv(ep, buf);
        ctx.event('bench-end', o.count);
      } else {
        await m.msgRecv(ep, buf);
        await m.msgSend(ep, to, data);
        for (let i = 0; i < o.count; i++) await m.msgRecv(ep, buf);
        await m.msgSend(ep, to, data.subarray(0, 1));
      }
      return { mode: o.mode, count: o.count };
    }
    default:
      throw new Error(`mcapi-bench: unknown mode ${o.mode} (rtt, rtt-layers, rtt-steps, pkt-rtt, pkt-layers, pkt-steps, stream-same, stream-cross)`);
  }
}

export const mcapiBenchApp: App = { name: 'mcapi-bench', main };
