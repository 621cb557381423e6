/**
 * The checks of a message's target (Args.target, docs/PERFORMANCE.md "Round 19"): its node and
 * port tested with `(v & m) === v` instead of Number.isInteger and two comparisons. Every value
 * the old tests refused is still refused with MCAPI_ERR_ENDP_INVALID (an Endpoint's fields are
 * readonly only to TypeScript: plain JavaScript can put anything there), before any frame goes.
 */
import test from 'ava';
import { Endpoint, McapiError, Status } from '../../src/mcapi/index.js';
import { makeNodes } from './loopnet.js';

/** An Endpoint of domain 1 whose node and port are whatever plain JavaScript put there. */
function forged(node: unknown, port: unknown): Endpoint {
  const e = new Endpoint(1, 2, 1);
  Object.defineProperty(e, 'node', { value: node });
  Object.defineProperty(e, 'port', { value: port });
  return e;
}

test('a target whose node or port is not an integer in range is refused before anything is sent', async (t) => {
  const { hub, nodes: [a, b] } = makeNodes(2);
  const from = a!.createEndpoint(1);
  b!.createEndpoint(1);
  const maxPort = a!.limits.maxPort;
  const bad: [unknown, unknown][] = [
    [1.5, 1], [Number.NaN, 1], [-1, 1], [255, 1], [256, 1], [Infinity, 1], ['2', 1], [null, 1], [2n, 1],
    [2, 0], [2, maxPort + 1], [2, 1.5], [2, -1], [2, Number.NaN], [2, '1'], [2, 0x10001], [2, undefined],
  ];
  const net1 = hub.net(1)!;
  const sentBefore = net1.stats().framesOut;
  for (const [node, port] of bad) {
    const e = t.throws(() => a!.msgSendI(from, forged(node, port), Uint8Array.of(1)), { instanceOf: McapiError }, `node ${String(node)} port ${String(port)}`);
    t.is(e?.status, Status.MCAPI_ERR_ENDP_INVALID, `node ${String(node)} port ${String(port)}`);
  }
  t.is(net1.stats().framesOut, sentBefore, 'no frame went');
  // The edges in range pass the checks (node 254, port maxPort: no such endpoint, refused later by its node).
  t.notThrows(() => a!.msgSendI(from, forged(254, maxPort), Uint8Array.of(1)));
  t.notThrows(() => a!.msgSendI(from, forged(2, maxPort), Uint8Array.of(1)));
  await hub.run(a!.msgSend(from, new Endpoint(1, 2, 1), Uint8Array.of(7)));
  t.pass();
});
