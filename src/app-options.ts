/**
 * The app options check, in one place: an app that declares its options (`App.options`) gets
 * only those. An unknown option, a missing value or a stray word is an error naming it, on
 * the host before anything starts (`mcdsm sim`) and on the board before `main` runs.
 */
import type { App, AppOption } from './app.js';

function usage(options: readonly AppOption[]): string {
  return options.length === 0 ? 'it takes no options' : `its options: ${options.map((o) => `--${o.name}${o.value !== undefined ? ` ${o.value}` : ''}`).join(', ')}`;
}

/** Null when `args` fit the app's declared options (or the app declares none); else why not. */
export function appArgsError(app: Pick<App, 'name' | 'options'>, args: readonly string[]): string | null {
  const options = app.options;
  if (options === undefined) return null;
  for (let i = 0; i < args.length; i++) {
    const word = args[i]!;
    if (!word.startsWith('--') || word.length === 2) {
      return `app ${app.name}: unexpected argument "${word}" (${usage(options)})`;
    }
    const name = word.slice(2);
    let opt: AppOption | undefined;
    for (const o of options) if (o.name === name) opt = o;
    if (opt === undefined) return `app ${app.name}: unknown option ${word} (${usage(options)})`;
    if (opt.value !== undefined) {
      if (i + 1 >= args.length) return `app ${app.name}: option ${word} needs a value (${opt.value})`;
      i++;
    }
  }
  return null;
}
