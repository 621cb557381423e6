/** Status codes, McapiError, and the limits options. */
import test from 'ava';
import {
  DEFAULT_LIMITS, McapiError, McapiNode, Status, hasStatus, isStatusCode, resolveLimits, statusName,
} from '../../src/mcapi/index.js';
import { LoopHub } from './loopnet.js';

const REQUIRED = [
  'MCAPI_SUCCESS', 'MCAPI_PENDING', 'MCAPI_TIMEOUT', 'MCAPI_ERR_PARAMETER', 'MCAPI_ERR_DOMAIN_INVALID',
  'MCAPI_ERR_NODE_INVALID', 'MCAPI_ERR_NODE_INITFAILED', 'MCAPI_ERR_NODE_INITIALIZED', 'MCAPI_ERR_NODE_NOTINIT',
  'MCAPI_ERR_NODE_FINALFAILED', 'MCAPI_ERR_PORT_INVALID', 'MCAPI_ERR_ENDP_INVALID', 'MCAPI_ERR_ENDP_EXISTS',
  'MCAPI_ERR_ENDP_GET_LIMIT', 'MCAPI_ERR_ENDP_NOTOWNER', 'MCAPI_ERR_ENDP_REMOTE', 'MCAPI_ERR_ATTR_INCOMPATIBLE',
  'MCAPI_ERR_ATTR_SIZE', 'MCAPI_ERR_ATTR_NUM', 'MCAPI_ERR_ATTR_VALUE', 'MCAPI_ERR_ATTR_NOTSUPPORTED',
  'MCAPI_ERR_ATTR_READONLY', 'MCAPI_ERR_MSG_SIZE', 'MCAPI_ERR_MSG_TRUNCATED', 'MCAPI_ERR_CHAN_OPEN',
  'MCAPI_ERR_CHAN_TYPE', 'MCAPI_ERR_CHAN_DIRECTION', 'MCAPI_ERR_CHAN_CONNECTED', 'MCAPI_ERR_CHAN_OPENPENDING',
  'MCAPI_ERR_CHAN_CLOSEPENDING', 'MCAPI_ERR_CHAN_NOTOPEN', 'MCAPI_ERR_CHAN_INVALID', 'MCAPI_ERR_PKT_SIZE',
  'MCAPI_ERR_TRANSMISSION', 'MCAPI_ERR_PRIORITY', 'MCAPI_ERR_BUF_INVALID', 'MCAPI_ERR_MEM_LIMIT',
  'MCAPI_ERR_REQUEST_INVALID', 'MCAPI_ERR_REQUEST_LIMIT', 'MCAPI_ERR_REQUEST_CANCELLED', 'MCAPI_ERR_WAIT_PENDING',
  'MCAPI_ERR_GENERAL', 'MCAPI_ERR_ENDP_DELETED', 'MCAPI_ERR_ENDP_NOPORTS', 'MCAPI_ERR_ENDP_LIMIT',
  'MCAPI_ERR_MSG_LIMIT', 'MCAPI_ERR_PKT_LIMIT', 'MCAPI_ERR_SCL_SIZE', 'MCAPI_ERR_NOT_SUPPORTED',
];

test('every MCAPI status name exists, with a distinct code that round-trips through statusName', (t) => {
  const codes = new Set<number>();
  for (const name of REQUIRED) {
    const code = (Status as Record<string, number>)[name];
    t.is(typeof code, 'number', name);
    t.is(statusName(code!), name);
    t.true(isStatusCode(code!));
    codes.add(code!);
  }
  t.is(codes.size, REQUIRED.length);
  t.is(Object.keys(Status).length, REQUIRED.length, 'no status beyond the list');
  t.is(Status.MCAPI_SUCCESS, 1, 'numbering follows the MCAPI 2.015 header');
  t.is(statusName(999), 'MCAPI_STATUS_999');
  t.false(isStatusCode(0));
  t.true(Object.values(Status).every((c) => c > 0 && c < 256), 'codes fit the one-byte wire field');
});

