/**
 * `mcdsm bench mcapi`: MCAPI between two XS boards against the raw baseline, in board time.
 *
 * Each figure is a round trip measured in one invocation, ours and the baseline side by side,
 * on a `uart:921600` line and on `udp`: the simulator's CPU model at 150 and at 300 ns per XS
 * metering unit plus the link model's wire time (bench/board-time.ts). XS metering is
 * deterministic, so the figures are the same on every run and every machine.
 *  - ours: bench/apps/mcapi-bench.ts, `rtt` (24-byte messages) and `pkt-rtt` (4 KiB packets
 *    over a pair of packet channels).
 *  - raw: bench/apps/raw-echo.ts, the least a correct program does on that link (on a UART:
 *    CRC-32 and COBS framing with the runtime's own helpers, native ones included; on udp:
 *    the datagram).
 *  - wire limit: the payload with minimal framing (UART: CRC-32, COBS, delimiter; udp: the
 *    datagram) each way at the link's rate, plus the link model's latency each way.
 * The simulator's own work inside the boards (simHalUnits) is left out of both sides.
 *  - MAC cost (the domain key, docs/PROTOCOL.md §13), a printed line: the udp msg24 run once
 *    more with a `domainKey`; XS units per frame on the wire (signed by its sender, verified by
 *    its receiver) with and without the key, and the bytes the key adds per frame (on udp the
 *    frames are not encoded, so the byte difference is the tag alone). Not in the JSON, whose
 *    fields are the (#12); `benchMac` returns the figures.
 *
 * JSON: {uart:{msg24,pkt4k},udp:{msg24,pkt4k},nsPerUnit,simHalUnits}; each figure
 * {ratio, wireRatio, units, rawUnits}: ratio = our round trip / raw round trip and
 * wireRatio = our round trip / wire limit, both in board time at 150 ns/unit; units and
 * rawUnits = XS units per round trip, both boards.
 */
import { cobsEncodedLength } from '../src/wire/cobs.js';
import { parseLinkSpec } from '../host-sim/sim/link-model.js';
import { NS_PER_UNIT, boardTime, type BoardTime } from './board-time.js';
import { round } from './timing.js';

export interface McapiFigure {
  ratio: number;
  wireRatio: number;
  units: number;
  rawUnits: number;
}

/** What the domain key's MAC costs per frame (24-byte messages on udp, 150 ns/unit). */
export interface MacCost {
  link: string;
  /** XS units per frame on the wire, both ends, without a key / with one. */
  unitsPerFrame: number;
  keyedUnitsPerFrame: number;
  /** The difference: signing at the sender and verifying at the receiver, per frame. */
  macUnitsPerFrame: number;
  /** Bytes the key adds to a frame on the wire. */
  bytesPerFrame: number;
}

export interface McapiBenchResult {
  uart: { msg24: McapiFigure; pkt4k: McapiFigure };
  udp: { msg24: McapiFigure; pkt4k: McapiFigure };
  nsPerUnit: number[];
  simHalUnits: number;
}

export interface McapiBenchOptions {
  /** Timed round trips per run (default 40). */
  count?: number;
  /** Board ids with native byte helpers (default all, see host-sim/sim/factory.ts). */
  nativeBytes?: boolean;
  log?: (line: string) => void;
}

export const BENCH_LINKS = { uart: 'uart:921600', udp: 'udp' } as const;
/** Any 128-bit key will do: the MAC's cost does not depend on its value. */
const BENCH_DOMAIN_KEY = '000102030405060708090a0b0c0d0e0f';
const CRC_BYTES = 4;

/** Bytes of `payload` on the link with the least framing a correct program needs. */
export function minimalWireBytes(link: string, payload: number): number {
  return parseLinkSpec(link).halKind === 'stream' ? cobsEncodedLength(payload + CRC_BYTES) : payload;
}

/** Board time (ms) of one round trip of `payload` bytes each way at the link's rate and latency. */
export function wireLimitMs(link: string, payload: number): number {
  const m = parseLinkSpec(link);
  return 2 * (m.latencyMs + minimalWireBytes(link, payload) / m.bytesPerMs);
}

const kilo = (u: number): string => `${round(u / 1000, 1)}k`;

