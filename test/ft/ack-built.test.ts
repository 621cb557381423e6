/**
 * A CKPT_ACK is written into the frame the net makes (transfer.ts sendAck, Net.sendBuilt):
 * its bytes are encodeCkptAck's for any fields, a net without sendBuilt is sent the encoding,
 * and one the net refuses for now is encoded apart and retried like every control frame
 * (docs/FOOTPRINT.md "Round 22: the round peaks").
 */
import test from 'ava';
import { FtState } from '../../src/ft/state.js';
import type { FtHal } from '../../src/ft/state.js';
import { onAck, sendAck } from '../../src/ft/transfer.js';
import { AckStatus, FtFrame, encodeCkptAck } from '../../src/ft/frames.js';
import type { NetFrame } from '../../src/net/net.js';
import { FF_MALFORMED, FF_STALE } from '../../src/ft/figures.js';

interface Sent { type: number; dst: number; payload: Uint8Array; built: boolean }

/** A net that records what it is given; `refuse` frames are refused (busy) first. */
function fakeNet(built: boolean, refuse: number): { net: ConstructorParameters<typeof FtState>[0]; sent: Sent[] } {
  const sent: Sent[] = [];
  let refused = 0;
  const net = {
    node: 1,
    epoch: 1,
    send(f: { type: number; dst: number; payload: Uint8Array }): boolean {
      if (refused < refuse) return (refused++, false);
      sent.push({ type: f.type, dst: f.dst, payload: f.payload.slice(), built: false });
      return true;
    },
    sendBuilt: built
      ? <A, B>(type: number, dst: number, _sp: number, _dp: number, bytes: number, write: (f: Uint8Array, at: number, a: A, b: B) => void, a: A, b: B): boolean => {
          if (refused < refuse) return (refused++, false);
          // Written at an offset into a larger frame, as the net's frame has its headers first.
          const frame = new Uint8Array(bytes + 9).fill(0xee);
          write(frame, 5, a, b);
          t0.deepEqual([...frame.subarray(0, 5), ...frame.subarray(5 + bytes)], new Array(9).fill(0xee), 'written only where the payload goes');
          sent.push({ type, dst, payload: frame.slice(5, 5 + bytes), built: true });
          return true;
        }
      : undefined,
  } as unknown as ConstructorParameters<typeof FtState>[0];
  return { net, sent };
}

let t0: { deepEqual(a: unknown, b: unknown, m?: string): void };
const timers: { fn: (a: unknown) => void; arg: unknown }[] = [];
const hal = {
  now: (): number => 0,
  setTimer: (_ms: number, fn: (a: unknown) => void, arg: unknown): number => timers.push({ fn, arg }),
  clearTimer: (): void => undefined,
  event: (): void => undefined,
  log: (): void => undefined,
  random: (): number => 0.5,
} as unknown as FtHal;

function state(built: boolean, refuse = 0): { ft: FtState; sent: Sent[] } {
  const { net, sent } = fakeNet(built, refuse);
  const ft = new FtState(net, hal, { boards: 2, initialMap: [1, 2], maxStoreBytes: 0x7edcba98 }, {} as unknown as ConstructorParameters<typeof FtState>[3]);
  return { ft, sent };
}

const CASES: [number, number, boolean, number, number][] = [
  [0, 0, false, 0, AckStatus.OK],
  [0xffffffff, 255, true, 0xffff, AckStatus.MALFORMED],
  [0x01020304, 7, false, 0xabcd, AckStatus.STORED],
  [77, 3, true, 1, AckStatus.NEED_FULL],
  [5, 254, false, 0x8000, AckStatus.NO_MEMORY],
];

test('a CKPT_ACK written into the net\'s frame has encodeCkptAck\'s bytes, and so does one sent without sendBuilt', (t) => {
  t0 = t;
  for (const built of [true, false]) {
    const { ft, sent } = state(built);
    for (const [round, rank, replica, next, status] of CASES) sendAck(ft, 2, rank, round, replica, next, status);
    t.is(sent.length, CASES.length);
    sent.forEach((s, i) => {
      const [round, rank, replica, next, status] = CASES[i]!;
      t.is(s.type, FtFrame.CKPT_ACK);
      t.is(s.dst, 2);
      t.is(s.built, built);
      t.deepEqual([...s.payload], [...encodeCkptAck({ round, rank, replica, next, status, info: 0x7edcba98 })]);
    });
  }
});

test('a CKPT_ACK the net refuses for now is retried with the same bytes', (t) => {
  t0 = t;
  timers.length = 0;
  const { ft, sent } = state(true, 1);
  sendAck(ft, 2, 9, 1234, true, 42, AckStatus.OK);
  t.is(sent.length, 0);
  t.is(ft.retryQueue.length, 1);
  t.is(timers.length, 1, 'the retry timer is set');
  timers[0]!.fn(timers[0]!.arg);
  t.is(sent.length, 1);
  t.deepEqual([...sent[0]!.payload], [...encodeCkptAck({ round: 1234, rank: 9, replica: true, next: 42, status: AckStatus.OK, info: 0x7edcba98 })]);
});

test('an ack read in place: a malformed one is counted, one for no stream is stale', (t) => {
  const { ft } = state(true);
  const frame = (payload: Uint8Array): NetFrame => ({ type: FtFrame.CKPT_ACK, src: 2, dst: 1, srcPort: 7, dstPort: 7, epoch: 1, payload });
  const ok = encodeCkptAck({ round: 1, rank: 0, replica: false, next: 1, status: AckStatus.OK, info: 0 });
  const bad = ok.slice();
  bad[8] = AckStatus.MALFORMED + 1;
  onAck(ft, frame(ok.subarray(0, 12)));
  onAck(ft, frame(bad));
  onAck(ft, frame(ok));
  t.deepEqual([ft.figs[FF_MALFORMED], ft.figs[FF_STALE]], [2, 1]);
});
