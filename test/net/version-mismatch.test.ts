import test from 'ava';
import { TestNetwork } from './harness.js';
import { FRAME_VERSION, FrameCodec, FLAG_NO_CRC } from '../../src/wire/frame.js';
import { BoardConsoleTarget } from '../../src/runtime/console-target.js';
import { encodeEvent, parseEvent } from '../../src/events.js';
import type { ConsoleBoard } from '../../src/runtime/console-target.js';

/**
 * A board flashed with an older mcdsm next to a new one: node 2's frames leave it with the
 * version nibble `sent.version` (re-sealed, so they are whole frames of that version), as
 * an older firmware's would. Datagram links, with our CRC and without (NO_CRC).
 */
function mixedPair(datagramCrc: boolean): {
  net: TestNetwork;
  sent: { version: number };
  reports: [number, number][];
  logs: string[];
} {
  const logs: string[] = [];
  const net = new TestNetwork({ seed: 3, net: { datagramCrc } });
  net.addNode(1).onLog = (_level, message) => void logs.push(message);
  net.addNode(2);
  net.connect(1, 2, 'datagram');
  const sent = { version: 3 };
  const codec = new FrameCodec(1024, 8);
  const link = net.node(2).links[0]!;
  const write = link.write.bind(link);
  link.write = (bytes: Uint8Array): void => {
    const b = bytes.slice();
    if (sent.version !== FRAME_VERSION) {
      b[0] = (sent.version << 4) | (b[0]! & 0x0f);
      codec.seal(b, (b[0]! & FLAG_NO_CRC) === 0);
    }
    write(b);
  };
  net.start();
  const reports: [number, number][] = [];
  net.node(1).onVersionMismatch = (l, v) => reports.push([l, v]);
  return { net, sent, reports, logs };
}

for (const datagramCrc of [true, false]) {
  test(`a neighbour in frame version 3 (${datagramCrc ? 'CRC' : 'NO_CRC'}): link down, counted, reported once naming both versions; again when its version changes or it changes back after the link was up`, (t) => {
    const { net, sent, reports, logs } = mixedPair(datagramCrc);
    net.run(10_000);
    const s1 = net.net(1).stats();
    const l1 = net.net(1).linkStats()[0]!;
    t.false(l1.up, 'the link never comes up');
    t.false(net.net(2).linkStats()[0]!.up);
    t.true(s1.versionMismatch >= 5, `counted per frame: ${s1.versionMismatch}`);
    t.is(l1.versionMismatch, s1.versionMismatch);
    // A version drop is a decode failure, so malformed counts it too (docs/PROTOCOL.md §1).
    t.true(s1.malformed >= s1.versionMismatch);
    t.is(l1.peerVersion, 3);
    t.deepEqual(reports, [[0, 3]], 'one report for the link');
    const said = logs.filter((m) => m.includes('frame version'));
    t.deepEqual(said, [`link 0: peer sends frame version 3, this board speaks ${FRAME_VERSION}; flash both with the same mcdsm version`]);
    // The other board hears new frames: nothing to say there.
    t.is(net.net(2).stats().versionMismatch, 0);

    sent.version = 2;
    net.run(5_000);
    t.deepEqual(reports, [[0, 3], [0, 2]], 'reported again for the new version, once');
    t.is(net.net(1).linkStats()[0]!.peerVersion, 2);

    // Both flashed alike: the link comes up and the counters stop.
    sent.version = FRAME_VERSION;
    t.true(net.runUntil(() => net.allLinksUp(), 10_000), 'up once the versions agree');
    const count = net.net(1).stats().versionMismatch;
    net.run(2_000);
    t.is(net.net(1).stats().versionMismatch, count);
    t.is(reports.length, 2);
    t.is(net.net(1).linkStats()[0]!.peerVersion, 0, 'forgotten once the link came up in our version');

    // Flashed back to the old version after the link was up: that is news again, reported once.
    sent.version = 3;
    net.run(10_000);
    t.deepEqual(reports, [[0, 3], [0, 2], [0, 3]], 'a peer going 3 -> 4 -> 3 is reported the second time too');
  });
}

test('line noise in the version nibble is malformed, not a version mismatch (the CRC tells them apart)', (t) => {
  const net = new TestNetwork({ seed: 5, net: { datagramCrc: true } });
  net.addNodes([1, 2]);
  net.connect(1, 2, 'datagram');
  const link = net.node(2).links[0]!;
  const write = link.write.bind(link);
  // Not re-sealed: what a flipped bit in byte 0 looks like.
  link.write = (bytes: Uint8Array): void => {
    const b = bytes.slice();
    b[0] = b[0]! ^ 0x10;
    write(b);
  };
  net.start();
  let reports = 0;
  net.node(1).onVersionMismatch = () => reports++;
  net.run(5_000);
  t.true(net.net(1).stats().malformed > 0);
  t.is(net.net(1).stats().versionMismatch, 0);
  t.is(reports, 0);
});

test('console status names the cause while the link is down for it', (t) => {
  const { net } = mixedPair(true);
  net.run(5_000);
  const stub = { net: net.net(1), hal: { memory: () => ({ used: 0, limit: 0 }), now: () => 0 }, config: { rank: 0, app: 'x' }, node: 1, appState: 'running', started: 0, logLevel: 'info', ft: null };
  const status = new BoardConsoleTarget(stub as unknown as ConsoleBoard).status();
  t.is(status['link_problem'], `link 0: peer sends frame version 3, this board speaks ${FRAME_VERSION}; flash both with the same mcdsm version`);
});

test('the link-version board event reads back', (t) => {
  const rec = encodeEvent({ name: 'link-version', link: 1, peer: 3, ours: FRAME_VERSION });
  t.deepEqual(rec, { name: 'link-version', value: 1, detail: `3 ${FRAME_VERSION}` });
  t.deepEqual(parseEvent(rec.name, rec.value, rec.detail!), { name: 'link-version', link: 1, peer: 3, ours: FRAME_VERSION });
  t.is(parseEvent('link-version', 1, 'x'), null);
});
