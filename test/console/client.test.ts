import test from 'ava';
import fc from 'fast-check';
import { PassThrough } from 'node:stream';
import { LineEditor } from '../../host-sim/console/line-editor.js';
import { runConsole } from '../../host-sim/console/client.js';
import { startBoards } from './helpers.js';

function collect(stream: PassThrough): () => string {
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString()));
  return () => text;
}

async function until(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('line editor: typing, erasing, Enter variants', (t) => {
  const e = new LineEditor();
  let r = e.feed('statz');
  t.deepEqual(r, { send: [], echo: 'statz', exit: false });
  r = e.feed('\x7fus\r');
  t.deepEqual(r, { send: ['status\r\n'], echo: '\b \bus\r\n', exit: false });
  // CRLF pasted in one go is one Enter; LF alone is Enter too.
  t.deepEqual(e.feed('a\r\nb\n').send, ['a\r\n', 'b\r\n']);
  t.deepEqual(e.feed('x\b\by\r').send, ['y\r\n']);
  t.deepEqual(e.feed('junk\x15peers\r'), { send: ['peers\r\n'], echo: 'junk' + '\b \b'.repeat(4) + 'peers\r\n', exit: false });
  t.deepEqual(e.feed('p\x1b[Ai\x1bOPng\r').send, ['ping\r\n']);
  t.is(e.buffer, '');
});

test('line editor: Ctrl-C interrupts the board, Ctrl-] and Ctrl-D on an empty line quit', (t) => {
  const e = new LineEditor();
  t.deepEqual(e.feed('ckpt no\x03'), { send: ['\x03'], echo: 'ckpt no^C\r\n', exit: false });
  t.is(e.buffer, '');
  t.deepEqual(e.feed('sta\x04'), { send: [], echo: 'sta', exit: false });
  const q = e.feed('tus\r\x1dping\r');
  t.deepEqual(q, { send: ['status\r\n'], echo: 'tus\r\n\r\n', exit: true });
  t.true(e.exited);
  t.deepEqual(e.feed('more\r'), { send: [], echo: '', exit: true });
  const d = new LineEditor();
  t.true(d.feed('\x04').exit);
});

test('line editor: what is sent never holds a control character except the line end and Ctrl-C', (t) => {
  fc.assert(
    fc.property(fc.array(fc.string({ unit: 'grapheme-ascii', maxLength: 30 }), { maxLength: 10 }), (chunks) => {
      const e = new LineEditor();
      for (const c of chunks) {
        const r = e.feed(c);
        for (const s of r.send) {
          if (s === '\x03') continue;
          if (!s.endsWith('\r\n')) return false;
          if (/[\x00-\x1f\x7f]/.test(s.slice(0, -2))) return false;
        }
        if (r.exit) break;
      }
      return true;
    }),
    { seed: 11, numRuns: 300 },
  );
  t.pass();
});

test('runConsole in line mode: one command per input line, answers in order, exits at end of input', async (t) => {
  const { hub, boards, infos } = await startBoards([1, 2]);
  try {
    const input = new PassThrough();
    const output = new PassThrough();
    const text = collect(output);
    const done = runConsole(infos.get(1)!.url, { input, output, terminal: false, showCommands: true });
    input.write('# a comment line\nstatus\r\n\nfault drop 7\n');
    input.end('log debug\n');
    const r = await done;
    t.deepEqual(r, { answers: 3, errors: 1, reason: 'eof' });
    t.is(text(), [
      '> status',
      'node=1 rank=1 role=member app=idle state=waiting epoch=0 uptime_ms=0 heap=48128 heap_limit=196608 log=info',
      'OK',
      '> fault drop 7',
      "ERR bad <p> '7': out of range [0, 1]",
      '> log debug',
      'OK',
      '',
    ].join('\n'));
    t.is(boards.get(1)?.board.level, 'debug');
  } finally {
    await hub.close();
  }
});

test('runConsole in line mode stops at Ctrl-]', async (t) => {
  const { hub, boards, infos } = await startBoards([1]);
  try {
    const input = new PassThrough();
    const output = new PassThrough();
    const text = collect(output);
    const done = runConsole(infos.get(1)!.url, { input, output, terminal: false });
    input.write('ping 1\n\x1d\nlog trace\n');
    const r = await done;
    t.is(r.reason, 'quit');
    t.is(text(), 'pong=1\nOK\n');
    t.is(boards.get(1)?.board.level, 'info');
  } finally {
    await hub.close();
  }
});

test('runConsole on a terminal: a readline prompt, editing, history, board output shown, Ctrl-] quits', async (t) => {
  const { hub, boards, infos } = await startBoards([1]);
  try {
    const input = new PassThrough() as PassThrough & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
    const modes: boolean[] = [];
    input.isTTY = true;
    input.setRawMode = (raw) => modes.push(raw);
    const output = new PassThrough();
    const text = collect(output);
    const done = runConsole(infos.get(1)!.url, { input, output });
    await until(() => text().includes('mcdsm> '), 'the prompt');
    input.write('pinx');
    input.write('\x7fg t\r');
    await until(() => text().includes('OK\r\n'), 'the answer');
    t.regex(boards.get(1)!.received, /^ping t\r\n$/);
    t.regex(text(), /pong=t\r\nOK\r\n/);
    // Line editing: Left arrow, insert, Right arrow (readline's editing), one key per read as a
    // terminal delivers them.
    for (const key of ['pig', '\x1b[D', 'n', '\x1b[C', ' x', '\r']) {
      input.write(key);
      await new Promise((r) => setTimeout(r, 10));
    }
    await until(() => boards.get(1)!.received.includes('ping x'), 'the edited line');
    // History: Up brings the last line back.
    input.write('\x1b[A');
    await new Promise((r) => setTimeout(r, 10));
    input.write('\r');
    await until(() => boards.get(1)!.received.split('ping x').length === 3, 'the line from history');
    input.write('log nope\r');
    await until(() => text().includes('ERR '), 'the ERR answer');
    input.write('\x1d');
    const r = await done;
    t.deepEqual(r, { answers: 4, errors: 1, reason: 'quit' });
    t.is(modes[0], true);
    t.is(modes[modes.length - 1], false, 'the terminal is restored');
    t.true(text().startsWith(`connected to ${infos.get(1)!.url} (Ctrl-] or Ctrl-D to quit; Up/Down: history)\r\n`));
  } finally {
    await hub.close();
  }
});

test('runConsole on a terminal ends when the board side goes away', async (t) => {
  const { hub, infos } = await startBoards([1]);
  const input = new PassThrough();
  const output = new PassThrough();
  const text = collect(output);
  const done = runConsole(infos.get(1)!.url, { input, output, terminal: true });
  await until(() => (hub.stats(1)?.clients ?? 0) === 1, 'the connection');
  await hub.close();
  const r = await done;
  t.is(r.reason, 'closed');
  t.true(text().includes('[console closed by the board side]'));
});
