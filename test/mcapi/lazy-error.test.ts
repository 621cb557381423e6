/**
 * docs/FOOTPRINT.md "Round 11b: conformance slots": a failed request keeps its failure's detail,
 * and its McapiError is made when the app first reads `error` (an Error on XS holds a slot per
 * stack frame where it was made). What the app sees must not change: the same status, message,
 * size and index, the same object at every read.
 */
import test from 'ava';
import { McapiError, Status } from '../../src/mcapi/index.js';
import { CaseWatchdog } from '../../examples/conformance/app.js';
import { makeNodes } from './loopnet.js';

/** What a request holds behind `value` / `error` (its one result field). */
function out(r: object): unknown {
  return (r as { _out: unknown })._out;
}

test('a cancelled request holds no McapiError until its error is read; then always the same one', (t) => {
  const { nodes } = makeNodes(1);
  const m = nodes[0]!;
  const e = m.createEndpoint(10);
  const r = m.msgRecvI(e, new Uint8Array(1));
  m.cancel(r);
  t.is(r.status, Status.MCAPI_ERR_REQUEST_CANCELLED);
  t.false(out(r) instanceof Error, 'no error object made by the cancel');
  const err = r.error;
  t.true(err instanceof McapiError);
  t.true(err instanceof Error);
  t.is(err?.name, 'McapiError');
  t.is(err?.status, Status.MCAPI_ERR_REQUEST_CANCELLED);
  t.is(err?.statusName, 'MCAPI_ERR_REQUEST_CANCELLED');
  t.regex(err?.message ?? '', /^MCAPI_ERR_REQUEST_CANCELLED/);
  t.is(err?.index, -1);
  t.is(err?.size, 0);
  t.is(r.error, err, 'the same object at every read');
  t.is(r.value, undefined);
  m.deleteEndpoint(e);
});

test('a truncated receive: its error says the message\'s size, made when read; waitAny\'s error does not make it', async (t) => {
  const { hub, nodes } = makeNodes(2);
  const [a, b] = [nodes[0]!, nodes[1]!];
  const e = b.createEndpoint(20);
  const s = a.createEndpoint(10);
  const small = b.msgRecvI(e, new Uint8Array(0));
  const fits = b.msgRecvI(e, new Uint8Array(1));
  const any = b.waitAny([fits, small], 1000).then(
    () => null,
    (x: unknown) => x as McapiError,
  );
  const to = await hub.run(a.getEndpoint(1, 2, 20, 100));
  await hub.run(a.msgSend(s, to, new Uint8Array([5])));
  const werr = await hub.run(any);
  t.true(werr instanceof McapiError);
  t.is(werr?.status, Status.MCAPI_ERR_MSG_TRUNCATED);
  t.is(werr?.index, 1);
  t.is(werr?.size, 1);
  t.false(out(small) instanceof Error, 'waitAny made its own error only');
  const own = small.error;
  t.is(own?.status, Status.MCAPI_ERR_MSG_TRUNCATED);
  t.is(own?.size, 1, 'the real size of the message');
  t.is(own?.index, -1);
  // waitAny's error says what the request's own error says, its status named once.
  t.is(werr?.message, own?.message);
  t.regex(werr?.message ?? '', /^MCAPI_ERR_MSG_TRUNCATED: [^M]/);
  t.not(werr, own);
  t.true(b.test(fits));
  a.deleteEndpoint(s);
  b.deleteEndpoint(e);
});

test('a blocking call rejects with the request\'s error itself (made at the rejection)', async (t) => {
  const { hub, nodes } = makeNodes(1);
  const m = nodes[0]!;
  const e = m.createEndpoint(10);
  const r = m.msgRecvI(e, new Uint8Array(1));
  const w = m.wait(r).then(
    () => null,
    (x: unknown) => x as McapiError,
  );
  m.cancel(r);
  const err = await hub.run(w);
  t.true(err instanceof McapiError);
  t.is(err?.status, Status.MCAPI_ERR_REQUEST_CANCELLED);
  t.is(r.error, err);
  m.deleteEndpoint(e);
});

test('the case watchdog settles its guard with the guard\'s own resolving functions: no reactions per case', (t) => {
  const w = new CaseWatchdog({ now: () => 0, sleep: () => new Promise<void>(() => undefined) });
  const handlers: unknown[] = [];
  const thenable = {
    then(ok: unknown, fail: unknown): void {
      handlers.push(ok, fail);
    },
  } as unknown as Promise<void>;
  void w.guard(thenable, 1000).catch(() => undefined);
  w.end();
  t.is(handlers.length, 2);
  for (const h of handlers) {
    t.is(typeof h, 'function');
    // A promise's resolving functions are built in; a closure per case would show its source.
    t.regex(Function.prototype.toString.call(h), /\[native code\]/);
  }
});

test('a request\'s error detail is the same whether or not its error was made', async (t) => {
  const { hub, nodes } = makeNodes(2);
  const [a, b] = [nodes[0]!, nodes[1]!];
  const e = b.createEndpoint(20);
  const s = a.createEndpoint(10);
  const r = b.msgRecvI(e, new Uint8Array(0));
  const to = await hub.run(a.getEndpoint(1, 2, 20, 100));
  await hub.run(a.msgSend(s, to, new Uint8Array([5, 6])));
  t.is(r.status, Status.MCAPI_ERR_MSG_TRUNCATED);
  const before = r._errorDetail();
  t.truthy(before, 'a truncated receive says why');
  const err = r.error;
  t.is(err?.message, `MCAPI_ERR_MSG_TRUNCATED: ${before ?? ''}`);
  t.is(r._errorDetail(), before, 'read back from the made error, status name not repeated');
});
