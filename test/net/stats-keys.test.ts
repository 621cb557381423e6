/**
 * The net layer keeps its counters in typed arrays indexed by NS_* / LS_* constants and names
 * them through NET_STAT_KEYS / LINK_COUNTER_KEYS (src/net/stats.ts). The two lists are kept by
 * hand: an index that drifts from its key would report a counter under another's name.
 */
import test from 'ava';
import * as stats from '../../src/net/stats.js';

function camel(constant: string): string {
  const [first, ...rest] = constant.toLowerCase().split('_');
  return (first ?? '') + rest.map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('');
}

for (const [prefix, keys] of [['NS_', stats.NET_STAT_KEYS], ['LS_', stats.LINK_COUNTER_KEYS]] as const) {
  test(`every ${prefix}* index names its own key, and every key has one index`, (t) => {
    const consts = Object.entries(stats).filter(([k, v]) => k.startsWith(prefix) && typeof v === 'number') as [string, number][];
    t.is(consts.length, keys.length);
    t.is(new Set(consts.map(([, v]) => v)).size, keys.length);
    for (const [name, index] of consts) t.is(keys[index] as string, camel(name.slice(prefix.length)), name);
  });
}
