// lin-host's exit codes as the simulator names them (host-sim/boards/moddable-board.ts). The
// table was off by one: a JavaScript stack overflow (XS status 2) was reported as a native one.
// A board's own account of its abort (its `ABORT` line) is the cause the run gives; LinBoard
// (tests, bench) named an abort only by its number.
import test from 'ava';
import { endedText, exitText } from '../../host-sim/boards/moddable-board.js';
import { abortCause, describeLinHostExit } from '../../host-sim/moddable/lin-board.js';

test('an XS abort is named by the XS_*_EXIT values of xsCommon.h', (t) => {
  t.is(exitText(101, null), 'XS abort (not enough memory)');
  t.is(exitText(102, null), 'XS abort (JavaScript stack overflow)');
  t.is(exitText(105, null), 'XS abort (unhandled exception)');
  t.is(exitText(109, null), 'XS abort (native stack overflow)');
  t.is(exitText(75, null), 'exit 75: boot loop (restarted too often)');
  t.is(exitText(null, 'SIGTERM'), 'killed by SIGTERM');
  t.is(exitText(137, null), 'killed by signal 9');
});

test('LinBoard names an XS abort as the simulator does, not by its number', (t) => {
  t.is(describeLinHostExit(108, null), 'XS abort (unhandled rejection)');
  t.is(describeLinHostExit(102, null), 'XS abort (JavaScript stack overflow)');
  t.is(describeLinHostExit(100 + 27, null), 'XS abort (status 27)');
  t.is(describeLinHostExit(0, null), 'ended');
});

test('the cause of an abort is the board\'s last ABORT line (trace or console), XS\'s word for it said once', (t) => {
  const lines = [
    'XS abort: memory full',
    'ABORT: memory full: the chunk heap could not grow: chunk heap 32768 B (30000 B used); slot heap 2048 slots (1900 live)',
    'lin-host: XS abort (status 1)',
  ];
  t.is(abortCause(lines), 'memory full: the chunk heap could not grow: chunk heap 32768 B (30000 B used); slot heap 2048 slots (1900 live)');
  t.is(abortCause(['# ABORT unhandled rejection: Error: boom']), 'unhandled rejection: Error: boom');
  t.is(abortCause(['XS abort: unhandled rejection', 'lin-host: XS abort (status 8)']), null);
  t.is(
    endedText(101, null, lines, 'last | words'),
    'board process ended (XS abort (not enough memory)): the chunk heap could not grow: chunk heap 32768 B (30000 B used); slot heap 2048 slots (1900 live)',
  );
  // Without an ABORT line (a firmware from before, a board killed): the last words, as before.
  t.is(endedText(108, null, ['XS abort: unhandled rejection'], 'XS abort: unhandled rejection | lin-host: XS abort (status 8)'), 'board process ended (XS abort (unhandled rejection)): XS abort: unhandled rejection | lin-host: XS abort (status 8)');
  t.is(endedText(null, 'SIGKILL', [], ''), 'board process ended (killed by SIGKILL)');
});
