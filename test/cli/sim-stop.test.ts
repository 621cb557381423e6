// A user stopping `mcdsm sim` (Ctrl-C, or `kill`'s SIGTERM) and talking to a board that crashed
// during a run (the audit of session 17). Before: SIGTERM ended the process with no summary;
// `mcdsm inject` to a crashed board waited its whole timeout and answered with three levels of
// parentheses ("... within 5000 ms (no pong from the board (is it running the mcdsm shell?))").
import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { BIN, mcdsm, project } from '../apps/helpers.js';

const INJECT_TIMEOUT_MS = 60_000;

interface Ended { code: number | null; signal: NodeJS.Signals | null; out: string; err: string }

/** `mcdsm sim idle` for a long while in real time; `whenUp` runs once the boards are up. */
function longRun(dir: string, extra: string[], whenUp: (child: ChildProcess, out: string) => void): Promise<Ended> {
  const child = spawn(process.execPath, [BIN, 'sim', 'idle', '--boards', '3', '--realtime', '--quiet', ...extra, '--', '--ms', '60000'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let up = false;
  const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
  // With --json the lines for people (`boards up`, the consoles) go to stderr.
  const check = () => {
    if (up || !/boards up/.test(out + err)) return;
    up = true;
    whenUp(child, out + err);
  };
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    check();
  });
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
    check();
  });
  return new Promise((resolve) => child.on('exit', (code, signal) => {
    clearTimeout(guard);
    resolve({ code, signal, out, err });
  }));
}

for (const [signal, code, reason] of [['SIGTERM', 143, 'stopped by SIGTERM'], ['SIGINT', 130, 'interrupted \\(Ctrl-C\\)']] as const) {
  test(`${signal} to mcdsm sim: the summary of what ran, and an exit code saying it was stopped`, async (t) => {
    const dir = project({}, 'mcdsm-cli-stop-');
    const r = await longRun(dir, ['--consoles', 'none', '--json'], (child) => setTimeout(() => child.kill(signal), 500));
    t.is(r.signal, null, 'the process ended by itself, not by the signal');
    t.is(r.code, code, r.err);
    t.regex(r.err, new RegExp(`run did not complete: ${reason}`));
    const summary = JSON.parse(r.out.trim().split('\n').pop()!) as { ok: boolean; reason: string; boards: { state: string }[] };
    t.false(summary.ok);
    t.regex(summary.reason, new RegExp(`^${reason}$`));
    t.is(summary.boards.length, 3);
  });
}

test('mcdsm inject to a board that crashed: one line naming the halt, quickly; the other boards still answer', async (t) => {
  const dir = project({}, 'mcdsm-cli-inject-');
  const seen: { crash?: ReturnType<typeof mcdsm>; status?: ReturnType<typeof mcdsm>; other?: ReturnType<typeof mcdsm>; ms?: number } = {};
  await longRun(dir, ['--consoles', 'tcp'], (child, out) => {
    const url = (b: number) => new RegExp(`board ${b} console: (tcp://\\S+)`).exec(out)?.[1] ?? 'tcp://missing';
    // spawnSync blocks this process's event loop, not the simulator's (its own process).
    setTimeout(() => {
      seen.crash = mcdsm(dir, ['inject', url(1), 'fault crash']);
      const t0 = Date.now();
      // A long --timeout: answering within the 500 ms halt grace, not at the timeout, is then
      // told apart by far more than a loaded host's node start-up (~1-3 s of the measure).
      seen.status = mcdsm(dir, ['inject', url(1), 'status', '--timeout', String(INJECT_TIMEOUT_MS)]);
      seen.ms = Date.now() - t0;
      seen.other = mcdsm(dir, ['inject', url(2), 'status']);
      child.kill('SIGTERM');
    }, 300);
  });
  t.is(seen.crash?.code, 0, seen.crash?.err);
  // The console answered (the command reached it) but did not run it: 1, as for an ERR answer;
  // 2 is kept for a command that never reached a console (exit 2 before session 20).
  t.is(seen.status?.code, 1);
  t.regex(seen.status!.err, /^mcdsm inject: console tcp:\/\/\S+: the board has halted \(fault crash\) and answers no commands; 'status' was not run\n$/);
  t.true(seen.ms! < INJECT_TIMEOUT_MS / 2, `answered in ${seen.ms} ms, not after the ${INJECT_TIMEOUT_MS} ms timeout`);
  t.is(seen.other?.code, 0, seen.other?.err);
  t.regex(seen.other!.out, /^node=2 /);
});

test('firmware build --set rank=...: the error names the forms rank takes, spare among them', (t) => {
  const dir = project({}, 'mcdsm-cli-rank-');
  const r = mcdsm(dir, ['firmware', 'build', 'pingpong', '--target', 'lin', '--out', 'fw', '--set', 'rank=two']);
  t.is(r.code, 2, r.err);
  t.is(r.err, 'mcdsm firmware build: --set rank=two: rank: expected an integer from 0 to 253, or spare, got "two"\n');
});
