/**
 * The promise-free message path (docs/PERFORMANCE.md, "Promise-free message path"): a blocking
 * send or receive keeps its promise's functions on the request (no settle closure, no waiter
 * array), a message send is cancelled through its sender (no closure per message), and the
 * slots are freed as before. Each test fails if the fast path is gone or broken.
 */
import test from 'ava';
import { McapiError, Status } from '../../src/mcapi/index.js';
import type { Request } from '../../src/mcapi/index.js';
import type { Core } from '../../src/mcapi/core.js';
import { LoopHub, makeNodes } from './loopnet.js';
import { McapiNode } from '../../src/mcapi/index.js';
import type { Clock } from '../../src/hal.js';

const core = (n: McapiNode): Core => (n as unknown as { core: Core }).core;

test('blocking sends and receives settle through the request and free every slot', async (t) => {
  const { hub, nodes: [a, b] } = makeNodes(2);
  const ea = a!.createEndpoint(10);
  const eb = b!.createEndpoint(10);
  const toB = await hub.run(a!.getEndpoint(1, 2, 10, 100));
  const toA = await hub.run(b!.getEndpoint(1, 1, 10, 100));
  const buf = new Uint8Array(32);
  for (let i = 0; i < 20; i++) {
    const data = new Uint8Array([i, i + 1, i + 2]);
    // The receive waits (nothing queued yet): its promise's functions are on the request.
    const recv = b!.msgRecv(eb, buf);
    const waiting = core(b!).requests.all();
    t.is(waiting.length, 1);
    t.not(waiting[0]!._resolve, undefined);
    t.is(waiting[0]!._waiters, undefined);
    await hub.run(a!.msgSend(ea, toB, data));
    t.is(await hub.run(recv), 3);
    t.deepEqual([...buf.subarray(0, 3)], [i, i + 1, i + 2]);
    await hub.run(b!.msgSend(eb, toA, buf.subarray(0, 3)));
    t.is(await hub.run(a!.msgRecv(ea, buf)), 3);
  }
  t.is(core(a!).requests.used, 0);
  t.is(core(b!).requests.used, 0);
});

test('a failed blocking send rejects through the request with its status', async (t) => {
  const { hub, nodes: [a, b] } = makeNodes(2);
  const ea = a!.createEndpoint(10);
  const eb = b!.createEndpoint(11);
  const toB = await hub.run(a!.getEndpoint(1, 2, 11, 100));
  // The receiving endpoint is gone: node 2 NACKs, the send fails.
  b!.deleteEndpoint(eb);
  const err = await t.throwsAsync(hub.run(a!.msgSend(ea, toB, new Uint8Array(4))));
  t.true(err instanceof McapiError);
  t.not((err as McapiError).status, Status.MCAPI_SUCCESS);
  t.is(core(a!).requests.used, 0);
});

test('an abort that reaches a completed send undoes nothing: no withdrawal goes out, its outcome stays', async (t) => {
  const { hub, nodes: [a, b] } = makeNodes(2);
  const ea = a!.createEndpoint(10);
  b!.createEndpoint(10);
  const toB = await hub.run(a!.getEndpoint(1, 2, 10, 100));
  const req: Request<number> = a!.msgSendI(ea, toB, new Uint8Array([9]));
  await hub.run(a!.wait(req, 100));
  t.is(req.status, Status.MCAPI_SUCCESS);
  const c = core(a!);
  const out = c.counters.framesOut;
  // A late timer's abort (TimedWait) finds it done: the sender is not asked to withdraw it.
  c.abort(req, Status.MCAPI_TIMEOUT);
  await hub.advance(50);
  t.is(req.status, Status.MCAPI_SUCCESS);
  t.is(c.counters.framesOut, out, 'no WITHDRAW frame for a completed send');
});

