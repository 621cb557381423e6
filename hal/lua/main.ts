/**
 * Entry of a simulated Lua board (`lua5.x dist/lua/5.x/run.lua hal.lua.main`): the same
 * BoardHost, codec and runtime as an XS board, behind a pipe. Each step the host writes
 * `LENGTH\n` and that many bytes (an encoded event batch, hal/driven/codec.ts); the board
 * applies it, runs every promise job (the prelude's JS-ordered queue) and the end-of-turn
 * timers in the same rounds as hal/xsnap/install.ts, and answers
 * `LENGTH BYTES UNITS\n` + the encoded actions, where BYTES is Lua's heap after the step
 * (collectgarbage("count")) beyond what the loaded code itself holds (on NodeMCU the code sits
 * in flash, LFS) and UNITS the Lua VM instructions the step executed (counted by a
 * debug.sethook count hook, in steps of UNIT_GRAIN). Lua counts garbage until it collects:
 * the line `gc` asks for a full collection and answers `0 BYTES 0\n` with the live figure.
 * The board reports that heap figure to itself (`Hal.memory().used`, the console's `status`
 * `heap=`) as an XS board's host does: a `memory` event ahead of each batch once the boot config
 * has given the budget (`ramLimit`); without it `status` said `heap=0`.
 */
import { BoardHost, errorText } from '../driven/board-host.js';
import type { SimCost } from '../driven/driven-hal.js';
import { decodeEvents, encodeActions } from '../driven/codec.js';
import type { BoardEvent } from '../driven/events.js';
import { bootBoard } from '../../src/board.js';
import { luaApps } from './apps.js';
import { bytesToString, stringToBytes } from './lua-bytes.js';

/** The memory budget a boot config gives, or -1 (a bad config: the board reports it itself). */
function configRamLimit(config: string): number {
  try {
    const limit = (JSON.parse(config) as { ramLimit?: unknown }).ramLimit;
    return typeof limit === 'number' ? limit : -1;
  } catch {
    return -1;
  }
}

/** `events` with the board's heap figure ahead of them (after a leading `time`), as XsBoard sends it. */
function withMemory(events: BoardEvent[], used: number, limit: number): BoardEvent[] {
  const at = events.length > 0 && events[0]!.kind === 'time' ? 1 : 0;
  events.splice(at, 0, { kind: 'memory', used, limit });
  return events;
}

/** Instructions per count-hook call: fine enough for per-message figures, cheap enough to leave on. */
const UNIT_GRAIN = 100;

declare const debug: { sethook(this: void, hook: () => void, mask: string, count: number): void };

function main(): void {
  let units = 0;
  // The instruction count so far in this step: a frame written carries it (the CPU model sends
  // it then). Nothing is taken out of the count: `end` leaves it as it is.
  const sim: SimCost = { begin: () => units, end: () => {}, metered: true, nativeCalls: 0 };
  const host = new BoardHost((hal, config) => bootBoard(hal, config, luaApps()), undefined, sim);
  collectgarbage('collect');
  const baseline = collectgarbage('count');
  const heapBytes = (): number => Math.max(0, Math.floor((collectgarbage('count') - baseline) * 1024));
  let ramLimit = -1;
  debug.sethook(() => {
    units += UNIT_GRAIN;
  }, '', UNIT_GRAIN);
  for (;;) {
    const header = io.read('*l');
    if (header === undefined || header === '') break;
    if (header === 'gc') {
      collectgarbage('collect');
      io.write(`0 ${String(heapBytes())} 0\n`);
      io.stdout.flush(io.stdout);
      continue;
    }
    const n = Number(header);
    const data = n > 0 ? io.read(n) ?? '' : '';
    units = 0;
    try {
      const events = decodeEvents(stringToBytes(data, n));
      for (const e of events) if (e.kind === 'boot') ramLimit = configRamLimit(e.config);
      host.apply(ramLimit >= 0 ? withMemory(events, heapBytes(), ramLimit) : events);
    } catch (err) {
      host.fail(`bad event batch: ${errorText(err)}`);
    }
    // As xsnap-worker: promise jobs, then the end-of-turn timers, until neither is left.
    mcdsm_drain_jobs();
    while (host.settle()) mcdsm_drain_jobs();
    const out = bytesToString(encodeActions(host.takeActions()));
    const used = units;
    io.write(`${String(out.length)} ${String(heapBytes())} ${String(used)}\n`);
    io.write(out);
    io.stdout.flush(io.stdout);
  }
}

main();
