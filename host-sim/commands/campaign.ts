/**
 * `mcdsm campaign <app>`: randomized fault schedules (`--faults crash,reboot,hang,partition`)
 * on a topology, each run compared with the fault-free result and classified; the last line
 * with --json is the summary (docs/SIMULATOR.md, "Campaigns").
 */
import { appNameOf, cpuModelWarning, engineList, parseCpuFlag, parseIntFlag } from '../sim/options.js';
import { knownApps } from '../sim/factory.js';
import { parseLinkSpec, parseProbability, SpecError } from '../sim/link-model.js';
import { CampaignError, runCampaign, type RunReport } from '../campaign/campaign.js';
import { parseFaultKinds } from '../campaign/schedule.js';
import { builtinApp } from '../apps/builtin.js';
import { RPC_CAMPAIGN_LINK, rpcCampaignCommand } from './rpc-campaign.js';

export interface CampaignFlags {
  runs: string;
  boards: string;
  spares: string;
  engine: string;
  seed: string;
  link: string;
  topology: string;
  /** Fault kinds (default: crash; for rpc apps, every rpc fault kind). */
  faults?: string;
  loss?: string;
  corrupt?: string;
  cpu?: string;
  workers?: string;
  json?: boolean;
}

/** Loss and corruption used when neither the link spec nor a flag gives them. */
const DEFAULT_LOSS = '0.01';
const DEFAULT_CORRUPT = '0.001';

function argOf(args: readonly string[], name: string): number {
  const i = args.indexOf(name);
  const v = i >= 0 ? Number(args[i + 1]) : NaN;
  return Number.isInteger(v) && v > 0 ? v : 0;
}

/** The link every run uses: the spec, with --loss/--corrupt (or their defaults) when it names neither. */
export function campaignLink(link: string, loss: string | undefined, corrupt: string | undefined): string {
  const has = (k: string) => link.split(',').slice(1).some((o) => o.trim().startsWith(`${k}=`));
  let out = link;
  for (const [k, flag, dflt] of [['loss', loss, DEFAULT_LOSS], ['corrupt', corrupt, DEFAULT_CORRUPT]] as const) {
    if (has(k) && flag !== undefined) throw new SpecError(`--${k}: the --link spec "${link}" already sets ${k}=; give it once`);
    if (!has(k)) out += `,${k}=${parseProbability(flag ?? dflt, `--${k}`)}`;
  }
  parseLinkSpec(out);
  return out;
}

/** The `mcdsm sim` line that reproduces one run exactly. */
export function replayLine(appPath: string, f: CampaignFlags, link: string, maxVirtual: string, cpu: number, appArgs: readonly string[], r: RunReport): string {
  return [
    `mcdsm sim ${appPath} --boards ${f.boards} --spares ${f.spares} --engine ${f.engine} --topology ${f.topology}`,
    `--link "${link}" --seed ${r.seed} --max-virtual ${maxVirtual}`,
    ...r.faults.map((x) => `--fault ${x}`),
    ...(cpu > 0 ? [`--cpu ${cpu}`] : []),
    ...(appArgs.length > 0 ? ['--', ...appArgs] : []),
  ].join(' ');
}

export async function campaignCommand(appPath: string, flags: CampaignFlags, appArgs: string[]): Promise<number> {
  const app = appNameOf(appPath, knownApps());
  const declared = builtinApp(app);
  if (declared !== undefined && 'main' in declared && declared.rpc === true) {
    return rpcCampaignCommand(app, appPath, { ...flags, topology: flags.topology, link: flags.link === 'uart:921600' ? RPC_CAMPAIGN_LINK : flags.link }, appArgs);
  }
  const out = (l: string) => process.stdout.write(l + '\n');
  const boards = parseIntFlag(flags.boards, '--boards', 1, 254);
  const spares = parseIntFlag(flags.spares, '--spares', 0, 50);
  const cpuNsPerUnit = flags.cpu === undefined ? 0 : parseCpuFlag(flags.cpu);
  const cpuWarning = cpuModelWarning({ cpuNsPerUnit, engines: engineList(flags.engine, boards + spares) });
  if (cpuWarning) process.stderr.write(`mcdsm: warning: ${cpuWarning}\n`);
  let kinds;
  try {
    kinds = parseFaultKinds(flags.faults ?? 'crash');
  } catch (e) {
    throw new SpecError((e as Error).message);
  }
  const link = campaignLink(flags.link, flags.loss, flags.corrupt);
  let maxVirtual = '';
  const pendingReplays: RunReport[] = [];
  let s;
  try {
    s = await runCampaign({
      app,
      appArgs,
      boards,
      spares,
      engine: flags.engine,
      runs: parseIntFlag(flags.runs, '--runs', 1, 100_000),
      seed: parseIntFlag(flags.seed, '--seed', 0, 2 ** 32 - 1),
      link,
      topology: flags.topology,
      kinds,
      ...(cpuNsPerUnit > 0 ? { cpuNsPerUnit } : {}),
      iterations: argOf(appArgs, '--iters'),
      ckptEvery: argOf(appArgs, '--ckpt-every'),
      ...(flags.workers !== undefined ? { workers: parseIntFlag(flags.workers, '--workers', 1, 64) } : {}),
      log: out,
      onRun: (r) => {
        if (r.outcome !== 'identical' || r.fired < r.faults.length) pendingReplays.push(r);
      },
    });
  } catch (e) {
    if (!(e instanceof CampaignError)) throw e;
    process.stderr.write(`mcdsm campaign: ${e.message}\n`);
    return e.exitCode;
  }
  maxVirtual = s.maxVirtual;
  for (const r of s.reports) {
    if (!pendingReplays.includes(r)) continue;
    const unfired = r.fired < r.faults.length ? ` [only ${r.fired} of ${r.faults.length} faults fired]` : '';
    const design = r.notRecoverable !== null ? ` (not recoverable by design: ${r.notRecoverable})` : '';
    out(`run ${r.index} seed ${r.seed} ${r.kind}: ${r.outcome.toUpperCase()} (${r.reason})${unfired}${design}`);
    out(`  replay: ${replayLine(appPath, flags, link, maxVirtual, cpuNsPerUnit, appArgs, r)}`);
  }
  out(
    `campaign: ${s.runs} runs (${s.fired} with every fault fired; ${s.faults.fired} of ${s.faults.scheduled} faults), ${s.identical} identical, ${s.wrong} wrong, ${s.hung} hung, ` +
      `${s.livelock} livelock, ${s.unrecoverable} unrecoverable, ${s.stopped} stopped; recoverable by design: ${s.recoverable.identical} of ${s.recoverable.runs} identical`,
  );
  for (const [why, n] of Object.entries(s.notRecoverable)) {
    out(`not recoverable by design (${n.runs} runs: ${n.identical} identical, ${n.unrecoverable} unrecoverable, ${n.stopped} stopped): ${why}`);
  }
  if (flags.json) {
    const { reports: _reports, reference: _ref, maxVirtual: _mv, ...summary } = s;
    out(JSON.stringify(summary));
  }
  const healthy = s.wrong === 0 && s.hung === 0 && s.livelock === 0 && s.seeds.missed.length === 0 && s.seeds.unfired.length === 0;
  return healthy ? 0 : 1;
}
