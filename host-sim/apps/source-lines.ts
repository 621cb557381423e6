/** `file:line` for messages, relative to where the user is. */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

export function place(file: string, line: number): string {
  return `${relative(process.cwd(), file) || file}:${line}`;
}

/** The line of the first quoted occurrence of `text` in `file` (1 when not found). */
export function lineOf(file: string, text: string): number {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch {
    return 1;
  }
  for (const q of ["'", '"', '`']) {
    const at = source.indexOf(`${q}${text}${q}`);
    if (at >= 0) return source.slice(0, at).split('\n').length;
  }
  return 1;
}
