/**
 * Issue #9's "bad input" list: a preference written with a bad value. Session 19 pinned a stored
 * preference that is not JSON; a JSON preference whose field is out of range or of the wrong
 * type passes the config merge and is judged by the runtime at boot: the board halts naming the
 * field (HALT line, and `status` over its console), never an XS abort.
 */
import test from 'ava';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConsoleSession } from '../../host-sim/console/session.js';
import { LinBoard, ptyPair } from '../../host-sim/moddable/lin-board.js';
import { linFirmware, moddableSdkOrReport, tempDir, FIRMWARE_TEST_MS } from './helpers.js';

const sdk = moddableSdkOrReport(test);

if (sdk !== null) {
  for (const [stored, field] of [['{"node":999}', /node: expected an integer from 0 to 254/], ['{"appArgs":"--rounds 3"}', /appArgs: expected an array of strings/]] as const) {
    test.serial(`a stored preference ${stored}: the board halts naming the field, on the trace and its console`, async (t) => {
      t.timeout(FIRMWARE_TEST_MS);
      const fw = await linFirmware('pingpong');
      const dir = tempDir('bad-pref');
      const con = await ptyPair(join(dir, 'c-board'), join(dir, 'c'));
      mkdirSync(join(dir, 's'));
      writeFileSync(join(dir, 's', 'mcdsm-config.json'), stored);
      const board = LinBoard.start({ linHost: sdk.linHost, mcSo: fw.mcSo as string, stateDir: join(dir, 's'), config: { node: 0, rank: 0, boards: 1, links: [], console: { device: con.a } } });
      try {
        const halt = await board.waitFor(/^HALT: /, 20_000);
        t.regex(halt, field);
        t.is(board.child.exitCode, null, 'halted, not aborted');
        const s = await ConsoleSession.open(con.b, { timeoutMs: 5000 });
        try {
          t.regex((await s.command('status')).lines[0] ?? '', new RegExp(`state=halted reason=.*${field.source}`));
        } finally {
          await s.close();
        }
      } finally {
        await board.stop();
        await con.close();
      }
    });
  }
}
