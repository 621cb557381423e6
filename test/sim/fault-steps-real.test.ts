// A scenario step to a real board (a Moddable-lin process, an attached device): such a slot has
// no simulated board object, only `real`. Before session 17 the step came out "board 1 was down
// when the step came due" though the board was running, so `--fault crash:1@app-result` never
// reached a Moddable board (test/moddable/spare-after-done runs it end to end).
import test from 'ava';
import { FaultSteps } from '../../host-sim/sim/fault-steps.js';
import { Slot } from '../../host-sim/sim/slot.js';
import type { RealBoard } from '../../host-sim/boards/real-board.js';

const step = { board: 1, command: 'fault crash', onEvent: { name: 'app-result' }, origin: '--fault "crash:1@app-result"' };

test('a step to a running real board is sent to it; to a halted one it is recorded as down', (t) => {
  const running = new Slot(1, 1, 'moddable', undefined);
  running.state = 'done';
  running.real = { kind: 'real', engine: 'moddable' } as unknown as RealBoard;
  const record = new FaultSteps().due(step, running, 40);
  t.not(record, null);
  t.is(record?.reason, undefined);
  t.is(running.awaitingFault.length, 1);

  const halted = new Slot(1, 1, 'moddable', undefined);
  halted.real = { kind: 'real', engine: 'moddable' } as unknown as RealBoard;
  halted.state = 'halted';
  halted.haltReason = 'fault crash';
  const steps = new FaultSteps();
  t.is(steps.due(step, halted, 40), null);
  t.is(steps.faults[0]?.reason, 'board 1 was down (fault crash) when the step came due');
});
