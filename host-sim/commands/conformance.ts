/** `mcdsm conformance`: the MCAPI suite (examples/conformance) on three simulated boards. */
import { runDomain } from '../sim/run.js';

export interface ConformanceResult {
  engine: 'xs' | 'node';
  passed: number;
  failed: number;
  skipped: number;
  failures: { name: string; message: string }[];
  ok: boolean;
  reason: string;
}

export async function runConformance(engine: 'xs' | 'node', filter?: string): Promise<ConformanceResult> {
  const summary = await runDomain({
    app: 'conformance',
    appArgs: filter ? ['--case', filter] : [],
    boards: '3',
    engine,
    topology: 'full',
    link: 'ideal',
    ram: '4M',
  });
  const r = summary.app.result as { passed?: number; failed?: number; skipped?: number; failures?: { name: string; message: string }[] } | null;
  if (!summary.ok || r === null || typeof r.passed !== 'number') {
    const halted = summary.boards.filter((b) => b.haltReason).map((b) => `board ${b.node}: ${b.haltReason}`);
    return { engine, passed: 0, failed: 1, skipped: 0, failures: [{ name: '(suite)', message: [summary.reason, ...halted].join('; ') }], ok: false, reason: summary.reason };
  }
  return { engine, passed: r.passed, failed: r.failed ?? 0, skipped: r.skipped ?? 0, failures: r.failures ?? [], ok: true, reason: summary.reason };
}

export async function conformanceCommand(flags: { engine: 'xs' | 'node'; case?: string; json?: boolean }): Promise<number> {
  const r = await runConformance(flags.engine, flags.case);
  for (const f of r.failures) process.stdout.write(`FAIL ${f.name}: ${f.message}\n`);
  process.stdout.write(`conformance on ${flags.engine} boards: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped\n`);
  if (flags.json) process.stdout.write(JSON.stringify({ engine: r.engine, passed: r.passed, failed: r.failed, skipped: r.skipped }) + '\n');
  return r.failed === 0 && r.passed > 0 ? 0 : 1;
}
