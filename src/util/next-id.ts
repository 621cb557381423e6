/**
 * Small helpers whose JavaScript idiom means something else in Lua (where 0 is true and
 * `#` is unreliable on arrays with holes): written so the same source is right on both.
 */

/** The next unsigned 32-bit id after `n`, skipping 0 (which means "none"). */
export function nonZeroNext(n: number): number {
  const next = (n + 1) >>> 0;
  return next === 0 ? 1 : next;
}

/**
 * An array of `n` copies of `value`, built by push: a dense array on JavaScript engines
 * (`new Array(n)` stays holey on V8) and a valid construction under typescript-to-lua.
 */
export function filledArray<T>(n: number, value: T): T[] {
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(value);
  return out;
}

/**
 * `obj` with a getter `key` (what `{ get key() { ... } }` writes): typescript-to-lua does not
 * compile accessors in object literals, and defineProperty is the same object on every engine.
 */
export function withGetter<T extends object, K extends string, V>(obj: T, key: K, get: () => V): T & { readonly [P in K]: V } {
  Object.defineProperty(obj, key, { get, enumerable: true, configurable: true });
  return obj as T & { readonly [P in K]: V };
}
