/**
 * Argument specs for console commands and their strict parser. A command's handler only ever
 * sees arguments that passed their spec; anything else answers `ERR` before the handler runs,
 * which is what keeps a bad line from changing state.
 */
import { allDigits, isIntText, isNumberText } from './chars.js';

export type ArgSpec =
  /** A decimal integer in [min, max]. */
  | { name: string; kind: 'int'; min: number; max: number; optional?: boolean; help?: string }
  /** A decimal number (fraction and exponent allowed) in [min, max]. */
  | { name: string; kind: 'number'; min: number; max: number; optional?: boolean; help?: string }
  /** One of a fixed set of words (matched case-insensitively, handed over in lower case). */
  | { name: string; kind: 'enum'; values: readonly string[]; optional?: boolean; help?: string }
  /** A comma-separated list of node ids 0..254 (no spaces), handed over sorted and without duplicates. */
  | { name: string; kind: 'nodes'; optional?: boolean; help?: string }
  /** Any single word. */
  | { name: string; kind: 'word'; optional?: boolean; help?: string };

export type ArgValue = number | string | readonly number[];

/** Parsed arguments by name; an optional argument that was not given is absent. */
export class Args {
  constructor(private readonly values: ReadonlyMap<string, ArgValue>) {}

  has(name: string): boolean {
    return this.values.has(name);
  }

  number(name: string): number {
    const v = this.values.get(name);
    if (typeof v !== 'number') throw new Error(`argument <${name}> is not a number`);
    return v;
  }

  string(name: string): string {
    const v = this.values.get(name);
    if (typeof v !== 'string') throw new Error(`argument <${name}> is not a word`);
    return v;
  }

  nodes(name: string): readonly number[] {
    const v = this.values.get(name);
    if (typeof v !== 'object') throw new Error(`argument <${name}> is not a node list`);
    return v;
  }
}

/** The largest node id a console command accepts (255 is the broadcast address). */
export const MAX_NODE = 254;


export type ParseResult = { ok: true; args: Args } | { ok: false; reason: string };

export function usage(spec: readonly ArgSpec[]): string {
  return spec.map((a) => (a.optional ? `[<${a.name}>]` : `<${a.name}>`)).join(' ');
}

function rangeText(min: number, max: number): string {
  return `[${min}, ${max}]`;
}

function parseOne(a: ArgSpec, word: string): { ok: true; value: ArgValue } | { ok: false; reason: string } {
  const bad = (what: string): { ok: false; reason: string } => ({ ok: false, reason: `bad <${a.name}> '${word}': ${what}` });
  switch (a.kind) {
    case 'int': {
      if (!isIntText(word)) return bad(`expected an integer in ${rangeText(a.min, a.max)}`);
      const v = Number(word);
      if (!(v >= a.min && v <= a.max)) return bad(`out of range ${rangeText(a.min, a.max)}`);
      return { ok: true, value: v };
    }
    case 'number': {
      if (!isNumberText(word)) return bad(`expected a number in ${rangeText(a.min, a.max)}`);
      const v = Number(word);
      if (!Number.isFinite(v) || !(v >= a.min && v <= a.max)) return bad(`out of range ${rangeText(a.min, a.max)}`);
      return { ok: true, value: v };
    }
    case 'enum': {
      const w = word.toLowerCase();
      if (a.values.indexOf(w) < 0) return bad(`expected one of ${a.values.join('|')}`);
      return { ok: true, value: w };
    }
    case 'nodes': {
      const parts = word.split(',');
      const ids: number[] = [];
      for (const p of parts) {
        if (!allDigits(p)) return bad(`expected node ids 0..${MAX_NODE} separated by commas`);
        const id = Number(p);
        if (id > MAX_NODE) return bad(`node id ${p} out of range [0, ${MAX_NODE}]`);
        if (ids.indexOf(id) < 0) ids.push(id);
      }
      ids.sort((x, y) => x - y);
      return { ok: true, value: ids };
    }
    case 'word':
      return { ok: true, value: word };
  }
}

/** Check `words` against `spec`; `command` names the command in error reasons. */
export function parseArgs(command: string, spec: readonly ArgSpec[], words: readonly string[]): ParseResult {
  const values = new Map<string, ArgValue>();
  for (let i = 0; i < spec.length; i++) {
    const a = spec[i] as ArgSpec;
    const word = words[i];
    if (word === undefined) {
      if (a.optional) continue;
      return { ok: false, reason: `missing <${a.name}> (usage: ${command} ${usage(spec)})` };
    }
    const r = parseOne(a, word);
    if (!r.ok) return r;
    values.set(a.name, r.value);
  }
  if (words.length > spec.length) {
    return { ok: false, reason: `unexpected argument '${words[spec.length] as string}' (usage: ${(command + ' ' + usage(spec)).trim()})` };
  }
  return { ok: true, args: new Args(values) };
}
