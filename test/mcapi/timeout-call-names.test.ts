// TimedWait.CALLS is indexed by Request.KINDS' order (timed-wait.ts): a kind added or moved
// there without its app call here would name the wrong call in every MCAPI_TIMEOUT after it.
import test from 'ava';
import { Request } from '../../src/mcapi/request.js';
import { TimedWait } from '../../src/mcapi/timed-wait.js';

test('every request kind names an app call of its own in a timeout message', (t) => {
  t.is(TimedWait.CALLS.length, Request.KINDS.length, 'one app call per request kind');
  const texts = Request.KINDS.map((k) => TimedWait.callText(k, true));
  for (let i = 0; i < texts.length; i++) t.is(texts[i], `${TimedWait.CALLS[i]!} (${Request.KINDS[i]!})`);
  t.is(new Set(TimedWait.CALLS).size, TimedWait.CALLS.length, 'no two kinds share a call name');
  t.is(TimedWait.callText('endpoint-get', true), 'getEndpoint (endpoint-get)');
  t.is(TimedWait.callText('msg-recv', false), 'wait (on a msg-recv request)');
});
