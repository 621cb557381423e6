/**
 * The Lua build of the wire layer (dist/lua, typescript-to-lua) on real Lua interpreters:
 * every frame and COBS vector of docs/PROTOCOL.md both ways on lua5.1 in strict-bit mode (any
 * `bit` operand outside int32 raises, as NodeMCU's C cast would misbehave), lua5.3 and
 * fengari; the PRNG's sequence equals Node's; the CRC check value.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { FLAG_NO_CRC } from '../../src/wire/frame.js';
import { Prng } from '../../src/util/prng.js';
import { parseVectors } from '../wire/vectors.js';
import { LUA_KINDS, runLua } from './lua-run.js';
import { semanticsProbe } from '../../hal/lua/semantics-probe.js';

const vectors = parseVectors(readFileSync(new URL('../../../docs/PROTOCOL.md', import.meta.url), 'utf8'));

function hex(b: Uint8Array): string {
  return b.length === 0 ? '-' : Buffer.from(b).toString('hex');
}

const vectorLines = vectors.map((v) => {
  const f = v.fields;
  const nums = [f.flags, f.type, f.lseq, f.lack, f.domain, f.src, f.dst, f.ttl, f.srcPort, f.dstPort, f.epoch];
  return ['vector', v.name.replace(/\s+/g, '_'), ...nums.map(String), hex(f.payload), hex(v.frame), v.cobs === null ? '-' : hex(v.cobs)].join(' ');
});

const SEEDS = [0, 1, 42, 0x7fffffff, 0x80000000, 0xffffffff];

function nodePrng(seed: number, n: number): string {
  const p = new Prng(seed);
  return Array.from({ length: n }, () => p.nextUint32()).join(' ');
}

test('the vectors include a NO_CRC frame and a COBS stream form', (t) => {
  t.true(vectors.length >= 4);
  t.true(vectors.some((v) => (v.fields.flags & FLAG_NO_CRC) !== 0));
  t.true(vectors.some((v) => v.cobs !== null));
});

for (const kind of LUA_KINDS) {
  test(`${kind}: every PROTOCOL.md vector encodes, decodes and COBS-frames like the spec`, (t) => {
    const out = runLua(kind, 'hal.lua.selftest', [...vectorLines, 'end']);
    t.deepEqual(out, vectors.map((v) => `ok ${v.name.replace(/\s+/g, '_')}`));
  });

  test(`${kind}: the PRNG gives Node's sequence for every seed; CRC-32 check value`, (t) => {
    const out = runLua(kind, 'hal.lua.selftest', [...SEEDS.map((s) => `prng ${String(s)} 64`), 'crc 313233343536373839', 'end']);
    t.deepEqual(out, [...SEEDS.map((s) => nodePrng(s, 64)), String(0xcbf43926)]);
  });

  test(`${kind}: for-let closures and Map/Set iteration under deletion and JSON of object literals behave as in JavaScript`, (t) => {
    const node = semanticsProbe();
    t.is(node.length, 10);
    t.deepEqual(runLua(kind, 'hal.lua.selftest', ['semantics', 'end']), node);
  });
}

test('lua5.1 strict-bit mode raises on an operand outside int32 (the mode is really on)', (t) => {
  const err = t.throws(() => runLua('lua5.1-strict', 'hal.lua.strictprobe', []));
  t.regex(err.message, /strict bit: band operand 4294967296 is outside int32/);
});
