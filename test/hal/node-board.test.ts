import test from 'ava';
import { NodeBoard } from '../../host-sim/boards/node-board.js';
import { probeBoot } from '../xs/fixtures/probe-boot.js';
import { bootConfig } from '../xs/fixtures/bundle.js';

test('a step resolves only after every promise job the batch started', async (t) => {
  const board = new NodeBoard(probeBoot);
  await board.step([{ kind: 'time', now: 0 }, { kind: 'boot', config: bootConfig(1) }]);
  const sent = new Uint8Array([1, 2, 3]);
  const actions = await board.step([{ kind: 'time', now: 1 }, { kind: 'rx', link: 1, bytes: sent }]);
  t.deepEqual(actions[0], { kind: 'tx', link: 1, bytes: new Uint8Array([3, 2, 1]) });
  t.is(actions[1]!.kind, 'console');
  t.deepEqual([...sent], [1, 2, 3], 'the simulator keeps its bytes');
  t.is(board.figures().steps, 2);
  t.is(board.engine, 'v8');
});

test('a killed board does nothing', async (t) => {
  const board = new NodeBoard(probeBoot);
  await board.kill();
  t.false(board.alive);
  t.deepEqual(await board.step([{ kind: 'time', now: 0 }, { kind: 'boot', config: bootConfig(1) }]), []);
});

test('steps of one board are serial', async (t) => {
  const board = new NodeBoard(probeBoot);
  const first = board.step([{ kind: 'time', now: 0 }]);
  await t.throwsAsync(board.step([{ kind: 'time', now: 1 }]), { message: /already running/ });
  await first;
});

test('zero-delay timers run inside the step, after the promise jobs before them', async (t) => {
  const board = new NodeBoard((hal) => {
    hal.links[0]!.receiver = { input: (bytes) => {
      const order: number[] = [];
      hal.setTimer(0, () => {
        order.push(2);
        void Promise.resolve().then(() => {
          order.push(3);
          hal.setTimer(0, () => hal.links[0]!.write(new Uint8Array([...bytes, ...order])));
        });
      });
      void Promise.resolve().then(() => order.push(1));
    } };
  });
  await board.step([{ kind: 'time', now: 0 }, { kind: 'boot', config: bootConfig(1) }]);
  const actions = await board.step([{ kind: 'time', now: 1 }, { kind: 'rx', link: 0, bytes: new Uint8Array([9]) }]);
  t.deepEqual(actions, [{ kind: 'tx', link: 0, bytes: new Uint8Array([9, 1, 2, 3]) }]);
});
