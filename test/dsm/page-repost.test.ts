/**
 * The reader's step of a page fetch (docs/PERFORMANCE.md "Round 20: the page fetch"): the
 * receive that took a page (FETCH_DATA) is posted again after the app the page resumed has run,
 * at the board's next send (after its write), not on the way to the app; it holds nothing of
 * the page meanwhile. Any other message's receive is posted again at once, as before.
 */
import test from 'ava';
import { McapiDsmTransport } from '../../src/dsm/mcapi-transport.js';
import { Msg } from '../../src/dsm/messages.js';
import { makeNodes } from '../mcapi/loopnet.js';
import type { McapiNode, Request } from '../../src/mcapi/index.js';
import type { Core } from '../../src/mcapi/core.js';

const requestsOf = (m: McapiNode): Request<unknown>[] => (m as unknown as { core: Core }).core.requests.all();
const posted = (m: McapiNode): number => requestsOf(m).filter((r) => r.kind === 'msg-recv').length;

test("a page's receive is posted again at the reader's next send, after the app it resumed ran; another message's at once", async (t) => {
  const { hub, nodes } = makeNodes(2);
  const [a, b] = nodes as [McapiNode, McapiNode];
  const seen: { type: number; postedInApp: number }[] = [];
  const run = (async () => {
    const plan = { size: 2, domain: 1, nodeOfRank: (r: number) => r + 1, recvSlots: 3 };
    const [ta, tb] = await Promise.all([McapiDsmTransport.open(a, { rank: 0, ...plan }), McapiDsmTransport.open(b, { rank: 1, ...plan })]);
    let held: Request<unknown>[] = [];
    tb.receiver = {
      receive: (_from, bytes) => {
        const type = bytes[0]!;
        // The app's continuation: a microtask after the Completion that handed the message over.
        void Promise.resolve().then(() => {
          seen.push({ type, postedInApp: posted(b) });
          held = requestsOf(b);
        });
      },
    };
    t.is(posted(b), 3);
    // A page (its type byte first), then a message of another type.
    ta.send(1, new Uint8Array([0, Msg.FETCH_DATA, 1, 2, 3]).subarray(1));
    await hub.sleep(20);
    t.is(posted(b), 2, 'the page\'s receive waits for the next send');
    const idle = (tb as unknown as { idle: Request<unknown> | null }).idle;
    t.truthy(idle);
    t.is(idle!.value, undefined, 'it holds nothing of the page');
    t.false(held.includes(idle!));
    tb.send(0, new Uint8Array([0, Msg.BARRIER_ARRIVE]).subarray(1));
    t.is(posted(b), 3, 'posted again once the send is written');
    ta.send(1, new Uint8Array([0, Msg.BARRIER_ARRIVE]).subarray(1));
    await hub.sleep(20);
    ta.close();
    tb.close();
    await hub.sleep(1);
  })();
  await hub.run(run);
  t.deepEqual(seen, [
    { type: Msg.FETCH_DATA, postedInApp: 2 },
    { type: Msg.BARRIER_ARRIVE, postedInApp: 3 },
  ]);
});

test('with one receive slot a page\'s receive is posted again at once (a board that never sends still receives)', async (t) => {
  const { hub, nodes } = makeNodes(2);
  const [a, b] = nodes as [McapiNode, McapiNode];
  const got: number[] = [];
  const run = (async () => {
    const plan = { size: 2, domain: 1, nodeOfRank: (r: number) => r + 1, recvSlots: 1 };
    const [ta, tb] = await Promise.all([McapiDsmTransport.open(a, { rank: 0, ...plan }), McapiDsmTransport.open(b, { rank: 1, ...plan })]);
    tb.receiver = { receive: (_from, bytes) => void got.push(bytes[1]!) };
    for (let i = 0; i < 4; i++) ta.send(1, new Uint8Array([0, Msg.FETCH_DATA, i]).subarray(1));
    await hub.sleep(50);
    t.is(posted(b), 1);
    ta.close();
    tb.close();
    await hub.sleep(1);
  })();
  await hub.run(run);
  t.deepEqual(got, [0, 1, 2, 3]);
});
