/**
 * App options are checked (issue 10): an app declares its options; an unknown one, a missing
 * value or a stray word is an error naming it, before anything starts on the host and before
 * `main` on a board. `--n 64` before `--` hints at `--`. Before, laplace ignored `--bogus`.
 */
import test from 'ava';
import { appArgsError } from '../../src/app-options.js';
import { laplaceApp } from '../../examples/laplace/app.js';
import { runDomain } from '../../host-sim/sim/run.js';
import { runChild } from '../util/child.js';

const bin = new URL('../../../bin/mcdsm.js', import.meta.url).pathname;

function mcdsm(...args: string[]) {
  return runChild(process.execPath, [bin, ...args]);
}

test('an unknown app option fails before anything starts, naming it and the options', (t) => {
  const r = mcdsm('sim', 'examples/laplace', '--engine', 'node', '--consoles', 'none', '--', '--n', '32', '--bogus', '3');
  t.is(r.code, 2);
  t.regex(r.err, /app laplace: unknown option --bogus \(its options: --n N, --iters N, --ckpt-every K, --ckpt-background 0\|1\)/);
  t.notRegex(r.out + r.err, /boards up/);
});

test('an app option before -- hints at --', (t) => {
  const r = mcdsm('sim', 'examples/laplace', '--n', '64');
  t.is(r.code, 2);
  t.regex(r.err, /unknown option '--n'/);
  t.regex(r.err, /app options go after "--": mcdsm sim <app> \[flags\] -- --n/);
});

test('a missing value and a stray word are named', (t) => {
  t.is(appArgsError(laplaceApp, ['--n']), 'app laplace: option --n needs a value (N)');
  t.regex(appArgsError(laplaceApp, ['64']) ?? '', /unexpected argument "64"/);
  t.is(appArgsError(laplaceApp, ['--n', '64', '--iters', '3']), null);
  t.is(appArgsError({ name: 'mine' }, ['--anything']), null, 'an app that declares no options checks its own');
});

test('the board checks too: a run started from code ends with the reason, not a hang', async (t) => {
  const s = await runDomain({ app: 'pingpong', appArgs: ['--roundz', '2'], boards: '2', engine: 'node' });
  t.false(s.ok);
  t.regex(s.reason, /app pingpong: unknown option --roundz \(its options: --rounds N, --packets N, --scalars N, --max-packet BYTES\)/);
});
