/** `mcdsm sim <app>`: boot the boards, expose their consoles, run, show, summarise. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSimConfig, appNameOf, cpuModelWarning, type SimFlags } from '../sim/options.js';
import { Simulator, type SimSummary } from '../sim/simulator.js';
import { boardFactory, knownApps } from '../sim/factory.js';
import { boardTable, LiveBlock, summaryText } from '../sim/status-view.js';
import { ConsoleHub } from '../console/index.js';

export interface SimCommandFlags extends SimFlags {
  consoles: 'pty' | 'tcp' | 'none';
  json?: boolean;
  quiet?: boolean;
}

export async function simCommand(appPath: string, rawFlags: Record<string, unknown>, appArgs: string[]): Promise<number> {
  const flags = rawFlags as unknown as SimCommandFlags;
  const app = appNameOf(appPath, knownApps());
  const cfg = buildSimConfig(flags, app, appArgs);
  const cpuWarning = cpuModelWarning(cfg);
  if (cpuWarning) process.stderr.write(`mcdsm: warning: ${cpuWarning}\n`);
  const out = (line: string) => process.stdout.write(line + '\n');
  const hub = flags.consoles === 'none' ? null : new ConsoleHub(flags.consoles === 'pty' ? { ptyDir: mkdtempSync(join(tmpdir(), 'mcdsm-consoles-')) } : {});
  const sim = new Simulator(cfg, boardFactory({ app, log: (line) => process.stderr.write(`firmware: ${line}\n`) }), {
    consoleOutput: (board, text) => hub?.output(board, text),
    log: (board, level, message) => {
      if (level === 'error' && !flags.quiet) process.stderr.write(`board ${board}: ${message}\n`);
    },
  });
  const onSigint = () => sim.stop('interrupted (Ctrl-C)');
  process.once('SIGINT', onSigint);
  let summary: SimSummary;
  const live = !flags.quiet && process.stderr.isTTY ? new LiveBlock(process.stderr) : null;
  let timer: NodeJS.Timeout | null = null;
  try {
    out(`mcdsm sim ${app}: ${cfg.boards} boards + ${cfg.spares} spares, engine ${flags.engine}, topology ${flags.topology}, link ${flags.link}, seed ${cfg.seed}${cfg.cpuNsPerUnit ? `, cpu ${cfg.cpuNsPerUnit} ns/unit` : ''}`);
    if (hub) {
      for (let b = 0; b < sim.boardCount; b++) {
        const info = await hub.attach(b, (text) => sim.consoleInput(b, text));
        out(`board ${b} console: ${info.pty ? `${info.pty.device} (${info.pty.link})  ` : ''}${info.url}`);
      }
    }
    await sim.start();
    out(`boards up: ${sim.boardSummaries().map((b) => `${b.node}:${b.engine}${b.rank < 0 ? '(spare)' : ''}`).join(' ')}`);
    for (const r of sim.realBoardInfo()) out(`board ${r.node}: ${r.description}`);
    if (sim.realBoardInfo().length) out('real boards take part: the run is paced to the wall clock');
    if (live) timer = setInterval(() => live.draw(boardTable(sim.boardSummaries(), sim.virtualNow())), 250);
    summary = await sim.run();
  } finally {
    if (timer) clearInterval(timer);
    live?.clear();
    process.off('SIGINT', onSigint);
    await sim.shutdown();
    await hub?.close();
  }
  if (flags.trace) {
    sim.writeTrace(flags.trace);
    out(`trace written to ${flags.trace} (open it in Perfetto)`);
  }
  out(summaryText(summary));
  if (flags.json) out(JSON.stringify(summary));
  return summary.ok ? 0 : 1;
}
