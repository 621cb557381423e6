/**
 * `mcdsm conformance`: the MCAPI suite (examples/conformance) on three boards: simulated (xs,
 * node) or Moddable-lin firmware processes (moddable), whose links are ptys bridged through the
 * simulator's UART model in real time.
 */
import { runDomain } from '../sim/run.js';

export type ConformanceEngine = 'xs' | 'node' | 'moddable' | 'lua51' | 'lua53';

/** Wall-clock bound of a run on real (Moddable) boards: the suite takes seconds there. */
const MODDABLE_MAX_MS = 120_000;

/**
 * The cases' operation timeout (the app's --timeout-ms) on Moddable boards unless given: their
 * time is the host's wall clock, which a loaded host stretches (three lin boards at load ~20 ran
 * a packet connect past 1000 ms). Simulated boards keep the app's default (virtual time).
 */
export const MODDABLE_OP_TIMEOUT_MS = 5000;

/** The conformance app's arguments for a run. */
export function conformanceArgs(engine: ConformanceEngine, filter?: string, timeoutMs?: number): string[] {
  const args = filter ? ['--case', filter] : [];
  const ms = timeoutMs ?? (engine === 'moddable' ? MODDABLE_OP_TIMEOUT_MS : undefined);
  if (ms !== undefined) args.push('--timeout-ms', String(ms));
  return args;
}

export interface ConformanceResult {
  engine: ConformanceEngine;
  passed: number;
  failed: number;
  skipped: number;
  failures: { name: string; message: string }[];
  ok: boolean;
  reason: string;
}

export async function runConformance(engine: ConformanceEngine, filter?: string, timeoutMs?: number): Promise<ConformanceResult> {
  const real = engine === 'moddable';
  const summary = await runDomain({
    app: 'conformance',
    appArgs: conformanceArgs(engine, filter, timeoutMs),
    boards: '3',
    engine,
    topology: 'full',
    // A Moddable board's links are UARTs (ptys); simulated boards get the ideal wire.
    link: real ? 'uart:921600' : 'ideal',
    ram: '4M',
    ...(real ? { maxVirtual: `${MODDABLE_MAX_MS}ms` } : {}),
  });
  const r = summary.app.result as { passed?: number; failed?: number; skipped?: number; failures?: { name: string; message: string }[] } | null;
  if (!summary.ok || r === null || typeof r.passed !== 'number') {
    const halted = summary.boards.filter((b) => b.haltReason).map((b) => `board ${b.node}: ${b.haltReason}`);
    return { engine, passed: 0, failed: 1, skipped: 0, failures: [{ name: '(suite)', message: [summary.reason, ...halted].join('; ') }], ok: false, reason: summary.reason };
  }
  return { engine, passed: r.passed, failed: r.failed ?? 0, skipped: r.skipped ?? 0, failures: r.failures ?? [], ok: true, reason: summary.reason };
}

export async function conformanceCommand(flags: { engine: ConformanceEngine; case?: string; timeoutMs?: string; json?: boolean }): Promise<number> {
  let timeoutMs: number | undefined;
  if (flags.timeoutMs !== undefined) {
    timeoutMs = Number(flags.timeoutMs);
    if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
      process.stderr.write(`mcdsm conformance: --timeout-ms must be a positive number of ms, got ${flags.timeoutMs}\n`);
      return 2;
    }
  }
  const r = await runConformance(flags.engine, flags.case, timeoutMs);
  for (const f of r.failures) process.stdout.write(`FAIL ${f.name}: ${f.message}\n`);
  process.stdout.write(`conformance on ${flags.engine} boards: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped\n`);
  // A --case that matches nothing ran nothing: say so rather than leave "0 passed" to be read.
  if (r.ok && r.passed + r.failed + r.skipped === 0 && flags.case !== undefined) process.stderr.write(`mcdsm conformance: --case ${JSON.stringify(flags.case)}: no case name contains it\n`);
  if (flags.json) process.stdout.write(JSON.stringify({ engine: r.engine, passed: r.passed, failed: r.failed, skipped: r.skipped }) + '\n');
  return r.failed === 0 && r.passed > 0 ? 0 : 1;
}
