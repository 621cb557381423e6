/**
 * The conformance cases under the interleavings that made them fail on loaded lin boards
 * (docs/FOOTPRINT.md "Round 11: the pkt close race"), made deterministic: rank 0's link reader
 * takes some of rank 1's frames only together with the frame rank 1 sends after them, in one
 * read (one callback, so the promise jobs the first one settles run after the second is
 * handled). Order per pair is kept and nothing is lost: the network's guarantees hold; only
 * the moments at which rank 0's application sees the frames move, as a descheduled process's
 * do. MCAPI allows every one of these interleavings, so every case must pass under them.
 */
import test from 'ava';
import type { NetFrame } from '../../src/net/net.js';
import { McapiFrame } from '../../src/mcapi/index.js';
import { runConformance } from '../../examples/conformance/app.js';
import { hubContexts, makeNodes } from './loopnet.js';
import type { LoopHub, LoopNet } from './loopnet.js';

/** A held frame waits at most this long (virtual ms) for the next one. */
const HOLD_MS = 20;
const CASE_TIMEOUT_MS = 5000;

/**
 * From a frame of `hold` types on, the frames from node `from` to node `to` wait (in order)
 * until a frame of `release` types (any type when empty) arrives, or HOLD_MS have passed; then
 * all of them are delivered in one callback: a reader descheduled meanwhile.
 */
function lateReads(hub: LoopHub, from: number, to: number, hold: readonly number[], release: readonly number[] = []): { held: number } {
  const dst = hub.net(to) as LoopNet;
  const waiting: NetFrame[] = [];
  let timer = -1;
  const stats = { held: 0 };
  const flush = (): void => {
    timer = -1;
    for (const f of waiting.splice(0)) dst.deliver(f);
  };
  hub.tap = (f) => {
    if (f.src !== from || f.dst !== to) return 'deliver';
    if (waiting.length === 0) {
      if (!hold.includes(f.type)) return 'deliver';
      stats.held++;
      waiting.push(f);
      timer = hub.clock.setTimer(HOLD_MS, flush);
      return 'drop';
    }
    waiting.push(f);
    if (release.length === 0 || release.includes(f.type)) {
      hub.clock.clearTimer(timer);
      flush();
    }
    return 'drop';
  };
  return stats;
}


async function runCase(filter: string, hold: readonly number[], release: readonly number[] = []): Promise<{ results: { passed: number; failed: number; failures: { name: string; message: string }[] }[]; held: number }> {
  const { hub, nodes } = makeNodes(3);
  // Node 2 is rank 1, node 1 rank 0 (nodeOfRank above).
  const s = lateReads(hub, 2, 1, hold, release);
  const ctxs = hubContexts(hub, nodes);
  const results = await hub.run(Promise.all(ctxs.map((c) => runConformance(c, { filter, caseTimeoutMs: CASE_TIMEOUT_MS }))));
  return { results, held: s.held };
}

test('after both closes: rank 1 connects again only after rank 0 looked (its GO acceptance read with its next connect)', async (t) => {
  // On the loaded lin boards: rank 1 left the barrier at GO and connected again at once; its
  // acceptance of GO (MSG_RESP) and its CONNECT_RECV reached rank 0 in one read, so rank 0's
  // barrier released after the new connection was made, and TYPE read PKTCHAN (2), not MESSAGE.
  const { results, held } = await runCase('after both closes the endpoints connect again', [McapiFrame.MSG_RESP]);
  t.true(held > 0, 'some acceptances were held');
  for (const r of results) {
    t.is(r.passed, 1, JSON.stringify(r.failures));
    t.deepEqual(r.failures, []);
  }
});

test('get waits until the endpoint is created: timed from the get, not from a barrier (its GO acceptance read late)', async (t) => {
  // Rank 0 leaves a barrier later than rank 1 (its GO acceptance comes back first): a time
  // measured on rank 0 from the barrier says nothing about when rank 1 acted after it.
  const { results, held } = await runCase('get waits until the endpoint is created', [McapiFrame.MSG_RESP]);
  t.true(held > 0, 'some acceptances were held');
  for (const r of results) {
    t.is(r.passed, 1, JSON.stringify(r.failures));
    t.deepEqual(r.failures, []);
  }
});
