/** examples/counter in the simulator: N boards x K increments under one lock = exactly N x K. */
import test from 'ava';
import { runDomain } from '../../host-sim/sim/run.js';
import { ranOnXs, type Engine } from './helpers.js';

const cases: [Engine, number, number][] = [
  ['node', 2, 5],
  ['node', 4, 12],
  ['xs', 3, 6],
  ['xs', 4, 10],
];

for (const [engine, boards, k] of cases) {
  const declare = engine === 'xs' ? test.serial : test;
  declare(`counter: ${boards} ${engine} boards x ${k} increments = ${boards * k}`, async (t) => {
    const s = await runDomain({ app: 'counter', boards: String(boards), engine, topology: 'ring', link: 'uart:921600', appArgs: ['--k', String(k)] });
    t.true(s.ok, s.reason);
    t.deepEqual(s.app.result, { counter: boards * k });
    if (engine === 'xs') t.true(ranOnXs(s));
  });
}

test('counter on a lossy star with datagrams reordered still counts exactly', async (t) => {
  const s = await runDomain({ app: 'counter', boards: '5', engine: 'node', topology: 'star', link: 'udp,loss=0.03,reorder=0.2', seed: '9', appArgs: ['--k', '8'] });
  t.true(s.ok, s.reason);
  t.deepEqual(s.app.result, { counter: 40 });
});
