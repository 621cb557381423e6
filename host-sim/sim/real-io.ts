/**
 * The boundary to a real board (docs/SIMULATOR.md, "Real boards"): it runs on its own, so what
 * it does arrives asynchronously (pty reads) and becomes queue items stamped with the virtual
 * time it was seen at, and what is due for it is written to its ttys.
 */
import type { BoardAction } from '../../hal/driven/events.js';
import type { BoardConfig } from '../../src/config.js';
import type { RealBoard } from '../boards/real-board.js';
import type { QItem, Slot } from './slot.js';
import type { Trace } from './trace.js';

/** Start `real` in `slot` (its current boot): everything it does from then on goes to `queue`. */
export function startReal(slot: Slot, real: RealBoard, config: BoardConfig, queue: (item: QItem) => void): Promise<void> {
  const gen = slot.gen;
  const push = (action: BoardAction): void => {
    if (slot.gen === gen) queue({ t: 'real', board: slot.node, gen, action });
  };
  return real.start(config, {
    linkData: (link, bytes) => push({ kind: 'tx', link, bytes }),
    consoleText: (text) => push({ kind: 'console', text }),
    event: (name, value, detail) => push({ kind: 'event', name, value, detail }),
    halted: (reason) => push({ kind: 'halt', reason }),
    restarted: () => {
      if (slot.gen === gen) queue({ t: 'real-restart', board: slot.node, gen });
    },
  });
}

/**
 * An event due for a real board, now: bytes the link model delivers are written to its link's
 * tty, console input to its console (true: it took the event). It keeps its own timers and
 * boots itself.
 */
export function toReal(slot: Slot, item: Extract<QItem, { t: 'ev' }>, t: number, trace: Trace): boolean {
  const real = slot.real!;
  if (item.gen !== slot.gen || slot.state === 'halted') return false;
  const ev = item.ev;
  if (ev.kind === 'rx') {
    slot.framesIn++;
    slot.bytesIn += ev.bytes.length;
    trace.digestEvent(t, slot.node, ev);
    real.writeLink(ev.link, ev.bytes);
    return true;
  }
  if (ev.kind === 'console') {
    trace.digestEvent(t, slot.node, ev);
    real.writeConsole(ev.text);
    return true;
  }
  return false;
}
