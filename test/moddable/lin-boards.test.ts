/**
 * The real Moddable runtime: firmware built with the SDK's mcconfig for `lin`, boards run by
 * lin-host as processes, their UART links and consoles socat pty pairs. No mocks.
 * Builds are cached by content (firmwareOut), so a second run only starts processes.
 */
import test from 'ava';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConsoleSession } from '../../host-sim/console/session.js';
import { LinBoard, ptyPair } from '../../host-sim/moddable/lin-board.js';
import { runDomain } from '../../host-sim/sim/run.js';
import { provisionCommand } from '../../host-sim/commands/firmware.js';
import { PROVISION_FIELDS } from '../../firmware/firmware-config.js';
import { linFirmware, moddableSdkOrReport, startRing, tempDir, FIRMWARE_TEST_MS } from './helpers.js';
import { eventually } from '../util/wait.js';

const sdk = moddableSdkOrReport(test);
const RUN_MS = 60_000;

if (sdk !== null) {
  test.serial('lin firmware: only the runtime and the one app are bundled', async (t) => {
    t.timeout(FIRMWARE_TEST_MS);
    const fw = await linFirmware('pingpong');
    t.truthy(fw.mcSo);
    t.true(fw.files.includes('examples/pingpong/app.ts'));
    t.false(fw.files.some((f) => f.startsWith('examples/conformance') || f.startsWith('bench/') || f.startsWith('examples/laplace')), fw.files.join(' '));
    for (const m of ['timer', 'time', 'instrumentation', 'mc/config', 'embedded:io/serial', 'mcdsm-platform']) t.true(fw.sdkImports.includes(m), m);
    t.true(fw.archive !== undefined && fw.archive.modules.includes('main') && fw.archive.modules.includes('instrumentation'));
  });

  test.serial('3 lin boards in a ring over pty UARTs run pingpong to the simulator\'s results; console status and a bad line', async (t) => {
    t.timeout(FIRMWARE_TEST_MS);
    const fw = await linFirmware('pingpong');
    const ring = await startRing(sdk, fw.mcSo as string, 3);
    try {
      const lines = await Promise.all(ring.boards.map((b) => b.waitFor(/^app-(result|error) rank=/, RUN_MS)));
      const got = lines.map((l) => {
        t.regex(l, /^app-result rank=\d /, l);
        return JSON.parse(l.slice(l.indexOf('{'))) as unknown;
      });
      const sim = await runDomain({ app: 'pingpong', boards: '3', engine: 'node', topology: 'ring' });
      t.deepEqual(got, [sim.app.results[0], sim.app.results[1], sim.app.results[2]]);

      const session = await ConsoleSession.open(ring.consoles[1] as string, { timeoutMs: 5000 });
      try {
        const status = await session.command('status');
        t.true(status.ok);
        t.regex(status.lines[0] ?? '', /^node=1 rank=1 .*app=pingpong state=done/);
        const bad = await session.command('frobnicate now');
        t.is(bad.final, "ERR unknown command 'frobnicate' (try: help)");
        const result = await session.command('result');
        t.deepEqual(result.lines, [lines[1]]);
      } finally {
        await session.close();
      }
    } finally {
      await ring.stop();
    }
  });

  test.serial('provisioning: config set names a bad field; config set + reset boots with the new node; mcdsm provision', async (t) => {
    t.timeout(FIRMWARE_TEST_MS);
    const fw = await linFirmware('pingpong');
    const dir = tempDir('prov');
    const con = await ptyPair(join(dir, 'c-board'), join(dir, 'c'));
    // One board, no links: pingpong on one board is a ring of itself.
    const board = LinBoard.start({ linHost: sdk.linHost, mcSo: fw.mcSo as string, stateDir: join(dir, 'state'), config: { node: 0, rank: 0, boards: 1, links: [], console: { device: con.a } } });
    try {
      await board.waitFor(/^app-result rank=0 /, RUN_MS);
      const s = await ConsoleSession.open(con.b, { timeoutMs: 5000 });
      try {
        t.is((await s.command('config set node 300')).final, 'ERR node: expected an integer from 0 to 254, got "300"');
        t.is((await s.command('config set links 1:2')).final.slice(0, 13), 'ERR links[0]:');
        t.is((await s.command('config set colour red')).final, `ERR colour: not a config field (have: ${PROVISION_FIELDS.join(', ')})`);
        const before = await s.command('config show');
        t.true(before.lines.includes('field=node value=0 from=host'), before.text);
        t.true(before.lines.includes('field=app value=pingpong from=manifest'), before.text);
        t.true(before.lines.includes('field=domainKey value=- from=unset'), before.text);
        // The domain key is a secret: stored, shown only as set, never echoed.
        const key = '00112233445566778899aabbccddeeff';
        t.regex((await s.command('config set domainKey 0011')).final, /^ERR domainKey must be 32 hex digits/);
        const set = await s.command(`config set domainKey ${key}`);
        const keyed = await s.command('config show');
        t.true(keyed.lines.includes('field=domainKey value=set from=pref'), keyed.text);
        t.false(`${set.text}\n${keyed.text}`.includes(key));
        await s.command('config clear domainKey');
        t.true((await s.command('config show')).lines.includes('field=domainKey value=- from=unset'));
      } finally {
        await s.close();
      }
      // A value of the other platform's form (a lin board opens devices by path, not 2:16:17):
      // provision reads `config show` first and refuses it before storing any field (session 20;
      // session 19 said which fields the board had stored before refusing it).
      const errors: string[] = [];
      const write = process.stderr.write.bind(process.stderr);
      process.stderr.write = ((chunk: string | Uint8Array) => (errors.push(String(chunk)), true)) as typeof process.stderr.write;
      let refused: number;
      try {
        refused = await provisionCommand(con.b, { node: '7', rank: '0', links: '2:16:17', set: [], baud: '115200', timeout: '5000' });
      } finally {
        process.stderr.write = write;
      }
      t.is(refused, 1);
      t.is(
        errors.join(''),
        'mcdsm provision: --links 2:16:17: links[0].device: this firmware opens serial devices by path; expected a path like /dev/ttyUSB0, got the pins form port:rx:tx (2:16:17), which is for ESP32/Pico firmware' +
          ` (this board's console is {"device":"${con.a}"}: it opens serial devices by path); nothing was written\n`,
      );
      {
        const s1 = await ConsoleSession.open(con.b, { timeoutMs: 5000 });
        try {
          t.true((await s1.command('config show')).lines.includes('field=node value=0 from=host'), 'node 7 was not stored');
        } finally {
          await s1.close();
        }
      }
      // mcdsm provision: config set for each field, config show, reset.
      t.is(await provisionCommand(con.b, { node: '7', set: ['appArgs=--rounds,3'], baud: '115200', timeout: '5000' }), 0);
      await board.waitFor(/^lin-host: restart$/, 10_000);
      const s2 = await ConsoleSession.open(con.b, { timeoutMs: 5000 });
      try {
        // Asked until the restarted board answers as node 7: its boot is wall time (50 tries
        // 100 ms apart, ~5 s, before: short for a loaded host).
        const status = await eventually('the restarted board to answer as node 7', async () => (await s2.command('status').catch(() => ({ text: '' }))).text, (text) => /node=7/.test(text));
        t.regex(status, /^node=7 rank=0 /);
        const shown = await s2.command('config show');
        t.true(shown.lines.includes('field=node value=7 from=pref'), shown.text);
        t.true(shown.lines.includes('field=appArgs value="[\\"--rounds\\",\\"3\\"]" from=pref'), shown.text);
        t.true(shown.lines.includes('field=boards value=1 from=host'), shown.text);
      } finally {
        await s2.close();
      }
    } finally {
      await board.stop();
      await con.close();
    }
  });

  test.serial('a serial device that does not exist and a bad host field: halts with the reason, console still answers', async (t) => {
    t.timeout(FIRMWARE_TEST_MS);
    const fw = await linFirmware('pingpong');
    const dir = tempDir('halt');
    const con = await ptyPair(join(dir, 'c-board'), join(dir, 'c'));
    const missing = join(dir, 'no-such-tty');
    const board = LinBoard.start({ linHost: sdk.linHost, mcSo: fw.mcSo as string, stateDir: join(dir, 's1'), config: { node: 0, rank: 0, boards: 2, links: [{ device: missing }], console: { device: con.a } } });
    try {
      const halt = await board.waitFor(/^HALT: /, 20_000);
      t.is(halt, `HALT: links[0]: cannot open serial device ${missing}: No such file or directory`);
      const s = await ConsoleSession.open(con.b, { timeoutMs: 5000 });
      try {
        const st = await s.command('status');
        t.is(st.lines[0], `node=0 state=halted reason="links[0]: cannot open serial device ${missing}: No such file or directory"`);
      } finally {
        await s.close();
      }
    } finally {
      await board.stop();
    }
    // A field in the wrong form for lin (pins instead of a device path), without a console: the trace says it.
    const b2 = LinBoard.start({ linHost: sdk.linHost, mcSo: fw.mcSo as string, stateDir: join(dir, 's2'), config: { links: [{ port: 2, receive: 16, transmit: 17, baud: 9600 }] } });
    try {
      t.regex(await b2.waitFor(/^HALT: /, 20_000), /^HALT: bad firmware config: links\[0\]\.device: this firmware opens serial devices by path/);
      t.is(b2.child.exitCode, null, 'a halted board stays up (like a chip) instead of aborting');
    } finally {
      await b2.stop();
      await con.close();
    }
    // A stored preference that is not JSON: named, and the manifest/host layers still give a console.
    mkdirSync(join(dir, 's3'));
    writeFileSync(join(dir, 's3', 'mcdsm-config.json'), '{not json');
    const b3 = LinBoard.start({ linHost: sdk.linHost, mcSo: fw.mcSo as string, stateDir: join(dir, 's3'), config: { boards: 1 } });
    try {
      t.is(await b3.waitFor(/^HALT: /, 20_000), 'HALT: bad firmware config: preference mcdsm/config: not JSON');
    } finally {
      await b3.stop();
    }
  });
}
