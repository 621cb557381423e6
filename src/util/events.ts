/**
 * What every layer's runtime events are made of (src/events.ts lists them all): the record that
 * crosses from a board to the host (`Hal.event(name, value, detail?)`) and the small readers
 * the layers' parsers share. No RegExp here or in the parsers: the Lua target has none, and
 * Moddable freezes module-level RegExp objects.
 */
import type { Hal } from '../hal.js';

/** Where events go: the board's HAL (or a test's recorder). */
export type EventSink = Pick<Hal, 'event'>;

/** One event as it crosses to the host: no detail at all is not the same line as an empty one. */
export interface EventRecord {
  readonly name: string;
  readonly value: number;
  readonly detail?: string;
}

export function emitEvent(sink: EventSink, e: EventRecord): void {
  // Some targets tell an absent detail from an empty one (the Moddable trace line).
  if (e.detail === undefined) sink.event(e.name, e.value);
  else sink.event(e.name, e.value, e.detail);
}

/** A whole number >= 0 written in decimal digits, or null. (No RegExp: the Lua target has none.) */
export function parseCount(text: string): number | null {
  if (text.length === 0 || text.length > 15) return null;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return null;
  }
  return Number(text);
}

/** `1,2,3` back to numbers ('' is none); null if any is not a whole number. */
export function parseNodeList(text: string): number[] | null {
  if (text === '') return [];
  const out: number[] = [];
  for (const part of text.split(',')) {
    const n = parseCount(part);
    if (n === null) return null;
    out.push(n);
  }
  return out;
}

/** JSON text to an object, or null (not JSON, or not an object). */
export function parseJsonObject(text: string): Record<string, unknown> | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

