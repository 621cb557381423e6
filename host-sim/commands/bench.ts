/** `mcdsm bench <which>`: each benchmark prints its figures, and with --json a JSON last line. */
import { SpecError } from '../sim/link-model.js';

export async function benchCommand(which: string, flags: { json?: boolean }, _appArgs: string[]): Promise<number> {
  const log = (line: string) => process.stdout.write(line + '\n');
  let result: unknown;
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
      const { benchFootprint } = await import('../firmware/footprint.js');
      result = await benchFootprint({ log });
      break;
    }
    default:
      throw new SpecError(`bench: unknown benchmark "${which}" (mcapi, sim, dsm, ft, footprint)`);
  }
  if (flags.json) log(JSON.stringify(result));
  return 0;
}
