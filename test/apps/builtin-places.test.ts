// An error thrown by a built-in example names examples/<app>/<file>.ts:line, on XS (the default
// bundle carries a sourceURL and a source map back to the TypeScript sources) and on V8 (tsc's
// maps of dist/), not `#0:27852` or a place in dist/.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simulate } from '../../host-sim/api/index.js';
import { REPO } from './helpers.js';

/** examples/idle/app.ts: the line of `throw new Error(\`idle: bad option ...`. */
const THROW_LINE = readFileSync(join(REPO, 'examples', 'idle', 'app.ts'), 'utf8').split('\n').findIndex((l) => l.includes('idle: bad option')) + 1;

test('the default XS bundle names itself and has a source map', (t) => {
  const bundle = readFileSync(join(REPO, 'dist', 'bundles', 'board.xs.js'), 'utf8');
  t.regex(bundle, /\n\/\/# sourceURL=board\.xs\.js\n/);
  const map = JSON.parse(readFileSync(join(REPO, 'dist', 'bundles', 'board.xs.js.map'), 'utf8')) as { sources: string[] };
  t.true(map.sources.includes('../../examples/idle/app.ts'), 'relative to dist/bundles, reaching the TypeScript source');
});

for (const engine of ['xs', 'node'] as const) {
  test(`a built-in example's error on ${engine} names examples/idle/app.ts and its line`, async (t) => {
    t.true(THROW_LINE > 0);
    const summary = await simulate({ app: 'idle', cwd: REPO, boards: 2, engine, args: ['--tick', '-1'] });
    t.false(summary.ok);
    t.regex(summary.reason ?? '', new RegExp(`app failed: Error: idle: bad option --tick -1 .*\\(at examples/idle/app\\.ts:${THROW_LINE}(:\\d+)?[,)]`));
    t.notRegex(summary.reason ?? '', /#0:|dist\//, 'no place in the bundle or in dist/');
  });
}
