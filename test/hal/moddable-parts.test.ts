// The parts of the Moddable HAL and firmware that need no SDK: the transmit queue, the
// console's UTF-8 carry and the firmware config reader.
import test from 'ava';
import fc from 'fast-check';
import { TX_PIECE_MAX, TxQueue } from '../../hal/moddable/tx-queue.js';
import { cobsEncode, cobsEncodedLength } from '../../src/wire/cobs.js';
import { CobsSource } from '../../src/wire/cobs-source.js';
import type { TxSource } from '../../src/hal.js';
import { Utf8Carry, completeUtf8Length } from '../../hal/moddable/utf8-carry.js';
import { readFirmwareConfig } from '../../firmware/firmware-config.js';

/** A UART FIFO that throws like Moddable's ESP32 serial when over-filled. */
class Fifo {
  room = 0;
  out: number[] = [];
  writes = 0;
  write(chunk: ArrayBuffer): void {
    if (chunk.byteLength > this.room) throw new Error('output full');
    this.room -= chunk.byteLength;
    this.writes++;
    this.out.push(...new Uint8Array(chunk));
  }
}

test('the transmit queue writes only what the FIFO has room for, in order', (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { maxLength: 10 }),
      fc.array(fc.integer({ min: 1, max: 128 }), { minLength: 1, maxLength: 10 }),
      (writes, rooms) => {
        const fifo = new Fifo();
        const q = new TxQueue(fifo, 1 << 20);
        const sent: number[] = [];
        for (const w of writes) {
          const copy = w.slice();
          q.push(w);
          w.fill(0); // the caller's buffer may change after push
          sent.push(...copy);
        }
        // Drain the FIFO to the wire and report room, as the UART interrupt would.
        let k = 0;
        while (q.stats().queued > 0) {
          fifo.room = rooms[k++ % rooms.length]!;
          q.onWritable(fifo.room);
        }
        return fifo.out.length === sent.length && fifo.out.every((b, i) => b === sent[i]) && q.stats().sent === sent.length;
      },
    ),
    { seed: 11, numRuns: 200 },
  );
  t.pass();
});

test('the transmit queue keeps an owned write without a copy and hands a whole buffer to the port as it is', (t) => {
  // Round 8 (docs/FOOTPRINT.md): a frame's fresh COBS encoding was copied into the queue, a second
  // ~4.3 KiB per large frame queued, and every write was copied again into a piece for the port.
  const handed: ArrayBuffer[] = [];
  const port = { write: (b: ArrayBuffer): void => void handed.push(b) };
  const q = new TxQueue(port, 1 << 20);
  const owned = new Uint8Array(300).fill(7);
  t.true(q.push(owned, true));
  const lent = new Uint8Array(200).fill(9);
  t.true(q.push(lent));
  q.onWritable(1024);
  t.is(handed.length, 2);
  t.is(handed[0], owned.buffer, 'the owned write is what the port gets');
  t.not(handed[1], lent.buffer, 'a lent write is copied when pushed');
  t.deepEqual([...new Uint8Array(handed[1]!)], [...lent]);
  // Written in parts, the parts are copies of exactly their bytes.
  const big = new Uint8Array(2500).map((_, i) => i & 0xff);
  q.onWritable(0); // the FIFO is full
  q.push(big, true);
  q.onWritable(1024);
  q.onWritable(1024);
  q.onWritable(1024);
  t.deepEqual(handed.slice(2).map((b) => b.byteLength), [1024, 1024, 452]);
  t.deepEqual([...new Uint8Array(handed[3]!)], [...big.subarray(1024, 2048)]);
  t.is(q.stats().queued, 0);
});

test('the transmit queue drops whole writes once it holds its limit, and counts them', (t) => {
  const fifo = new Fifo();
  const q = new TxQueue(fifo, 10);
  t.true(q.push(new Uint8Array(6)));
  t.true(q.push(new Uint8Array(5))); // 6 queued, under the limit: taken, the queue may go past it
  t.false(q.push(new Uint8Array(4))); // 11 queued: at the limit, dropped whole
  t.deepEqual(q.stats(), { queued: 11, sent: 0, droppedWrites: 1, droppedBytes: 4, limit: 10 });
  fifo.room = 8;
  q.onWritable(8);
  t.is(q.stats().queued, 3);
  t.is(fifo.writes, 2);
  t.true(q.push(new Uint8Array(4)));
});

