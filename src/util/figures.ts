/**
 * Figures kept as one array of numbers indexed by constants (the net's counters, the DSM's and
 * FT's figures: the numbers live in the chunk heap, an object's properties in the slot heap a
 * board runs short of) are turned into their public object, named by their keys, only when
 * someone asks for stats.
 */

/**
 * `n` zeros as a plain Array: 2 XS slots whatever its length (its items are in the chunk heap),
 * where a Float64Array is 7 (the view and its ArrayBuffer; docs/FOOTPRINT.md "Round 19"). Sized
 * and filled natively (typescript-to-lua has no `new Array(length)`): ~5 XS units an item, a
 * loop of pushes ~28.
 */
export function zeros(n: number): number[] {
  const a: number[] = [];
  a.length = n;
  // The end is given: on Lua (typescript-to-lua) setting `length` only shortens a table, and a
  // fill to the table's length filled nothing (a Lua board's figures were empty).
  return a.fill(0, 0, n);
}

/**
 * `{ keys[i]: f[from + i] }` for every key, in the keys' order. `f` is a plain Array (zeros'):
 * typescript-to-lua indexes an Array from 1 and an ArrayLike (a typed array's table) from 0, so
 * an ArrayLike here read every figure one place early on Lua (Round 19b).
 */
export function namedFigures(keys: readonly string[], f: readonly number[], from = 0): Record<string, number> {
  const o: Record<string, number> = {};
  for (let i = 0; i < keys.length; i++) o[keys[i]!] = f[from + i]!;
  return o;
}
