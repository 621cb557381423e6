/**
 * The console commands only firmware has: provisioning (`config set|show|clear`, `reset`) and
 * the app's result (`result`). A board that could not boot still gets them, through the
 * provisioning shell (firmware/main.ts), so a wrong field can be fixed over the console.
 */
import type { CommandSpec } from '../src/console/index.js';
import { commandTable, ConsoleError } from '../src/console/index.js';
import { fieldSource, mergeConfig, parseConfigValue, PROVISION_FIELDS, withField } from './firmware-config.js';
import type { ConfigSources, SerialKind } from './firmware-config.js';

/** Where the stored layer lives (Preference on a board, a plain object in tests). */
export interface ConfigStore {
  read(): unknown;
  write(text: string): void;
  clear(): void;
}

/** Each rank's last outcome on this board, in the order they happened. */
export interface ResultBook {
  lines(): string[];
}

export interface FirmwareCommandDeps {
  store: ConfigStore;
  /** The other two layers (manifest defaults, host settings). */
  defaults: unknown;
  host: unknown;
  serial: SerialKind;
  results: ResultBook;
  /** Restart the board (after the OK is out). */
  restart(): void;
}

function fieldName(word: string): string {
  const f = PROVISION_FIELDS.find((x) => x.toLowerCase() === word.toLowerCase());
  if (f === undefined) throw new ConsoleError(`${word}: not a config field (have: ${PROVISION_FIELDS.join(', ')})`);
  return f;
}

function reason(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function sources(deps: FirmwareCommandDeps): ConfigSources {
  return { stored: deps.store.read(), defaults: deps.defaults, host: deps.host };
}

/**
 * A constant table (commandTable; in flash with the preloaded firmware module): the handlers
 * get the board's FirmwareCommandDeps as their owner.
 */
export const FIRMWARE_COMMANDS: readonly CommandSpec<FirmwareCommandDeps>[] = commandTable<FirmwareCommandDeps>([
    {
      name: 'config set',
      args: [
        { name: 'field', kind: 'word' },
        { name: 'value', kind: 'word' },
      ],
      help: `store a config field (${PROVISION_FIELDS.join('|')}); applies at the next reset`,
      handler: (ctx, deps) => {
        const field = fieldName(ctx.args.string('field'));
        let value: unknown;
        try {
          value = parseConfigValue(field, ctx.args.string('value'), deps.serial);
        } catch (e) {
          throw new ConsoleError(reason(e));
        }
        let text: string;
        try {
          text = withField(deps.store.read(), field, value);
        } catch {
          // A stored text that is not JSON is replaced rather than kept broken.
          text = withField(undefined, field, value);
        }
        deps.store.write(text);
        ctx.record({ field, value: shownValue(field, value), applies: 'at reset' });
      },
    },
    {
      name: 'config show',
      args: [],
      help: 'the config this board boots with, field by field, and where each value comes from',
      handler: (ctx, deps) => {
        const s = sources(deps);
        let merged: Record<string, unknown>;
        try {
          merged = mergeConfig(s);
        } catch (e) {
          throw new ConsoleError(reason(e));
        }
        for (const field of PROVISION_FIELDS) {
          const v = merged[field];
          ctx.record({ field, value: v === undefined ? '-' : shownValue(field, v), from: fieldSource(s, field) });
        }
      },
    },
    {
      name: 'config clear',
      args: [{ name: 'field', kind: 'word', optional: true }],
      help: 'forget a stored field, or every stored field (back to the manifest defaults)',
      handler: (ctx, deps) => {
        if (!ctx.args.has('field')) {
          deps.store.clear();
          return;
        }
        const field = fieldName(ctx.args.string('field'));
        let text: string;
        try {
          text = withField(deps.store.read(), field, undefined);
        } catch (e) {
          throw new ConsoleError(reason(e));
        }
        deps.store.write(text);
      },
    },
    {
      name: 'reset',
      args: [],
      help: 'restart the board (applies the stored config)',
      handler: (ctx, deps) => ctx.afterOk(() => deps.restart()),
    },
    {
      name: 'result',
      args: [],
      help: "the app's result on this board: app-result rank=<r> <json>, or app-error rank=<r> <reason>",
      handler: (ctx, deps) => {
        const lines = deps.results.lines();
        if (lines.length === 0) ctx.print('app-result none');
        for (const l of lines) ctx.print(l);
      },
    },
]);

/**
 * A config value as the console shows it: the domain key is a secret, shown only as set or not.
 * A string is shown as itself: the record line quotes it where needed, and JSON on top of that
 * showed `app` as `"\"pingpong\""`.
 */
function shownValue(field: string, value: unknown): string {
  if (field === 'domainKey') return value === null ? 'none' : 'set';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