test('a message send is cancelled through its sender, with no closure per message', async (t) => {
  const { hub, nodes: [a, b] } = makeNodes(2);
  const ea = a!.createEndpoint(10);
  const eb = b!.createEndpoint(10);
  const toB = await hub.run(a!.getEndpoint(1, 2, 10, 100));
  const req: Request<number> = a!.msgSendI(ea, toB, new Uint8Array([9]));
  // No undo field (an XS slot of every message in flight): Core.abort asks the message sender.
  t.false('_cancel' in req, 'no undo field: the sender undoes its message by the request kind');
  t.is(core(a!).requests.used, 1);
  a!.cancel(req);
  t.is(req.status, Status.MCAPI_ERR_REQUEST_CANCELLED);
  t.is(core(a!).requests.used, 0);
  // The sender's state is clean: the next message goes through and nothing is left in use.
  await hub.run(a!.msgSend(ea, toB, new Uint8Array([7])));
  const buf = new Uint8Array(4);
  await hub.advance(50);
  let last = -1;
  while (b!.msgAvailable(eb) > 0) {
    t.is(await hub.run(b!.msgRecv(eb, buf)), 1);
    last = buf[0]!;
  }
  t.is(last, 7);
  t.is(core(a!).requests.used, 0);
});

/** A node's view of the hub's clock that counts its zero-delay (end-of-turn) timers. */
function countingClock(hub: LoopHub): { clock: Clock; soon: { set: number; fired: number; cleared: number } } {
  const soon = { set: 0, fired: 0, cleared: 0 };
  const ids = new Set<number>();
  const clock: Clock = {
    now: () => hub.clock.now(),
    setTimer: (ms, fire, arg) => {
      if (ms > 0) return hub.clock.setTimer(ms, fire, arg);
      soon.set++;
      const id = hub.clock.setTimer(0, () => {
        ids.delete(id);
        soon.fired++;
        fire(arg!);
      });
      ids.add(id);
      return id;
    },
    clearTimer: (id) => {
      if (ids.delete(id)) soon.cleared++;
      hub.clock.clearTimer(id);
    },
  };
  return { clock, soon };
}

test('an ACK that rides on the reply leaves no end-of-turn flush to run; one that does not is flushed', async (t) => {
  const hub = new LoopHub(1);
  const a = new McapiNode(hub.add(1), hub.clock);
  a.initialize(1, 1);
  const { clock, soon } = countingClock(hub);
  const b = new McapiNode(hub.add(2), clock);
  b.initialize(1, 2);
  const ea = a.createEndpoint(10);
  const eb = b.createEndpoint(10);
  const toB = await hub.run(a.getEndpoint(1, 2, 10, 100));
  const toA = await hub.run(b.getEndpoint(1, 1, 10, 100));
  const buf = new Uint8Array(8);
  const before = { ...soon };
  const rounds = 20;
  for (let i = 0; i < rounds; i++) {
    // Node 2 answers in the turn that took the message (as the bench's echo does): the ACK
    // of the message rides on the reply.
    const echo = b.msgRecv(eb, buf).then((n) => b.msgSend(eb, toA, buf.subarray(0, n)));
    await hub.run(a.msgSend(ea, toB, new Uint8Array([i])));
    await hub.run(echo);
    t.is(await hub.run(a.msgRecv(ea, buf)), 1);
    t.is(buf[0], i);
  }
  const cb = core(b);
  t.is(cb.counters.respFrames, 0, 'no stand-alone MSG_RESP from node 2');
  t.is(cb.counters.piggybacked, rounds);
  // One end-of-turn flush asked for per message taken, each cleared when its ACK rode on the
  // reply; left to fire (before round 6) each was a turn with nothing to do.
  t.is(soon.set - before.set, rounds);
  t.is(soon.cleared - before.cleared, rounds);
  t.is(soon.fired - before.fired, 0);
  // No reply: the flush runs and the ACK goes alone, so the sender's request completes.
  await hub.run(a.msgSend(ea, toB, new Uint8Array([99])));
  t.is(soon.fired - before.fired, 1);
  t.is(cb.counters.respFrames, 1);
  t.is(core(a).requests.used, 0);
});
