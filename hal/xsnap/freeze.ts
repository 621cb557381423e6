/**
 * Freeze the intrinsics the way a Moddable firmware has them: when mcconfig preloads modules,
 * XS freezes every built-in object (Object.prototype, Error.prototype, Array.prototype, Math,
 * JSON, the iterator and generator prototypes, ...) together with the preloaded code. xsnap
 * does not, so code that writes to an intrinsic (`this.name = ...` in an Error subclass
 * assigns an inherited read-only property once Error.prototype is frozen) passed the simulator
 * and aborted on the chip. The XS board bundle calls this once it has loaded, so such code
 * fails in the simulator first (test/xs/frozen-intrinsics.test.ts).
 *
 * The global object itself stays extensible and writable, as on Moddable (its properties are
 * aliased per machine there); everything reachable from the standard globals is frozen.
 */

/** The standard globals whose objects Moddable's preload freezes. */
const INTRINSIC_GLOBALS = [
  'Object', 'Function', 'Array', 'Number', 'parseFloat', 'parseInt', 'Boolean', 'String', 'Symbol', 'Date', 'Promise', 'RegExp',
  'Error', 'AggregateError', 'EvalError', 'RangeError', 'ReferenceError', 'SyntaxError', 'TypeError', 'URIError',
  'JSON', 'Math', 'Reflect', 'Proxy', 'Atomics', 'ArrayBuffer', 'SharedArrayBuffer', 'DataView',
  'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array',
  'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array', 'BigInt', 'Map', 'Set', 'WeakMap', 'WeakSet',
  'WeakRef', 'FinalizationRegistry', 'decodeURI', 'decodeURIComponent', 'encodeURI', 'encodeURIComponent', 'escape', 'unescape',
  'isFinite', 'isNaN',
];

/** Freezes every object reachable from the intrinsics; returns how many it froze. */
export function freezeIntrinsics(): number {
  const g = globalThis as unknown as Record<string, unknown>;
  const seen = new Set<unknown>();
  const todo: unknown[] = [];
  const add = (v: unknown): void => {
    if ((typeof v === 'object' && v !== null) || typeof v === 'function') {
      if (!seen.has(v) && v !== globalThis) {
        seen.add(v);
        todo.push(v);
      }
    }
  };
  for (const name of INTRINSIC_GLOBALS) add(g[name]);
  // Intrinsics without a global name, reached from instances.
  add(Object.getPrototypeOf(Int8Array));
  add(Object.getPrototypeOf([][Symbol.iterator]()));
  add(Object.getPrototypeOf(new Map().entries()));
  add(Object.getPrototypeOf(new Set().values()));
  add(Object.getPrototypeOf(''[Symbol.iterator]()));
  add(Object.getPrototypeOf(/x/[Symbol.matchAll]('')));
  add(Object.getPrototypeOf(function* () {}));
  add(Object.getPrototypeOf(async function () {}));
  add(Object.getPrototypeOf(async function* () {}));
  let frozen = 0;
  while (todo.length > 0) {
    const o = todo.pop() as object;
    add(Object.getPrototypeOf(o));
    for (const key of Reflect.ownKeys(o)) {
      const d = Reflect.getOwnPropertyDescriptor(o, key);
      if (d === undefined) continue;
      add(d.value);
      add(d.get);
      add(d.set);
    }
    Object.freeze(o);
    frozen++;
  }
  return frozen;
}
