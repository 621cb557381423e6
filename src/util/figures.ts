/**
 * Figures kept as one Float64Array indexed by constants (the net's counters, the DSM's and FT's
 * figures: a typed array's numbers live in the chunk heap, an object's properties in the slot
 * heap a board runs short of) are turned into their public object, named by their keys, only
 * when someone asks for stats.
 */

/** `{ keys[i]: f[from + i] }` for every key, in the keys' order. */
export function namedFigures(keys: readonly string[], f: Float64Array, from = 0): Record<string, number> {
  const o: Record<string, number> = {};
  for (let i = 0; i < keys.length; i++) o[keys[i]!] = f[from + i]!;
  return o;
}
