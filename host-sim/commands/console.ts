/** `mcdsm console` and `mcdsm inject`: the same tools for a simulated board and a real one. */
import { inject, runConsole } from '../console/index.js';
import { parseIntFlag } from '../sim/options.js';

export async function consoleCommand(target: string, flags: { baud: string }): Promise<number> {
  const baudRate = parseIntFlag(flags.baud, '--baud', 300, 20_000_000);
  let r;
  try {
    r = await runConsole(target, { baudRate });
  } catch (e) {
    // A bad target, a refused connection, a missing device: one line, no stack trace.
    process.stderr.write(`mcdsm console: ${(e as Error).message}\n`);
    return 2;
  }
  // stdin is paused, not closed, after the client returns: leave explicitly.
  process.exit(r.errors > 0 && r.reason === 'eof' ? 1 : 0);
}

export async function injectCommand(target: string, command: string, flags: { baud: string; timeout: string }): Promise<number> {
  const baudRate = parseIntFlag(flags.baud, '--baud', 300, 20_000_000);
  const timeoutMs = parseIntFlag(flags.timeout, '--timeout', 1, 3_600_000);
  try {
    const answer = await inject(target, command, timeoutMs, { baudRate });
    process.stdout.write(answer + '\n');
    return /(^|\n)ERR\b/.test(answer) ? 1 : 0;
  } catch (e) {
    process.stderr.write(`mcdsm inject: ${(e as Error).message}\n`);
    return 2;
  }
}
