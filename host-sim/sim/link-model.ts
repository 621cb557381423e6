/**
 * How a simulated wire behaves. A link spec is `kind[:param][,key=value...]`, e.g.
 * `uart:921600`, `udp,loss=0.05`, `ideal`, `uart:115200,latency=0.2ms,corrupt=0.01`.
 * UART counts 10 bits a byte (start + 8 data + stop), so predicted link time is what the same
 * bytes would take on a real UART at that baud rate.
 */
export type LinkKindName = 'uart' | 'udp' | 'ideal';

export interface LinkModel {
  kind: LinkKindName;
  /** What the board's HAL sees: UART is a byte stream, UDP and ideal carry datagrams. */
  halKind: 'stream' | 'datagram';
  baud: number;
  /** Wire throughput; Infinity for ideal. */
  bytesPerMs: number;
  latencyMs: number;
  /** Probability that a chunk (stream) or packet (datagram) is lost. */
  loss: number;
  /** Probability that a chunk or packet gets one bit flipped. */
  corrupt: number;
  /** Datagram links only: probability that a packet is held back and overtaken. */
  reorder: number;
  mtu: number;
}

export class SpecError extends Error {}

/**
 * What this machine lacks or did, not the command line: an engine not built, an SDK missing, a
 * real board that did not answer in time. The CLI prints `mcdsm: <message>` and exits 1 (no
 * stack trace: the message names the cause and the fix).
 */
export class HostError extends Error {}

const DEFAULTS: Record<LinkKindName, Omit<LinkModel, 'kind'>> = {
  uart: { halKind: 'stream', baud: 921600, bytesPerMs: 92.16, latencyMs: 0.05, loss: 0, corrupt: 0, reorder: 0, mtu: 256 },
  udp: { halKind: 'datagram', baud: 0, bytesPerMs: 1250, latencyMs: 1, loss: 0, corrupt: 0, reorder: 0, mtu: 8192 },
  ideal: { halKind: 'datagram', baud: 0, bytesPerMs: Infinity, latencyMs: 0.001, loss: 0, corrupt: 0, reorder: 0, mtu: 65535 },
};

export function parseLinkSpec(spec: string): LinkModel {
  const [head, ...opts] = spec.split(',').map((s) => s.trim());
  const [kindText, param] = (head ?? '').split(':');
  if (kindText !== 'uart' && kindText !== 'udp' && kindText !== 'ideal') {
    throw new SpecError(`link spec "${spec}": unknown link kind "${kindText}" (expected uart:BAUD, udp or ideal)`);
  }
  const model: LinkModel = { kind: kindText, ...DEFAULTS[kindText] };
  if (kindText === 'uart' && param !== undefined) {
    const baud = Number(param);
    if (!Number.isInteger(baud) || baud < 300 || baud > 20_000_000) {
      throw new SpecError(`link spec "${spec}": baud rate "${param}" must be an integer from 300 to 20000000`);
    }
    model.baud = baud;
    model.bytesPerMs = baud / 10 / 1000;
  } else if (param !== undefined) {
    throw new SpecError(`link spec "${spec}": ${kindText} takes no ":" parameter`);
  }
  for (const opt of opts) applyOption(model, opt, spec);
  return model;
}

function applyOption(model: LinkModel, opt: string, spec: string): void {
  const eq = opt.indexOf('=');
  if (eq < 0) throw new SpecError(`link spec "${spec}": option "${opt}" is not key=value`);
  const key = opt.slice(0, eq);
  const value = opt.slice(eq + 1);
  switch (key) {
    case 'latency':
      model.latencyMs = parseDurationMs(value, `link spec "${spec}": latency`);
      return;
    case 'loss':
    case 'corrupt':
    case 'reorder':
      model[key] = parseProbability(value, `link spec "${spec}": ${key}`);
      if (key === 'reorder' && model.halKind === 'stream') throw new SpecError(`link spec "${spec}": reorder applies to datagram links only`);
      return;
    case 'bandwidth': {
      const v = Number(value);
      if (!(v > 0)) throw new SpecError(`link spec "${spec}": bandwidth "${value}" must be bytes per second > 0`);
      model.bytesPerMs = v / 1000;
      return;
    }
    case 'mtu': {
      const v = Number(value);
      if (!Number.isInteger(v) || v < 64 || v > 65535) throw new SpecError(`link spec "${spec}": mtu "${value}" must be 64..65535`);
      model.mtu = v;
      return;
    }
    default:
      throw new SpecError(`link spec "${spec}": unknown option "${key}" (latency, loss, corrupt, reorder, bandwidth, mtu)`);
  }
}

export function parseProbability(text: string, what: string): number {
  const v = Number(text.endsWith('%') ? text.slice(0, -1) : text) / (text.endsWith('%') ? 100 : 1);
  if (!Number.isFinite(v) || v < 0 || v > 1 || text.trim() === '') throw new SpecError(`${what}: "${text}" must be a probability from 0 to 1 (or 0%..100%)`);
  return v;
}

/** `1200ms`, `1.5s`, `800` (ms). */
export function parseDurationMs(text: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|us)?$/.exec(text.trim());
  if (!m) throw new SpecError(`${what}: "${text}" is not a duration (e.g. 800ms, 1.5s)`);
  const v = Number(m[1]);
  return m[2] === 's' ? v * 1000 : m[2] === 'us' ? v / 1000 : v;
}

/** Milliseconds the wire is busy sending `bytes`. */
export function wireTimeMs(model: LinkModel, bytes: number): number {
  return model.bytesPerMs === Infinity ? 0 : bytes / model.bytesPerMs;
}
