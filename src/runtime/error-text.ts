/**
 * An app failure as one log line: the error's name and message and the first places of its
 * stack, for the board's log and the `app-error` event.
 */
import { allDigits, isSpace } from '../console/chars.js';

/**
 * Stack frames named in an app failure. A bad argument the runtime rejects is raised 3-4 frames
 * below the app's call (`Args.bytes` <- `msgSend` <- the app; the error's own helper first):
 * with 3 frames, XS boards named only the runtime's places. The host shows only the app's
 * places when the list names one of them, else the first three (host-sim/apps/source-places.ts).
 */
const ERROR_FRAMES = 8;

/**
 * `Name: message (at file:line, ...)`: the places come from the stack where the engine keeps
 * one (XS `at f (file:12)`, V8 `at f (file:12:5)`); the host maps bundle places to the app's
 * own source lines (host-sim/apps/source-places.ts).
 */
export function errorText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const places: string[] = [];
  const stack: unknown = e.stack;
  if (typeof stack === 'string') {
    for (const line of stack.split('\n')) {
      const place = framePlace(line);
      if (place !== null && places.length < ERROR_FRAMES) places.push(place);
    }
  }
  return `${e.name}: ${e.message}${places.length > 0 ? ` (at ${places.join(', ')})` : ''}`;
}

/**
 * `file:line[:column]` of a stack line ending in `(file:line[:column])`, or of V8's line for an
 * anonymous function, `at file:line:column` without parentheses (an arrow function given to
 * `then`: without it, a rejection's halt named no place on V8 boards); else null (what
 * /\(([^()\s]+:\d+(?::\d+)?)\)\s*$/ matched; no regular expression: the Lua build has none).
 */
function framePlace(line: string): string | null {
  const t = line.trim();
  let inner: string;
  if (t.endsWith(')')) {
    const open = t.lastIndexOf('(');
    if (open < 0) return null;
    inner = t.slice(open + 1, t.length - 1);
  } else if (t.startsWith('at ')) {
    // Literals, not module constants: each module-level name is a slot on a board.
    inner = t.slice(3);
    if (inner.startsWith('async ')) inner = inner.slice(6);
  } else {
    return null;
  }
  for (let i = 0; i < inner.length; i++) if (isSpace(inner.charCodeAt(i)) || inner.charAt(i) === ')' || inner.charAt(i) === '(') return null;
  const parts = inner.split(':');
  const n = parts.length;
  if (n >= 3 && allDigits(parts[n - 1]!) && allDigits(parts[n - 2]!) && parts.slice(0, n - 2).join(':').length > 0) return inner;
  if (n >= 2 && allDigits(parts[n - 1]!) && parts.slice(0, n - 1).join(':').length > 0) return inner;
  return null;
}
