/**
 * The console's character tests as plain loops instead of regular expressions: the Lua build
 * (typescript-to-lua) has no RegExp, and these few patterns are all the console needs.
 * ASCII semantics; on Lua strings are bytes, so a non-ASCII character counts as "other".
 */

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isLower(c: number): boolean {
  return c >= 97 && c <= 122;
}

/** JavaScript's \s for the characters a console line can hold (ASCII whitespace, NBSP, BOM). */
export function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0xfeff || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
}

/** One or more digits and nothing else (/^\d+$/). */
export function allDigits(s: string, from = 0): boolean {
  if (s.length <= from) return false;
  for (let i = from; i < s.length; i++) if (!isDigit(s.charCodeAt(i))) return false;
  return true;
}

function signLength(s: string): number {
  const c = s.charCodeAt(0);
  return c === 43 || c === 45 ? 1 : 0;
}

/** /^[-+]?\d+$/ */
export function isIntText(s: string): boolean {
  return allDigits(s, signLength(s));
}

/** /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/ */
export function isNumberText(s: string): boolean {
  let i = signLength(s);
  const n = s.length;
  let intDigits = 0;
  while (i < n && isDigit(s.charCodeAt(i))) {
    i++;
    intDigits++;
  }
  let fracDigits = 0;
  if (i < n && s.charCodeAt(i) === 46) {
    i++;
    while (i < n && isDigit(s.charCodeAt(i))) {
      i++;
      fracDigits++;
    }
  }
  if (intDigits === 0 && fracDigits === 0) return false;
  if (i < n && (s.charCodeAt(i) === 101 || s.charCodeAt(i) === 69)) {
    i++;
    if (i < n && (s.charCodeAt(i) === 43 || s.charCodeAt(i) === 45)) i++;
    if (!allDigits(s.slice(i))) return false;
    return true;
  }
  return i === n;
}

function isKeyChar(c: number): boolean {
  return isDigit(c) || isLower(c) || (c >= 65 && c <= 90) || c === 95 || c === 46 || c === 45 || c === 47;
}

/** /^[A-Za-z0-9_.\-/]+$/ */
export function isKeyText(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isKeyChar(s.charCodeAt(i))) return false;
  return true;
}

/** s.replace(/[^A-Za-z0-9_.\-/]/g, '_') */
export function keyChars(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += isKeyChar(s.charCodeAt(i)) ? s.charAt(i) : '_';
  return out;
}

/** /^[^\s="\\\x00-\x1f\x7f]+$/ */
export function isBareWord(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isSpace(c) || c === 61 || c === 34 || c === 92 || c <= 0x1f || c === 0x7f) return false;
  }
  return true;
}

/** /^[a-z][a-z0-9-]*( [a-z][a-z0-9-]*)?$/ */
export function isCommandName(s: string): boolean {
  const words = s.split(' ');
  if (words.length > 2) return false;
  for (const w of words) {
    if (w.length === 0 || !isLower(w.charCodeAt(0))) return false;
    for (let i = 1; i < w.length; i++) {
      const c = w.charCodeAt(i);
      if (!isLower(c) && !isDigit(c) && c !== 45) return false;
    }
  }
  return true;
}

/** s.replace(/[\r\n]+/g, ' '): every run of line breaks becomes one space. */
export function oneLine(s: string): string {
  if (s.indexOf('\n') < 0 && s.indexOf('\r') < 0) return s;
  let out = '';
  let inBreak = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 10 || c === 13) {
      if (!inBreak) out += ' ';
      inBreak = true;
    } else {
      out += s.charAt(i);
      inBreak = false;
    }
  }
  return out;
}

/** s.split(/\s+/) */
export function splitSpaces(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let i = 0;
  for (; i < s.length; i++) {
    if (isSpace(s.charCodeAt(i))) {
      out.push(cur);
      cur = '';
      while (i + 1 < s.length && isSpace(s.charCodeAt(i + 1))) i++;
    } else {
      cur += s.charAt(i);
    }
  }
  out.push(cur);
  return out;
}
