/**
 * Finds the functions an object graph holds as its own property values (closures, bound
 * functions): on a board each is ~10 XS slots for as long as its holder lives, which is why the
 * DSM's and FT's long-lived objects hold their collaborators (and methods) instead
 * (docs/FOOTPRINT.md "Round 10: Laplace footprint"). Prototype methods are not own properties.
 */
export function ownFunctions(root: object, skip: readonly string[] = []): string[] {
  const seen = new Set<object>();
  const found: string[] = [];
  const walk = (o: object, path: string): void => {
    if (seen.has(o) || ArrayBuffer.isView(o) || o instanceof ArrayBuffer || o instanceof Promise) return;
    seen.add(o);
    const entries: [string, unknown][] =
      o instanceof Map ? [...o.entries()].map(([k, v]) => [`.get(${String(k)})`, v]) : o instanceof Set ? [...o.values()].map((v, i) => [`[set ${i}]`, v]) : Object.getOwnPropertyNames(o).map((k) => [`.${k}`, Object.getOwnPropertyDescriptor(o, k)?.value]);
    for (const [k, v] of entries) {
      if (skip.includes(k.slice(1))) continue;
      if (typeof v === 'function') found.push(path + k);
      else if (v !== null && typeof v === 'object') walk(v, path + k);
    }
  };
  walk(root, '');
  return found;
}
