/**
 * A domain with a key (`--domain-key`, docs/PROTOCOL.md §13) runs its apps to the same result
 * as one without: every frame authenticated on every hop, none refused.
 */
import test from 'ava';
import { runDomain } from '../../host-sim/sim/run.js';
import { buildSimConfig } from '../../host-sim/sim/options.js';
import { expectedDigest } from '../dsm-sim/helpers.js';

const KEY = '3f9a0c4417e2b6d85a0e1c7b9d2f4a60';

test('pingpong on XS boards with a domain key: the same result as without', async (t) => {
  const base = { app: 'pingpong', boards: '2', engine: 'xs', topology: 'line', link: 'uart:921600', seed: '5' };
  const plain = await runDomain(base);
  const keyed = await runDomain({ ...base, domainKey: KEY });
  t.true(plain.ok, plain.reason);
  t.true(keyed.ok, keyed.reason);
  t.deepEqual(keyed.app.results, plain.app.results);
  t.true(keyed.wire.bytes > plain.wire.bytes, 'the MAC costs bytes on the wire');
});

test('Laplace on a lossy ring with a domain key ends with the sequential digest', async (t) => {
  const s = await runDomain({
    app: 'laplace', appArgs: ['--n', '64', '--iters', '20'], boards: '4', engine: 'node', topology: 'ring',
    link: 'uart:921600,loss=0.01,corrupt=0.002', seed: '3', domainKey: KEY,
  });
  t.true(s.ok, s.reason);
  t.is((s.app.result as { digest: string }).digest, expectedDigest(64, 20));
});

test('--domain-key must be 32 hex digits', (t) => {
  const flags = { boards: '2', spares: '0', engine: 'node', topology: 'full', link: 'ideal', seed: '1', ram: '1M', maxVirtual: '10s', fault: [] };
  t.throws(() => buildSimConfig({ ...flags, domainKey: '1234' }, 'pingpong', []), { message: /--domain-key must be 32 hex digits/ });
  t.deepEqual(buildSimConfig({ ...flags, domainKey: KEY }, 'pingpong', []).options.net, { domainKey: KEY });
});
