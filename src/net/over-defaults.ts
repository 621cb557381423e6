/**
 * An options object that holds only what differs from its defaults and inherits the rest
 * from them. The defaults are a module-level frozen object: a preloaded Moddable firmware
 * keeps it in flash, so a board's resolved options cost a slot per option it changes instead
 * of one per option (docs/FOOTPRINT.md, "Round 7: pingpong slots"). The Lua build returns the
 * full object (over-defaults.lua.ts: its object model has no Object.create).
 */
export function overDefaults<T extends object>(full: T, defaults: Readonly<T>): T {
  const r = Object.create(defaults) as T;
  const keys = Object.keys(full) as (keyof T)[];
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    // defineProperty: a plain assignment would fail on the frozen default it shadows.
    if (full[k] !== defaults[k]) Object.defineProperty(r, k, { value: full[k], enumerable: true });
  }
  return r;
}
