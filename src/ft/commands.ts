/**
 * The console commands of the fault-tolerance module (they replace the placeholders the board
 * runtime reserves, src/runtime/ft-host.ts):
 *
 *   ckpt now     ask every rank to checkpoint at its next opportunity; answers when a
 *                checkpoint committed after the request: `gen=<g> progress=<k>`
 *   ckpt status  `gen= progress= epoch= phase= ranks= buddies= wards= count= aborted= bytes=
 *                changed= full= mem= multiple= peak= limit=` for the last committed checkpoint
 */
import type { CommandSpec } from '../console/registry.js';
import { commandTable, ConsoleError } from '../console/registry.js';
import type { ConsoleRecord } from '../console/record.js';
import type { FaultTolerance } from './fault-tolerance.js';

function list(xs: readonly number[]): string {
  return xs.length === 0 ? '-' : xs.join(',');
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** The `ckpt status` record. */
export function checkpointStatus(ft: FaultTolerance): ConsoleRecord {
  const s = ft.stats();
  const c = s.checkpoints;
  const m = s.memory;
  return {
    gen: c.generation,
    progress: c.progress,
    epoch: s.epoch,
    phase: s.phase,
    ranks: list(s.ranks),
    buddies: list(s.buddies),
    wards: list(s.wards),
    count: c.count,
    aborted: c.aborted,
    bytes: c.lastBytesSent,
    changed: c.lastChangedBytes,
    full: c.lastFullImageBytes,
    ms: Math.round(c.lastMs),
    mem: m.totalBytes,
    multiple: round2(m.multiple),
    peak: round2(m.peakMultiple),
    limit: m.limit,
    recoveries: s.recoveryCount,
  };
}

/** A constant table (commandTable): the handlers get the module as their owner. */
export const FT_COMMANDS: readonly CommandSpec<FaultTolerance>[] = commandTable<FaultTolerance>([
    {
      name: 'ckpt now',
      args: [],
      help: 'checkpoint at the app\'s next opportunity; answers when it has committed',
      handler: async (ctx, ft) => {
        try {
          const r = await ft.requestCheckpoint();
          ctx.record({ gen: r.generation, progress: r.progress });
        } catch (e) {
          throw new ConsoleError((e as Error).message);
        }
      },
    },
    {
      name: 'ckpt status',
      args: [],
      help: 'the last committed checkpoint: generation, bytes, buddies, memory multiple',
      handler: (ctx, ft) => {
        ctx.record(checkpointStatus(ft));
      },
    },
]);

/** Register `ckpt now` and `ckpt status` with a shell (ConsoleShell.registerTable). */
export function registerFtConsole(shell: { registerTable(specs: readonly CommandSpec<FaultTolerance>[], owner: FaultTolerance): void }, ft: FaultTolerance): void {
  shell.registerTable(FT_COMMANDS, ft);
}