// #9: with the default 4096-byte limit, a frame carrying a 4 KiB DSM page (~4.3 KiB COBS
// encoded) was refused every time it was resent, and Laplace N=64 on lin boards stalled.
test('a write larger than the limit is taken whole when the queue has room, and sent in FIFO-sized pieces', (t) => {
  const fifo = new Fifo();
  const q = new TxQueue(fifo, 4096);
  const frame = new Uint8Array(4300).map((_, i) => (i * 7 + 1) & 0xff);
  t.true(q.push(frame));
  t.is(q.stats().droppedWrites, 0);
  t.false(q.push(new Uint8Array(10))); // now past the limit: the next write waits for the wire
  let guard = 0;
  while (q.stats().queued > 0 && guard++ < 100) {
    fifo.room = 1024; // what lin's serial announces per onWritable
    q.onWritable(1024);
  }
  t.deepEqual(fifo.out, [...frame]);
  t.deepEqual(q.stats(), { queued: 0, sent: 4300, droppedWrites: 1, droppedBytes: 10, limit: 4096 });
});

test('a FIFO smaller than announced stops the pump until the next onWritable', (t) => {
  const fifo = new Fifo();
  const q = new TxQueue(fifo, 100);
  q.push(new Uint8Array(20));
  fifo.room = 5;
  q.onWritable(20); // says 20, has 5: the write throws inside, nothing is lost
  t.is(q.stats().queued, 20);
  fifo.room = 20;
  q.onWritable(20);
  t.is(q.stats().queued, 0);
  t.is(fifo.out.length, 20);
});

// Round 9 (docs/FOOTPRINT.md "Round 9: conformance chunks"): a large frame's encoding was whole in
// the queue (~4.3 KiB next to the 4.1 KiB frame the link holds); now it is read as the port drains.
test('a queued source is read in pieces no larger than the room and TX_PIECE_MAX, never whole, in order with plain writes', (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.integer({ min: 500, max: 4300 })), { minLength: 1, maxLength: 6 }),
      fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 6 }),
      fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 6 }),
      (items, rooms, shortfalls) => {
        const fifo = new Fifo();
        const q = new TxQueue(fifo, 1 << 20);
        const sent: number[] = [];
        let largestRead = 0;
        for (const item of items) {
          if (item instanceof Uint8Array) {
            q.push(item);
            sent.push(...item);
            continue;
          }
          const frame = Uint8Array.from({ length: item }, (_, i) => (i * 31 + item) & 0xff);
          const enc = new Uint8Array(cobsEncodedLength(item));
          sent.push(...enc.subarray(0, cobsEncode(frame, enc)));
          const source = new CobsSource(frame, false, {});
          const spy: TxSource = {
            get left() {
              return source.left;
            },
            read(out, at, n) {
              largestRead = Math.max(largestRead, n);
              source.read(out, at, n);
            },
          };
          if (!q.pushSource(spy)) return false;
        }
        let k = 0;
        let largestPiece = 0;
        const write = fifo.write.bind(fifo);
        fifo.write = (chunk: ArrayBuffer): void => {
          largestPiece = Math.max(largestPiece, chunk.byteLength);
          write(chunk);
        };
        while (q.stats().queued > 0 && k < 10_000) {
          const room = rooms[k % rooms.length]!;
          // Sometimes the FIFO has less room than it said: the piece read must not be lost.
          fifo.room = k % 2 === 0 ? Math.max(0, room - shortfalls[k % shortfalls.length]! * 64) : room;
          k++;
          q.onWritable(room);
        }
        return largestRead <= TX_PIECE_MAX && largestPiece <= Math.max(TX_PIECE_MAX, 200) &&
          Buffer.from(fifo.out).equals(Buffer.from(sent)) && q.stats().sent === sent.length;
      },
    ),
    { seed: 5, numRuns: 150 },
  );
  t.pass();
});

test('a source is dropped whole, and counted, when the queue is at its limit; its bytes count as queued', (t) => {
  const fifo = new Fifo();
  const q = new TxQueue(fifo, 4096);
  const source = new CobsSource(new Uint8Array(4100).fill(1), true, {});
  const n = source.left;
  t.true(q.pushSource(source));
  t.is(q.stats().queued, n);
  t.false(q.pushSource(new CobsSource(new Uint8Array(600).fill(2), false, {})));
  t.deepEqual(q.stats(), { queued: n, sent: 0, droppedWrites: 1, droppedBytes: 600 + 3 + 1, limit: 4096 });
  fifo.room = 1 << 20;
  q.onWritable(1 << 20);
  t.is(fifo.writes, Math.ceil(n / TX_PIECE_MAX), 'pieces of TX_PIECE_MAX whatever room the port announces');
  t.is(source.left, 0);
  t.deepEqual(q.stats(), { queued: 0, sent: n, droppedWrites: 1, droppedBytes: 604, limit: 4096 });
});

