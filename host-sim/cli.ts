/**
 * The `mcdsm` command line. Each subcommand lives in host-sim/commands/; this file only wires
 * flags to them. App options go after `--` and are handed to the app untouched.
 */
import { Command, CommanderError, Option } from 'commander';
import { HostError, SpecError } from './sim/link-model.js';
import { packageVersion } from './apps/package-root.js';

/** The commands whose words after `--` go to the app. */
const APP_COMMANDS: readonly string[] = ['sim', 'campaign'];

export async function main(argv: string[]): Promise<number> {
  const dash = argv.indexOf('--');
  const own = dash < 0 ? argv : argv.slice(0, dash);
  const appArgs = dash < 0 ? [] : argv.slice(dash + 1);
  let code = 0;
  const program = new Command('mcdsm')
    .description('MCAPI, DSM and buddy-RAM checkpoints for XS boards — simulator and tools')
    // The version a bug report needs (and `mcdsm init` writes into a project's dependency).
    .version(packageVersion(), '-V, --version', 'print the mcdsm version')
    .exitOverride()
    .configureOutput({
      // `mcdsm sim examples/laplace --n 64` is an app option given before `--`.
      // Only for the commands that run an app; `mcdsm provision --nod 2` gets no such hint.
      outputError: (text, write) =>
        write(/unknown option '--/.test(text) && APP_COMMANDS.includes(own[0] ?? '') ? text.replace(/\n?$/, `\n(app options go after "--": mcdsm ${own[0]} <app> [flags] -- ${unknownOption(text)} ...)\n`) : text),
    });

  program
    .command('sim')
    .description('run an app on simulated boards')
    .argument('<app>', 'your app (./app.ts, a folder, a package) or a built-in one (pingpong, examples/laplace)')
    .option('--boards <n>', 'working boards', '4')
    .option('--spares <k>', 'standby spare boards', '0')
    .addOption(new Option('--engine <engine>', 'xs: each board an XS process; node: in-process V8; moddable: a Moddable-lin firmware process (real time); lua51/lua53: a lua5.x process; mixed; or one per board, spares last: xs,xs,moddable,...').default('xs'))
    .option('--attach <board=device>', 'a board outside the simulator: <board>=<link device>[+<device>...][,console=<device>][,baud=<rate>] (repeatable)', collect, [])
    .option('--topology <kind>', 'line | ring | star | full | <file.json>', 'ring')
    .option('--link <spec>', 'link model: uart:BAUD | udp | ideal [,latency=..,loss=..,corrupt=..,reorder=..]', 'uart:921600')
    .option('--seed <n>', 'seed for every random choice of the run', '1')
    .option('--ram <size>', 'memory budget per board (exceeding it is an out-of-memory fault)', '160k')
    .option('--page-size <bytes>', 'DSM page size (256..4096, power of two)')
    .option('--realtime', 'pace virtual time to the wall clock')
    .option('--max-virtual <time>', 'stop after this much virtual time', '600s')
    .option('--cpu <ns>', 'CPU model: virtual ns per XS metering unit (~150 for an ESP32 at 240 MHz; 0: computing takes no time)', '0')
    .option('--domain-key <hex>', 'shared domain key, 32 hex digits: every frame carries a SipHash-2-4 MAC (docs/PROTOCOL.md §13)')
    .option('--consoles <how>', 'expose board consoles as pty (and TCP), pty:DIR (stable links DIR/boardN), tcp, tcp:BASEPORT (board N on BASEPORT+N) or none', 'pty')
    .option('--scenario <file>', 'timed console commands')
    .option('--fault <spec>', 'fault as <kind>:<board>@<trigger>[:<arg>] (repeatable)', collect, [])
    .option('--trace <file>', 'write a Chrome trace-event file (open in Perfetto)')
    .option('--watchdog <limit>', 'task watchdog: a board that does not yield for this long is halted: XS metering units, a time (board time under --cpu; wall time for V8 boards) or off', 'default')
    .option('--allow-unfired-faults', 'a fault step the board refused or that never fired does not fail the run (exploratory runs)')
    .option('--json', 'print the JSON summary on stdout (everything else goes to stderr)')
    .option('--quiet', 'no live view')
    .action(async (app: string, flags: Record<string, unknown>) => {
      const { simCommand } = await import('./commands/sim.js');
      code = await simCommand(app, flags, appArgs);
    });

  program
    .command('init')
    .description('create a project for your own app: app.ts, a simulator test, tsconfig, README')
    .argument('<dir>', 'folder to create (must be empty or absent)')
    .option('--name <name>', 'package name (default: the folder name)')
    .option('--mcdsm <spec>', 'how the project depends on mcdsm: a version range or file:<tarball> (default: this mcdsm)')
    .option('--force', 'write into a folder that is not empty')
    .action(async (dir: string, flags: { name?: string; mcdsm?: string; force?: boolean }) => {
      const { initCommand } = await import('./commands/init.js');
      code = initCommand(dir, flags);
    });

  program
    .command('console')
    .description('interactive console of a board: a serial device (/dev/ttyUSB0, /dev/pts/N) or tcp://host:port')
    .argument('<target>')
    .option('--baud <rate>', 'serial baud rate', '115200')
    .action(async (target: string, flags: { baud: string }) => {
      const { consoleCommand } = await import('./commands/console.js');
      code = await consoleCommand(target, flags);
    });

  program
    .command('inject')
    .description('send one console command to a board and print its answer')
    .argument('<target>')
    .argument('<command>')
    .option('--baud <rate>', 'serial baud rate', '115200')
    .option('--timeout <ms>', 'how long to wait for the answer', '5000')
    .addHelpText('after', `
Exit status: 0  the board answered OK (its answer on stdout)
             1  the command reached the console but did not succeed: an ERR answer (on stdout),
                a halted board, no answer within --timeout, the console closed while waiting
             2  the command never reached a board: a bad flag or command, a console that
                cannot be opened (no such device, connection refused)`)
    .action(async (target: string, command: string, flags: { baud: string; timeout: string }) => {
      const { injectCommand } = await import('./commands/console.js');
      code = await injectCommand(target, command, flags);
    });

  program
    .command('conformance')
    .description('run the MCAPI conformance suite on simulated boards')
    .addOption(new Option('--engine <engine>', 'xs, node, moddable (three Moddable-lin firmware processes on pty UARTs), lua51 or lua53').choices(['xs', 'node', 'moddable', 'lua51', 'lua53']).default('node'))
    .option('--case <substring>', 'only cases whose name contains this')
    .option('--timeout-ms <ms>', 'how long one operation of a case waits for another board (default 1000; 5000 on moddable, whose boards run in wall-clock time)')
    .option('--json', 'print a JSON summary as the last line')
    .action(async (flags: { engine: 'xs' | 'node' | 'moddable' | 'lua51' | 'lua53'; case?: string; timeoutMs?: string; json?: boolean }) => {
      const { conformanceCommand } = await import('./commands/conformance.js');
      code = await conformanceCommand(flags);
    });

  program
    .command('showcase')
    .description('Laplace on 4 XS boards + a spare, a board crashed through its console, the same result (npm start)')
    .option('--quiet', 'no live view')
    .action(async (flags: { quiet?: boolean }) => {
      const { showcaseCommand } = await import('./commands/showcase.js');
      code = await showcaseCommand(flags);
    });

  program
    .command('campaign')
    .description('randomized fault schedules over lossy links, each run compared with the fault-free result and classified')
    .argument('<app>', 'app folder or name, e.g. examples/laplace')
    .option('--runs <n>', 'runs', '20')
    .option('--boards <n>', 'working boards', '4')
    .option('--spares <k>', 'standby spares', '2')
    .addOption(new Option('--engine <engine>').choices(['xs', 'node', 'mixed']).default('node'))
    .option('--seed <n>', 'campaign seed: run i uses a seed derived from it', '1')
    .option('--link <spec>', 'link model of every board pair (loss= and corrupt= may be part of it)', 'uart:921600')
    .option('--topology <kind>', 'line | ring | star | full', 'full')
    .option('--faults <kinds>', 'fault kinds to draw from: crash,reboot,hang,partition (default crash; rpc apps: their own kinds)')
    .option('--loss <p>', 'frame loss on every link, when --link gives none (default 0.01)')
    .option('--corrupt <p>', 'frame corruption on every link, when --link gives none (default 0.001)')
    .option('--cpu <ns>', 'CPU model: virtual ns per XS metering unit (0: off)', '0')
    .option('--workers <n>', 'worker threads (default: one per core)')
    .option('--json', 'print a JSON summary as the last line')
    .action(async (app: string, flags: Record<string, unknown>) => {
      const { campaignCommand } = await import('./commands/campaign.js');
      code = await campaignCommand(app, flags as unknown as import('./commands/campaign.js').CampaignFlags, appArgs);
    });

  const firmware = program.command('firmware').description('firmware for real boards (Moddable SDK): see docs/TARGETS.md');
  firmware
    .command('build')
    .description('bundle the runtime with one app and build it with the Moddable SDK (mcconfig)')
    .argument('<app>', 'your app (./app.ts, a folder, a package) or a built-in one (pingpong), as mcdsm sim takes it')
    .requiredOption('--target <target>', 'lin | esp32 | esp32/<subplatform>')
    .requiredOption('--out <dir>', 'output folder (project, mc.so or mc.xs.c, firmware.json)')
    .option('--set <field=value>', 'a config default in the manifest, as `config set` takes it (repeatable)', collect, [])
    .option('--no-preload', 'do not preload the firmware module (its objects then live in RAM)')
    .option('--chunk-heap <bytes>', 'chunk heap reserved at creation (default 32768, the ESP32 default; an app that knows its need reserves it in one block)')
    .option('--json', 'print a JSON summary as the last line')
    .action(async (app: string, flags: import('./commands/firmware.js').FirmwareBuildFlags) => {
      const { firmwareBuildCommand } = await import('./commands/firmware.js');
      code = await firmwareBuildCommand(app, flags);
    });

  program
    .command('provision')
    .description("write a board's config over its console (config set ...), then reset it")
    .argument('<device>', 'the console: /dev/ttyUSB0, /dev/pts/N or tcp://host:port')
    .option('--node <id>', 'node id')
    .option('--rank <r>', 'rank, or spare')
    .option('--boards <n>', 'working boards of the domain')
    .option('--spares <k>', 'spare boards of the domain')
    .option('--domain <d>', 'domain id')
    .option('--app <name>', 'app to run')
    .option('--links <list>', 'links: /dev/ttyX[@baud],... or port:rx:tx[@baud],...')
    .option('--console <port>', 'console port: /dev/ttyX[@baud], port:rx:tx[@baud] or none')
    .option('--domain-key <hex>', "the domain key (32 hex digits, or none): every frame is authenticated with it; config show prints only 'set'")
    .option('--set <field=value>', 'any other config field (repeatable)', collect, [])
    .option('--no-reset', 'do not reset the board afterwards')
    .option('--baud <rate>', 'console baud rate', '115200')
    .option('--timeout <ms>', 'answer timeout per command', '5000')
    .action(async (device: string, flags: import('./commands/firmware.js').ProvisionFlags) => {
      const { provisionCommand } = await import('./commands/firmware.js');
      code = await provisionCommand(device, flags);
    });

  program
    .command('bench')
    .description('benchmarks: mcapi | sim | dsm | ft | footprint (XS heap on the real Moddable runtime)')
    .argument('<which>')
    .option('--json', 'print a JSON summary as the last line')
    .option('--run-limit <time>', 'footprint: how long a scenario\'s real boards may take to print their results before the scenario counts as failed (default 180s)')
    .option('--scenarios <list>', 'footprint: measure only these (idle,pingpong,laplace,conformance); the others\' fields and fitsEsp32 are null')
    .action(async (which: string, flags: import('./commands/bench.js').BenchFlags) => {
      const { benchCommand } = await import('./commands/bench.js');
      code = await benchCommand(which, flags, appArgs);
    });

  helpAfterErrors(program, 'mcdsm');
  try {
    await program.parseAsync(own, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof SpecError) {
      process.stderr.write(`mcdsm: ${e.message}\n`);
      return 2;
    }
    if (e instanceof HostError) {
      process.stderr.write(`mcdsm: ${e.message}\n`);
      return 1;
    }
    // A file the user named that cannot be read or written (ENOTDIR, EACCES, ENOSPC, ...): the
    // system's message names the path; a stack trace would only hide it.
    if (isSystemError(e)) {
      process.stderr.write(`mcdsm: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  return code;
}

function isSystemError(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && typeof (e as NodeJS.ErrnoException).syscall === 'string';
}

function unknownOption(text: string): string {
  return /unknown option '([^']+)'/.exec(text)?.[1] ?? '--option';
}

/**
 * Each command's error ends with the help that lists its own flags: `mcdsm provision` without
 * its device said `(run with --help for usage)`, leaving the user to guess that `mcdsm --help`
 * lists the commands, not the flags of the one that failed.
 */
function helpAfterErrors(cmd: Command, path: string): void {
  cmd.showHelpAfterError(`(run "${path} --help" for usage)`);
  for (const sub of cmd.commands) helpAfterErrors(sub, `${path} ${sub.name()}`);
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
