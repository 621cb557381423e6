/**
 * The read-only check in its three forms: a snapshot compared natively (XS's
 * BigInt.fromArrayBuffer, here a stand-in so V8 runs that code path), a byte snapshot
 * compared word by word (V8), and a hash past the snapshot budget. Each must report every
 * write through a read-only acquisition, naming the array and range, and never report
 * data that arrived legitimately.
 */
import test from 'ava';
import fc from 'fast-check';
import { ReadChecker, snapshotBudget, type ReadCheck, type SnapshotBudget } from '../../src/dsm/read-check.js';
import { Dsm, DsmError } from '../../src/dsm/index.js';
import { MemNet, drive, makeRig, withNativeCompare } from './memnet.js';
import { VirtualClock } from '../../host-sim/sim/event-queue.js';

import { Crc32 } from '../../src/wire/crc32.js';

type Kind = 'bigint' | 'copy' | 'hash' | 'native-crc';

/** A board's native CRC-32 (Hal.bytes.crc32), counting its calls. */
const nativeCrc = { calls: 0, crc: new Crc32(1) };

function budgetOf(kind: Kind, max: number): SnapshotBudget {
  if (kind === 'native-crc') {
    return snapshotBudget(max, (b, s, e) => {
      nativeCrc.calls++;
      return nativeCrc.crc.compute(b, s, e);
    });
  }
  return kind === 'bigint' ? withNativeCompare(() => snapshotBudget(max)) : snapshotBudget(max);
}

/**
 * A DSM's checker (one per DSM, shared by its arrays) bound to one window, as a shared array
 * uses it: every call names the window's bytes and where they start in the array.
 */
class Bound {
  readonly c: ReadChecker;
  constructor(
    public bytes: Uint8Array,
    budget: SnapshotBudget,
    public lo = 0,
  ) {
    this.c = new ReadChecker(budget);
  }
  /** The window moved to a new buffer (SharedArrayState.cover). */
  rebase(bytes: Uint8Array, lo: number): void {
    this.bytes = bytes;
    this.lo = lo;
  }
  take(s: number, e: number): ReadCheck {
    return this.c.take(this, s, e);
  }
  unchanged(r: ReadCheck): boolean {
    return this.c.unchanged(this, r);
  }
  unchangedIn(r: ReadCheck, s: number, e: number): boolean {
    return this.c.unchangedIn(this, r, s, e);
  }
  refreshIn(r: ReadCheck, s: number, e: number): void {
    this.c.refreshIn(this, r, s, e);
  }
  refresh(r: ReadCheck): void {
    this.c.refresh(this, r);
  }
  drop(r: ReadCheck): void {
    this.c.drop(r);
  }
}

function checker(bytes: Uint8Array, budget: SnapshotBudget): Bound {
  return new Bound(bytes, budget);
}

const kinds: Kind[] = ['bigint', 'copy', 'hash', 'native-crc'];

for (const kind of kinds) {
  test.serial(`${kind}: a change of any byte inside the range is found, a change outside is not`, (t) => {
    const size = 50_000;
    fc.assert(
      fc.property(fc.nat(size - 1), fc.nat(40_000), fc.nat(), fc.integer({ min: 1, max: 255 }), (start, len, pick, flip) => {
        const end = Math.min(size, start + 1 + len);
        const bytes = new Uint8Array(size);
        for (let i = 0; i < size; i++) bytes[i] = (i * 7) & 0xff;
        const hashed = kind === 'hash' || kind === 'native-crc';
        const budget = budgetOf(kind, hashed ? 0 : size);
        const c = checker(bytes, budget);
        const calls = nativeCrc.calls;
        const r = c.take(start, end);
        const form = r.big !== null ? 'bigint' : r.copy !== null ? 'copy' : budget.crc32 !== undefined ? 'native-crc' : 'hash';
        if (form !== kind || budget.used !== (hashed ? 0 : end - start)) return false;
        if (kind === 'native-crc' && nativeCrc.calls !== calls + 1) return false;
        if (!c.unchanged(r)) return false;
        const outside = pick % (size - (end - start) + 1);
        const o = outside < start ? outside : end + outside - start;
        if (o < size) {
          bytes[o] ^= flip;
          if (!c.unchanged(r)) return false;
        }
        const i = start + (pick % (end - start));
        bytes[i] ^= flip;
        if (c.unchanged(r)) return false;
        // Data arriving legitimately: recorded again, no longer a difference.
        c.refresh(r);
        if (!c.unchanged(r)) return false;
        c.drop(r);
        return budget.used === 0;
      }),
      { seed: kinds.indexOf(kind) + 20, numRuns: 150 },
    );
    t.pass();
  });
}

