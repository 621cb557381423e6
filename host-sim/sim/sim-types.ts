/**
 * What the simulator is configured with and what it reports: the run's configuration, board
 * factories, and the summary (`mcdsm sim --json`, docs/SIMULATOR.md "Output"). simulator.ts
 * re-exports all of it.
 */
import type { SimBoard } from '../boards/sim-board.js';
import type { RealBoard } from '../boards/real-board.js';
import type { FtRecoveryFigures } from '../../src/ft/types.js';
import type { BoardEngineName, EngineName } from './engines.js';
import type { ScenarioStep } from './scenario.js';
import type { Topology } from './topology.js';
import type { WatchdogConfig } from './watchdog.js';

/** A board that lives outside the simulator and joins through serial devices (`--attach`). */
export interface AttachSpec {
  node: number;
  /** One device per link of the board, in link order. */
  links: string[];
  console: string | null;
  baud: number;
}

/** What a factory needs to know of a board besides its engine and node. */
export interface BoardOptions {
  /** XS metering units one step may use (the task watchdog); 0 or absent: no limit. */
  meteringLimit?: number;
  /** Set for an `--attach` board: the devices it is reached through. */
  attach?: AttachSpec;
}

/**
 * Makes the board for a slot: a simulated board (stepped in virtual time) or a real one (runs
 * on its own; host-sim/boards/real-board.ts).
 */
export type BoardFactory = (engine: EngineName, node: number, options?: BoardOptions) => Promise<SimBoard | RealBoard>;

export type BoardState = 'booting' | 'running' | 'done' | 'spare' | 'halted' | 'hung';

export interface SimConfig {
  domain: number;
  boards: number;
  spares: number;
  engines: EngineName[];
  topology: Topology;
  seed: number;
  ramBytes: number;
  app: string;
  appArgs: string[];
  options: Record<string, unknown>;
  maxVirtualMs: number;
  realtime: boolean;
  scenario: ScenarioStep[];
  recordTrace: boolean;
  /** Stop a run that takes longer than this on the wall clock (benchmarks). */
  maxWallMs?: number;
  /** Wall-clock bound of a simulated board's engine start (default ENGINE_START_MS, host-sim/sim/engine-start.ts). */
  engineStartMs?: number;
  /**
   * A scenario step the board refused or that never fired leaves the run `ok` (exploratory
   * runs, `--allow-unfired-faults`). Default: the run fails naming the step.
   */
  allowUnfiredFaults?: boolean;
  /** The task watchdog (host-sim/sim/watchdog.ts); absent: off. */
  watchdog?: WatchdogConfig;
  /**
   * CPU model: virtual ns one XS metering unit costs a board (`--cpu`). 0 (or absent): boards
   * compute in zero virtual time. V8 boards have no meter and always cost 0.
   */
  cpuNsPerUnit?: number;
  /** Boards that live outside the simulator (`--attach`), by node. */
  attach?: AttachSpec[];
}

/**
 * What became of a fault or scenario step: `applied` (the board answered OK or reported the
 * fault), `refused` (the board answered ERR), `unfired` (its trigger never came, the board
 * was down, or no answer came before the run ended).
 */
export type FaultStatus = 'applied' | 'refused' | 'unfired';

export interface FaultRecord {
  /** Virtual ms it was applied (or sent, or refused); null when its trigger never fired. */
  atMs: number | null;
  board: number;
  command: string;
  /** `scenario` (a --fault or scenario step), `console` (typed by someone), `budget` (--ram). */
  source: 'scenario' | 'console' | 'budget' | 'watchdog';
  effect?: string;
  status: FaultStatus;
  /** Scenario steps: the trigger as written (`1200ms`, `iter=30`) and where the step came from. */
  trigger?: string;
  origin?: string;
  /** Why it was refused (the board's ERR reason) or did not fire. */
  reason?: string;
}

