/**
 * Faults that do not happen are failures (issue 10): every --fault / scenario step reports
 * whether it was applied; one the board refused or that never fired makes `mcdsm sim` exit
 * non-zero naming the step and the reason, unless --allow-unfired-faults. Before, each of
 * these ended with rc 0 and `faults: []`.
 */
import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDomain } from '../../host-sim/sim/run.js';
import type { FaultRecord } from '../../host-sim/sim/simulator.js';
import { runChild } from '../util/child.js';

const bin = new URL('../../../bin/mcdsm.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'mcdsm-faults-'));

function sim(...args: string[]) {
  const r = runChild(process.execPath, [bin, 'sim', 'examples/pingpong', '--boards', '3', '--engine', 'node', '--consoles', 'none', '--quiet', '--json', ...args]);
  return { code: r.code, summary: JSON.parse(r.out) as { ok: boolean; reason: string; faults: FaultRecord[] }, err: r.err };
}

const refused: [string, string, RegExp][] = [
  ['a partition of a board from itself', 'partition:1@1ms:1', /cannot partition board 1 from itself/],
  ['a partition from a board that does not exist', 'partition:1@1ms:7', /unknown board 7/],
];
for (const [name, fault, why] of refused) {
  test(`refused: ${name} fails the run with the board's reason`, (t) => {
    const r = sim('--fault', fault);
    t.is(r.code, 1);
    t.false(r.summary.ok);
    t.regex(r.summary.reason, new RegExp(`--fault "${fault}".*was refused`));
    t.regex(r.summary.reason, why);
    t.like(r.summary.faults[0], { board: 1, source: 'scenario', status: 'refused', trigger: '1ms' });
    t.regex(r.err, /refused/);
  });
}

test('unfired: a trigger that never comes fails the run; --allow-unfired-faults lets it pass', (t) => {
  const r = sim('--fault', 'crash:1@iter=999');
  t.is(r.code, 1);
  t.regex(r.summary.reason, /--fault "crash:1@iter=999".*did not fire: trigger iter=999 never fired/);
  t.like(r.summary.faults[0], { board: 1, command: 'fault crash', status: 'unfired', atMs: null, trigger: 'iter=999' });
  const ok = sim('--fault', 'crash:1@iter=999', '--allow-unfired-faults');
  t.is(ok.code, 0);
  t.true(ok.summary.ok);
  t.is(ok.summary.faults[0]!.status, 'unfired', 'still reported');
});

test('applied: each step names its trigger and outcome', (t) => {
  const r = sim('--fault', 'drop:1@2ms:0.1', '--fault', 'hang:0@iter=2:50ms');
  t.is(r.code, 0, r.summary.reason);
  t.deepEqual(r.summary.faults.map((f) => [f.board, f.command, f.trigger, f.status, f.effect]), [
    [1, 'fault drop 0.1', '2ms', 'applied', 'drop 0.1'],
    [0, 'fault hang 50', 'iter=2', 'applied', 'hang 50 ms'],
  ]);
});

test('a scenario file: an unknown fault is refused, a step for a crashed board did not fire', async (t) => {
  const file = join(dir, 'steps.txt');
  writeFileSync(file, 'at 1ms board 0: fault explode\nat 2ms board 2: fault crash\nat 5ms board 2: fault drop 0.5\n');
  const s = await runDomain({ app: 'idle', appArgs: ['--ms', '50'], boards: '3', spares: '1', engine: 'node', scenario: file });
  t.false(s.ok);
  t.regex(s.reason, /steps\.txt:1 \(board 0: fault explode\) was refused: unknown fault command 'explode'/);
  t.regex(s.reason, /and 1 more step/);
  const by = Object.fromEntries(s.faults.map((f) => [f.command, f]));
  t.like(by['fault explode'], { status: 'refused', origin: `${file}:1` });
  t.like(by['fault crash'], { status: 'applied', effect: 'crash' });
  t.like(by['fault drop 0.5'], { status: 'unfired' });
  t.regex(by['fault drop 0.5']!.reason ?? '', /board 2 was down \(fault crash\)/);
});

test('console input during a fault hang is held and answered after it', async (t) => {
  // The step at 20 ms reaches board 0 while it hangs (10..60 ms): applied, after the hang.
  const s = await runDomain({ app: 'idle', appArgs: ['--ms', '200'], boards: '2', engine: 'node', fault: ['hang:0@10ms:50ms', 'drop:0@20ms:0.1'] });
  t.true(s.ok, s.reason);
  const drop = s.faults.find((f) => f.command === 'fault drop 0.1')!;
  t.is(drop.status, 'applied');
  t.true((drop.atMs ?? 0) >= 60, `answered at ${String(drop.atMs)} ms, after the hang`);
});
