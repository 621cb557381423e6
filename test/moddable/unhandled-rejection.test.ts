// The app of test/sim/unhandled-rejection.test.ts on Moddable-lin boards: rank 0's promise rejects
// with nobody to handle it and XS aborts the board ("unhandled rejection", exit 8) once a
// collection finds the promise garbage. The firmware's abort hook (firmware/abort-hook.ts) says
// why first, on the board's console (`# ABORT ...`) and in its trace, and the run ends naming the
// error: before, only `XS abort (unhandled rejection)` (the message was lost). The simulated XS
// and V8 boards end the same way, earlier (at the end of the turn) and with the app's line, which
// Moddable's release build lacks (no line numbers in its bytecode).
import test from 'ava';
import { createReadStream, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulate } from '../../host-sim/api/index.js';
import { buildFirmware } from '../../host-sim/firmware/build.js';
import { LinBoard, ptyPair } from '../../host-sim/moddable/lin-board.js';
import { firmwareOut, FIRMWARE_TEST_MS, moddableSdkOrReport } from './helpers.js';
import { REJECTION_APP } from '../sim/fixtures/rejection-app.js';

/** What the board says, console and trace alike. */
const CAUSE = 'unhandled rejection: Error: late sleep failed';

const sdk = moddableSdkOrReport(test);
if (sdk !== null) {
  const dir = mkdtempSync(join(tmpdir(), 'mcdsm-rejection-'));
  writeFileSync(join(dir, 'app.ts'), REJECTION_APP);

  test.serial('rank 0 leaves a rejection unhandled: the Moddable board aborts (unhandled rejection), the run ends naming the error', async (t) => {
    t.timeout(8 * 60_000);
    const s = await simulate({ app: './app.ts', args: ['sleep'], cwd: dir, boards: 2, engine: 'moddable', maxVirtual: '120s' });
    t.false(s.ok);
    t.is(s.app.results[0], undefined, 'rank 0 did not go on to return');
    t.is(s.boards[0]!.state, 'halted');
    t.is(s.boards[0]!.haltReason, 'board process ended (XS abort (unhandled rejection)): Error: late sleep failed');
    t.regex(s.reason, /board 0 \(moddable\): board process ended \(XS abort \(unhandled rejection\)\): Error: late sleep failed$/);
  });

  test.serial('the aborting board\'s last line on its serial console and in its trace names the error', async (t) => {
    t.timeout(FIRMWARE_TEST_MS);
    const fw = await buildFirmware({ app: join(dir, 'app.ts'), target: 'lin', out: firmwareOut('rejects-lin') });
    const con = await ptyPair(join(dir, 'c-board'), join(dir, 'c'));
    let text = '';
    const reader = createReadStream(con.b);
    reader.on('data', (d) => (text += d.toString()));
    // socat ends the pair once the board's end closes (the process is gone): EIO here, not a failure.
    reader.on('error', () => undefined);
    const board = LinBoard.start({
      linHost: sdk.linHost, mcSo: fw.mcSo as string, stateDir: join(dir, 'state'),
      config: { node: 0, rank: 0, boards: 1, links: [], console: { device: con.a }, appArgs: ['sleep'] },
    });
    try {
      const exit = await board.exited;
      t.is(exit.why, 'XS abort (unhandled rejection)');
      t.true(board.lines.includes(`ABORT: ${CAUSE}`), board.tail());
      const until = Date.now() + 5000;
      while (!text.includes('# ABORT') && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      t.true(text === `# ABORT ${CAUSE}\r\n` || text.endsWith(`\n# ABORT ${CAUSE}\r\n`), JSON.stringify(text.slice(-300)));
    } finally {
      await board.stop();
      reader.destroy();
      await con.close();
    }
  });
}
