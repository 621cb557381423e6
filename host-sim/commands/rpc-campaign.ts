/**
 * `mcdsm campaign <app>` for apps that offload work with remote calls (App.rpc, e.g.
 * examples/offload): one fault per run on a compute board at a random stage of a call.
 */
import { parseIntFlag } from '../sim/options.js';
import { parseRpcFaultKinds, RPC_FAULT_KINDS, runRpcCampaign } from '../campaign/rpc-campaign.js';

export interface RpcCampaignFlags {
  runs: string;
  boards: string;
  engine: string;
  seed: string;
  link: string;
  topology: string;
  faults?: string;
  workers?: string;
  json?: boolean;
}

/** Lossy links by default: retransmission paths run too. */
export const RPC_CAMPAIGN_LINK = 'uart:921600,loss=0.01,corrupt=0.001';

export async function rpcCampaignCommand(app: string, appPath: string, flags: RpcCampaignFlags, appArgs: string[]): Promise<number> {
  const out = (l: string) => process.stdout.write(l + '\n');
  const say = (l: string) => process.stderr.write(l + '\n');
  const boards = parseIntFlag(flags.boards, '--boards', 3, 254);
  const kinds = parseRpcFaultKinds(flags.faults ?? RPC_FAULT_KINDS.join(','));
  const base = { app, appArgs, boards: String(boards), spares: '0', engine: flags.engine, topology: flags.topology, link: flags.link };
  const s = await runRpcCampaign({
    base,
    runs: parseIntFlag(flags.runs, '--runs', 1, 100_000),
    seed: parseIntFlag(flags.seed, '--seed', 0, 2 ** 32 - 1),
    boards,
    kinds,
    ...(flags.workers !== undefined ? { workers: parseIntFlag(flags.workers, '--workers', 1, 64) } : {}),
    log: say,
    onRun: (r) => {
      if (r.outcome !== 'identical') say(`run ${r.index} seed ${r.seed} ${r.faults.join(' ')}: ${r.outcome.toUpperCase()} (${r.reason})`);
    },
  });
  say(`campaign: ${s.runs} runs (${s.fired} with their fault fired), ${s.identical} identical, ${s.wrong} wrong, ${s.duplicated} duplicated, ${s.hung} hung, ${s.stopped} stopped; ${s.calls} calls, ${s.retries} retries`);
  say(`replay a run: mcdsm sim ${appPath} --boards ${boards} --engine ${flags.engine} --topology ${flags.topology} --link "${flags.link}" --max-virtual ${s.maxVirtual} --seed <seed> --fault <fault> -- ${appArgs.join(' ')}`);
  if (flags.json) {
    const { reports: _reports, ...summary } = s;
    out(JSON.stringify(summary));
  }
  return s.wrong === 0 && s.duplicated === 0 && s.hung === 0 ? 0 : 1;
}
