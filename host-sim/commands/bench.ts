/** `mcdsm bench <which>`: each benchmark prints its figures, and with --json a JSON last line. */
import { SpecError } from '../sim/link-model.js';
import { parseDuration } from '../sim/options.js';

export interface BenchFlags {
  json?: boolean;
  /** footprint: how long a scenario's boards may take to print their results (a duration). */
  runLimit?: string;
  /** footprint: the scenarios to measure (comma-separated keys; default all). */
  scenarios?: string;
}

export async function benchCommand(which: string, flags: BenchFlags, _appArgs: string[]): Promise<number> {
  const log = (line: string) => process.stdout.write(line + '\n');
  if (flags.runLimit !== undefined && which !== 'footprint') throw new SpecError(`bench ${which}: --run-limit is for bench footprint only (its boards run in real time)`);
  if (flags.scenarios !== undefined && which !== 'footprint') throw new SpecError(`bench ${which}: --scenarios is for bench footprint only`);
  let result: unknown;
  let failure: string | null = null;
  switch (which) {
    case 'mcapi': {
      const { benchMcapi } = await import('../../bench/mcapi.js');
      result = await benchMcapi({ log });
      break;
    }
    case 'ft': {
      const { benchFt } = await import('../../bench/ft.js');
      result = await benchFt({ log });
      break;
    }
    case 'sim': {
      const { benchSim } = await import('../../bench/sim.js');
      result = await benchSim({ log });
      break;
    }
    case 'dsm': {
      const { benchDsm } = await import('../../bench/dsm.js');
      result = await benchDsm({ log });
      break;
    }
    case 'footprint': {
      const { benchFootprint, footprintFailureText, parseScenarioList } = await import('../firmware/footprint.js');
      const only = flags.scenarios === undefined ? undefined : parseScenarioList(flags.scenarios);
      if (typeof only === 'string') throw new SpecError(only);
      const runLimitMs = flags.runLimit === undefined ? undefined : parseDuration(flags.runLimit, '--run-limit');
      if (runLimitMs !== undefined && !(runLimitMs > 0)) throw new SpecError(`--run-limit: "${flags.runLimit}" must be more than 0 (e.g. 300s)`);
      const summary = await benchFootprint({ log, ...(runLimitMs !== undefined ? { runLimitMs } : {}), ...(only !== undefined ? { only } : {}) });
      result = summary;
      failure = footprintFailureText(summary);
      break;
    }
    default:
      throw new SpecError(`bench: unknown benchmark "${which}" (mcapi, sim, dsm, ft, footprint)`);
  }
  if (flags.json) log(JSON.stringify(result));
  // The figures (and the JSON line) first, then why some are missing: a one-line error, exit 1.
  if (failure !== null) {
    process.stderr.write(`mcdsm: ${failure}\n`);
    return 1;
  }
  return 0;
}
