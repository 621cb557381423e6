/**
 * `npm start` / `mcdsm showcase`: the whole mission in one go on embedded defaults. Laplace on
 * four XS boards and a spare over 921600-baud UARTs, checkpoints every few iterations into
 * buddy RAM, a board crashed through its serial console in the middle of the run, the spare
 * taking over, everyone rolling back — and at the end the result digest next to the
 * fault-free digest. The CPU model is on (an ESP32 estimate), so the times shown are board
 * time, computation included.
 */
import { Simulator } from '../sim/simulator.js';
import { runConfig } from '../sim/run.js';
import { ESP32_NS_PER_UNIT } from '../sim/options.js';
import { boardFactory } from '../sim/factory.js';
import { boardTable, LiveBlock, fmtMs } from '../sim/status-view.js';
import { ConsoleHub } from '../console/index.js';
import { laplaceSequential, digestFloat64 } from '../../examples/laplace/laplace.js';

const N = 96;
const ITERS = 60;
const CKPT_EVERY = 10;
const CRASH_BOARD = 2;
const CRASH_AT_ITER = 35;

export async function showcaseCommand(flags: { quiet?: boolean }): Promise<number> {
  const out = (l: string) => process.stdout.write(l + '\n');
  out(`mcdsm showcase: Laplace ${N}x${N}, ${ITERS} iterations, on 4 XS boards + 1 spare, UART 921600 baud, full mesh, board time ${ESP32_NS_PER_UNIT} ns per XS unit (--cpu)`);
  out(`checkpoint every ${CKPT_EVERY} iterations into buddy RAM; board ${CRASH_BOARD} is crashed through its console at iteration ${CRASH_AT_ITER}`);
  const expected = digestFloat64(laplaceSequential(N, ITERS));
  const cfg = runConfig({
    app: 'laplace', appArgs: ['--n', String(N), '--iters', String(ITERS), '--ckpt-every', String(CKPT_EVERY)],
    boards: '4', spares: '1', engine: 'xs', topology: 'full', link: 'uart:921600', ram: '160k', seed: '2026', cpu: String(ESP32_NS_PER_UNIT),
    fault: [`crash:${CRASH_BOARD}@iter=${CRASH_AT_ITER}`],
  });
  const hub = new ConsoleHub();
  const live = !flags.quiet && process.stderr.isTTY ? new LiveBlock(process.stderr) : null;
  const say = (l: string) => {
    live?.clear();
    out(l);
  };
  const sim = new Simulator(cfg, boardFactory(), {
    consoleOutput: (b, text) => hub.output(b, text),
    boardEvent: (board, name, value, detail) => {
      const t = fmtMs(sim.virtualNow()).padStart(9);
      if (name === 'fault') say(`${t}  board ${board}: console command "fault ${detail}"`);
      else if (name === 'suspect') say(`${t}  board ${board}: suspects board ${value} (no heartbeat)${detail ? ` ${detail}` : ''}`);
      else if (name === 'recovery-transfer') say(`${t}  board ${board}: sends a checkpoint image to the spare${detail ? ` (${detail})` : ''}`);
      else if (name === 'recovery') say(`${t}  board ${board}: recovery done, now at epoch ${value} (${detail.replace(/gen=/, 'rolled back to checkpoint ').replace(/ failed=/, ', failed board ').replace(/ map=/, ', ranks on boards ')})`);
      else if (name === 'ckpt-commit' && board === 0) say(`${t}  checkpoint ${value} committed`);
    },
  });
  let code = 1;
  try {
    for (let b = 0; b < sim.boardCount; b++) {
      const info = await hub.attach(b, (text) => sim.consoleInput(b, text));
      out(`board ${b}${b === 4 ? ' (spare)' : ''} console: ${info.url}`);
    }
    await sim.start();
    const timer = live ? setInterval(() => live.draw(boardTable(sim.boardSummaries(), sim.virtualNow())), 200) : null;
    const s = await sim.run();
    if (timer) clearInterval(timer);
    live?.clear();
    out(boardTable(s.boards, s.virtualMs));
    const got = (s.app.result as { digest?: string } | null)?.digest ?? '(none)';
    out('');
    out(`fault-free digest:  ${expected}`);
    out(`this run's digest:  ${got}`);
    out(s.ok && got === expected ? 'IDENTICAL — the crash cost time, not correctness' : `DIFFERENT or incomplete: ${s.reason}`);
    out(`virtual ${fmtMs(s.virtualMs)}, wall ${fmtMs(s.wallMs)}, ${s.wire.bytes} bytes on the wire`);
    code = s.ok && got === expected ? 0 : 1;
  } finally {
    await sim.shutdown();
    await hub.close();
  }
  return code;
}
