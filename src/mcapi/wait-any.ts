/**
 * mcapi_wait_any: the first of several requests to complete. The requests come checked from
 * the facade (args.requestArg); the winner is reported and freed, the others stay pending.
 */
import type { Core } from './core.js';
import type { Request } from './request.js';
import { McapiError, Status } from './status.js';

/**
 * Resolves with the index of a request that completed successfully; a request that failed
 * rejects with its error, `.index` set. Timeout `t` (ms, checked): rejects with MCAPI_TIMEOUT,
 * every request stays pending.
 */
export function waitAny(core: Core, reqs: readonly Request<unknown>[], t: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let timer = -1;
    const hooks: (() => void)[] = [];
    const detach = (): void => {
      for (let i = 0; i < reqs.length; i++) {
        const r = reqs[i];
        const hook = hooks[i];
        const ws: (() => void)[] | null = r === undefined ? null : r._waiters;
        if (ws === null || hook === undefined) continue;
        const k = ws.indexOf(hook);
        if (k >= 0) ws.splice(k, 1);
      }
      if (timer >= 0) core.clearTimer(timer);
      timer = -1;
    };
    const report = (i: number, r: Request<unknown>): void => {
      detach();
      core.requests.release(r);
      if (r.status === Status.MCAPI_SUCCESS) {
        resolve(i);
      } else {
        const e = new McapiError(r.status, r.error === null ? undefined : r.error.message);
        e.index = i;
        e.size = r.size;
        reject(e);
      }
    };
    for (let i = 0; i < reqs.length; i++) {
      const r = reqs[i];
      if (r !== undefined && !r.pending) {
        report(i, r);
        return;
      }
    }
    for (let i = 0; i < reqs.length; i++) {
      const r = reqs[i];
      if (r === undefined) continue;
      const hook = (): void => report(i, r);
      hooks.push(hook);
      // Not `(r._waiters ??= []).push(hook)`: typescript-to-lua emits that as a field call.
      const ws: (() => void)[] = r._waiters ?? [];
      ws.push(hook);
      r._waiters = ws;
    }
    const onTimeout = (): void => {
      timer = -1;
      detach();
      reject(new McapiError(Status.MCAPI_TIMEOUT, `none of ${String(reqs.length)} requests completed within ${String(t)} ms`));
    };
    if (t <= 0) onTimeout();
    else if (t !== Infinity) timer = core.setTimer(t, onTimeout);
  });
}
