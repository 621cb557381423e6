/**
 * The console commands a NodeMCU board adds to the shell: its config file, read and written
 * through FilePrefs (`config show`, `config set FIELD JSON`, `config clear`) and `reset`.
 * A halted board (bad or missing config) keeps a console with just these, so it can be fixed
 * over the console. A change that breaks the links or console part answers ERR naming the
 * field and is not stored.
 */
import { ConsoleError } from '../../src/console/index.js';
import type { CommandSpec, ConsoleRecord, ConsoleTarget } from '../../src/console/index.js';
import { readNodemcuConfig } from './nodemcu-config.js';
import type { FilePrefs } from './prefs.js';

function reason(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'object' && e !== null && 'message' in e) return String((e as { message: unknown }).message);
  return String(e);
}

/** The file's object, or why it is not one (`config show` says so; `config set` starts afresh). */
function parseStored(text: string): Record<string, unknown> | string {
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
    return 'not a JSON object';
  } catch (e) {
    return `not JSON (${reason(e)})`;
  }
}

function stored(prefs: FilePrefs, name: string): Record<string, unknown> {
  const text = prefs.read(name);
  if (text === undefined) return {};
  const o = parseStored(text);
  // A file that is not JSON is replaced by what `config set` writes rather than kept broken.
  return typeof o === 'string' ? {} : o;
}

export function nodemcuCommands(prefs: FilePrefs, file: string, restart: () => void): CommandSpec[] {
  return [
    {
      name: 'config show',
      args: [],
      help: `the config file ${file}, field by field (values as JSON)`,
      handler: (ctx) => {
        const text = prefs.read(file);
        const o = text === undefined ? {} : parseStored(text);
        // A broken file is not "missing or empty": say what is wrong, as the boot's HALT does.
        if (typeof o === 'string') throw new ConsoleError(`${file}: ${o}; config set rewrites it`);
        const keys = Object.keys(o);
        if (keys.length === 0) ctx.print(`${file} is missing or empty`);
        for (const k of keys) ctx.record({ field: k, value: JSON.stringify(o[k]) ?? 'null' });
      },
    },
    {
      name: 'config set',
      args: [
        { name: 'field', kind: 'word' },
        { name: 'value', kind: 'word', help: 'JSON without spaces' },
      ],
      help: `store one field of ${file} (checked first); applies at the next reset`,
      handler: (ctx) => {
        const field = ctx.args.string('field');
        let value: unknown;
        try {
          value = JSON.parse(ctx.args.string('value'));
        } catch (e) {
          throw new ConsoleError(`value: not JSON (${reason(e)})`);
        }
        const o = stored(prefs, file);
        o[field] = value;
        const text = JSON.stringify(o);
        // The hardware part is checked as soon as there are links (set them first); the board
        // fields are checked at boot, which halts naming the field and keeps this console.
        if (o['links'] !== undefined) {
          try {
            readNodemcuConfig(text);
          } catch (e) {
            throw new ConsoleError(reason(e));
          }
        }
        if (!prefs.write(file, text)) throw new ConsoleError(`${file}: the file system refused the write`);
        ctx.record({ field, value: JSON.stringify(value) ?? 'null', applies: 'at reset' });
      },
    },
    {
      name: 'config clear',
      args: [],
      help: `remove ${file} (the board halts at the next reset until a config is stored)`,
      handler: () => prefs.clear(file),
    },
    {
      name: 'reset',
      args: [],
      help: 'restart the board (applies the stored config)',
      handler: (ctx) => ctx.afterOk(() => restart()),
    },
  ];
}

/** The console target of a board that did not boot: it says why and takes provisioning commands. */
export function haltedTarget(reasonText: string): ConsoleTarget {
  return {
    node: -1,
    knownNodes: () => [],
    status: (): ConsoleRecord => ({ state: 'halted', reason: reasonText }),
    peers: () => [],
    stats: () => ({}),
    setLogLevel: () => undefined,
    fault: () => {
      throw new Error(`the board is halted: ${reasonText}`);
    },
  };
}
