/**
 * The page fetch's data path (docs/PERFORMANCE.md "Round 12: page fetch"): the home serves the
 * page straight from its pages (XS: one `ArrayBuffer.prototype.concat`), and the reader takes it
 * into the array with the board's native copy (`Hal.bytes.copy`) when it has one.
 */
import test from 'ava';
import { VirtualClock } from '../../host-sim/sim/event-queue.js';
import { Dsm } from '../../src/dsm/index.js';
import { messageBytesFor } from '../../src/dsm/limits.js';
import { Msg } from '../../src/dsm/messages.js';
import { NATIVE_COPY_MIN, type NativeCopy } from '../../src/dsm/bytes.js';
import { MemNet, drive, values } from './memnet.js';

const PAGE = 4096;

/** XS's ArrayBuffer.prototype.concat, defined while `make` runs (a Home looks for it when it is built). */
function withConcat<T>(make: () => T): T {
  const proto = ArrayBuffer.prototype as unknown as { concat?: unknown };
  proto.concat = function (this: ArrayBuffer, ...parts: ArrayBuffer[]): ArrayBuffer {
    const all = [this, ...parts];
    const out = new Uint8Array(all.reduce((n, b) => n + b.byteLength, 0));
    let at = 0;
    for (const b of all) {
      out.set(new Uint8Array(b), at);
      at += b.byteLength;
    }
    return out.buffer;
  };
  try {
    return make();
  } finally {
    delete proto.concat;
  }
}

const pattern = (round: number, i: number): number => (round * 31 + i * 7 + 1) & 0xff;

for (const concat of [false, true]) {
  test(`a fetched page is the home's bytes on the wire and in the array, taken with one native copy (${concat ? 'XS concat' : 'writer'} at the home)`, async (t) => {
    // Messages sized as the board runtime sizes them (a page and its header: one FETCH_DATA per page).
    const net = new MemNet(2, { seed: 5, fifo: true, maxMessage: messageBytesFor({ pageSize: PAGE }) });
    const served: Uint8Array[] = [];
    const home = net.transports[1]!;
    const send = home.send.bind(home);
    home.send = (to: number, bytes: Uint8Array): void => {
      if (bytes[0] === Msg.FETCH_DATA) served.push(bytes.slice());
      send(to, bytes);
    };
    const copies: number[] = [];
    const copy: NativeCopy = (src, start, end, dst, at) => {
      copies.push(end - start);
      dst.set(src.subarray(start, end), at);
    };
    const clock = Object.assign(new VirtualClock(), { bytes: { copy } });
    const make = (): Dsm[] => net.transports.map((tr) => new Dsm(tr, clock, { pageSize: PAGE }));
    const dsms = concat ? withConcat(make) : make();
    const rounds = 3;
    const out = values(
      await drive({ net, clock, dsms }, async (dsm, rank) => {
        const page = await dsm.alloc('p', 'Uint8', PAGE, { home: { ranges: [[PAGE, PAGE], [0, PAGE]] } });
        const got: number[][] = [];
        for (let round = 0; round < rounds; round++) {
          if (rank === 1) {
            const v = await dsm.acquire(page, 0, PAGE, 'w');
            for (let i = 0; i < PAGE; i++) v[i] = pattern(round, i);
          }
          await dsm.barrier();
          if (rank === 0) got.push([...(await dsm.acquire(page, 0, PAGE, 'r'))]);
          await dsm.barrier();
        }
        return got;
      }),
    );
    for (let round = 0; round < rounds; round++) {
      const want = Array.from({ length: PAGE }, (_, i) => pattern(round, i));
      t.deepEqual(out[0]![round], want, `round ${round}: the reader's array`);
      // FETCH_DATA: type, request id (one byte: the reader's first requests), the page.
      const m = served[round]!;
      t.is(m.length, 2 + PAGE);
      t.deepEqual([...m.subarray(2)], want, `round ${round}: the served frame's data is the page`);
    }
    t.is(served.length, rounds);
    t.true(PAGE >= NATIVE_COPY_MIN);
    t.deepEqual(copies, [PAGE, PAGE, PAGE], 'one native copy of the page per fetch');
  });
}

test("a diff's run of NATIVE_COPY_MIN bytes or more is applied at the home with the native copy, a shorter one without", async (t) => {
  const net = new MemNet(2, { seed: 9, fifo: true, maxMessage: messageBytesFor({ pageSize: PAGE }) });
  const copies: number[] = [];
  const copy: NativeCopy = (src, start, end, dst, at) => {
    copies.push(end - start);
    dst.set(src.subarray(start, end), at);
  };
  const clock = Object.assign(new VirtualClock(), { bytes: { copy } });
  const dsms = net.transports.map((tr) => new Dsm(tr, clock, { pageSize: PAGE }));
  const out = values(
    await drive({ net, clock, dsms }, async (dsm, rank) => {
      const page = await dsm.alloc('p', 'Uint8', PAGE, { home: { ranges: [[PAGE, PAGE], [0, PAGE]] } });
      if (rank === 0) {
        // Write-only ranges are sent whole: one run of 1024 bytes and one of 16.
        const v = await dsm.acquire(page, 0, 1024, 'w');
        for (let i = 0; i < 1024; i++) v[i] = pattern(1, i);
        const w = await dsm.acquire(page, 2048, 2064, 'w');
        for (let i = 0; i < 16; i++) w[i] = pattern(2, i);
      }
      await dsm.barrier();
      return rank === 1 ? [...(await dsm.acquire(page, 0, PAGE, 'r'))] : null;
    }),
  );
  const home = out[1]!;
  t.deepEqual(home.slice(0, 1024), Array.from({ length: 1024 }, (_, i) => pattern(1, i)));
  t.deepEqual(home.slice(2048, 2064), Array.from({ length: 16 }, (_, i) => pattern(2, i)));
  t.deepEqual(copies, [1024], 'the long run natively, the 16-byte run through copyInto');
});
