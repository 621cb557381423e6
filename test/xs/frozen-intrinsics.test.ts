/**
 * XS boards in the simulator run with the intrinsics frozen, as Moddable's preload leaves them
 * (hal/xsnap/freeze.ts). Every error class of the runtime must construct there; an error class
 * that assigns `this.name` (what all of them did before, and what aborted the real firmware at
 * boot with "set name: not writable") fails, and this test with it.
 */
import test from 'ava';
import { fileURLToPath } from 'node:url';
import { rollup } from 'rollup';
import { XsBoard } from '../../host-sim/boards/xs-board.js';
import { bootConfig } from './fixtures/bundle.js';

async function frozenBundle(): Promise<string> {
  const bundle = await rollup({
    input: fileURLToPath(new URL('./fixtures/frozen-main.js', import.meta.url)),
    onwarn: (w) => {
      throw new Error(`rollup: ${w.message}`);
    },
  });
  const { output } = await bundle.generate({ format: 'iife', strict: true });
  await bundle.close();
  return output[0].code;
}

test('with frozen intrinsics every runtime error class constructs; this.name = ... and the override mistake throw', async (t) => {
  const xs = await XsBoard.create({ bundleText: await frozenBundle(), reportMemory: false, name: 'frozen' });
  try {
    const actions = await xs.step([{ kind: 'time', now: 0 }, { kind: 'boot', config: bootConfig(1, { app: 'frozen' }) }]);
    const text = actions.flatMap((a) => (a.kind === 'console' ? [a.text] : [])).join('');
    const lines = text.trim().split('\n');
    t.deepEqual(
      lines.slice(0, 7).map((l) => l.split(' ').slice(0, 3).join(' ')),
      ['ok McapiError true', 'ok FtError true', 'ok DecodeError true', 'ok DsmError true', 'ok ConsoleError true', 'ok ConfigError true', 'ok CodecError true'],
      text,
    );
    t.regex(lines[7] ?? '', /^threw TypeError: .*name/, text);
    t.regex(lines[8] ?? '', /^threw TypeError: .*toString/, text);
    t.is(lines[9], 'frozen true true true');
  } finally {
    await xs.kill();
  }
});

test('the real board bundle loads and answers with its intrinsics frozen', async (t) => {
  const xs = await XsBoard.create({ reportMemory: false, name: 'frozen-real' });
  try {
    await xs.step([{ kind: 'time', now: 0 }, { kind: 'boot', config: bootConfig(0, { app: 'idle', boards: 1, links: [] }) }]);
    const actions = await xs.step([{ kind: 'time', now: 1 }, { kind: 'console', text: 'help nosuch\r\nstatus\r\nlog verbose\r\n' }]);
    const text = actions.flatMap((a) => (a.kind === 'console' ? [a.text] : [])).join('');
    t.regex(text, /ERR unknown command 'nosuch'/);
    t.regex(text, /node=0 rank=0 /);
    t.regex(text, /ERR bad <level>/);
  } finally {
    await xs.kill();
  }
});