test('takeQueued hands over what is still queued, in order, the head from where the port stopped, and empties the queue', (t) => {
  // What an abort writes to the port itself before its last line (SerialPort.writeNow): before,
  // the queue had no way to give its bytes up, and a console's queued lines were lost at an abort.
  const fifo = new Fifo();
  const q = new TxQueue(fifo, 1 << 20);
  q.push(Uint8Array.of(1, 2, 3, 4));
  q.push(Uint8Array.of(5, 6));
  const frame = Uint8Array.of(9, 0, 9);
  const enc = new Uint8Array(cobsEncodedLength(frame.length));
  const encoded = [...enc.subarray(0, cobsEncode(frame, enc))];
  q.pushSource(new CobsSource(frame, false, {}));
  fifo.room = 3;
  q.onWritable(3);
  t.deepEqual(fifo.out, [1, 2, 3]);
  const rest = q.takeQueued().flatMap((b) => [...b]);
  t.deepEqual(rest, [4, 5, 6, ...encoded]);
  t.is(q.stats().queued, 0);
  t.deepEqual(q.takeQueued(), []);
});

test('console text split anywhere decodes to the same text', (t) => {
  const text = 'a→b 世界 🎉 ok\n';
  const bytes = new TextEncoder().encode(text);
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1 }), (cuts) => {
      const carry = new Utf8Carry();
      let got = '';
      let pos = 0;
      let k = 0;
      while (pos < bytes.length) {
        const n = cuts[k++ % cuts.length]!;
        got += carry.push(bytes.subarray(pos, pos + n));
        pos += n;
      }
      return got === text;
    }),
    { seed: 12, numRuns: 300 },
  );
  t.is(completeUtf8Length(new Uint8Array([0x61, 0xe4, 0xb8])), 1);
  t.is(completeUtf8Length(new Uint8Array([0xe4, 0xb8, 0x96])), 3);
  t.is(completeUtf8Length(new Uint8Array([0xf0, 0x9f, 0x8e, 0x89])), 4);
});

const defaults = {
  domain: 1,
  node: 0,
  rank: 0,
  boards: 2,
  app: 'pingpong',
  links: [{ port: 2, receive: 16, transmit: 17, baud: 921600 }],
  console: null,
};

test('firmware config: preferences override the manifest defaults', (t) => {
  const fw = readFirmwareConfig(JSON.stringify({ node: 3, rank: 1, console: { port: 1, receive: 3, transmit: 1, baud: 115200 } }), defaults);
  t.is(fw.board['node'], 3);
  t.is(fw.board['rank'], 1);
  t.is(fw.board['domain'], 1);
  t.deepEqual(fw.board['links'], [{ kind: 'stream', mtu: 256 }]);
  t.deepEqual(fw.console, { port: 1, receive: 3, transmit: 1, baud: 115200 });
  t.is(fw.ramLimit, 150 * 1024);
  const plain = readFirmwareConfig(undefined, defaults);
  t.is(plain.console, null);
  t.deepEqual(plain.links, [{ port: 2, receive: 16, transmit: 17, baud: 921600 }]);
});

test('firmware config: a bad field is named', (t) => {
  t.throws(() => readFirmwareConfig('{', defaults), { message: /preference mcdsm\/config: not JSON/ });
  t.throws(() => readFirmwareConfig(JSON.stringify({ links: [{ port: 2, receive: 16, baud: 9600 }] }), defaults), { message: /links\[0\]\.transmit/ });
  t.throws(() => readFirmwareConfig(JSON.stringify({ console: { port: 1, receive: 3, transmit: 1, baud: 1 } }), defaults), { message: /console\.baud/ });
  t.throws(() => readFirmwareConfig(undefined, { ...defaults, links: 'uart' }), { message: /^links: expected an array/ });
  t.throws(() => readFirmwareConfig(5, defaults), { message: /expected a JSON string/ });
});