test('McapiError carries the status, its name and the detail', (t) => {
  const e = new McapiError(Status.MCAPI_ERR_PORT_INVALID, 'port 0 is reserved');
  t.true(e instanceof Error);
  t.is(e.name, 'McapiError');
  t.is(e.status, Status.MCAPI_ERR_PORT_INVALID);
  t.is(e.statusName, 'MCAPI_ERR_PORT_INVALID');
  t.is(e.message, 'MCAPI_ERR_PORT_INVALID: port 0 is reserved');
  t.is(e.index, -1);
  t.true(hasStatus(e, Status.MCAPI_ERR_PORT_INVALID));
  t.false(hasStatus(new Error('x'), Status.MCAPI_ERR_PORT_INVALID));
  t.is(new McapiError(Status.MCAPI_TIMEOUT).message, 'MCAPI_TIMEOUT');
});

test('limits: defaults are valid and sized for an ESP32', (t) => {
  const l = resolveLimits();
  t.deepEqual(l, { ...DEFAULT_LIMITS });
  const worstQueued = l.maxQueuedBytes + l.maxChannelBufferBytes;
  t.true(worstQueued <= 32 * 1024, `queued data worst case ${String(worstQueued)} bytes`);
  t.true(l.maxPayload + 3 <= l.maxFramePayload);
});

test('limits: a bad field is refused with MCAPI_ERR_PARAMETER naming it', (t) => {
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ maxEndpoints: 0 }, /limits\.maxEndpoints/],
    [{ maxRequests: 1.5 }, /limits\.maxRequests/],
    [{ maxPort: 70000 }, /limits\.maxPort/],
    [{ maxPort: 100, firstDynamicPort: 200 }, /limits\.firstDynamicPort/],
    [{ priorities: 9 }, /limits\.priorities/],
    [{ maxPayload: 5000 }, /limits\.maxPayload/],
    [{ defaultRecvBuffers: 100, maxRecvBuffers: 10 }, /limits\.defaultRecvBuffers/],
    [{ fullPolicy: 'drop' }, /limits\.fullPolicy/],
    [{ retryMs: 0 }, /limits\.retryMs/],
    [{ defaultTimeoutMs: -1 }, /limits\.defaultTimeoutMs/],
    [{ maxBlocked: 3 }, /limits\.maxBlocked/],
    [{ colour: 'red' }, /limits\.colour/],
  ];
  for (const [o, re] of bad) {
    const e = t.throws(() => resolveLimits(o as never), { instanceOf: McapiError, message: re });
    t.is(e.status, Status.MCAPI_ERR_PARAMETER);
  }
  const hub = new LoopHub();
  t.throws(() => new McapiNode(hub.add(1), hub.clock, { maxEndpoints: -1 }), { message: /maxEndpoints/ });
  t.is(resolveLimits({ fullPolicy: 'fail', defaultTimeoutMs: Infinity }).fullPolicy, 'fail');
});

test('limits: fullPolicy fail makes new endpoints fail on a full receiver', async (t) => {
  const hub = new LoopHub();
  const a = new McapiNode(hub.add(1), hub.clock, { fullPolicy: 'fail', defaultRecvBuffers: 1 });
  a.initialize(1, 1);
  const x = a.createEndpoint(1);
  const y = a.createEndpoint(2);
  await hub.run(a.msgSend(x, y, new Uint8Array(1)));
  await t.throwsAsync(hub.run(a.msgSend(x, y, new Uint8Array(1))), { message: /MEM_LIMIT/ });
});

test('limits: the node-wide message queue bounds hold across endpoints', async (t) => {
  const hub = new LoopHub();
  const a = new McapiNode(hub.add(1), hub.clock, { maxQueuedMessages: 3, maxQueuedBytes: 100, fullPolicy: 'fail' });
  a.initialize(1, 1);
  const src = a.createEndpoint(1);
  const e1 = a.createEndpoint(2);
  const e2 = a.createEndpoint(3);
  await hub.run(a.msgSend(src, e1, new Uint8Array(10)));
  await hub.run(a.msgSend(src, e2, new Uint8Array(10)));
  await hub.run(a.msgSend(src, e1, new Uint8Array(10)));
  await t.throwsAsync(hub.run(a.msgSend(src, e2, new Uint8Array(1))), { message: /MEM_LIMIT/ }, 'message count');
  await hub.run(a.msgRecv(e1, new Uint8Array(10)));
  await t.throwsAsync(hub.run(a.msgSend(src, e2, new Uint8Array(81))), { message: /MEM_LIMIT/ }, 'bytes');
  await hub.run(a.msgSend(src, e2, new Uint8Array(80)));
  t.is(a.stats().queuedMessages, 3);
  t.is(a.stats().queuedBytes, 100);
});
