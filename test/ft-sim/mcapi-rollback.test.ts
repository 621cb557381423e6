/**
 * An app that uses MCAPI directly survives a rollback (issue 10): pingpong (messages, a packet
 * channel, a scalar channel on fixed ports) with a crash and a spare ends with the fault-free
 * results on V8 and on XS. Before runs owned their MCAPI objects, the restarted `main` failed
 * with MCAPI_ERR_ENDP_EXISTS on port 10 after the first recovery.
 */
import test from 'ava';
import { runDomain, type RunOptions } from '../../host-sim/sim/run.js';

const BASE: RunOptions = { app: 'pingpong', boards: '3', spares: '1', topology: 'ring', link: 'uart:921600', maxVirtual: '120s' };

for (const engine of ['node', 'xs'] as const) {
  test.serial(`pingpong with a crash and a spare ends with the fault-free results (${engine})`, async (t) => {
    const clean = await runDomain({ ...BASE, engine });
    t.true(clean.ok, clean.reason);
    for (const fault of ['crash:1@iter=2', 'crash:0@iter=4']) {
      const s = await runDomain({ ...BASE, engine, fault: [fault] });
      t.true(s.ok, `${fault}: ${s.reason}`);
      t.is(s.recoveries.length, 1, `${fault}: one recovery`);
      t.deepEqual(s.app.results, clean.app.results, `${fault}: the fault-free results`);
    }
  });
}