for (const kind of ['bigint', 'copy'] as Kind[]) {
  test.serial(`${kind}: any set of writes inside the range is found`, (t) => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(4999), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 20 }), (writes) => {
        const bytes = new Uint8Array(5000).fill(0x5a);
        const c = checker(bytes, budgetOf(kind, 1 << 20));
        const r = c.take(0, 5000);
        for (const [i, x] of writes) bytes[i] ^= x;
        const changed = bytes.some((b) => b !== 0x5a);
        return c.unchanged(r) === !changed;
      }),
      { seed: 31, numRuns: 200 },
    );
    t.pass();
  });
}

test('the snapshot budget is shared: ranges past it are hashed, and released bytes can be snapshot again', (t) => {
  const bytes = new Uint8Array(4096);
  const budget = snapshotBudget(3000);
  const c = checker(bytes, budget);
  const a = c.take(0, 2000);
  const b = c.take(2000, 4000);
  t.not(a.copy, null);
  t.is(b.copy, null, 'past the budget: hashed');
  t.is(budget.used, 2000);
  c.drop(a);
  t.is(budget.used, 0);
  const d = c.take(2000, 4000);
  t.not(d.copy, null);
  bytes[3999] = 1;
  t.false(c.unchanged(b));
  t.false(c.unchanged(d));
});

test('a snapshot that would take the board past its memory budget is not taken: the range is hashed, and a write through it is still found', (t) => {
  const bytes = new Uint8Array(8192);
  const mem = { used: 0, limit: 10_000 };
  let crcCalls = 0;
  const crc = new Crc32(1);
  const budget = snapshotBudget(1 << 20, (b, s, e) => {
    crcCalls++;
    return crc.compute(b, s, e);
  }, { memory: () => ({ ...mem }) });
  const c = checker(bytes, budget);
  // Room for it: a snapshot, as without a memory figure.
  mem.used = 5000;
  const a = c.take(0, 4096);
  t.not(a.copy, null);
  t.is(budget.used, 4096);
  // 6 000 used + 4 096 > 10 000: no copy, no budget bytes, the native CRC instead.
  mem.used = 6000;
  const b = c.take(4096, 8192);
  t.is(b.copy, null);
  t.is(b.big, null);
  t.is(budget.used, 4096, 'a hashed range holds no snapshot bytes');
  t.true(crcCalls > 0, 'hashed with the board\'s native CRC-32');
  t.true(c.unchanged(b));
  bytes[8000] ^= 0x40;
  t.false(c.unchanged(b), 'a write inside the hashed range is found');
  // An unknown limit (0) never stops a snapshot.
  mem.limit = 0;
  const d = c.take(100, 200);
  t.not(d.copy, null);
});

test('the DSM keeps read-check snapshots within Hal.memory(): a board short of memory hashes its read-only band and still finds a write through it', async (t) => {
  const run = async (limit: number): Promise<{ snapshotBytes: number; err: DsmError }> => {
    let snapshotBytes = -1;
    const net = new MemNet(2, { seed: 5 });
    const clock = new VirtualClock();
    // Hal.memory() as a board reports it: 50 000 B used of `limit`.
    const board = Object.assign(clock, { memory: () => ({ used: 50_000, limit }) });
    const rig = { net, clock, dsms: net.transports.map((tr) => new Dsm(tr, board)) };
    const out = await drive(rig, async (dsm, rank) => {
      const a = await dsm.alloc('band', 'Float64', 4096, { home: 'block' });
      await dsm.barrier();
      if (rank === 0) {
        const v = await dsm.acquire(a, 0, 2048, 'r');
        const budget = (dsm as unknown as { checker: ReadChecker }).checker.budget;
        snapshotBytes = budget.used;
        // Round 14: the figures come from the board's Hal object itself, no closure over it.
        if (budget.memory !== board) throw new Error('the budget keeps a function of its own for the memory figures');
        v[7] = 3;
      }
      await dsm.barrier();
    });
    const e = out[0]!;
    if (e.ok) throw new Error('no violation reported');
    return { snapshotBytes, err: e.error as DsmError };
  };
  const roomy = await run(1 << 24);
  t.is(roomy.snapshotBytes, 2048 * 8, 'plenty of memory: the band is snapshot');
  t.is(roomy.err.code, 'READ_ONLY_WRITE');
  const short = await run(60_000);
  t.is(short.snapshotBytes, 0, '50 000 used + a 16 KiB snapshot > 60 000: hashed instead');
  t.is(short.err.code, 'READ_ONLY_WRITE', 'the write through the read-only view is found either way');
  t.regex(short.err.message, /'band'\[0, 2048\) was written through a read-only/);
});

