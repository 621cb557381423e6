import test from 'ava';
import fc from 'fast-check';
import { Dsm, DsmError, type DsmElementType } from '../../src/dsm/index.js';
import { drive, makeRig, values, MemNet } from './memnet.js';
import { VirtualClock } from '../../host-sim/sim/event-queue.js';

function failure(o: { ok: boolean; error?: Error }): DsmError {
  if (o.ok || !(o.error instanceof DsmError)) throw new Error(`expected a DsmError, got ${JSON.stringify(o)}`);
  return o.error;
}

test('alloc with different types on different boards fails everywhere, naming the array', async (t) => {
  const rig = makeRig(3, { seed: 1 });
  const out = await drive(rig, (dsm, rank) => dsm.alloc('grid', rank === 2 ? 'Float32' : 'Float64', 100));
  for (const o of out) {
    const e = failure(o);
    t.is(e.code, 'ALLOC_MISMATCH');
    t.regex(e.message, /'grid'/);
    t.regex(e.message, /rank 0 allocates 'grid' Float64\[100\].*rank 2 allocates 'grid' Float32\[100\]/);
  }
});

test('alloc with different lengths or homes fails, and the DSM stays usable', async (t) => {
  const rig = makeRig(2, { seed: 2 });
  const out = values(
    await drive(rig, async (dsm, rank) => {
      const errors: string[] = [];
      await dsm.alloc('a', 'Int32', rank === 0 ? 10 : 11).catch((e: DsmError) => errors.push(e.message));
      await dsm.alloc('b', 'Int32', 10, { home: rank === 0 ? 'block' : 'cyclic' }).catch((e: DsmError) => errors.push(e.message));
      const c = await dsm.alloc('c', 'Int32', 10);
      if (rank === 1) (await dsm.acquire(c, 0, 10, 'w')).fill(5);
      await dsm.barrier();
      return { errors, c: Array.from(await dsm.acquire(c, 0, 10, 'r')) };
    }),
  );
  for (const o of out) {
    t.is(o.errors.length, 2);
    t.regex(o.errors[0]!, /'a' Int32\[10\].*'a' Int32\[11\]/);
    t.regex(o.errors[1]!, /'b'.*home block.*home cyclic/);
    t.deepEqual(o.c, new Array(10).fill(5));
  }
});

test('alloc that one board never makes times out naming that rank', async (t) => {
  const rig = makeRig(3, { seed: 3 }, { barrierTimeoutMs: 1000 });
  const out = await drive(rig, async (dsm, rank) => (rank === 1 ? null : dsm.alloc('late', 'Uint8', 8)));
  for (const r of [0, 2]) {
    const e = failure(out[r]!);
    t.regex(e.message, /'late'.*rank 1 did not allocate it/);
  }
});

test('bad alloc arguments are rejected naming the field', async (t) => {
  const rig = makeRig(2, { seed: 4 });
  const dsm = rig.dsms[0]!;
  const bad = async (p: Promise<unknown>, re: RegExp): Promise<void> => {
    const e = await t.throwsAsync(p, { instanceOf: DsmError });
    t.regex(e!.message, re);
  };
  await bad(dsm.alloc('', 'Int8', 4), /name must be 1\.\.32 printable ASCII/);
  await bad(dsm.alloc('x'.repeat(33), 'Int8', 4), /name must be/);
  await bad(dsm.alloc('a', 'Float16' as DsmElementType, 4), /type must be one of .*got Float16/);
  await bad(dsm.alloc('a', 'Int8', 0), /length must be an integer/);
  await bad(dsm.alloc('a', 'Int8', 2.5), /length must be an integer/);
  await bad(dsm.alloc('a', 'Int8', 10, { home: { ranges: [[0, 5]] } }), /home.ranges must have one \[start, end\) per board \(2\)/);
  await bad(dsm.alloc('a', 'Int8', 10, { home: { ranges: [[0, 6], [5, 10]] } }), /home.ranges\[1\] overlaps home.ranges\[0\]/);
  await bad(dsm.alloc('a', 'Int8', 10, { home: { ranges: [[0, 4], [5, 10]] } }), /must cover all 10 elements/);
  await bad(dsm.alloc('a', 'Int8', 10, { home: { ranges: [[0, 5], [5, 11]] } }), /home.ranges\[1\] must be \[start, end\)/);
  await bad(dsm.alloc('a', 'Int8', 10, { home: 'striped' as 'block' }), /home must be 'block', 'cyclic' or \{ ranges \}/);
});

