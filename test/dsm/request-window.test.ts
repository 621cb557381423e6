import test from 'ava';
import { RequestWindow, type Outgoing } from '../../src/dsm/request-window.js';
import { InvariantError } from '../../src/util/assert.js';
import { VirtualClock } from '../../host-sim/sim/event-queue.js';

function rig(window = 2, timeoutMs = 100) {
  const clock = new VirtualClock();
  const sent: { to: number; req: number }[] = [];
  const timeouts: number[][] = [];
  /** How each batch ended, in order: null (every request completed) or the failure's message. */
  const ended: (string | null)[] = [];
  const w = new RequestWindow<string>(
    clock,
    window,
    timeoutMs,
    {
      post: (to: number, bytes: Uint8Array) => void sent.push({ to, req: bytes[0]! }),
      waitOver: () => void ended.push(null),
      waitFailed: (error: Error) => void ended.push(error.message),
    },
    {
      timedOut: (silent: number[]) => {
        timeouts.push(silent);
        return new Error(`silent ${silent.join(',')}`);
      },
    },
  );
  const req = (to: number): Outgoing<string> => {
    const id = w.newId();
    return { to, req: id, bytes: new Uint8Array([id]), info: `r${id}` };
  };
  return { clock, sent, timeouts, ended, w, req };
}

test('at most `window` requests are in flight; each reply lets the next queued one out; the owner hears once, when all completed', (t) => {
  const { sent, ended, w, req } = rig(2);
  t.false(w.sendBatch([]), 'nothing to send: nothing to wait for');
  t.true(w.sendBatch([req(1), req(2), req(1), req(3)]));
  t.deepEqual(sent.map((s) => s.req), [1, 2]);
  // A reply to a request still queued, or from the wrong board, is no reply.
  t.is(w.take(1, 3), null);
  t.is(w.take(3, 2), null);
  const p = w.take(2, 2)!;
  t.is(p.info, 'r2');
  t.deepEqual(sent.map((s) => s.req), [1, 2, 3]);
  w.complete(p);
  for (const [from, id] of [[1, 1], [1, 3]] as const) w.complete(w.take(from, id)!);
  t.deepEqual(sent.map((s) => s.req), [1, 2, 3, 4]);
  t.deepEqual(ended, []);
  w.complete(w.take(3, 4)!);
  t.deepEqual(ended, [null]);
});

test('the watchdog fails every open batch naming the silent destinations, unless progress or `heard` moved it on', (t) => {
  const { clock, timeouts, ended, w, req } = rig(4, 100);
  w.sendBatch([req(2), req(5)]);
  clock.advance(60);
  w.complete(w.take(5, 2)!);
  clock.advance(60);
  t.deepEqual(timeouts, [], 'a reply 60 ms in moved the deadline to 160 ms');
  w.heard();
  clock.advance(90);
  t.deepEqual(timeouts, [], 'heard at 120 ms: due at 220 ms');
  clock.advance(20);
  t.deepEqual(timeouts, [[2]]);
  t.deepEqual(ended, ['silent 2']);
  t.is(w.take(2, 1), null, 'the window forgot what timed out');
});

test('a failed request fails its batch once; an id is never reused (InvariantError)', (t) => {
  const { ended, w, req } = rig();
  const r = req(1);
  w.sendBatch([r, req(1)]);
  w.reject(w.take(1, r.req)!, new Error('refused'));
  w.complete(w.take(1, 2)!);
  t.deepEqual(ended, ['refused']);
  const again = { ...req(1), req: 3 };
  w.sendBatch([again]);
  t.throws(() => w.sendBatch([again]), { instanceOf: InvariantError });
});

test("the last reply leaves the watchdog's timer to fire idle instead of clearing it; a later batch still fails after timeoutMs of silence, not before", (t) => {
  const { clock, timeouts, ended, w, req } = rig(4, 100);
  let clears = 0;
  const clear = clock.clearTimer.bind(clock);
  clock.clearTimer = (id: number): void => {
    clears++;
    clear(id);
  };
  const a = req(1);
  w.sendBatch([a]);
  clock.advance(10);
  w.complete(w.take(1, a.req)!);
  t.deepEqual(ended, [null]);
  t.is(clears, 0, "no clearTimer on the reply's path");
  clock.advance(95);
  t.deepEqual(timeouts, [], 'the idle fire at 100 ms fails nothing');
  const b = req(2);
  w.sendBatch([b]);
  clock.advance(99);
  t.deepEqual(timeouts, [], 'sent at 105 ms: due at 205 ms');
  clock.advance(2);
  t.deepEqual(timeouts, [[2]]);
  t.deepEqual(ended, [null, 'silent 2']);
  t.is(clears, 0);
});
