import test from 'ava';
import fc from 'fast-check';
import { formatRecord, parseRecord } from '../../src/console/record.js';
import type { ConsoleShell } from '../../src/console/shell.js';
import { makeShell, parseAnswers } from './helpers.js';
import type { RealBoard } from './helpers.js';

const words = [
  'help', 'status', 'peers', 'stats', 'log', 'ping', 'fault', 'arm', 'disarm', 'ckpt', 'faults',
  'crash', 'reboot', 'hang', 'drop', 'corrupt', 'delay', 'partition', 'heal', 'now', 'debug',
  'trace', 'warn', 'info', 'error', '0', '1', '2', '3', '9', '0.5', '1.5', '-1', '1e3', '2,3',
  '0,1', '1,2,3', ',', 'nan', 'Infinity', '60000', '3600000', '0x10', '',
];

/** Lines made of command words and numbers: mostly near-misses of valid commands. */
const grammarLine = fc.array(fc.constantFrom(...words), { minLength: 1, maxLength: 4 }).map((ws) => ws.join(' '));
/** Printable junk, no line breaks. */
const printableLine = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 80 });
/** Anything at all except CR and LF (control keys, escapes, non-ASCII). */
const anyLine = fc.string({ unit: 'grapheme', maxLength: 60 }).map((s) => s.replace(/[\r\n]/g, ''));
const line = fc.oneof({ weight: 5, arbitrary: grammarLine }, { weight: 2, arbitrary: printableLine }, { weight: 2, arbitrary: anyLine });

/** What a line can change: the board's log level and the faults it reported, and the shell's state. */
function snapshot(shell: ConsoleShell, board: RealBoard): string {
  return JSON.stringify({
    level: board.level,
    faults: board.faultEvents(),
    net: shell.netFaults,
    armed: shell.faultsArmed,
    echo: shell.echo,
    stopped: shell.isStopped,
  });
}

test('random lines never throw; each gets at most one answer, and a printable non-blank line exactly one', (t) => {
  fc.assert(
    fc.property(fc.array(line, { maxLength: 25 }), fc.boolean(), (lines, armed) => {
      const { shell, io, board } = makeShell({ faultsArmed: armed });
      for (const l of lines) {
        const stoppedBefore = shell.isStopped;
        shell.feed(l + '\r\n');
        const out = io.take();
        if (stoppedBefore) {
          if (out !== '') return false;
          continue;
        }
        const answers = parseAnswers(out);
        if (answers.length > 1) return false;
        for (const a of answers) if (!(a.final === 'OK' || /^ERR \S/.test(a.final))) return false;
        const printable = /^[\x20-\x7e]*$/.test(l);
        if (printable && l.trim().length > 0 && answers.length !== 1) return false;
        if (shell.echo) shell.echo = false;
      }
      return true;
    }),
    { seed: 0x5eed, numRuns: 400 },
  );
  t.pass();
});

test('an ERR answer changes no state', (t) => {
  let errs = 0;
  fc.assert(
    fc.property(fc.array(line, { minLength: 1, maxLength: 25 }), fc.boolean(), (lines, armed) => {
      const { shell, io, board } = makeShell({ faultsArmed: armed });
      for (const l of lines) {
        if (shell.isStopped) break;
        const before = snapshot(shell, board);
        shell.feed(l + '\r\n');
        const answers = parseAnswers(io.take());
        if (answers.length === 1 && answers[0]?.final.startsWith('ERR')) {
          errs++;
          if (snapshot(shell, board) !== before) return false;
        }
        if (shell.echo) shell.echo = false;
      }
      return true;
    }),
    { seed: 0xe77, numRuns: 400 },
  );
  t.true(errs > 1000, `exercised ${errs} ERR answers`);
});

test('valid commands from the grammar do answer OK (the generator is not all noise)', (t) => {
  let ok = 0;
  fc.assert(
    fc.property(fc.array(grammarLine, { maxLength: 30 }), (lines) => {
      const { shell, io } = makeShell();
      for (const l of lines) {
        if (shell.isStopped) break;
        shell.feed(l + '\n');
        for (const a of parseAnswers(io.take())) if (a.final === 'OK') ok++;
      }
      return true;
    }),
    { seed: 7, numRuns: 300 },
  );
  t.true(ok > 50, `${ok} OK answers`);
});

test('the same input in random chunks gives the same output', (t) => {
  fc.assert(
    fc.property(fc.array(line, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 10 }), (lines, cuts) => {
      const text = lines.map((l) => l + (l.length % 3 === 0 ? '\r\n' : l.length % 3 === 1 ? '\n' : '\r')).join('');
      const a = makeShell();
      a.shell.feed(text);
      const b = makeShell();
      const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((x, y) => x - y);
      let at = 0;
      for (const p of points) {
        b.shell.feed(text.slice(at, p));
        at = p;
      }
      b.shell.feed(text.slice(at));
      return a.io.take() === b.io.take();
    }),
    { seed: 42, numRuns: 300 },
  );
  t.pass();
});

test('records survive format then parse, and always stay on one line', (t) => {
  const key = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.]{0,8}$/);
  const value = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 20 }), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean());
  fc.assert(
    fc.property(fc.dictionary(key, value, { maxKeys: 6 }), (r) => {
      const line = formatRecord(r);
      if (/[\r\n]/.test(line)) return false;
      const back = parseRecord(line);
      for (const k of Object.keys(r)) {
        const v = r[k];
        const want = typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
        if (back[k] !== want) return false;
      }
      return Object.keys(back).length === Object.keys(r).length;
    }),
    { seed: 3, numRuns: 500 },
  );
  t.is(formatRecord({ a: '', b: 'x y', c: 'q"\\', d: Infinity }), 'a="" b="x y" c="q\\"\\\\" d=inf');
});
