/** `mcdsm campaign <app>`: randomized crash schedules, each run compared with the fault-free result. */
import { appNameOf, cpuModelWarning, engineList, parseCpuFlag, parseIntFlag } from '../sim/options.js';
import { knownApps } from '../sim/factory.js';
import { parseProbability } from '../sim/link-model.js';
import { runCampaign } from '../campaign/campaign.js';
import { appRegistry } from '../../examples/registry.js';
import { RPC_CAMPAIGN_LINK, rpcCampaignCommand } from './rpc-campaign.js';

export interface CampaignFlags {
  runs: string;
  boards: string;
  spares: string;
  engine: string;
  seed: string;
  link: string;
  topology: string;
  loss: string;
  corrupt: string;
  cpu?: string;
  workers?: string;
  json?: boolean;
}

function iterationsOf(args: readonly string[]): number {
  const i = args.indexOf('--iters');
  const v = i >= 0 ? Number(args[i + 1]) : NaN;
  return Number.isInteger(v) && v > 0 ? v : 0;
}

export async function campaignCommand(appPath: string, flags: CampaignFlags, appArgs: string[]): Promise<number> {
  const app = appNameOf(appPath, knownApps());
  const declared = appRegistry().get(app);
  if (declared !== undefined && 'main' in declared && declared.rpc === true) {
    return rpcCampaignCommand(app, appPath, { ...flags, topology: flags.topology, link: flags.link === 'uart:921600' ? RPC_CAMPAIGN_LINK : flags.link }, appArgs);
  }
  const out = (l: string) => process.stdout.write(l + '\n');
  const boards = parseIntFlag(flags.boards, '--boards', 1, 254);
  const spares = parseIntFlag(flags.spares, '--spares', 0, 50);
  const cpuNsPerUnit = flags.cpu === undefined ? 0 : parseCpuFlag(flags.cpu);
  const cpuWarning = cpuModelWarning({ cpuNsPerUnit, engines: engineList(flags.engine, boards + spares) });
  if (cpuWarning) process.stderr.write(`mcdsm: warning: ${cpuWarning}\n`);
  const s = await runCampaign({
    app,
    appArgs,
    boards,
    spares,
    engine: flags.engine,
    runs: parseIntFlag(flags.runs, '--runs', 1, 100_000),
    seed: parseIntFlag(flags.seed, '--seed', 0, 2 ** 32 - 1),
    link: flags.link,
    topology: flags.topology,
    loss: parseProbability(flags.loss, '--loss'),
    corrupt: parseProbability(flags.corrupt, '--corrupt'),
    ...(cpuNsPerUnit > 0 ? { cpuNsPerUnit } : {}),
    iterations: iterationsOf(appArgs),
    ...(flags.workers !== undefined ? { workers: parseIntFlag(flags.workers, '--workers', 1, 64) } : {}),
    log: out,
    onRun: (r) => {
      if (r.outcome !== 'identical') out(`run ${r.index} seed ${r.seed} ${r.fault}: ${r.outcome.toUpperCase()} (${r.reason})`);
    },
  });
  out(`campaign: ${s.runs} runs, ${s.identical} identical, ${s.wrong} wrong, ${s.hung} hung, ${s.unrecoverable} unrecoverable`);
  out(`replay a run: mcdsm sim ${appPath} --boards ${flags.boards} --spares ${flags.spares} --engine ${flags.engine} --link "${flags.link},loss=${flags.loss},corrupt=${flags.corrupt}" --seed <seed> --fault <fault>${cpuNsPerUnit > 0 ? ` --cpu ${cpuNsPerUnit}` : ''} -- ${appArgs.join(' ')}`);
  if (flags.json) out(JSON.stringify({ runs: s.runs, identical: s.identical, wrong: s.wrong, hung: s.hung, unrecoverable: s.unrecoverable, seeds: s.seeds }));
  return s.identical === s.runs ? 0 : 1;
}
