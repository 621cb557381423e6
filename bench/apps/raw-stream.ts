/**
 * Raw baseline of `mcdsm bench ft`: both boards send `--size` bytes to each other straight
 * onto their first HAL link (no network layer, no FT), as a checkpoint and its buddy copy
 * would cross the link; each reports the virtual ms until it has received everything.
 */
import type { RawApp } from '../../src/app.js';
import type { Hal } from '../../src/hal.js';
import type { BoardConfig } from '../../src/config.js';
import { benchArgs } from './args.js';

function start(hal: Hal, config: BoardConfig): void {
  const o = benchArgs(config.appArgs);
  const link = hal.links[0];
  if (!link) {
    hal.halt('raw-stream needs a link');
    return;
  }
  const chunk = new Uint8Array(Math.min(1024, link.mtu));
  let received = 0;
  let t0 = 0;
  link.receiver = { input: (bytes) => {
    received += bytes.length;
    if (received >= o.size) hal.event('app-result', config.rank, JSON.stringify({ ms: hal.now() - t0, bytes: received }));
  } };
  hal.setTimer(1, () => {
    t0 = hal.now();
    for (let sent = 0; sent < o.size; sent += chunk.length) link.write(chunk.subarray(0, Math.min(chunk.length, o.size - sent)));
  });
}

export const rawStreamApp: RawApp = { name: 'raw-stream', raw: true, start };
