/**
 * The raw baseline of the MCAPI benchmark: two boards exchange messages directly on their
 * first HAL link — no network layer, no MCAPI, no console on either side — doing only what a
 * correct program must on that link (raw-link.ts: the datagram as is; on a UART, CRC-32 and
 * COBS framing). Rank 0 sends `--size` bytes and waits for the echo from rank 1, `--count`
 * times, between its `bench-start` and `bench-end` events.
 */
import type { RawApp } from '../../src/app.js';
import type { Hal } from '../../src/hal.js';
import type { BoardConfig } from '../../src/config.js';
import { benchArgs } from './args.js';
import { rawChannel } from './raw-link.js';

function start(hal: Hal, config: BoardConfig): void {
  const o = benchArgs(config.appArgs);
  const link = hal.links[0];
  if (!link) {
    hal.halt('raw-echo needs a link');
    return;
  }
  if (config.rank !== 0) {
    const back = rawChannel(hal, link, o.size, (bytes) => back.send(bytes));
    hal.event('app-result', config.rank, 'null');
    return;
  }
  const data = new Uint8Array(o.size);
  for (let i = 0; i < data.length; i++) data[i] = i & 0xff;
  let done = 0;
  const ch = rawChannel(hal, link, o.size, (bytes) => {
    if (bytes.length !== o.size || bytes[o.size - 1] !== data[o.size - 1]) {
      hal.halt(`raw-echo: echo of ${bytes.length} bytes, expected ${o.size}`);
      return;
    }
    done++;
    if (done < o.count) ch.send(data);
    else {
      hal.event('bench-end', done);
      hal.event('app-result', 0, JSON.stringify({ roundTrips: done, dropped: ch.dropped }));
    }
  });
  // Let the peer boot (it boots in the same instant) before the first send.
  hal.setTimer(1, () => {
    hal.event('bench-start', 0);
    ch.send(data);
  });
}

export const rawEchoApp: RawApp = { name: 'raw-echo', raw: true, start };