test('a second array of the same name and too many arrays are refused', async (t) => {
  const rig = makeRig(1, {}, { maxArrays: 2 });
  const out = values(
    await drive(rig, async (dsm) => {
      await dsm.alloc('a', 'Int8', 4);
      const dup = await dsm.alloc('a', 'Int8', 4).catch((e: DsmError) => e);
      await dsm.alloc('b', 'Int8', 4);
      const many = await dsm.alloc('c', 'Int8', 4).catch((e: DsmError) => e);
      return [dup, many] as DsmError[];
    }),
  )[0]!;
  t.regex(out[0]!.message, /a shared array named 'a' already exists/);
  t.is(out[1]!.code, 'LIMIT');
  t.regex(out[1]!.message, /maxArrays=2/);
});

test('bad acquisitions are rejected naming the array and range', async (t) => {
  const rig = makeRig(1);
  const other = makeRig(1);
  const foreign = values(await drive(other, (d) => d.alloc('vec', 'Float64', 100)))[0]!;
  const out = values(
    await drive(rig, async (dsm) => {
      const a = await dsm.alloc('vec', 'Float64', 100);
      const errs: DsmError[] = [];
      const grab = (p: Promise<unknown>): Promise<unknown> => p.catch((e: DsmError) => errs.push(e));
      await grab(dsm.acquire(a, 0, 101, 'r'));
      await grab(dsm.acquire(a, -1, 5, 'r'));
      await grab(dsm.acquire(a, 6, 5, 'rw'));
      await grab(dsm.acquire(a, 0.5, 5, 'r'));
      await grab(dsm.acquire(a, 0, 5, 'x' as 'r'));
      await grab(dsm.acquire(foreign, 0, 5, 'r'));
      return errs;
    }),
  )[0]!;
  t.is(out.length, 6);
  t.is(out[0]!.code, 'OUT_OF_RANGE');
  t.regex(out[0]!.message, /dsm\.acquire\('vec', 0, 101, r\): range outside 'vec' \(elements 0\.\.100/);
  t.is(out[1]!.code, 'OUT_OF_RANGE');
  t.is(out[2]!.code, 'OUT_OF_RANGE');
  t.regex(out[3]!.message, /start and end must be integers/);
  t.regex(out[4]!.message, /mode must be 'r', 'w' or 'rw'/);
  t.regex(out[5]!.message, /not a shared array of this DSM/);
});

test('writing through a read-only acquisition is reported at the barrier, naming array and range', async (t) => {
  const rig = makeRig(2, { seed: 5 });
  const out = await drive(rig, async (dsm, rank) => {
    const a = await dsm.alloc('temps', 'Float32', 1000, { home: 'cyclic' });
    const v = await dsm.acquire(a, 100, 200, 'r');
    if (rank === 1) v[50] = 3;
    await dsm.barrier();
    return 'ok';
  });
  t.deepEqual(out[0], { ok: true, value: 'ok' });
  const e = failure(out[1]!);
  t.is(e.code, 'READ_ONLY_WRITE');
  t.regex(e.message, /'temps'\[100, 200\) was written through a read-only \('r'\) acquisition/);
  t.is(rig.dsms[1]!.stats().readOnlyViolations, 1);
});

test('writing through a read-only acquisition under a lock is reported by unlock', async (t) => {
  const rig = makeRig(2, { seed: 6 });
  const out = await drive(rig, async (dsm, rank) => {
    const a = await dsm.alloc('acc', 'Uint16', 50);
    await dsm.lock('L');
    const v = await dsm.acquire(a, 0, 10, 'r');
    if (rank === 0) v[3] = 1;
    try {
      dsm.unlock('L');
    } catch (e) {
      await dsm.barrier();
      throw e;
    }
    await dsm.barrier();
    return 'ok';
  });
  const e = failure(out[0]!);
  t.regex(e.message, /'acc'\[0, 10\) was written/);
  t.deepEqual(out[1], { ok: true, value: 'ok' });
});

test('a read-only range later acquired writable, and data arriving under it, are not violations', async (t) => {
  const rig = makeRig(2, { seed: 7 });
  const out = values(
    await drive(rig, async (dsm, rank) => {
      const a = await dsm.alloc('mix', 'Int32', 512, { home: 'cyclic' });
      if (rank === 1) (await dsm.acquire(a, 0, 512, 'w')).fill(9);
      await dsm.barrier();
      // Stale parts are fetched into ranges already watched by an earlier 'r' acquisition.
      await dsm.acquire(a, 0, 10, 'r');
      const all = await dsm.acquire(a, 0, 512, 'r');
      const w = await dsm.acquire(a, 5, 8, 'rw');
      w[0] = rank;
      await dsm.barrier();
      return all[300];
    }),
  );
  t.deepEqual(out, [9, 9]);
});

test('unlocking a lock not held, and locking one twice, name the lock', async (t) => {
  const rig = makeRig(2, { seed: 8 });
  const out = values(
    await drive(rig, async (dsm) => {
      const errs: string[] = [];
      try {
        dsm.unlock('door');
      } catch (e) {
        errs.push(`${(e as DsmError).code}: ${(e as Error).message}`);
      }
      await dsm.lock('door');
      await dsm.lock('door').catch((e: DsmError) => errs.push(`${e.code}: ${e.message}`));
      await dsm.lock('bad\nname').catch((e: DsmError) => errs.push(`${e.code}: ${e.message}`));
      dsm.unlock('door');
      await dsm.barrier();
      return errs;
    }),
  );
  for (const [r, errs] of out.entries()) {
    t.is(errs[0], `NOT_HELD: dsm.unlock('door'): lock 'door' is not held by rank ${r}`);
    t.regex(errs[1]!, /^ALREADY_HELD: dsm\.lock\('door'\)/);
    t.regex(errs[2]!, /^BAD_ARG: dsm\.lock: name must be/);
  }
});

test('too many distinct lock names is a LIMIT error', async (t) => {
  const rig = makeRig(1, {}, { maxLocks: 2 });
  const out = values(
    await drive(rig, async (dsm) => {
      for (const n of ['a', 'b']) {
        await dsm.lock(n);
        dsm.unlock(n);
      }
      return dsm.lock('c').catch((e: DsmError) => e.message);
    }),
  );
  t.regex(String(out[0]), /more than maxLocks=2 distinct lock names/);
});

test('a board missing at a barrier is named in the error, never a silent hang', async (t) => {
  const rig = makeRig(4, { seed: 9 }, { barrierTimeoutMs: 5000 });
  const out = await drive(rig, async (dsm, rank) => {
    if (rank === 2) return 'skipped';
    await dsm.barrier();
    return 'passed';
  });
  for (const r of [0, 1, 3]) {
    const e = failure(out[r]!);
    t.is(e.code, 'BARRIER_TIMEOUT');
    t.is(e.message, 'dsm.barrier #1 timed out after 5000 ms: rank 2 did not arrive');
  }
  t.true(rig.clock.now() >= 5000 && rig.clock.now() < 6000);
  // The DSM is unusable afterwards, with the same error.
  await t.throwsAsync(rig.dsms[0]!.barrier(), { message: /rank 2 did not arrive/ });
});

test('a missing barrier manager is named too', async (t) => {
  const rig = makeRig(3, { seed: 10 }, { barrierTimeoutMs: 1000 });
  const out = await drive(rig, async (dsm, rank) => (rank === 0 ? 'gone' : dsm.barrier()));
  for (const r of [1, 2]) t.regex(failure(out[r]!).message, /rank 0 \(the barrier manager\) is missing/);
});

test('a dead home makes the fetch fail naming it', async (t) => {
  const net = new MemNet(3, { seed: 11 });
  const clock = new VirtualClock();
  const dsms = net.transports.map((tr) => new Dsm(tr, clock, { requestTimeoutMs: 2000 }));
  const rig = { net, clock, dsms };
  const out = await drive(rig, async (dsm, rank) => {
    const a = await dsm.alloc('a', 'Uint8', 3000, { home: 'block' });
    if (rank === 1) (await dsm.acquire(a, 1100, 2000, 'w')).fill(1);
    await dsm.barrier();
    if (rank === 1) return 'dead';
    if (rank === 0) (net as unknown as { dead: Set<number> }).dead.add(1);
    return dsm.acquire(a, 1000, 1200, 'r').then(() => 'fetched');
  });
  const e = failure(out[0]!);
  t.is(e.code, 'TIMEOUT');
  t.is(e.message, 'dsm: no reply from rank 1 within 2000 ms');
});

test('bad options are refused naming the option', (t) => {
  const net = new MemNet(1);
  const clock = new VirtualClock();
  const make = (o: object) => () => new Dsm(net.transports[0]!, clock, o);
  t.throws(make({ pageSize: 1000 }), { message: /pageSize must be a power of two in 256\.\.4096 \(got 1000\)/ });
  t.throws(make({ pageSize: 8192 }), { message: /pageSize/ });
  t.throws(make({ granule: 3 }), { message: /granule must be a power of two/ });
  t.throws(make({ window: 0 }), { message: /window must be a positive number/ });
  t.throws(make({ maxMessage: 20 }), { message: /maxMessage must be an integer >= 128/ });
  t.throws(make({ maxMessage: 256 }), { message: /maxNoticeRanges needs messages of 682 bytes, more than maxMessage=256/ });
  t.throws(make({ checkReads: 'yes' }), { message: /checkReads must be a boolean/ });
  t.throws(() => new Dsm({ rank: 3, size: 2, send() {}, receiver: null }, clock), { message: /transport\.rank must be an integer in 0\.\.1/ });
});

test('malformed and unexpected messages are dropped and counted, never fatal', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.uint8Array({ minLength: 0, maxLength: 40 }), { minLength: 1, maxLength: 30 }), fc.integer(), async (junk, seed) => {
      const rig = makeRig(3, { seed });
      let injected = false;
      const out = values(
        await drive(rig, async (dsm, rank) => {
          const a = await dsm.alloc('a', 'Int32', 600, { home: 'cyclic' });
          if (!injected) {
            injected = true;
            // Garbage to every board from every other board, between real traffic.
            for (const bytes of junk) for (let to = 0; to < 3; to++) rig.net.inject((to + 1) % 3, to, bytes);
          }
          const v = await dsm.acquire(a, rank * 200, rank * 200 + 200, 'w');
          v.fill(rank + 1);
          await dsm.barrier();
          const all = await dsm.acquire(a, 0, 600, 'r');
          await dsm.barrier();
          return all.reduce((s, x) => s + x, 0);
        }),
      );
      const dropped = rig.dsms.reduce((n, d) => n + d.stats().malformed, 0);
      return out.every((s) => s === 200 * (1 + 2 + 3)) && dropped > 0;
    }),
    { seed: 4242, numRuns: 40 },
  );
  // A few hand-made ones: counted as malformed.
  const rig = makeRig(2);
  const dsm = rig.dsms[1]!;
  // ... including a release before this board arrived and a BARRIER_PRESENT to a board that is not the barrier's root.
  for (const bytes of [[], [0xff], [0x05, 0x01], [0x0a, 0x01, 0x00], [0x08, 0x80, 0x80, 0x80, 0x80, 0x80], [0x10, 0x01]]) {
    rig.net.transports[1]!.receiver!.receive(0, new Uint8Array(bytes));
  }
  t.is(dsm.stats().malformed, 6);
});
