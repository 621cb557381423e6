/**
 * The fault-tolerance surface on the boards' consoles, through the simulator: `status` of the
 * spare after it took a rank, the `ft` section of `stats`, and `ckpt now` reaching Laplace's
 * checkpoint opportunities when it takes no periodic checkpoints.
 */
import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDomain } from '../../host-sim/sim/run.js';
import { parseRecord } from '../../src/console/record.js';
import { expectedDigest } from './helpers.js';

function scenarioFile(lines: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'mcdsm-ft-'));
  const path = join(dir, 'scenario.txt');
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

async function withConsoles(scenario: string[], appArgs: string[]): Promise<{ ok: boolean; reason: string; digest: unknown; out: Map<number, string[]> }> {
  const out = new Map<number, string[]>();
  const s = await runDomain({
    app: 'laplace', appArgs, boards: '4', spares: '1', engine: 'node', topology: 'full', link: 'uart:921600',
    scenario: scenarioFile(scenario),
    observer: {
      consoleOutput: (board, text) => {
        let l = out.get(board);
        if (l === undefined) out.set(board, (l = []));
        for (const line of text.split(/\r?\n/)) if (line.trim() !== '') l.push(line.trim());
      },
    },
  });
  return { ok: s.ok, reason: s.reason, digest: (s.app.result as { digest?: unknown } | null)?.digest, out };
}

test('after a takeover the spare\'s console shows its rank, the new epoch and the ft section', async (t) => {
  const r = await withConsoles(
    ['on iter=12 board 2: fault crash', 'on iter=15 board 4: status', 'on iter=15 board 4: stats', 'on iter=16 board 4: ckpt status'],
    ['--n', '32', '--iters', '30'],
  );
  t.true(r.ok, r.reason);
  t.is(r.digest, expectedDigest(32, 30));
  const lines = r.out.get(4) ?? [];
  const status = lines.map(parseRecord).find((x) => x.node === '4' && x.rank !== undefined);
  t.truthy(status, lines.join('\n'));
  t.is(status!.rank, '2', 'the spare runs rank 2');
  t.is(status!.role, 'member');
  t.is(status!.epoch, '1');
  const ft = lines.map(parseRecord).find((x) => x.section === 'ft');
  t.truthy(ft, lines.join('\n'));
  t.is(ft!.ranks, '2');
  t.is(ft!.map, '0,1,4,3');
  t.is(ft!.recoveries, '1');
  const ckpt = lines.map(parseRecord).find((x) => x.gen !== undefined && x.section === undefined);
  t.truthy(ckpt, lines.join('\n'));
  t.is(ckpt!.epoch, '1');
  t.is(ckpt!.wards, '1', 'the spare keeps rank 1\'s copy now (rank 2\'s buddy is rank 3)');
});

test('`ckpt now` checkpoints Laplace at its next opportunity when it takes no periodic checkpoints', async (t) => {
  const r = await withConsoles(['on iter=5 board 1: ckpt now'], ['--n', '32', '--iters', '30', '--ckpt-every', '0']);
  t.true(r.ok, r.reason);
  t.is(r.digest, expectedDigest(32, 30));
  const answer = (r.out.get(1) ?? []).map(parseRecord).find((x) => x.gen !== undefined);
  t.truthy(answer, (r.out.get(1) ?? []).join('\n'));
  t.is(answer!.gen, '1');
  t.true(Number(answer!.progress) >= 6 && Number(answer!.progress) <= 8, `at iteration ${answer!.progress}`);
});
