/** `--name value` integer options of the example apps: a bad value is an error naming the option. */
export function intOption(args: readonly string[], name: string, fallback: number, min: number, max: number): number {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const text = args[i + 1];
  const v = text === undefined ? NaN : Number(text);
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new Error(`--${name} must be an integer in ${min}..${max} (got ${text === undefined ? 'nothing' : JSON.stringify(text)})`);
  }
  return v;
}