export interface BoardSummary {
  node: number;
  rank: number;
  engine: BoardEngineName;
  state: BoardState;
  framesIn: number;
  framesOut: number;
  bytesIn: number;
  bytesOut: number;
  heapBytes: number;
  heapPeakBytes: number;
  /** Host wall time spent stepping this board (XS: includes the pipe round trip). */
  hostMs: number;
  /** XS metering units (0 on V8). */
  compute: number;
  /** Virtual ms the board spent computing under the CPU model (every boot counted; 0 when it is off). */
  cpuMs: number;
  /** Event batches the board was handed. */
  steps: number;
  boots: number;
  haltReason?: string;
  lastEvent?: { name: string; value: number };
}

export interface LinkSummary {
  a: number;
  b: number;
  kind: string;
  frames: number;
  bytes: number;
  lost: number;
  corrupted: number;
  /** What these bytes would cost on the real link, both directions summed (ms). */
  predictedMs: number;
}

/**
 * One recovery, as the coordinator of the new view reported it (event `ft-recovery`): the FT
 * layer's own figures, virtual times rounded to the µs.
 */
export type RecoverySummary = FtRecoveryFigures;

export interface CheckpointSummary {
  /** Checkpoints committed (the most any board took part in). */
  count: number;
  /** Checkpoint data bytes sent by all boards. */
  bytesSent: number;
  /** Bytes that changed (what an ideal incremental scheme sends). */
  changedBytes: number;
  /** The most changed bytes one board's ranks checkpointed (the busiest stream to a buddy). */
  maxBoardChangedBytes: number;
  /** What full images would have cost. */
  fullImageBytes: number;
  /** Highest checkpoint RAM / checkpointed state of any board. */
  memoryMultiple: number;
}

export interface SimSummary {
  ok: boolean;
  reason: string;
  app: { name: string; result: unknown; results: Record<number, unknown> };
  traceDigest: string;
  boards: BoardSummary[];
  links: LinkSummary[];
  faults: FaultRecord[];
  recoveries: RecoverySummary[];
  checkpoints: CheckpointSummary;
  wire: { frames: number; bytes: number };
  /** Events handed to boards (frames, timers, console lines, boots). */
  events: number;
  virtualMs: number;
  wallMs: number;
  seed: number;
  /** The CPU model's virtual ns per XS metering unit (0: off). */
  cpuNsPerUnit: number;
  /** Remote calls (docs/RPC.md): what the clients reported, failures by stage. */
  rpc: RpcSummary;
  /** The task watchdog: its limit (`off` when off) and the boards it halted. */
  watchdog: { limit: string; units: number; fired: { board: number; atMs: number }[] };
  /**
   * `virtual`: every board simulated, the run reproducible from its seed. `wall`: real boards
   * (Moddable processes, attached devices) took part, so the run was paced to the wall clock
   * and its trace digest differs between runs.
   */
  clock: 'virtual' | 'wall';
  /** Nodes of the real boards (engine moddable or attached). */
  realBoards: number[];
  /**
   * Link problems the boards reported, in order (`link-version`: a neighbour speaks another
   * frame version, so that link never came up): `board 1 link 0: peer sends frame version 3, ...`.
   */
  linkProblems: string[];
}

export interface RpcSummary {
  /** Calls finished (successfully or not), as their clients reported them. */
  calls: number;
  /** Calls that ended in an error (unavailable, timeout, maybe-executed, remote error). */
  failed: number;
  /** Attempts beyond the first, over all calls. */
  retries: number;
  /** Calls whose result came from a checkpoint or a held result at a buddy. */
  resumed: number;
  /** Failed attempts by the stage they failed in. */
  byStage: { start: number; args: number; compute: number; result: number };
  /** Virtual ms spent in failed attempts. */
  lostMs: number;
  /** Argument bytes sent again by later attempts. */
  resentBytes: number;
  /**
   * Calls delivered to their client more than once, plus non-idempotent calls whose function
   * ran to completion more than once: 0 is the exactly-once guarantee.
   */
  duplicated: number;
}


export interface SimObserver {
  consoleOutput?(board: number, text: string): void;
  boardEvent?(board: number, name: string, value: number, detail: string): void;
  log?(board: number, level: string, message: string): void;
}
