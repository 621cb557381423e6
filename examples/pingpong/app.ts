/**
 * Ping-pong around a ring of boards, through every kind of MCAPI traffic:
 *  1. a token message travels the ring `--rounds` times, each board adding its rank + 1;
 *  2. each board opens a packet channel to the next board and sends `--packets` packets of
 *     growing size with a position-dependent pattern, which the receiver checks byte for byte;
 *  3. each board sends `--scalars` 64-bit scalars to the next one over a scalar channel.
 * Every board checks what it received; rank 0 returns the totals. With one board the ring is
 * the board itself.
 */
import type { App, AppContext, AppValue } from '../../src/app.js';

const MSG_PORT = 10;
const PKT_SEND_PORT = 20;
const PKT_RECV_PORT = 21;
const SCL_SEND_PORT = 30;
const SCL_RECV_PORT = 31;
const LOOKUP_MS = 10_000;

interface Options {
  rounds: number;
  packets: number;
  scalars: number;
  maxPacket: number;
}

/** `--max-packet` -> `maxPacket` (no regular expressions: the Lua build has none). */
function camelOption(key: string): string {
  const words = (key.startsWith('--') ? key.slice(2) : key).split('-');
  let out = words[0] ?? '';
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    out += w.length > 0 ? w.charAt(0).toUpperCase() + w.slice(1) : '-';
  }
  return out;
}

function parseOptions(args: readonly string[]): Options {
  const o: Options = { rounds: 5, packets: 8, scalars: 8, maxPacket: 1024 };
  for (let i = 0; i < args.length; i += 2) {
    const key = args[i];
    const v = Number(args[i + 1]);
    const name = key === undefined ? '' : camelOption(key);
    if (!(name in o) || !Number.isInteger(v) || v < 0) {
      throw new Error(`pingpong: bad option ${String(key)} ${String(args[i + 1])} (use --rounds N --packets N --scalars N --max-packet BYTES)`);
    }
    o[name as keyof Options] = v;
  }
  if (o.maxPacket < 1 || o.maxPacket > 4096) throw new Error('pingpong: --max-packet must be 1..4096');
  return o;
}

function pattern(rank: number, seq: number, len: number): Uint8Array {
  const p = new Uint8Array(len);
  for (let i = 0; i < len; i++) p[i] = (rank * 31 + seq * 7 + i) & 0xff;
  return p;
}

function packetLength(seq: number, max: number): number {
  return 1 + ((seq * 397) % max);
}

async function run(ctx: AppContext): Promise<AppValue> {
  const o = parseOptions(ctx.args);
  const m = ctx.mcapi;
  const n = ctx.boards;
  const next = (ctx.rank + 1) % n;
  const prev = (ctx.rank + n - 1) % n;
  const domain = ctx.domain;

  // 1. Token ring of messages.
  const msgEp = m.createEndpoint(MSG_PORT);
  const nextMsg = await m.getEndpoint(domain, ctx.nodeOfRank(next), MSG_PORT, LOOKUP_MS);
  const buf = new Uint8Array(8);
  const view = new DataView(buf.buffer);
  let token = 0;
  for (let round = 0; round < o.rounds; round++) {
    if (ctx.rank === 0) {
      view.setUint32(0, token, true);
      view.setUint32(4, round, true);
      await m.msgSend(msgEp, nextMsg, buf);
    }
    const got = await m.msgRecv(msgEp, buf);
    if (got !== 8) throw new Error(`token of ${got} bytes, expected 8`);
    if (view.getUint32(4, true) !== round) throw new Error(`token of round ${view.getUint32(4, true)} arrived in round ${round}`);
    token = view.getUint32(0, true) + ctx.rank + 1;
    if (ctx.rank !== 0) {
      view.setUint32(0, token, true);
      await m.msgSend(msgEp, nextMsg, buf);
    } else {
      token -= 1; // rank 0 added itself when it received; the ring sum counts each rank once
    }
    ctx.event('iter', round + 1);
  }
  const expectedToken = (o.rounds * n * (n + 1)) / 2 - o.rounds;

  // 2. Packet channel to the next board; the sending side connects (a connect from either end is allowed).
  const pktOut = m.createEndpoint(PKT_SEND_PORT);
  const pktIn = m.createEndpoint(PKT_RECV_PORT);
  const nextPktIn = await m.getEndpoint(domain, ctx.nodeOfRank(next), PKT_RECV_PORT, LOOKUP_MS);
  await m.pktConnect(pktOut, nextPktIn, LOOKUP_MS);
  const [tx, rx] = await Promise.all([m.pktSendOpen(pktOut, LOOKUP_MS), m.pktRecvOpen(pktIn, LOOKUP_MS)]);
  let pktBytes = 0;
  let checksum = 0;
  const sending = (async () => {
    for (let s = 0; s < o.packets; s++) await m.pktSend(tx, pattern(ctx.rank, s, packetLength(s, o.maxPacket)));
  })();
  for (let s = 0; s < o.packets; s++) {
    const p = await m.pktRecv(rx);
    const want = pattern(prev, s, packetLength(s, o.maxPacket));
    if (p.length !== want.length) throw new Error(`packet ${s} from rank ${prev}: ${p.length} bytes, expected ${want.length}`);
    for (let i = 0; i < p.length; i++) {
      if (p[i] !== want[i]) throw new Error(`packet ${s} from rank ${prev}: byte ${i} is ${p[i]}, expected ${want[i]}`);
      checksum = (checksum * 33 + p[i]!) % 4294967296;
    }
    pktBytes += p.length;
    m.pktRelease(p);
  }
  await sending;

  // 3. Scalar channel, 64-bit.
  const sclOut = m.createEndpoint(SCL_SEND_PORT);
  const sclIn = m.createEndpoint(SCL_RECV_PORT);
  const nextSclIn = await m.getEndpoint(domain, ctx.nodeOfRank(next), SCL_RECV_PORT, LOOKUP_MS);
  await m.sclConnect(sclOut, nextSclIn, LOOKUP_MS);
  const [stx, srx] = await Promise.all([m.sclSendOpen(sclOut, LOOKUP_MS), m.sclRecvOpen(sclIn, LOOKUP_MS)]);
  const sendingScalars = (async () => {
    // rank * 2^40 + s, as exact 32-bit halves (the same on every engine, Lua included).
    for (let s = 0; s < o.scalars; s++) await m.sclSendUint64Pair(stx, ctx.rank * 256, s);
  })();
  for (let s = 0; s < o.scalars; s++) {
    const [hi, lo] = await m.sclRecvUint64Pair(srx);
    if (hi !== prev * 256 || lo !== s) throw new Error(`scalar ${s} from rank ${prev}: (${hi}, ${lo}), expected (${prev * 256}, ${s})`);
  }
  await sendingScalars;

  if (ctx.rank === 0 && token !== expectedToken) throw new Error(`token ${token} after ${o.rounds} rounds, expected ${expectedToken}`);
  return {
    rank: ctx.rank,
    token: ctx.rank === 0 ? token : null,
    packets: o.packets,
    packetBytes: pktBytes,
    checksum,
    scalars: o.scalars,
  };
}

export const pingpongApp: App = {
  name: 'pingpong',
  options: [
    { name: 'rounds', value: 'N', help: 'token rounds around the ring (5)' },
    { name: 'packets', value: 'N', help: 'packets per board (8)' },
    { name: 'scalars', value: 'N', help: 'scalars per board (8)' },
    { name: 'max-packet', value: 'BYTES', help: 'largest packet, 1..4096 (1024)' },
  ],
  main: run,
};
