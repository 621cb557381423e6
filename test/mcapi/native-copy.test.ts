/**
 * MCAPI's message payloads through the board's native copy (`Hal.bytes.copy`,
 * docs/PERFORMANCE.md "Round 12b"): a payload of NATIVE_COPY_MIN (256) bytes or more is copied
 * by the native copy on receive (into the posted buffer, whether the receive waited or took a
 * queued message); a shorter one by the JS copy. On send MCAPI copies nothing: the net writes
 * the MSG header and the data into its frame (Net.send's head, "Round 14"). A node with the
 * native copy and one without exchange the same bytes.
 */
import test from 'ava';
import { McapiNode } from '../../src/mcapi/index.js';
import { NATIVE_COPY_MIN, type NativeCopy } from '../../src/util/native-copy.js';
import { LoopHub } from './loopnet.js';
import type { Clock, Hal } from '../../src/hal.js';

/** A native copy that counts its calls and the bytes it moved (the same bytes as a memcpy). */
function countingCopy(): { copy: NativeCopy; calls: number[] } {
  const calls: number[] = [];
  const copy: NativeCopy = (src, start, end, dst, at) => {
    calls.push(end - start);
    dst.set(src.subarray(start, end), at);
  };
  return { copy, calls };
}

/** The hub's clock with a board's native copy, as a HAL passes itself to McapiNode. */
function withCopy(hub: LoopHub, copy: NativeCopy): Clock & Pick<Hal, 'bytes'> {
  return {
    now: () => hub.clock.now(),
    setTimer: (ms, fire, arg) => hub.clock.setTimer(ms, fire, arg),
    clearTimer: (id) => hub.clock.clearTimer(id),
    bytes: { copy },
  };
}

function pattern(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

test('payloads of 256 bytes and more go through the native copy, shorter ones do not; the bytes are equal either way', async (t) => {
  const hub = new LoopHub(1);
  const native = countingCopy();
  // Node 1 has the native copy, node 2 has no native helpers.
  const a = new McapiNode(hub.add(1), withCopy(hub, native.copy));
  a.initialize(1, 1);
  const b = new McapiNode(hub.add(2), hub.clock);
  b.initialize(1, 2);
  const ea = a.createEndpoint(10);
  const eb = b.createEndpoint(10);
  const toB = await hub.run(a.getEndpoint(1, 2, 10, 100));
  const toA = await hub.run(b.getEndpoint(1, 1, 10, 100));
  const bufA = new Uint8Array(4096);
  const bufB = new Uint8Array(4096);
  for (const n of [1, 64, NATIVE_COPY_MIN - 1, NATIVE_COPY_MIN, 1000, 4096]) {
    const big = n >= NATIVE_COPY_MIN;
    // 1 -> 2: node 1 hands the payload to the net as it is (no copy of MCAPI's: before
    // Round 14 a big one went through the native copy into a payload of MCAPI's own); node 2
    // copies it into a waiting receive's buffer with its JS copy.
    native.calls.length = 0;
    const out = pattern(n, n);
    const recvB = b.msgRecv(eb, bufB);
    await hub.run(a.msgSend(ea, toB, out));
    t.is(await hub.run(recvB), n);
    t.deepEqual(bufB.subarray(0, n), out, `${n} bytes arrive intact at the node without natives`);
    t.deepEqual(native.calls, [], `${n} bytes: the send copies nothing itself`);
    // 2 -> 1 into a waiting receive (deliver), then 2 -> 1 queued and taken (take): node 1's
    // receive copies are native when big.
    native.calls.length = 0;
    const back = pattern(n, n + 7);
    const recvA = a.msgRecv(ea, bufA);
    await hub.run(b.msgSend(eb, toA, back));
    t.is(await hub.run(recvA), n);
    t.deepEqual(bufA.subarray(0, n), back, `${n} bytes arrive intact in a waiting receive`);
    await hub.run(b.msgSend(eb, toA, out));
    await hub.advance(10);
    t.is(a.msgAvailable(ea), 1);
    bufA.fill(0);
    t.is(await hub.run(a.msgRecv(ea, bufA)), n);
    t.deepEqual(bufA.subarray(0, n), out, `${n} bytes arrive intact from the queue`);
    t.deepEqual(native.calls, big ? [n, n] : [], `${n} bytes: both receives through the native copy only from ${NATIVE_COPY_MIN}`);
  }
});
