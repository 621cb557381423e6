/** Options of the benchmark apps: `--mode M --size BYTES --count N --window N`. */
export interface BenchArgs {
  mode: string;
  size: number;
  count: number;
  window: number;
}

export function benchArgs(args: readonly string[]): BenchArgs {
  const o: BenchArgs = { mode: 'rtt', size: 24, count: 100, window: 8 };
  for (let i = 0; i < args.length; i += 2) {
    const k = args[i];
    const v = args[i + 1];
    if (k === '--mode' && v !== undefined) o.mode = v;
    else if ((k === '--size' || k === '--count' || k === '--window') && v !== undefined && /^\d+$/.test(v)) o[k.slice(2) as 'size' | 'count' | 'window'] = Number(v);
    else throw new Error(`bench: bad option ${String(k)} ${String(v)}`);
  }
  return o;
}
