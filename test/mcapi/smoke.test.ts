import test from 'ava';
import { makeNodes } from './loopnet.js';

test('smoke: message across nodes', async (t) => {
  const { hub, nodes } = makeNodes(2);
  const [a, b] = nodes as [typeof nodes[0], typeof nodes[0]];
  const ea = a.createEndpoint(10);
  const eb = b.createEndpoint(20);
  const p = (async () => {
    const rb = await a.getEndpoint(1, 2, 20, 100);
    await a.msgSend(ea, rb, new Uint8Array([1, 2, 3]));
    const buf = new Uint8Array(10);
    const n = await b.msgRecv(eb, buf);
    return [...buf.subarray(0, n)];
  })();
  t.deepEqual(await hub.run(p), [1, 2, 3]);
  t.is(a.stats().handlerErrors + b.stats().handlerErrors, 0);
});
