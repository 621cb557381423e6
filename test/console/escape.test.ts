/**
 * Issue 11, defect 5: an escape sequence must never swallow the line terminator. Every
 * non-blank line gets exactly one answer, and a line with a broken escape sequence changes
 * nothing (it is rejected as a whole).
 */
import test from 'ava';
import fc from 'fast-check';
import { LineAssembler, type LineSink } from '../../src/console/line-assembler.js';
import { makeShell, parseAnswers } from './helpers.js';

test('issue reproducer: `fault drop 0<ESC>` + Enter answers ERR and `.9` is a line of its own', (t) => {
  const { shell, io, board } = makeShell({ faultsArmed: true });
  shell.feed('fault drop 0\x1b\r');
  const first = parseAnswers(io.take());
  t.is(first.length, 1);
  t.regex(first[0]!.final, /^ERR .*escape sequence/);
  t.deepEqual(board.faultEvents(), [], 'the bad line changed nothing');
  shell.feed('.9\r');
  const second = parseAnswers(io.take());
  t.is(second.length, 1);
  t.regex(second[0]!.final, /^ERR unknown command '\.9'/);
  t.deepEqual(board.faultEvents(), []);
  t.deepEqual(shell.netFaults, makeShell().shell.netFaults);
});

test('complete arrow-key sequences are still dropped silently', (t) => {
  const { shell, io } = makeShell();
  shell.feed('sta\x1b[Dtus\x1bOA\r\n');
  const a = parseAnswers(io.take());
  t.is(a.length, 1);
  t.is(a[0]!.final, 'OK');
});

/** Characters a terminal can send, weighted towards the troublesome ones. */
const key = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('f', 'a', ' ', '0', '.', '9', '[', 'O', 'A', '~', ';', 'é') },
  { weight: 3, arbitrary: fc.constantFrom('\x1b', '\x1b[', '\x1bO', '\x1b[1;5') },
  { weight: 2, arbitrary: fc.constantFrom('\r', '\n', '\r\n') },
  { weight: 1, arbitrary: fc.constantFrom('\b', '\x7f', '\t', '\x00', '\x15', '\x03') },
);

/** Line ends in the raw input, as the assembler must see them: CR, LF, CRLF counted once. */
function terminators(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\r') n++;
    else if (text[i] === '\n' && text[i - 1] !== '\r') n++;
  }
  return n;
}

test('property: every line terminator ends exactly one line, whatever escapes precede it, in any chunking', (t) => {
  fc.assert(
    fc.property(fc.array(key, { maxLength: 60 }), fc.array(fc.nat(), { maxLength: 8 }), (keys, cuts) => {
      const text = keys.join('');
      const ends: string[] = [];
      const sink: LineSink = {
        line: (l) => ends.push(`line:${l}`),
        overflow: () => ends.push('overflow'),
        rejected: () => ends.push('rejected'),
        interrupt: () => {},
        echo: () => {},
      };
      const a = new LineAssembler(sink, 256);
      const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((x, y) => x - y);
      let at = 0;
      for (const p of points) {
        a.push(text.slice(at, p));
        at = p;
      }
      a.push(text.slice(at));
      if (ends.length !== terminators(text)) return false;
      // A line's text comes from the characters typed since the previous line end only.
      const segments = text.split(/\r\n|\r|\n/);
      for (let i = 0; i < ends.length; i++) {
        const e = ends[i]!;
        if (!e.startsWith('line:')) continue;
        const l = e.slice(5);
        if (/[\x00-\x1f\x7f]/.test(l)) return false;
        const seg = segments[i]!;
        for (const ch of l) if (ch !== ' ' && !seg.includes(ch)) return false;
      }
      return true;
    }),
    { seed: 0xe5c, numRuns: 2000 },
  );
  t.pass();
});

test('property: through the shell, every non-blank line gets one answer and a rejected line changes nothing', (t) => {
  let rejected = 0;
  fc.assert(
    fc.property(fc.array(fc.array(key, { maxLength: 12 }), { maxLength: 10 }), (lines) => {
      const { shell, io, board } = makeShell({ faultsArmed: true });
      for (const ks of lines) {
        const l = ks.join('').replace(/[\r\n\x03\x15]/g, '');
        if (shell.isStopped) break;
        const before = JSON.stringify([board.faultEvents(), shell.netFaults, board.level]);
        shell.feed('fault drop 0' + l + '\r');
        const answers = parseAnswers(io.take());
        if (answers.length !== 1) return false;
        if (/\x1b/.test(l) && /escape sequence/.test(answers[0]!.final)) {
          rejected++;
          if (JSON.stringify([board.faultEvents(), shell.netFaults, board.level]) !== before) return false;
        }
      }
      return true;
    }),
    { seed: 0xe5d, numRuns: 500 },
  );
  t.true(rejected > 100, `${rejected} lines rejected`);
});
