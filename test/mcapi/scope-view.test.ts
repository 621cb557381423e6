/**
 * A scope's view (McapiNode.openScope) is an object with one property over its class's frozen
 * prototype (scope.ts scopedMethods): what a fault-tolerant app run holds for as long as it
 * runs, on every board. It inherited from the node with one property per method (~85) and held
 * two closures (the scope's closer, the view's finalize): ~100 XS slots a run
 * (docs/FOOTPRINT.md "Round 22: the resident set").
 */
import test from 'ava';
import { XsWorker } from '../../host-sim/xsnap/worker.js';
import { McapiNode } from '../../src/mcapi/index.js';
import { NODE_FIELDS } from '../../src/mcapi/node-base.js';
import { bundleFixture, xsProbe } from '../xs/fixtures/slot-probe.js';
import { makeNodes } from './loopnet.js';

const bundle = (): Promise<string> => bundleFixture(new URL('./fixtures/xs-scope-main.js', import.meta.url));

const SCOPES = 4;
/** XS slots a scope and its view hold, at most (12: the scope 6, the view 2, the rest what the test's list grows by). Before: 108 (the view 86, its finalize and the closer closures). */
const PER_SCOPE_MAX = 16;

test(`an open scope holds at most ${PER_SCOPE_MAX} XS slots`, async (t) => {
  const w = new XsWorker({ name: 'mcapi-scope', stdout: 'ignore' });
  const { text, live } = xsProbe(w);
  try {
    await w.evaluate(await bundle());
    await w.evaluate('setup()');
    // Warm up: what a first scope builds once (the test's list) is not per scope.
    await w.evaluate('open()');
    const s0 = await live();
    for (let i = 0; i < SCOPES; i++) await w.evaluate('open()');
    const s1 = await live();
    const per = (s1 - s0) / SCOPES;
    t.log(`${SCOPES} scopes: ${s1 - s0} slots, ${per.toFixed(1)} each`);
    t.true(per <= PER_SCOPE_MAX, `${per.toFixed(1)} slots per scope`);
    // The view still works in XS: a call is scoped, fields and getters read the node, finalize ends it.
    t.is(await text('check()'), '77 4160 true true 1 true 0 refused');
  } finally {
    await w.kill();
  }
});

test("a scope's view reads every own field of the node (NODE_FIELDS is the node's list)", (t) => {
  const { nodes: [a] } = makeNodes(1);
  t.deepEqual(Object.keys(a!), [...NODE_FIELDS]);
  const view = a!.openScope().mcapi;
  t.true(view instanceof McapiNode);
  t.deepEqual(Reflect.ownKeys(view).length, 1, 'one own property: its scope');
  t.is(view.limits, a!.limits);
  t.is(view.initialized, a!.initialized);
});
