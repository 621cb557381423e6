/**
 * JavaScript semantics that typescript-to-lua 1.37 does not give by itself and the Lua build
 * restores (hal/lua/prelude.lua, scripts/lua-loop-bindings.mjs, scripts/lua-object-order.mjs). test/lua/vectors.test.ts runs
 * this under Node and inside lua5.1 / lua5.3 / fengari (hal/lua/selftest.ts `semantics`) and
 * requires the same lines. Each line names what it probes.
 */
import { namedFigures, zeros } from '../../src/util/figures.js';

export function semanticsProbe(): string[] {
  const out: string[] = [];

  // for-let: every iteration has its own binding; closures made in it keep that value.
  const later: (() => number)[] = [];
  for (let i = 0; i < 3; i++) later.push(() => i);
  out.push(`for-let closures: ${later.map((f) => String(f())).join(',')}`);

  // Set: deleting the entry being visited (MCAPI's response flush) goes on with the next one.
  const s = new Set<number>([1, 2, 3, 4]);
  const seen: number[] = [];
  for (const v of s) {
    seen.push(v);
    s.delete(v);
  }
  out.push(`set delete-current: ${seen.join(',')} left ${String(s.size)}`);

  // Map: deleting an entry not visited yet skips it; one added meanwhile is visited.
  const m = new Map<number, string>([[1, 'a'], [2, 'b'], [3, 'c']]);
  const keys: number[] = [];
  for (const [k] of m) {
    keys.push(k);
    if (k === 1) {
      m.delete(2);
      m.set(9, 'z');
    }
    if (k === 3) m.delete(3);
  }
  out.push(`map delete-ahead add-during: ${keys.join(',')} size ${String(m.size)}`);

  // Deleting the last entry while on it, then adding: the new entry is visited.
  const t = new Set<number>([5]);
  const tail: number[] = [];
  for (const v of t) {
    tail.push(v);
    t.delete(v);
    if (v < 7) t.add(v + 1);
  }
  out.push(`set delete-tail add: ${tail.join(',')}`);

  // clear() during iteration: only entries added afterwards are visited.
  const c = new Set<number>([1, 2, 3]);
  const cl: number[] = [];
  for (const v of c) {
    cl.push(v);
    if (v === 1) {
      c.clear();
      c.add(10);
    }
  }
  out.push(`set clear-during: ${cl.join(',')}`);

  // Spread, keys() and forEach after deletions keep insertion order.
  const o = new Map<string, number>([['x', 1], ['y', 2], ['z', 3]]);
  o.delete('x');
  o.set('x', 4);
  const fe: string[] = [];
  o.forEach((v, k) => fe.push(`${k}=${String(v)}`));
  out.push(`map order: ${[...o.keys()].join(',')} ${fe.join(',')}`);

  // JSON of object literals: source key order, null members kept, {} for an empty object
  // (scripts/lua-object-order.mjs; app results are digested as this text).
  const token: number | null = seen.length > 100 ? 1 : null;
  const r = { zeta: 1, token, alpha: [1, 2], empty: {}, nested: { b: 'x', a: null } };
  out.push(`json: ${JSON.stringify(r)}`);

  // What JSON.parse gives back keeps its shape; objects (even empty ones) are not arrays.
  const parsed: unknown = JSON.parse('{"b":1,"a":null,"c":[],"d":{}}');
  const arrays = [Array.isArray({}), Array.isArray(JSON.parse('{}')), Array.isArray([]), Array.isArray(new Uint8Array(2))];
  out.push(`parse: ${JSON.stringify(parsed)} isArray ${arrays.map((x) => String(x)).join(',')}`);
  // Keys added to an object after its literal come in insertion order (src/util/figures.ts
  // builds the console's `stats` records so; the Lua build had sorted them); one deleted and
  // added again goes last; JSON.parse's and spread objects take later keys the same way, and
  // a spread's own keys keep their source order (McapiNode.stats).
  const added: Record<string, number> = { first: 0 };
  for (const k of ['zulu', 'bravo', 'mike', 'alpha']) added[k] = k.length;
  delete added['bravo'];
  added['bravo'] = 9;
  const grown = JSON.parse('{"b":1}') as Record<string, number>;
  grown['z'] = 2;
  grown['a'] = 3;
  const spread: Record<string, number> = { ...added, q: 1, d: 2 };
  spread['c'] = 5;
  out.push(`added keys: ${Object.keys(added).join(',')} ${JSON.stringify(added)} ${JSON.stringify(grown)} ${Object.entries(spread).map(([k]) => k).join(',')}`);
  // zeros(n) (src/util/figures.ts: the net's counters, the DSM's and FT's figures, a hop link's
  // ring numbers) holds n zeros that count up, on Lua too (it held none there before Round 19b),
  // and namedFigures reads them from the right places (it read one early on Lua).
  const z = zeros(5);
  z[4] = z[4]! + 2;
  z[0] = z[0]! | 1;
  out.push(`zeros: ${String(z.length)} ${z.join(',')} ${JSON.stringify(namedFigures(['x', 'y'], z, 3))}`);
  return out;
}
