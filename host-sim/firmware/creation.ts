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

/** The largest chunk heap a firmware may reserve at creation (`chunkBytes`). */
export const CHUNK_RESERVE_MAX = 16 * 1024 * 1024;

/**
 * `chunkInitial`: the chunk heap reserved at creation (FirmwareBuildOptions.chunkBytes). XS
 * compacts each block of its chunk heap on its own and grows it by a block sized to the
 * allocation that did not fit, so a heap grown 1 KiB at a time from 32 KiB ends up 20-60 KB
 * above what is live (Laplace N=64: docs/FOOTPRINT.md "Round 7: Laplace memory"); one block of
 * the app's need stays within a few KiB of it.
 */
export function creationFor(_target: string, chunkInitial = CHUNK_INITIAL): Record<string, unknown> {
  return {
    stack: STACK_SLOTS,
    chunk: { initial: chunkInitial, incremental: CHUNK_INCREMENTAL },
    heap: { initial: HEAP_INITIAL_SLOTS, incremental: HEAP_INCREMENTAL_SLOTS },
    keys: { initial: KEYS_INITIAL, incremental: KEYS_INCREMENTAL },
  };
}
