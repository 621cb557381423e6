/**
 * The XS creation sizes of our firmware (manifest `creation`), one table for every target and
 * for the simulator's XS boards (host-sim/boards: the same stack limit), so a bundle that needs
 * more stack than a board has fails in the simulator first. How the numbers were chosen:
 * docs/TARGETS.md, "Creation sizes".
 */

/** XS stack in slots. Measured peak (lin, instrumented "Stack used" / slot size): see docs. */
export const STACK_SLOTS = 1024;

/**
 * Extra stack of a simulated XS board for its bundle's frame. A real board loads each module on
 * its own (module bindings live in the module's environment), but the simulator's board bundle
 * is one classic script: rollup hoists every module-level name of src/ into the iife's single
 * function frame, and XS keeps a stack slot per name for as long as the bundle runs. The
 * board-sized xsnap engine (scripts/setup.mjs, kept equal by a test) gets STACK_SLOTS + this,
 * and host-sim/apps/xs-frame.ts pads every XS bundle's frame to exactly this many names, so a
 * simulated board has the firmware's stack left for calls whatever the bundle holds.
 */
export const BUNDLE_FRAME_SLOTS = 1536;

/**
 * Chunk and slot heaps: the ESP32's SDK defaults (mcconfig's filterCreation: 32 KiB of chunks
 * growing by 1 KiB, 2048 slots growing by 64), so a lin board grows its heap the way a chip
 * would and the footprint figures mean the same thing.
 */
export const CHUNK_INITIAL = 32768;
export const CHUNK_INCREMENTAL = 1024;
export const HEAP_INITIAL_SLOTS = 2048;
export const HEAP_INCREMENTAL_SLOTS = 64;
/** Property keys created at run time (JSON fields, computed names); the SDK default 256 has no room to grow. */
export const KEYS_INITIAL = 256;
export const KEYS_INCREMENTAL = 64;

export function creationFor(_target: string): Record<string, unknown> {
  return {
    stack: STACK_SLOTS,
    chunk: { initial: CHUNK_INITIAL, incremental: CHUNK_INCREMENTAL },
    heap: { initial: HEAP_INITIAL_SLOTS, incremental: HEAP_INCREMENTAL_SLOTS },
    keys: { initial: KEYS_INITIAL, incremental: KEYS_INCREMENTAL },
  };
}
