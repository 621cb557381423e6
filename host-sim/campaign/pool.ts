/**
 * The worker threads of a campaign: plans dealt round-robin to up to one worker per core, each
 * worker running its plans one after another and posting a report per run, then `done`.
 *
 * A run is bounded on the wall clock inside its worker (the simulator's maxWallMs), but that
 * bound is only checked between steps: a board engine that stops answering mid-step would hold
 * the worker for ever. So the pool also bounds the silence of each worker: a worker says when
 * a run starts (`start`), and no report within the run's wall bound plus a grace from then
 * stops the worker; its unreported runs come back as the caller's `silent` report (hung).
 * Before a run starts (the worker thread loading its modules, the gap between two runs) the
 * bound is WORKER_START_MS: a run's bound counted from the worker's creation called a worker
 * that was slow to start on a loaded host hung (node took ~18 s to start at load 29). A worker
 * that said `done` is stopped as well, so nothing it left running (a child process) keeps the
 * campaign waiting.
 */
import { Worker } from 'node:worker_threads';

/** How long past a run's wall bound the pool waits for its worker's next report. */
export const WORKER_GRACE_MS = 30_000;
/**
 * How long a worker may take to start its next run (its thread's start and module loading, or
 * the gap after a report): far beyond a loaded host's start-up, yet a worker that never starts
 * does not hold the campaign for ever.
 */
export const WORKER_START_MS = 120_000;

/** What a campaign worker posts: `start` as each run begins, its report when it ends, then done. */
export type WorkerMessage<R> = { t: 'start'; index: number } | { t: 'report'; report: R } | { t: 'done' };

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
  /** Silence allowed before a worker starts its next run (default WORKER_START_MS). */
  startMs?: number;
  /** The report of a run whose worker fell silent (`silenceMs`: the bound that ran out). */
  silent: (plan: P, silenceMs: number) => R;
  onReport: (r: R) => void;
}

export async function runPool<P extends { index: number }, R extends { index: number }>(o: PoolOptions<P, R>): Promise<void> {
  const runMs = o.runWallMs + (o.graceMs ?? WORKER_GRACE_MS);
  const startMs = o.startMs ?? WORKER_START_MS;
  await Promise.all(
    Array.from({ length: o.workers }, (_, w) =>
      new Promise<void>((resolve, reject) => {
        const mine = o.plans.filter((_, i) => i % o.workers === w);
        const pending = new Set(mine.map((p) => p.index));
        const worker = new Worker(o.worker, { workerData: { ...o.data, plans: mine } });
        let settled = false;
        let timer: NodeJS.Timeout;
        let bound = startMs;
        const finish = (): void => {
          settled = true;
          clearTimeout(timer);
          void worker.terminate();
          resolve();
        };
        const fellSilent = (): void => {
          for (const p of mine) if (pending.has(p.index)) o.onReport(o.silent(p, bound));
          pending.clear();
          finish();
        };
        const wait = (ms: number): void => {
          clearTimeout(timer);
          bound = ms;
          timer = setTimeout(fellSilent, ms);
        };
        wait(startMs);
        worker.on('message', (m: WorkerMessage<R>) => {
          if (m.t === 'done') return finish();
          if (m.t === 'start') return wait(runMs);
          pending.delete(m.report.index);
          o.onReport(m.report);
          wait(startMs);
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
