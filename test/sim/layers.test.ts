/**
 * The per-layer profile of a 24-byte round trip (bench/layers.ts, docs/PERFORMANCE.md): real
 * XS boards, a short run. The layers and the rest add up to the plain run's units, every
 * layer on the message path does some work, and the UART's frame codec (CRC-32, COBS) costs
 * more than udp's (no CRC, no COBS).
 */
import test from 'ava';
import { benchLayers } from '../../bench/layers.js';

test('bench layers: a 24-byte round trip split by layer on uart and udp', async (t) => {
  // 12 round trips: with fewer the wrapper-cost scale is off by a fifth (4 gave a negative HAL
  // share and 'requests + promises' at 10 units, since round 12 made requests ~600 units a trip).
  const [uart, udp] = await benchLayers(12);
  for (const f of [uart!, udp!]) {
    const sum = Object.values(f.layers).reduce((a, b) => a + b, 0);
    t.true(Math.abs(sum + f.rest - f.units) <= Object.keys(f.layers).length, `${f.link}: layers + rest = total`);
    for (const l of ['mcapi facade + args', 'mcapi messages/channels', 'requests + promises', 'net layer', 'e2e', 'hop link', 'frame codec']) {
      t.true(f.layers[l]! > 100, `${f.link}: ${l} = ${f.layers[l]}`);
    }
    t.true(f.profiledUnits > f.units, 'the profiler costs units of its own, taken out of the layers');
    t.true(f.rawUnits > 0 && f.rawUnits < f.units);
  }
  t.true(uart!.layers['frame codec']! > udp!.layers['frame codec']!);
});

test('bench layers --pkt: a 4 KiB packet round trip split by layer too, the costliest methods named', async (t) => {
  const figs = await benchLayers(10, true);
  t.is(figs.length, 4);
  const pkt = figs.filter((f) => f.what === 'pkt4k');
  t.deepEqual(pkt.map((f) => f.link), ['uart:921600', 'udp']);
  for (const f of pkt) {
    const sum = Object.values(f.layers).reduce((a, b) => a + b, 0);
    t.true(Math.abs(sum + f.rest - f.units) <= Object.keys(f.layers).length, `${f.link}: layers + rest = total`);
    for (const l of ['net layer', 'e2e', 'hop link', 'frame codec']) t.true(f.layers[l]! > 100, `${f.link}: ${l} = ${f.layers[l]}`);
    // Each packet of a ping-pong carries the credit its sender held (MCAPI.md §4, Round 17), so
    // both go through the head-carrying send.
    t.true(f.methods.some(([name, , calls]) => name === 'NetLayer.sendHead' && calls >= 2), 'the send path (a packet with its held credit) is among the costliest methods');
    // On a UART a packet costs more than a message: its 4 KiB are framed (COBS, CRC-32) on both
    // boards. On udp it no longer does: a packet channel's ping-pong sends no frame but the two
    // packets (Round 17), a message round trip also its acceptance bookkeeping.
    const msg = figs.find((g) => g.what === 'msg24' && g.link === f.link)!.units;
    if (f.link.startsWith('uart')) t.true(f.units > msg, `${f.link}: packet ${f.units} > message ${msg}`);
    else t.true(f.units > 0.5 * msg, `${f.link}: packet ${f.units}, message ${msg}`);
  }
});
