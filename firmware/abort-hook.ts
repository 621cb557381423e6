/**
 * The board's last words when XS aborts (docs/TARGETS.md "When XS aborts"). The firmware is
 * built with the SDK's `xs.abortHook` (firmware/native/manifest.json): before fxAbort ends the
 * machine (lin: the process ends; a chip: it restarts) it calls the global `abort(why,
 * exception)`, on lin and on esp32 alike, for every abort but the stack overflows (no stack
 * left to run it; lin-host reports those, host-sim/moddable/lin-host.c). This hook says why,
 * with the error's name, message and innermost places, or for an out-of-memory abort which
 * heap and its size:
 *
 *   trace:   ABORT: unhandled rejection: Error: late sleep failed (at work, main)
 *   console: # ABORT unhandled rejection: Error: late sleep failed (at work, main)
 *   trace:   ABORT: memory full: the chunk heap could not grow: chunk heap 32768 B (30000 B used); slot heap 2048 slots (1900 live)
 *
 * The places are the named functions of the error's stack, innermost first: a release build has
 * no line numbers, and an arrow function no name.
 *
 * Returning anything but `false` lets the abort go on (false would make XS carry on as if
 * nothing had happened: never).
 */
import { heapFigure } from 'mcdsm/abort';
import type { ModdableHal } from '../hal/moddable/moddable-hal.js';

type AbortHook = (why: string, exception: unknown) => void;

interface AbortGlobal {
  abort?: AbortHook;
  /** The Hal whose console gets the line (installAbortHook). */
  mcdsmAbortHal?: ModdableHal;
}

/** heapFigure's indexes (firmware/native/mcdsm_abort.c MCDSM_FIGURE_*). */
const FIGURE_LIVE_SLOTS = 0;
const FIGURE_HEAP_SLOTS = 1;
const FIGURE_LIVE_CHUNKS = 2;
const FIGURE_HEAP_CHUNKS = 3;
const FIGURE_SLOTS_EXHAUSTED = 5;

/** Places of an error's stack named in the line (the innermost; the line stays readable). */
const STACK_PLACES = 3;

/** XS's word for an out-of-memory abort (fxAbortString of XS_NOT_ENOUGH_MEMORY_EXIT, SDK 8.2.3). */
const MEMORY_FULL = 'memory full';
/** The same abort as xsCommon.h names it (XS_NOT_ENOUGH_MEMORY_EXIT), should an SDK say so. */
const NOT_ENOUGH_MEMORY = 'not enough memory';

/** Which heap ran out and its size, from the machine's counters (no allocation to read them). */
function memoryText(): string {
  const liveSlots = heapFigure(FIGURE_LIVE_SLOTS);
  const heapSlots = heapFigure(FIGURE_HEAP_SLOTS);
  const liveChunks = heapFigure(FIGURE_LIVE_CHUNKS);
  const heapChunks = heapFigure(FIGURE_HEAP_CHUNKS);
  const slots = `slot heap ${heapSlots} slots (${liveSlots} live)`;
  const chunks = `chunk heap ${heapChunks} B (${liveChunks} B used)`;
  return heapFigure(FIGURE_SLOTS_EXHAUSTED) === 1 ? `the slot heap is full: ${slots}; ${chunks}` : `the chunk heap could not grow: ${chunks}; ${slots}`;
}

/** `at f (path:line), g, ...` from XS's `stack` (`Name: message\n at f (path:line)...`), or ''. */
function placesOf(e: Error): string {
  const stack = e.stack;
  if (typeof stack !== 'string') return '';
  const places: string[] = [];
  for (const line of stack.split('\n')) {
    const t = line.trim();
    // A release build's places carry no path or line (`at failLater ()`) and often no name
    // (`at ()`): the named ones are what says something.
    let place = t.startsWith('at') ? t.slice(2).trim() : '';
    if (place.endsWith(' ()')) place = place.slice(0, -3);
    if (place !== '' && !place.startsWith('(') && places.length < STACK_PLACES) places.push(place);
  }
  return places.length > 0 ? `at ${places.join(', ')}` : '';
}

/** One line: why XS aborts and what it knows of the cause. */
export function abortText(why: string, exception: unknown): string {
  if (why === MEMORY_FULL || why === NOT_ENOUGH_MEMORY) return `${why}: ${memoryText()}`;
  if (exception instanceof Error) {
    const places = placesOf(exception);
    return `${why}: ${exception.name}: ${exception.message}${places !== '' ? ` (${places})` : ''}`;
  }
  if (exception === undefined) return why;
  return `${why}: ${typeof exception === 'string' ? exception : String(exception)}`;
}

/**
 * The hook: a module-level function (preloaded, it lives in flash with the code) that finds the
 * board's Hal on the global object, so a board pays two global properties for it, not a closure
 * and its environment (13 slots and 192 B of chunks on an idle board, heap probe). It removes
 * itself first, so an abort while it runs (no memory left even for this line) goes straight on.
 */
function abortHook(why: string, exception: unknown): void {
  const g = globalThis as unknown as AbortGlobal;
  const hal = g.mcdsmAbortHal;
  delete g.abort;
  try {
    const line = abortText(why, exception);
    trace(`ABORT: ${line}\n`);
    hal?.abortNotice(line);
  } catch {
    // XS aborts anyway; its own `XS abort: <why>` line is printed
  }
}

/** From here an XS abort of this board says why, on `hal`'s console and in the trace. */
export function installAbortHook(hal: ModdableHal): void {
  const g = globalThis as unknown as AbortGlobal;
  g.mcdsmAbortHal = hal;
  g.abort = abortHook;
}
