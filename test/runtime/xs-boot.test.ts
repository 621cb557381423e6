/**
 * The XS slots an idle member's runtime holds at boot, counted in a real XS machine (xsnap):
 * BoardRuntime's constructor (net, MCAPI node, console, app runner) and its `start` (the net
 * started, the plain run waiting for the network to converge). docs/FOOTPRINT.md "Round 14:
 * boot slots" and "Round 15: boot slots"; the lin heap probe measures the same steps on the
 * real runtime.
 */
import test from 'ava';
import { XsWorker } from '../../host-sim/xsnap/worker.js';
import { bundleFixture, xsProbe } from '../xs/fixtures/slot-probe.js';

const bundle = (): Promise<string> => bundleFixture(new URL('./fixtures/xs-boot-main.js', import.meta.url));

/**
 * At most, in xsnap (Round 15: 563 and 126): the constructor (Round 14: 657; before: 681; the
 * shell's counters, queue and table records -24, MCAPI's endpoint defaults -7; Round 15: the
 * net's one NetHost object for four closures -42, MCAPI's channel engine made on first use -44,
 * the node-attribute query and outbox count Maps on first use -8; by Round 22: 536; Round 22:
 * MCAPI's empty payload between sends one module-level array, not one per core, -8: 528) and
 * `start` up to convergence (before: 227; the plain run one object of methods and its wait the
 * network's own promise, ~-110).
 */
const CONSTRUCT_MAX = 530;
const START_MAX = 135;

test(`an idle member's runtime holds at most ${CONSTRUCT_MAX} + ${START_MAX} XS slots at boot`, async (t) => {
  const w = new XsWorker({ name: 'boot-slots', stdout: 'ignore' });
  const { text, live } = xsProbe(w);
  try {
    await w.evaluate(await bundle());
    await w.evaluate('makeHal()');
    const s0 = await live();
    await w.evaluate('construct()');
    const s1 = await live();
    await w.evaluate('start()');
    const s2 = await live();
    t.is(await text('state()'), 'waiting', 'the run waits for the network');
    t.log(`constructor ${s1 - s0} slots, start ${s2 - s1}`);
    t.true(s1 - s0 <= CONSTRUCT_MAX, `constructor: ${s1 - s0} slots`);
    t.true(s2 - s1 <= START_MAX, `start: ${s2 - s1} slots`);
  } finally {
    await w.kill();
  }
});