async function writeThroughReadOnly(make: () => ReturnType<typeof makeRig>): Promise<DsmError> {
  const out = await drive(make(), async (dsm, rank) => {
    const a = await dsm.alloc('temps', 'Float64', 40_000, { home: 'cyclic' });
    if (rank === 1) {
      const all = await dsm.acquire(a, 0, 40_000, 'w');
      all.fill(2.5);
      all[29_999] = 0;
    }
    await dsm.barrier();
    if (rank === 0) {
      const v = await dsm.acquire(a, 1000, 30_000, 'r');
      const w = await dsm.acquire(a, 35_000, 36_000, 'r');
      if (v[0] !== 2.5 || w[0] !== 2.5 || !Object.is(v[28_999], 0)) throw new Error('fetched data missing');
      // The last element of the range, to a value that compares equal (-0 === 0): only its bits change.
      v[28_999] = -0;
    }
    await dsm.barrier();
  });
  const e = out[0]!;
  if (e.ok) throw new Error('no violation reported');
  return e.error as DsmError;
}

for (const kind of ['bigint', 'copy', 'hash'] as Kind[]) {
  test.serial(`${kind}: writing through a read-only view is reported at the barrier, naming array and range`, async (t) => {
    const opts = kind === 'hash' ? { maxReadSnapshot: 0 } : {};
    const e = await writeThroughReadOnly(() => (kind === 'bigint' ? withNativeCompare(() => makeRig(2, { seed: 5 }, opts)) : makeRig(2, { seed: 5 }, opts)));
    t.is(e.code, 'READ_ONLY_WRITE');
    t.regex(e.message, /'temps'\[1000, 30000\) was written through a read-only \('r'\) acquisition/);
    t.notRegex(e.message, /35000/, 'the untouched range is not reported');
  });
}

test('maxReadSnapshot must be an integer >= 0', (t) => {
  t.throws(() => makeRig(1, {}, { maxReadSnapshot: -1 }), { message: /maxReadSnapshot must be an integer >= 0/ });
  t.throws(() => makeRig(1, {}, { maxReadSnapshot: 1.5 }), { message: /maxReadSnapshot/ });
  t.is(makeRig(1).dsms[0]!.limits.maxReadSnapshot, 262144);
});

test('a BigInt snapshot is kept in chunks of at most 4 KiB: a check holds at most 8 KiB more than the snapshot', (t) => {
  // On a board the slice and BigInt of the chunk being checked are part of the peak heap:
  // with 16 KiB chunks Laplace N=64 on 2 lin boards needed ~47 KB more chunk heap.
  const bytes = new Uint8Array(40_000);
  const c = checker(bytes, budgetOf('bigint', 1 << 20));
  const r = c.take(100, 39_000);
  t.is(r.big?.length, Math.ceil((39_000 - 100) / 4096));
  t.true(c.unchanged(r));
  bytes[38_999] ^= 1;
  t.false(c.unchanged(r));
});

test('a checker rebased onto a moved window still checks the same array bytes', (t) => {
  for (const kind of ['bigint', 'copy', 'hash', 'native-crc'] as Kind[]) {
    const old = new Uint8Array(8192).map((_, i) => i * 13);
    const c = new Bound(old, budgetOf(kind, kind === 'hash' || kind === 'native-crc' ? 0 : 1 << 20), 4096);
    const r = c.take(5000, 9000);
    // The window grows down to byte 1024 of the array: the same bytes sit 3072 further in.
    const grown = new Uint8Array(11_264);
    grown.set(old, 3072);
    c.rebase(grown, 1024);
    t.true(c.unchanged(r), kind);
    grown[9000 - 1024 - 1] ^= 4;
    t.false(c.unchanged(r), kind);
  }
});

test('data arriving into part of a watched range checks and records only the chunks it lands in', (t) => {
  let calls = 0;
  const from = (b: ArrayBuffer): bigint => {
    calls++;
    return withNativeCompare(() => snapshotBudget(0)).fromBuffer!(b);
  };
  const budget: SnapshotBudget = { max: 1 << 20, used: 0, fromBuffer: from, crc32: undefined };
  const bytes = new Uint8Array(64 * 1024);
  const c = checker(bytes, budget);
  const r = c.take(0, bytes.length);
  t.is(calls, 16);
  calls = 0;
  // 16 bytes across the boundary of chunks 2 and 3: two chunks compared, two recorded.
  t.true(c.unchangedIn(r, 3 * 4096 - 8, 3 * 4096 + 8));
  bytes.fill(7, 3 * 4096 - 8, 3 * 4096 + 8);
  c.refreshIn(r, 3 * 4096 - 8, 3 * 4096 + 8);
  t.is(calls, 4);
  t.true(c.unchanged(r), 'the refreshed chunks hold the new bytes');
  bytes[60_000] ^= 1;
  t.true(c.unchangedIn(r, 0, 100), 'a write elsewhere is not looked at here...');
  t.false(c.unchanged(r), '...and is found by the check of the whole range at release');
});
