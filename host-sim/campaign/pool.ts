/**
 * The worker threads of a campaign: plans dealt round-robin to up to one worker per core, each
 * worker running its plans one after another and posting a report per run, then `done`.
 *
 * A run is bounded on the wall clock inside its worker (the simulator's maxWallMs), but that
 * bound is only checked between steps: a board engine that stops answering mid-step would hold
 * the worker for ever. So the pool also bounds the silence of each worker: no report within the
 * run's wall bound plus a grace, and the worker is stopped and its unreported runs come back
 * as the caller's `silent` report (hung). A worker that said `done` is stopped as well, so
 * nothing it left running (a child process) keeps the campaign waiting.
 */
import { Worker } from 'node:worker_threads';

/** How long past a run's wall bound the pool waits for its worker's next report. */
export const WORKER_GRACE_MS = 30_000;

/** What a campaign worker posts: one report per run, then done. */
export type WorkerMessage<R> = { t: 'report'; report: R } | { t: 'done' };

export interface PoolOptions<P extends { index: number }, R> {
  /** The worker module (it reads `workerData.plans`). */
  worker: URL;
  /** Passed to every worker with its own `plans`. */
  data: Record<string, unknown>;
  plans: readonly P[];
  workers: number;
  /** Wall-clock bound of one run (ms), as given to the worker. */
  runWallMs: number;
  /** Silence allowed past runWallMs before a worker is stopped (default WORKER_GRACE_MS). */
  graceMs?: number;
  /** The report of a run whose worker fell silent. */
  silent: (plan: P, silenceMs: number) => R;
  onReport: (r: R) => void;
}

export async function runPool<P extends { index: number }, R extends { index: number }>(o: PoolOptions<P, R>): Promise<void> {
  const silenceMs = o.runWallMs + (o.graceMs ?? WORKER_GRACE_MS);
  await Promise.all(
    Array.from({ length: o.workers }, (_, w) =>
      new Promise<void>((resolve, reject) => {
        const mine = o.plans.filter((_, i) => i % o.workers === w);
        const pending = new Set(mine.map((p) => p.index));
        const worker = new Worker(o.worker, { workerData: { ...o.data, plans: mine } });
        let settled = false;
        let timer: NodeJS.Timeout;
        const finish = (): void => {
          settled = true;
          clearTimeout(timer);
          void worker.terminate();
          resolve();
        };
        const fellSilent = (): void => {
          for (const p of mine) if (pending.has(p.index)) o.onReport(o.silent(p, silenceMs));
          pending.clear();
          finish();
        };
        timer = setTimeout(fellSilent, silenceMs);
        worker.on('message', (m: WorkerMessage<R>) => {
          if (m.t === 'done') return finish();
          pending.delete(m.report.index);
          o.onReport(m.report);
          clearTimeout(timer);
          timer = setTimeout(fellSilent, silenceMs);
        });
        worker.on('error', (e) => {
          clearTimeout(timer);
          if (!settled) reject(e);
        });
        worker.on('exit', (code) => {
          clearTimeout(timer);
          if (settled) return;
          if (code === 0 && pending.size === 0) resolve();
          else reject(new Error(`campaign worker exited with ${code} before it reported ${pending.size} run(s)`));
        });
      }),
    ),
  );
}
