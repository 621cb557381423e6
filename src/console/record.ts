/**
 * The console's output format: one record a line as `key=value` pairs separated by single
 * spaces, compact enough for a 115200-baud UART and trivial to parse on the host.
 *
 * Values are numbers, booleans (written 1 / 0) or words. A string that is empty or holds a
 * space, `=`, `"`, `\` or a control character is written in double quotes with `\"`, `\\`,
 * `\n`, `\r`, `\t` escapes, so a record always stays on one line.
 */
import { isBareWord, isKeyText, keyChars } from './chars.js';

export type ConsoleValue = string | number | boolean;
export type ConsoleRecord = Readonly<Record<string, ConsoleValue>>;


export function formatValue(v: ConsoleValue): string {
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : v !== v ? 'nan' : v > 0 ? 'inf' : '-inf';
  if (isBareWord(v)) return v;
  let out = '"';
  for (let i = 0; i < v.length; i++) {
    const ch = v[i] as string;
    const c = ch.charCodeAt(0);
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + (c < 16 ? '0' : '') + c.toString(16);
    else out += ch;
  }
  return out + '"';
}

/** Keys must be plain words; a key that is not becomes one (its odd characters replaced by `_`). */
export function formatKey(k: string): string {
  if (isKeyText(k)) return k;
  const s = keyChars(k);
  return s.length > 0 ? s : '_';
}

export function formatRecord(r: ConsoleRecord): string {
  const parts: string[] = [];
  for (const k of Object.keys(r)) parts.push(formatKey(k) + '=' + formatValue(r[k] as ConsoleValue));
  return parts.join(' ');
}

/**
 * Parse a record line back into strings (the inverse of formatRecord for its own output).
 * Words without `=` are kept under their own name with value ''. Never throws.
 */
export function parseRecord(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  const n = line.length;
  let i = 0;
  while (i < n) {
    while (i < n && line[i] === ' ') i++;
    if (i >= n) break;
    let k = '';
    while (i < n && line[i] !== '=' && line[i] !== ' ') k += line[i++];
    if (i >= n || line[i] === ' ') {
      out[k] = '';
      continue;
    }
    i++; // '='
    let v = '';
    if (line[i] === '"') {
      i++;
      while (i < n && line[i] !== '"') {
        const ch = line[i++] as string;
        if (ch !== '\\' || i >= n) {
          v += ch;
          continue;
        }
        const e = line[i++] as string;
        if (e === 'n') v += '\n';
        else if (e === 'r') v += '\r';
        else if (e === 't') v += '\t';
        else if (e === 'x' && i + 2 <= n) {
          const code = parseInt(line.slice(i, i + 2), 16);
          v += Number.isNaN(code) ? 'x' : String.fromCharCode(code);
          if (!Number.isNaN(code)) i += 2;
        } else v += e;
      }
      i++; // closing quote
    } else {
      while (i < n && line[i] !== ' ') v += line[i++];
    }
    out[k] = v;
  }
  return out;
}
