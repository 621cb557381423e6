// A Moddable board whose process ends without an ABORT line is summed up by its last words. On
// lin those were the SDK's own warning, repeated (its serial driver makes xsDataView.c print
// `# Use xsArrayBufferResizable instead of xsArrayBuffer` on every read): the summary said
// nothing. The SDK's known noise lines (lin-board.ts SDK_NOISE_LINES) are left out; the rest is
// kept. The board here is a real process: a stand-in lin-host (a shell script) that prints what
// a board printed, then exits, run by the simulator's ModdableBoard as it runs the real one.
import test from 'ava';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModdableBoard } from '../../host-sim/boards/moddable-board.js';
import { isSdkNoise } from '../../host-sim/moddable/lin-board.js';
import type { BoardConfig } from '../../src/config.js';
import { tempDir } from './helpers.js';

const NOISE = '# Use xsArrayBufferResizable instead of xsArrayBuffer';

test('the SDK noise list: warnings and mxReport bookkeeping go, allocation failures and the rest stay', (t) => {
  t.true(isSdkNoise(NOISE));
  t.true(isSdkNoise('# Use standard String.prototype.localeCompare instead of soon obsolete String.prototype.compare'));
  t.true(isSdkNoise('# Slot collection: reserved 65536 used 63840 peak 64000 bytes 17'));
  t.true(isSdkNoise('# Chunk allocation: reserved 32768 used 30000 peak 31000 bytes'));
  t.false(isSdkNoise('# Chunk allocation: failed for 4096 bytes'));
  t.false(isSdkNoise('# Slot allocation: failed in fixed size heap'));
  t.false(isSdkNoise('link 0: peer silent for 5000 ms'));
  t.false(isSdkNoise(`x ${NOISE}`));
});

test('a board that ends without an ABORT line: its last words are what it said, not the SDK warning spam', async (t) => {
  const dir = tempDir('last-words');
  const linHost = join(dir, 'lin-host');
  writeFileSync(
    linHost,
    `#!/bin/sh
echo "app pingpong: round 3"
echo "link 0: peer silent for 5000 ms"
for i in 1 2 3 4 5 6 7 8 9 10; do echo "${NOISE}"; done
echo "# Slot collection: reserved 65536 used 63840 peak 64000 bytes 17"
echo "${NOISE}"
echo "${NOISE}" >&2
exit 1
`,
  );
  chmodSync(linHost, 0o755);
  const mcSo = join(dir, 'mc.so');
  writeFileSync(mcSo, '');
  const board = new ModdableBoard({ linHost, mcSo }, join(dir, 'board'));
  let halted = '';
  const ended = new Promise<void>((resolve) => {
    void board.start({ node: 0, links: [] } as unknown as BoardConfig, {
      linkData: () => undefined,
      consoleText: () => undefined,
      event: () => undefined,
      halted: (reason) => {
        halted = reason;
        resolve();
      },
      restarted: () => undefined,
    });
  });
  await ended;
  await board.kill();
  t.is(halted, 'board process ended (exit 1): app pingpong: round 3 | link 0: peer silent for 5000 ms');
});
