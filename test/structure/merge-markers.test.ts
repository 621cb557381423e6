/**
 * No merge-conflict markers in the sources and docs: one slipped into README.md and docs/DSM.md
 * once and stayed for a session. Scans every text file of the repository's own folders.
 */
import test from 'ava';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const FOLDERS = ['src', 'hal', 'host-sim', 'firmware', 'examples', 'bench', 'test', 'docs', 'scripts', 'templates', 'bin'];
const TEXT = /\.(ts|js|mjs|cjs|json|md|lua|c|h|txt)$/;
const MARKER = /^(<{7}|>{7}) |^={7}$/m;

function files(dir: string): string[] {
  let out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(files(p));
    else if (TEXT.test(name)) out.push(p);
  }
  return out;
}

test('no file carries a merge-conflict marker', (t) => {
  const all = ['README.md', 'package.json', ...FOLDERS.flatMap((f) => files(join(REPO, f)).map((p) => p.slice(REPO.length)))];
  t.true(all.length > 300, `${all.length} files scanned`);
  const marked = all.filter((f) => MARKER.test(readFileSync(join(REPO, f), 'utf8')));
  t.deepEqual(marked, []);
});

test('the scan finds a marker where there is one', (t) => {
  t.true(MARKER.test('a\n<<<<<<< HEAD\nb\n=======\nc\n>>>>>>> main\n'));
  t.false(MARKER.test('a line with ======= inside\n<<<<<<<no space\n'));
});
