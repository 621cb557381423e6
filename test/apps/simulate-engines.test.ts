// `simulate()` takes the engines as `mcdsm sim --engine` does: one for all, a preset, or one per
// board (working boards first, spares last) as a list or a comma-separated string; a list of
// another length is the CLI's error. Real XS boards and in-process V8 boards.
import test from 'ava';
import { simulate } from '../../host-sim/api/index.js';
import { SpecError } from '../../host-sim/sim/link-model.js';
import { COUNTER_APP, mcdsm, project } from './helpers.js';

const dir = project({ 'app.ts': COUNTER_APP }, 'mcdsm-simulate-engines-');

test('a per-board engine list, as an array or as --engine text, gives each board its engine and the CLI\'s result', async (t) => {
  const list = await simulate({ app: './app.ts', cwd: dir, boards: 3, spares: 1, engine: ['xs', 'node', 'xs', 'node'] });
  t.true(list.ok, list.reason);
  t.deepEqual(list.boards.map((b) => b.engine), ['xs', 'node', 'xs', 'node']);
  const text = await simulate({ app: './app.ts', cwd: dir, boards: 3, spares: 1, engine: 'xs,node,xs,node' });
  t.deepEqual(text.boards.map((b) => b.engine), ['xs', 'node', 'xs', 'node']);
  t.is(text.traceDigest, list.traceDigest);
  const cli = mcdsm(dir, ['sim', './app.ts', '--boards', '3', '--spares', '1', '--engine', 'xs,node,xs,node', '--consoles', 'none', '--quiet', '--json']);
  t.is(cli.code, 0, cli.err);
  t.is((JSON.parse(cli.out.trim().split('\n').pop()!) as { traceDigest: string }).traceDigest, list.traceDigest);
});

test('an engine list of the wrong length or with an unknown engine: the CLI\'s error, before any board starts', async (t) => {
  const short = await t.throwsAsync(simulate({ app: './app.ts', cwd: dir, boards: 3, spares: 1, engine: ['xs', 'node'] }), { instanceOf: SpecError });
  t.regex(short.message, /2 entries for 4 boards \(--boards 3 \+ --spares 1\)/);
  const unknown = await t.throwsAsync(simulate({ app: './app.ts', cwd: dir, boards: 2, engine: 'xs,v8' as 'xs,node' }), { instanceOf: SpecError });
  t.regex(unknown.message, /unknown engine "v8" \(entry 2, board 1\)/);
});
