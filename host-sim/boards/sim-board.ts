/**
 * What the simulator sees of a board, whatever engine runs it: hand it a batch of events,
 * get back the actions it took once every promise job has settled.
 */
import type { BoardAction, BoardEvent } from '../../hal/driven/events.js';

export type BoardEngine = 'v8' | 'xs' | 'lua51' | 'lua53';

export interface BoardFigures {
  /** Batches stepped. */
  steps: number;
  /** Host wall-clock ms spent inside step() (XS: includes the pipe round trip). */
  hostMs: number;
  /** XS metering units used by the last step and in total (0 on V8, which has no meter). */
  compute: number;
  computeTotal: number;
  /**
   * XS units of the simulator's own work inside the board (decoding event batches, recording
   * the driven HAL's actions, encoding replies, marshalling native helpers over the pipe),
   * kept out of `compute`: a real board
   * pays none of it (hal/xsnap/meter.ts). 0 on V8.
   */
  simHalTotal: number;
  /** Of computeTotal, the declared units charged for native byte helpers (native-host.ts). */
  nativeTotal: number;
  /**
   * Bytes of JS heap as a board would count them: XS slots in use beyond those of the loaded
   * bundle (which a real board keeps in flash), x 16 (the slot size on a 32-bit
   * microcontroller; chunk memory such as strings and buffers is not included). XS counts
   * garbage until it collects, so a figure above the board's ramLimit is confirmed by a
   * collection before it is reported. 0 on V8, which cannot measure one board inside the
   * host's heap.
   */
  heapBytes: number;
  /** Largest heapBytes seen. */
  heapPeakBytes: number;
}

export interface SimBoard {
  readonly engine: BoardEngine;
  /** False once the board's VM is gone (killed, or died: see exitReason). A halted board is still alive. */
  readonly alive: boolean;
  /** Why the VM is gone, or null. */
  readonly exitReason: string | null;
  /**
   * Apply a batch (first event `time`, see events.ts) and return the actions it caused.
   * Never rejects for anything the board does: a crash, even of the VM itself, comes back as
   * a `halt` action. A dead board returns no actions.
   */
  step(events: readonly BoardEvent[]): Promise<BoardAction[]>;
  figures(): BoardFigures;
  /** Stop the board's VM for good. */
  kill(): Promise<void>;
}

export function emptyFigures(): BoardFigures {
  return { steps: 0, hostMs: 0, compute: 0, computeTotal: 0, simHalTotal: 0, nativeTotal: 0, heapBytes: 0, heapPeakBytes: 0 };
}
