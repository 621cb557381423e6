/**
 * The board's console target acts on a fault only once it has reported it: a `fault drop` whose
 * report fails (the HAL's event sink throws) answers ERR and leaves no fault in force, so an ERR
 * always means nothing changed. The net layer's side is a recorder: what is under test is the
 * order of the two calls, not the net layer.
 */
import test from 'ava';
import { BoardConsoleTarget, type ConsoleBoard } from '../../src/runtime/console-target.js';
import type { IngressFault } from '../../src/net/index.js';

function board(eventThrows: boolean): { b: ConsoleBoard; faults: (IngressFault | null)[]; events: string[] } {
  const faults: (IngressFault | null)[] = [];
  const events: string[] = [];
  const hal = {
    event: (name: string, value: number, detail?: string) => {
      if (eventThrows) throw new Error('event sink full');
      events.push(`${name}=${value}:${detail ?? ''}`);
    },
  };
  const net = { setIngressFault: (f: IngressFault | null) => faults.push(f) };
  return { b: { node: 1, hal, net } as unknown as ConsoleBoard, faults, events };
}

const drop = { kind: 'net', change: 'drop', state: { drop: 0.5, corrupt: 0, delayMs: 0, partitioned: [] } } as const;

test('a network fault is in force only after its report went out', (t) => {
  const { b, faults, events } = board(false);
  new BoardConsoleTarget(b).fault(drop);
  t.is(events.length, 1);
  t.deepEqual(faults, [{ drop: 0.5, corrupt: 0, delayMs: 0, blockNodes: [] }]);
});

test('a network fault whose report fails is not installed', (t) => {
  const { b, faults } = board(true);
  t.throws(() => new BoardConsoleTarget(b).fault(drop), { message: 'event sink full' });
  t.deepEqual(faults, [], 'no fault in force after the error');
});
