/**
 * One step of one simulated board: hand it its batch of events and take its actions and
 * figures, with the task watchdog's verdicts (an XS board stopped by its meter; the V8 guard
 * told which board is running in the simulator's own thread). Boards step concurrently; the
 * scheduler applies their outcomes in board order.
 */
import type { BoardAction, BoardEvent } from '../../hal/driven/events.js';
import type { BoardFigures } from '../boards/sim-board.js';
import type { QItem, Slot } from './slot.js';
import { watchdogReason, type V8Guard, type WatchdogConfig } from './watchdog.js';

export interface StepOutcome {
  actions: BoardAction[];
  figures: BoardFigures;
  /** XS metering units the step cost (0 on V8). */
  units: number;
}

export async function stepBoard(slot: Slot, batch: BoardEvent[], wd: WatchdogConfig | undefined, v8Guard: V8Guard | null): Promise<StepOutcome> {
  const node = slot.node;
  const board = slot.board!;
  const before = board.figures().computeTotal;
  let actions: BoardAction[];
  v8Guard?.stepping(node, slot.engine === 'node');
  try {
    actions = await board.step(batch);
  } catch (e) {
    actions = [{ kind: 'halt', reason: `board process failed: ${(e as Error).message}` }];
  } finally {
    v8Guard?.stepping(node, false);
  }
  if (wd && wd.units > 0 && board.exitReason !== null && /metering limit reached/.test(board.exitReason)) {
    actions = [{ kind: 'halt', reason: watchdogReason(node, wd) }];
    slot.watchdogFired = true;
  }
  const figures = board.figures();
  return { actions, figures, units: Math.max(0, figures.computeTotal - before) };
}

/**
 * Event `item`, due at `t`, for a simulated board: into its batch (true), or held — the board
 * is still computing (CPU model), or hung (timers fire late, console input waits in the UART's
 * buffer, bytes on the wire are lost) — or dropped (a halted board, a timer cleared or of an
 * earlier boot).
 */
export function admitEvent(
  slot: Slot, item: Extract<QItem, { t: 'ev' }>, t: number, batches: Map<number, BoardEvent[]>, deferred: { at: number; item: QItem }[],
): boolean {
  if (slot.state === 'halted' || !slot.board) return false;
  if (slot.busy) {
    // Still computing: it takes the event (a timer's validity included) once it is free.
    slot.waiting.push(item);
    return false;
  }
  if (item.ev.kind === 'timer' && (item.gen !== slot.gen || !slot.timers.delete(item.ev.id))) return false;
  if (slot.hungUntil > t) {
    // A hung board takes nothing in: bytes on the wire are lost, timers fire late, and
    // console input waits in the UART's buffer to be answered after the hang.
    if (item.ev.kind === 'timer') {
      slot.timers.add(item.ev.id);
      deferred.push({ at: slot.hungUntil, item });
    } else if (item.ev.kind === 'console') {
      deferred.push({ at: slot.hungUntil, item });
    }
    return false;
  }
  let batch = batches.get(item.board);
  if (!batch) batches.set(item.board, (batch = [{ kind: 'time', now: t }]));
  batch.push(item.ev);
  if (item.ev.kind === 'rx') {
    slot.framesIn++;
    slot.bytesIn += item.ev.bytes.length;
  }
  return true;
}
