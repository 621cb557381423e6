// `mcdsm inject`'s exit codes (docs/CONSOLE.md, `mcdsm inject --help`): 0 OK, 1 the command reached
// a console but did not succeed there, 2 it never reached one. Before session 20 a console that
// did not answer in time exited 2 (like a typo in the address) while an ERR answer exited 1.
import test from 'ava';
import { mcdsmAsync, project } from '../apps/helpers.js';
import { refusing, withFakeConsole } from './fake-console.js';

test('inject: a console that never answers exits 1 (the command reached it), not 2', async (t) => {
  await withFakeConsole(() => null, async (url) => {
    const r = await mcdsmAsync(project({}, 'mcdsm-inject-'), ['inject', url, 'status', '--timeout', '1500']);
    t.is(r.code, 1, r.err);
    t.regex(r.err, /^mcdsm inject: console tcp:\/\/\S+: no answer to 'status' within 1500 ms/);
  });
});

test('inject: an ERR answer exits 1 and prints the answer; OK exits 0', async (t) => {
  await withFakeConsole((line) => (line === 'status' ? 'node=1\r\nOK\r\n' : refusing(line)), async (url) => {
    const dir = project({}, 'mcdsm-inject-');
    const err = await mcdsmAsync(dir, ['inject', url, 'bogus']);
    t.is(err.code, 1, err.err);
    t.is(err.out, 'ERR unknown command\n');
    const ok = await mcdsmAsync(dir, ['inject', url, 'status']);
    t.is(ok.code, 0, ok.err);
    t.is(ok.out, 'node=1\nOK\n');
  });
});

test('inject: a command that never reaches a console exits 2 (refused connection, empty command)', async (t) => {
  const dir = project({}, 'mcdsm-inject-');
  const refused = await mcdsmAsync(dir, ['inject', 'tcp://127.0.0.1:1', 'status', '--timeout', '2000']);
  t.is(refused.code, 2, refused.err);
  t.regex(refused.err, /^mcdsm inject: console tcp:\/\/127\.0\.0\.1:1: .*refused/);
  await withFakeConsole(refusing, async (url) => {
    const empty = await mcdsmAsync(dir, ['inject', url, '  ']);
    t.is(empty.code, 2, empty.err);
    t.is(empty.err, 'mcdsm inject: console command: empty line\n');
  });
});

test('inject --help names the exit codes', async (t) => {
  const r = await mcdsmAsync(project({}, 'mcdsm-inject-'), ['inject', '--help']);
  t.is(r.code, 0, r.err);
  t.regex(r.out, /Exit status: 0 +the board answered OK[^]*\n +1 +the command reached the console[^]*ERR[^]*halted[^]*\n +2 +the command never reached a board/);
});
