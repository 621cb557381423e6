// lin-host's exit codes as the simulator names them (host-sim/boards/moddable-board.ts). The
// table was off by one: a JavaScript stack overflow (XS status 2) was reported as a native one.
import test from 'ava';
import { exitText } from '../../host-sim/boards/moddable-board.js';

test('an XS abort is named by the XS_*_EXIT values of xsCommon.h', (t) => {
  t.is(exitText(101, null), 'XS abort (not enough memory)');
  t.is(exitText(102, null), 'XS abort (JavaScript stack overflow)');
  t.is(exitText(105, null), 'XS abort (unhandled exception)');
  t.is(exitText(109, null), 'XS abort (native stack overflow)');
  t.is(exitText(75, null), 'exit 75: boot loop (restarted too often)');
  t.is(exitText(null, 'SIGTERM'), 'killed by SIGTERM');
});
