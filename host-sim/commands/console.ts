/** `mcdsm console` and `mcdsm inject`: the same tools for a simulated board and a real one. */
import { checkCommandLine, ConsoleSession, runConsole } from '../console/index.js';
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

/**
 * `mcdsm inject`'s exit codes (docs/CONSOLE.md): 0 the board answered OK; 1 the command reached a
 * console but did not succeed there (an `ERR` answer, a halted board, no answer in time, the
 * console closed while waiting); 2 it never reached a board (a bad flag or command line, a
 * console that cannot be opened). A script can then tell "fix the command" from "the board said
 * no" the way it tells them apart for `mcdsm sim` (2 usage, 1 the run failed).
 */
export async function injectCommand(target: string, command: string, flags: { baud: string; timeout: string }): Promise<number> {
  const baudRate = parseIntFlag(flags.baud, '--baud', 300, 20_000_000);
  const timeoutMs = parseIntFlag(flags.timeout, '--timeout', 1, 3_600_000);
  let session: ConsoleSession;
  try {
    checkCommandLine(command);
    session = await ConsoleSession.open(target, { baudRate, timeoutMs });
  } catch (e) {
    process.stderr.write(`mcdsm inject: ${(e as Error).message}\n`);
    return 2;
  }
  try {
    const answer = await session.command(command, timeoutMs);
    process.stdout.write(answer.text + '\n');
    return answer.ok ? 0 : 1;
  } catch (e) {
    process.stderr.write(`mcdsm inject: ${(e as Error).message}\n`);
    return 1;
  } finally {
    await session.close();
  }
}
