/**
 * The raw baseline of the DSM page-fetch benchmark: the same exchange as a DSM fetch of an
 * invalid page — a small request from rank 0, answered by `--size` bytes from rank 1 — done
 * directly on the first HAL link: no network layer, no MCAPI, no DSM, no console on either
 * side, only what a correct program must do on that link (raw-link.ts: on a UART, CRC-32 and
 * COBS framing). Rank 1 copies its page into the reply and rank 0 copies the reply into its own page,
 * as the DSM does on both sides, with the same copy the DSM uses (`copyBytes`: the board's native
 * copy from 256 bytes, Hal.bytes.copy), so the raw side is not charged a copy the runtime avoids. One untimed warm-up exchange, then `--count` timed ones,
 * each between a `bench-start` and a `bench-end` event (the host sums the intervals).
 */
import type { RawApp } from '../../src/app.js';
import type { Hal } from '../../src/hal.js';
import type { BoardConfig } from '../../src/config.js';
import { benchArgs } from './args.js';
import { rawChannel } from './raw-link.js';
import { copyBytes } from '../../src/dsm/bytes.js';

/** Request: round number (u32, little-endian). */
const REQUEST_BYTES = 4;

function start(hal: Hal, config: BoardConfig): void {
  const o = benchArgs(config.appArgs);
  const size = config.appArgs.includes('--size') ? o.size : 4096;
  const link = hal.links[0];
  if (!link) {
    hal.halt('raw-fetch needs a link');
    return;
  }
  const page = new Uint8Array(size);
  const copy = hal.bytes?.copy;
  if (config.rank !== 0) {
    for (let i = 0; i < size; i++) page[i] = i & 0xff;
    const home = rawChannel(hal, link, size, (bytes) => {
      if (bytes.length === REQUEST_BYTES) home.send(page);
    });
    hal.event('app-result', config.rank, 'null');
    return;
  }
  const request = new Uint8Array(REQUEST_BYTES);
  let round = 0;
  const ask = (): void => {
    request[0] = round & 0xff;
    request[1] = (round >>> 8) & 0xff;
    request[2] = (round >>> 16) & 0xff;
    request[3] = round >>> 24;
    if (round > 0) hal.event('bench-start', round - 1);
    ch.send(request);
  };
  const ch = rawChannel(hal, link, size, (bytes) => {
    if (bytes.length !== size) {
      hal.halt(`raw-fetch: reply of ${bytes.length} bytes, expected ${size}`);
      return;
    }
    copyBytes(page, 0, bytes, copy);
    if (page[size - 1] !== ((size - 1) & 0xff)) {
      hal.halt(`raw-fetch: byte ${size - 1} of the reply is ${page[size - 1]}`);
      return;
    }
    if (round > 0) hal.event('bench-end', round);
    if (round < o.count) {
      round++;
      ask();
    } else {
      hal.event('app-result', 0, JSON.stringify({ fetches: round, size }));
    }
  });
  // Let the peer boot (it boots in the same instant) before the first request.
  hal.setTimer(1, ask);
}

export const rawFetchApp: RawApp = { name: 'raw-fetch', raw: true, start };
