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
