/**
 * The answer convention, shared by the board's shell and the host tools that read it
 * (docs/CONSOLE.md is the normative text):
 *
 * - every non-empty input line gets exactly one answer, in input order;
 * - an answer is zero or more output lines, then one final line: `OK` or `ERR <reason>`;
 * - lines end with CRLF (terminals need the CR; readers strip it);
 * - an output line never is `OK` and never starts with `ERR` (the shell guards this), so a
 *   reader can stop at the first final line;
 * - lines the board writes on its own (log messages, notices) start with `#` and may appear
 *   between answers; readers skip them.
 */
import { oneLine } from './chars.js';

export const EOL = '\r\n';
export const OK_LINE = 'OK';
export const ERR_PREFIX = 'ERR ';
export const NOTICE_PREFIX = '#';

export function isFinalLine(line: string): boolean {
  return line === OK_LINE || line.startsWith(ERR_PREFIX) || line === 'ERR';
}

export function isNoticeLine(line: string): boolean {
  return line.startsWith(NOTICE_PREFIX);
}

/** Make an output line safe to print inside an answer: one line, never mistaken for a final or a notice line. */
export function guardOutputLine(line: string): string {
  let s = line.indexOf('\n') >= 0 || line.indexOf('\r') >= 0 ? oneLine(line) : line;
  if (isFinalLine(s) || s.startsWith('ERR') || isNoticeLine(s)) s = ' ' + s;
  return s;
}

/** An ERR reason on one line, never empty. */
export function errLine(reason: string): string {
  const r = oneLine(reason).trim();
  return ERR_PREFIX + (r.length > 0 ? r : 'error');
}
