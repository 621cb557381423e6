// A command given too little names the help that lists its own flags. It said `(run with --help
// for usage)`: after `mcdsm provision` a user ran `mcdsm --help`, which lists the commands only.
import test from 'ava';
import { mcdsm, project } from '../apps/helpers.js';

const CASES: { args: string[]; error: RegExp; hint: string }[] = [
  { args: ['provision'], error: /missing required argument 'device'/, hint: 'mcdsm provision --help' },
  { args: ['inject', 'tcp://127.0.0.1:1'], error: /missing required argument 'command'/, hint: 'mcdsm inject --help' },
  { args: ['firmware', 'build', './app.ts', '--out', 'x'], error: /required option '--target <target>' not specified/, hint: 'mcdsm firmware build --help' },
  { args: ['sim'], error: /missing required argument 'app'/, hint: 'mcdsm sim --help' },
  { args: ['simm'], error: /unknown command 'simm'/, hint: 'mcdsm --help' },
];

for (const c of CASES) {
  test(`mcdsm ${c.args.join(' ')}: the error, then "run \\"${c.hint}\\""`, (t) => {
    const dir = project({ 'app.ts': '' }, 'mcdsm-help-');
    const r = mcdsm(dir, c.args);
    t.is(r.code, 2, r.err);
    t.regex(r.err, c.error);
    t.true(r.err.includes(`(run "${c.hint}" for usage)`), r.err);
  });
}
