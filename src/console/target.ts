/**
 * What the shell needs from the runtime. src/runtime/console-target.ts implements it with the
 * HAL (halt, reset, hang) and the network layer's ingress fault hook; tests implement it with
 * a record of what was asked.
 */
import type { LogLevel } from '../hal.js';
import type { ConsoleRecord } from './record.js';

export const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug', 'trace'];

/**
 * Faults applied to frames arriving at this board (ingress), as a whole state: the shell keeps
 * it and hands over the complete result of each command, so the network layer only replaces
 * its settings.
 */
export interface NetFaultState {
  /** Probability in [0, 1] that an arriving frame is dropped. */
  drop: number;
  /** Probability in [0, 1] that an arriving frame has a byte flipped (so its CRC fails). */
  corrupt: number;
  /** Extra delay in ms for every arriving frame. */
  delayMs: number;
  /** Nodes whose frames this board ignores and to which it sends nothing; ascending. */
  partitioned: readonly number[];
}

export const NO_NET_FAULTS: NetFaultState = { drop: 0, corrupt: 0, delayMs: 0, partitioned: [] };

export type NetFaultChange = 'drop' | 'corrupt' | 'delay' | 'partition' | 'heal';

export type FaultCommand =
  /** Stop the board for good (Hal.halt). */
  | { kind: 'crash' }
  /** Restart the board, RAM lost (Hal.reset). */
  | { kind: 'reboot' }
  /** Stop processing for `ms` (Hal.hang). */
  | { kind: 'hang'; ms: number }
  /** Install `state` as the board's network faults; `change` says which command produced it. */
  | { kind: 'net'; change: NetFaultChange; state: NetFaultState };

export interface ConsoleTarget {
  /** This board's node id. */
  readonly node: number;
  /**
   * Every node id of the domain this board may talk to (configured members and spares, this
   * board included). `fault partition` rejects any other id as an unknown board.
   */
  knownNodes(): readonly number[];
  /** One `key=value` line about this board: node, rank, epoch, uptime, app state, memory, log level. */
  status(): ConsoleRecord;
  /** One record per peer (node, reachable, hops, ...). */
  peers(): readonly ConsoleRecord[];
  /** Counters by section (`net`, `mcapi`, `dsm`, ...): one line per section. */
  stats(): Readonly<Record<string, ConsoleRecord>>;
  setLogLevel(level: LogLevel): void;
  /**
   * Apply a fault. May throw to refuse (the answer is ERR and the shell keeps its previous
   * state). `crash`, `reboot` and `hang` are called after the OK answer has been written.
   */
  fault(f: FaultCommand): void;
}
