/**
 * The least a correct program must do to move messages over one HAL link, for the raw
 * baselines of the benchmarks. A datagram link carries each message as one packet (the
 * transport checks it). A byte stream (UART) needs framing and a check: each message is sent
 * as payload + CRC-32 (LE), COBS-encoded with a 0x00 delimiter, and a frame whose CRC does
 * not match is dropped and counted — with the runtime's own helpers (src/wire: Crc32,
 * cobsEncode, CobsDeframer), native ones included when the board has them (Hal.bytes), so both
 * sides of a benchmark pay the same for the same work.
 */
import type { Hal, HalLink } from '../../src/hal.js';
import { Crc32 } from '../../src/wire/crc32.js';
import { CobsDeframer, cobsEncode, cobsEncodedLength } from '../../src/wire/cobs.js';
import { NATIVE_COPY_MIN } from '../../src/dsm/bytes.js';
import { copyInto } from '../../src/util/wide-copy.js';

export interface RawChannel {
  send(payload: Uint8Array): void;
  /** Frames dropped for a bad CRC or length. */
  readonly dropped: number;
}

const CRC_BYTES = 4;

export function rawChannel(hal: Hal, link: HalLink, maxPayload: number, onMessage: (payload: Uint8Array) => void): RawChannel {
  if (link.kind === 'datagram') {
    link.receiver = { input: onMessage };
    return { send: (p) => link.write(p), dropped: 0 };
  }
  const natives = hal.bytes;
  const copy = natives?.copy;
  const crc = new Crc32(8, natives);
  const frame = new Uint8Array(maxPayload + CRC_BYTES);
  const wire = new Uint8Array(cobsEncodedLength(frame.length));
  const state = { dropped: 0 };
  const deframer = new CobsDeframer(frame.length, { deframed: (f) => {
    const n = f.length - CRC_BYTES;
    if (n < 0) {
      state.dropped++;
      return;
    }
    const stored = (f[n]! | (f[n + 1]! << 8) | (f[n + 2]! << 16) | (f[n + 3]! << 24)) >>> 0;
    if (stored !== crc.compute(f, 0, n)) {
      state.dropped++;
      return;
    }
    onMessage(f.subarray(0, n));
  } }, natives);
  link.receiver = { input: (bytes) => deframer.push(bytes) };
  return {
    send(payload: Uint8Array): void {
      const n = payload.length;
      // The runtime's copy rule (src/dsm/bytes.ts copyBytes), inlined so a short message pays no extra call.
      if (copy !== undefined && n >= NATIVE_COPY_MIN) copy(payload, 0, n, frame, 0);
      else copyInto(frame, 0, payload);
      const c = crc.compute(frame, 0, n);
      frame[n] = c & 0xff;
      frame[n + 1] = (c >>> 8) & 0xff;
      frame[n + 2] = (c >>> 16) & 0xff;
      frame[n + 3] = c >>> 24;
      const enc = natives?.cobsEncode;
      if (enc !== undefined) link.write(enc(frame, 0, n + CRC_BYTES, false));
      else link.write(wire.subarray(0, cobsEncode(frame, wire, 0, 0, n + CRC_BYTES)));
    },
    get dropped(): number {
      return state.dropped;
    },
  };
}
