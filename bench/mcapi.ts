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
): Promise<{ fig: McapiFigure; simHal: number }> {
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
  };
}

export async function benchMcapi(opts: McapiBenchOptions = {}): Promise<McapiBenchResult> {
  const o = { ...opts, count: opts.count ?? 40 };
  const log = opts.log ?? (() => {});
  let simHal = 0;
  const run = async (l: keyof typeof BENCH_LINKS, w: 'msg24' | 'pkt4k'): Promise<McapiFigure> => {
    const f = await figure(l, w, o, log);
    simHal += f.simHal;
    return f.fig;
  };
  const uart = { msg24: await run('uart', 'msg24'), pkt4k: await run('uart', 'pkt4k') };
  const udp = { msg24: await run('udp', 'msg24'), pkt4k: await run('udp', 'pkt4k') };
  const simHalUnits = Math.round(simHal);
  log(`simulator-only work inside the boards, left out of every figure: ${simHalUnits} XS units per round trip summed over the 4 figures, both sides`);
  return { uart, udp, nsPerUnit: [...NS_PER_UNIT], simHalUnits };
}
