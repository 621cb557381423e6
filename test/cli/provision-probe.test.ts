// `mcdsm provision` reads the board's `config show` before it writes anything (session 20):
// - a device that does not answer like an mcdsm board ends within PROBE_TIMEOUT_MS (3 s) whatever
//   --timeout says, naming the device, and nothing is written (before: the first `config set`
//   waited the whole --timeout);
// - a links/console value of the other platform's form (pins to a lin board, a path to a chip) is
//   refused before any field is stored (before: the fields before it were stored, then the board
//   refused it and the user had to provision again).
import test from 'ava';
import { mcdsmAsync, project } from '../apps/helpers.js';
import { withFakeConsole } from './fake-console.js';

/** A board's shell with `config`: records every command it ran; `console` is what config show says. */
function firmwareShell(consoleValue: string, ran: string[]): (line: string) => string {
  return (line) => {
    const ping = /^ping (\S+)$/.exec(line);
    if (ping !== null) return `pong=${ping[1]}\r\nOK\r\n`;
    ran.push(line);
    if (line === 'config show') return `field=node value=0 from=host\r\nfield=console value=${consoleValue} from=host\r\nOK\r\n`;
    if (line.startsWith('config set ')) return 'OK\r\n';
    if (line === 'reset') return 'OK\r\n';
    return `ERR unknown command '${line}'\r\n`;
  };
}

test('provision to a device that never answers: a bounded wait, one line naming it, nothing written, exit 1', async (t) => {
  await withFakeConsole(() => null, async (url) => {
    const t0 = Date.now();
    // --timeout far above the 3 s probe and the bound below: node's start-up alone took 18 s on
    // a loaded 2-core host (load 29), and 15 s against --timeout 60000 failed there.
    const r = await mcdsmAsync(project({}, 'mcdsm-prov-probe-'), ['provision', url, '--node', '3', '--timeout', '150000']);
    const ms = Date.now() - t0;
    t.is(r.code, 1, r.err);
    t.regex(r.err, /^mcdsm provision: tcp:\/\/127\.0\.0\.1:\d+ does not answer like an mcdsm board \(no answer to 'config show' within 3000 ms: .*\): is it running mcdsm firmware\?; nothing was written\n$/);
    t.true(ms < 75_000, `ended after ${ms} ms, not after --timeout`);
  });
});

test('provision --links in the pins form to a board that opens devices by path: refused before any field is stored', async (t) => {
  const ran: string[] = [];
  await withFakeConsole(firmwareShell('"{\\"device\\":\\"/dev/pts/3\\"}"', ran), async (url) => {
    const r = await mcdsmAsync(project({}, 'mcdsm-prov-probe-'), ['provision', url, '--node', '7', '--rank', '0', '--links', '2:16:17']);
    t.is(r.code, 1, r.err);
    t.regex(r.err, /^mcdsm provision: --links 2:16:17: links\[0\]\.device: this firmware opens serial devices by path; .* \(this board's console is \{"device":"\/dev\/pts\/3"\}: it opens serial devices by path\); nothing was written\n$/);
    t.deepEqual(ran, ['config show'], 'no config set reached the board');
  });
});

test('provision to a chip (pins) with matching values: the fields, config show, reset, exit 0', async (t) => {
  const ran: string[] = [];
  await withFakeConsole(firmwareShell('"{\\"port\\":0,\\"rx\\":3,\\"tx\\":1}"', ran), async (url) => {
    const r = await mcdsmAsync(project({}, 'mcdsm-prov-probe-'), ['provision', url, '--node', '7', '--links', '2:16:17']);
    t.is(r.code, 0, r.err);
    t.deepEqual(ran, ['config show', 'config set node 7', 'config set links 2:16:17', 'config show', 'reset']);
  });
});
