/**
 * A board's side of its network layer is one object of methods (BoardNetHost, NetHost), not a
 * closure per hook: the four closures it replaced (the `random` and `log` options,
 * `onUndeliverable`, `onVersionMismatch`) were ~30 live XS slots a board (docs/FOOTPRINT.md
 * "Round 15: boot slots"). The reports still reach the board's MCAPI node, log and events.
 */
import test from 'ava';
import { DrivenHal } from '../../hal/driven/driven-hal.js';
import { BoardNetHost, BoardRuntime } from '../../src/runtime/board-runtime.js';
import { checkBoardConfig } from '../../src/config.js';
import { idleApp } from '../../examples/idle/app.js';
import type { LogLevel } from '../../src/hal.js';

const LINK = { kind: 'stream' as const, mtu: 256 };

function board(): { hal: DrivenHal; board: BoardRuntime } {
  const hal = new DrivenHal({ links: [LINK], seed: 7, ramLimit: 153600 });
  const cfg = checkBoardConfig({ domain: 1, node: 0, rank: 0, boards: 2, links: [LINK], seed: 7, ramLimit: 153600, app: 'idle', appArgs: [], options: {} }, 1);
  return { hal, board: new BoardRuntime(hal, cfg, idleApp) };
}

test('the board hands its net one host object; the layer keeps no hook closure', (t) => {
  const { board: b } = board();
  const host = b.net.options.host;
  t.true(host instanceof BoardNetHost);
  for (const [name, v] of Object.entries(host)) t.not(typeof v, 'function', `host.${name} is not a closure`);
  for (const [name, v] of Object.entries(b.net)) t.not(typeof v, 'function', `net.${name} is not a closure`);
  t.false('onUndeliverable' in b.net);
  t.false('onVersionMismatch' in b.net);
});

test('the host\'s methods reach the board: random, log, MCAPI on undeliverable frames, an event on a version mismatch', (t) => {
  const { hal, board: b } = board();
  const host = b.net.options.host;
  const logs: [LogLevel, string][] = [];
  const events: [string, number, string | undefined][] = [];
  const unreachable: number[] = [];
  hal.log = (level, message) => void logs.push([level, message]);
  hal.event = (name, value, detail) => void events.push([name, value, detail]);
  b.mcapi.peerUnreachable = (node) => void unreachable.push(node);
  hal.random = () => 0.25;
  t.is(host.random(), 0.25);
  host.log!('warn', 'something');
  t.deepEqual(logs, [['warn', 'net: something']], 'the board\'s log, prefixed as before');
  host.log!('debug', 'quiet');
  t.is(logs.length, 1, 'below the board\'s log level: dropped');
  host.undeliverable!(3, 2);
  t.deepEqual(unreachable, [3]);
  host.versionMismatch!(0, 9);
  t.is(events.length, 1);
  t.is(events[0]![0], 'link-version');
});
