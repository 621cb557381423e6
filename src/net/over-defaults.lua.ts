/** Lua build of over-defaults.ts: the full object (TypeScriptToLua's objects have no Object.create). */
export function overDefaults<T extends object>(full: T, _defaults: Readonly<T>): T {
  return full;
}
