/**
 * Checkouts whose node_modules share files as hard links (a copied node_modules) must not share
 * a Moddable build folder or write into each other's files: make and xsl write in place, so a
 * shared inode made one checkout's build look up to date in the other, which then reported the
 * other's archive size (docs/FOOTPRINT.md, Round 6). No SDK needed.
 */
import test from 'ava';
import { linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFolder, writePrivate } from '../../host-sim/firmware/build.js';

test('each checkout gets its own build folder per target; the same checkout by another path keeps its own', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mcdsm-build-folder-'));
  try {
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    mkdirSync(a);
    mkdirSync(b);
    symlinkSync(a, join(dir, 'a-link'));
    t.not(buildFolder(a, 'esp32'), buildFolder(b, 'esp32'));
    t.not(buildFolder(a, 'esp32'), buildFolder(a, 'lin'));
    t.true(buildFolder(a, 'esp32').startsWith(join(a, 'node_modules', '.cache', 'mcdsm', 'moddable-build') + '/'));
    t.is(buildFolder(join(dir, 'a-link'), 'esp32').slice(-20), buildFolder(a, 'esp32').slice(-20));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('writePrivate never writes into an inode another checkout shares', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mcdsm-write-private-'));
  try {
    const mine = join(dir, 'mine.json');
    const theirs = join(dir, 'theirs.json');
    writeFileSync(theirs, 'theirs');
    const old = new Date(Math.floor(Date.now() / 1000) * 1000 - 3_600_000);
    utimesSync(theirs, old, old);
    linkSync(theirs, mine);
    writePrivate(mine, 'mine');
    t.is(readFileSync(mine, 'utf8'), 'mine');
    t.is(readFileSync(theirs, 'utf8'), 'theirs');
    t.is(statSync(theirs).mtimeMs, old.getTime());
    t.is(statSync(theirs).nlink, 1);
    const src = join(dir, 'src.bin');
    writeFileSync(src, 'copied');
    linkSync(theirs, join(dir, 'again.json'));
    writePrivate(join(dir, 'again.json'), { from: src });
    t.is(readFileSync(join(dir, 'again.json'), 'utf8'), 'copied');
    t.is(readFileSync(theirs, 'utf8'), 'theirs');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