async function figure(
  linkName: keyof typeof BENCH_LINKS, what: 'msg24' | 'pkt4k', o: Required<Pick<McapiBenchOptions, 'count'>> & McapiBenchOptions,
  log: (l: string) => void,
): Promise<{ fig: McapiFigure; simHal: number; ours: BoardTime }> {
  const link = BENCH_LINKS[linkName];
  const size = what === 'msg24' ? 24 : 4096;
  const args = ['--size', String(size), '--count', String(o.count)];
  const common = { boards: '2', engine: 'xs', topology: 'line', link, ram: '8M', ...(o.nativeBytes !== undefined ? { nativeBytes: o.nativeBytes } : {}) } as const;
  const ours: BoardTime[] = [];
  const raw: BoardTime[] = [];
  for (const ns of NS_PER_UNIT) {
    ours.push(await boardTime({ ...common, nsPerUnit: ns, app: 'mcapi-bench', appArgs: ['--mode', what === 'msg24' ? 'rtt' : 'pkt-rtt', ...args] }));
    raw.push(await boardTime({ ...common, nsPerUnit: ns, app: 'raw-echo', appArgs: args }));
  }
  const limit = wireLimitMs(link, size);
  const per = (b: BoardTime, v: number): number => v / b.count;
  for (let i = 0; i < NS_PER_UNIT.length; i++) {
    const m = ours[i]!;
    const r = raw[i]!;
    const mMs = per(m, m.ms);
    const rMs = per(r, r.ms);
    log(
      `${what} on ${link} at ${NS_PER_UNIT[i]} ns/unit: MCAPI ${round(mMs, 3)} ms (${kilo(per(m, m.units))} units, ${Math.round(per(m, m.bytes))} B on the wire), ` +
        `raw ${round(rMs, 3)} ms (${kilo(per(r, r.units))} units, ${Math.round(per(r, r.bytes))} B); wire limit ${round(limit, 3)} ms (${2 * minimalWireBytes(link, size)} B): ` +
        `ratio ${round(mMs / rMs, 3)}, x wire limit ${round(mMs / limit, 3)} (raw ${round(rMs / limit, 3)})`,
    );
  }
  const m = ours[0]!;
  const r = raw[0]!;
  log(
    `  per round trip: native helpers ${kilo(per(m, m.nativeUnits))} of MCAPI's units, ${kilo(per(r, r.nativeUnits))} of raw's; ` +
      `simulator-only work left out: ${kilo(per(m, m.simHalUnits))} (MCAPI run), ${kilo(per(r, r.simHalUnits))} (raw run)`,
  );
  const mMs = per(m, m.ms);
  return {
    fig: {
      ratio: round(mMs / per(r, r.ms), 3),
      wireRatio: round(mMs / limit, 3),
      units: Math.round(per(m, m.units)),
      rawUnits: Math.round(per(r, r.units)),
    },
    simHal: per(m, m.simHalUnits) + per(r, r.simHalUnits),
    ours: m,
  };
}

/** The msg24 run on udp at 150 ns/unit, with or without a domain key. */
function msg24Udp(o: McapiBenchOptions & { count: number }, key: boolean): Promise<BoardTime> {
  return boardTime({
    boards: '2', engine: 'xs', topology: 'line', link: BENCH_LINKS.udp, ram: '8M', nsPerUnit: NS_PER_UNIT[0],
    ...(key ? { domainKey: BENCH_DOMAIN_KEY } : {}),
    ...(o.nativeBytes !== undefined ? { nativeBytes: o.nativeBytes } : {}),
    app: 'mcapi-bench', appArgs: ['--mode', 'rtt', '--size', '24', '--count', String(o.count)],
  });
}

/** What the domain key's MAC costs per frame: the msg24 run on udp without and with a key. */
export async function benchMac(opts: McapiBenchOptions = {}): Promise<MacCost> {
  const o = { ...opts, count: opts.count ?? 40 };
  return macCost(await msg24Udp(o, false), o, opts.log ?? (() => {}));
}

/** The udp msg24 run of `plain` (150 ns/unit) again with a domain key: the MAC's cost per frame. */
async function macCost(plain: BoardTime, o: McapiBenchOptions & { count: number }, log: (l: string) => void): Promise<MacCost> {
  const link = BENCH_LINKS.udp;
  const keyed = await msg24Udp(o, true);
  const perFrame = (b: BoardTime, v: number): number => (b.frames > 0 ? v / b.frames : 0);
  const unitsPerFrame = Math.round(perFrame(plain, plain.units));
  const keyedUnitsPerFrame = Math.round(perFrame(keyed, keyed.units));
  const mac: MacCost = {
    link,
    unitsPerFrame,
    keyedUnitsPerFrame,
    macUnitsPerFrame: keyedUnitsPerFrame - unitsPerFrame,
    bytesPerFrame: round(perFrame(keyed, keyed.bytes) - perFrame(plain, plain.bytes), 2),
  };
  log(
    `MAC (domain key) on msg24 over ${link}: ${mac.keyedUnitsPerFrame} XS units per frame with the key against ${mac.unitsPerFrame} without ` +
      `(${mac.macUnitsPerFrame} for signing and verifying; ${round(keyed.frames / keyed.count, 1)} frames per round trip), +${mac.bytesPerFrame} B per frame on the wire`,
  );
  return mac;
}

export async function benchMcapi(opts: McapiBenchOptions = {}): Promise<McapiBenchResult> {
  const o = { ...opts, count: opts.count ?? 40 };
  const log = opts.log ?? (() => {});
  let simHal = 0;
  let udpMsg24: BoardTime | null = null;
  const run = async (l: keyof typeof BENCH_LINKS, w: 'msg24' | 'pkt4k'): Promise<McapiFigure> => {
    const f = await figure(l, w, o, log);
    simHal += f.simHal;
    if (l === 'udp' && w === 'msg24') udpMsg24 = f.ours;
    return f.fig;
  };
  const uart = { msg24: await run('uart', 'msg24'), pkt4k: await run('uart', 'pkt4k') };
  const udp = { msg24: await run('udp', 'msg24'), pkt4k: await run('udp', 'pkt4k') };
  const simHalUnits = Math.round(simHal);
  log(`simulator-only work inside the boards, left out of every figure: ${simHalUnits} XS units per round trip summed over the 4 figures, both sides`);
  if (udpMsg24 === null) throw new Error('bench mcapi: the udp msg24 run is missing');
  await macCost(udpMsg24, o, log);
  return { uart, udp, nsPerUnit: [...NS_PER_UNIT], simHalUnits };
}
