/**
 * A board's configuration: what firmware reads from preferences on a real board and what the
 * simulator sends in the boot event. Validated at boot; a bad field fails with its name.
 */
export interface BoardConfig {
  domain: number;
  node: number;
  /** Logical rank, or -1 for a standby spare. */
  rank: number;
  /** Number of working (non-spare) boards. */
  boards: number;
  links: { kind: 'stream' | 'datagram'; mtu: number }[];
  /** Seed for the board's Hal.random() (simulator) — real boards use their hardware RNG. */
  seed: number;
  /** Memory budget in bytes reported by Hal.memory().limit. */
  ramLimit: number;
  /** Application to run, by registered name, and its options (the words after `--`). */
  app: string;
  appArgs: string[];
  /** Runtime options (page size, MCAPI limits, ...), validated by the runtime at boot. */
  options: Record<string, unknown>;
}

/** Thrown for a configuration that cannot work; the message starts with the field's name. */
export class ConfigError extends Error {
  /** On the prototype (Moddable freezes Error.prototype at preload; see docs/TARGETS.md). */
  override get name(): string {
    return 'ConfigError';
  }
}

function int(obj: Record<string, unknown>, field: string, min: number, max: number): number {
  const v = obj[field];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ConfigError(`${field}: expected an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** Check a configuration read from JSON (boot event, firmware preferences) field by field. */
export function checkBoardConfig(raw: unknown, halLinks: number): BoardConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError('config: expected an object');
  const o = raw as Record<string, unknown>;
  const domain = int(o, 'domain', 0, 255);
  const node = int(o, 'node', 0, 254);
  const rank = int(o, 'rank', -1, 253);
  const boards = int(o, 'boards', 1, 254);
  if (rank >= boards) throw new ConfigError(`rank: ${rank} is not below boards (${boards})`);
  if (!Array.isArray(o.links)) throw new ConfigError('links: expected an array');
  if (o.links.length !== halLinks) throw new ConfigError(`links: ${o.links.length} configured but the board has ${halLinks}`);
  const links = o.links.map((l: unknown, i: number): BoardConfig['links'][number] => {
    const link = (typeof l === 'object' && l !== null ? l : {}) as Record<string, unknown>;
    const kind = link.kind;
    if (kind !== 'stream' && kind !== 'datagram') throw new ConfigError(`links[${i}].kind: expected "stream" or "datagram"`);
    const mtu = int(link, 'mtu', 16, 65535);
    return { kind, mtu };
  });
  const seed = int(o, 'seed', 0, 0xffffffff);
  const ramLimit = int(o, 'ramLimit', 1024, 2 ** 31);
  if (typeof o.app !== 'string' || o.app === '') throw new ConfigError('app: expected an app name');
  if (!Array.isArray(o.appArgs) || !o.appArgs.every((a) => typeof a === 'string')) throw new ConfigError('appArgs: expected an array of strings');
  const options = o.options ?? {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new ConfigError('options: expected an object');
  return { domain, node, rank, boards, links, seed, ramLimit, app: o.app, appArgs: o.appArgs as string[], options: options as Record<string, unknown> };
}
