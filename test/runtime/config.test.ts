/**
 * The board config at boot (src/config.ts): runtime options come out typed, with their
 * defaults, and a bad field fails naming it before anything starts.
 */
import test from 'ava';
import { checkBoardConfig, ConfigError, DEFAULT_CONVERGE_MS } from '../../src/config.js';

const base = {
  domain: 1, node: 2, rank: 2, boards: 4, links: [{ kind: 'datagram', mtu: 1500 }], seed: 7, ramLimit: 65536,
  app: 'pingpong', appArgs: ['--rounds', '3'],
};

test('options come out typed, with defaults', (t) => {
  const c = checkBoardConfig({ ...base }, 1);
  t.deepEqual(c.options, {
    net: {}, dsm: {}, ft: null, spares: 0, convergeMs: DEFAULT_CONVERGE_MS, faultsArmed: false, rpc: null, cpuModel: false,
  });
  const d = checkBoardConfig({
    ...base,
    options: { pageSize: 512, dsm: { window: 6 }, ft: { buddies: 2 }, spares: 2, faultsArmed: true, net: { domainKey: 'k' }, rpc: { window: 3 }, convergeMs: 500, cpuModel: true },
  }, 1);
  t.deepEqual(d.options.dsm, { window: 6, pageSize: 512 }, 'pageSize is folded into the DSM options');
  t.deepEqual(d.options.ft, { buddies: 2 });
  t.is(d.options.spares, 2);
  t.true(d.options.faultsArmed);
  t.deepEqual(d.options.net, { domainKey: 'k' });
  t.deepEqual(d.options.rpc, { window: 3 });
  t.is(d.options.convergeMs, 500);
  t.true(d.options.cpuModel);
});

test('a bad option fails naming its field', (t) => {
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ ft: 3 }, /^options\.ft: expected an object/],
    [{ net: [] }, /^options\.net: expected an object/],
    [{ dsm: 'x' }, /^options\.dsm: expected an object/],
    [{ rpc: null }, /^options\.rpc: expected an object/],
    [{ spares: 1.5 }, /^options\.spares: expected an integer from 0 to 251/],
    [{ spares: 252 }, /^options\.spares: expected an integer from 0 to 251/],
    [{ pageSize: 1000 }, /^options\.pageSize: expected a power of two from 256 to 4096/],
    [{ faultsArmed: 'yes' }, /^options\.faultsArmed: expected true or false/],
    [{ cpuModel: 1 }, /^options\.cpuModel: expected true or false/],
    [{ convergeMs: -1 }, /^options\.convergeMs: expected a number of milliseconds/],
  ];
  for (const [options, message] of bad) {
    const e = t.throws(() => checkBoardConfig({ ...base, options }, 1), { instanceOf: ConfigError, message });
    t.truthy(e, JSON.stringify(options));
  }
  t.throws(() => checkBoardConfig({ ...base, options: [] }, 1), { message: /^options: expected an object/ });
  t.throws(() => checkBoardConfig({ ...base, node: 255 }, 1), { message: /^node: expected an integer from 0 to 254/ });
});
