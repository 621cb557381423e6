/**
 * Offloading work to compute boards with remote calls (docs/RPC.md): rank 0 is a sensor/control
 * board that streams sensor-like frames (a matrix of float32 samples and a weight vector, a few
 * KiB each) to the other boards, which serve `matvec`: a matrix-vector product computed a slice
 * of rows at a time, with a checkpoint into the buddy board's RAM every few rows. Each slice
 * also "takes" `--work-ms` of board time (ctx.sleep), standing in for a computation long enough
 * for failures to land in the middle of it.
 *
 * The client checks every result against its own local computation (bit-exact: both sides sum
 * in the same order in float64) and returns what a fault-free run returns too: the number of
 * verified calls and a digest of all results. Failover figures (retries, stages, resumed calls)
 * are in the simulator's summary under `rpc`, not in the result.
 */
import type { App, AppContext, AppValue } from '../../src/app.js';
import type { RpcValue, ServeControl } from '../../src/rpc/index.js';

interface Options {
  calls: number;
  rows: number;
  cols: number;
  sliceRows: number;
  workMs: number;
  ckptEvery: number;
  parallel: number;
  idempotent: number;
  seed: number;
}

const DEFAULTS: Options = { calls: 6, rows: 32, cols: 64, sliceRows: 4, workMs: 25, ckptEvery: 8, parallel: 3, idempotent: 1, seed: 1 };

function parseOptions(args: readonly string[]): Options {
  const o: Options = { ...DEFAULTS };
  for (let i = 0; i < args.length; i += 2) {
    const key = args[i];
    const v = Number(args[i + 1]);
    const name = key === undefined ? '' : key.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    if (!(name in o) || !Number.isInteger(v) || v < 0) {
      throw new Error(`offload: bad option ${String(key)} ${String(args[i + 1])} (options: ${Object.keys(DEFAULTS).map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(' ')})`);
    }
    o[name as keyof Options] = v;
  }
  if (o.rows < 1 || o.cols < 1 || o.rows * o.cols > 16384) throw new Error('offload: --rows x --cols must be 1..16384');
  if (o.sliceRows < 1 || o.parallel < 1 || o.ckptEvery < 1) throw new Error('offload: --slice-rows, --parallel and --ckpt-every must be at least 1');
  return o;
}

/** xorshift32: the same samples on every board and engine. */
function samples(seed: number, n: number): Float32Array {
  const out = new Float32Array(n);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = (x % 2001) / 1000 - 1;
  }
  return out;
}

/** Rows [from, to) of m x v, into acc (float64, in column order: bit-exact on every engine). */
function rowsInto(m: Float32Array, v: Float32Array, cols: number, from: number, to: number, acc: Float64Array): void {
  for (let r = from; r < to; r++) {
    let s = 0;
    const base = r * cols;
    for (let c = 0; c < cols; c++) s += m[base + c]! * v[c]!;
    acc[r] = s;
  }
}

/** FNV-1a over the bytes of float64 results. */
function digestInto(h: number, values: Float64Array): number {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 16777619) >>> 0;
  return h;
}

interface MatvecArgs {
  rows: number;
  cols: number;
  m: Float32Array;
  v: Float32Array;
  sliceRows: number;
  workMs: number;
  ckptEvery: number;
}

function matvecArgs(a: RpcValue): MatvecArgs {
  if (typeof a !== 'object' || a === null || Array.isArray(a) || ArrayBuffer.isView(a)) throw new Error('matvec: arguments must be an object');
  const o = a as { [key: string]: RpcValue };
  const num = (k: string): number => {
    const v = o[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new Error(`matvec: ${k} must be a whole number`);
    return v;
  };
  const rows = num('rows');
  const cols = num('cols');
  const m = o['m'];
  const v = o['v'];
  if (!(m instanceof Float32Array) || m.length !== rows * cols) throw new Error('matvec: m must be a Float32Array of rows x cols');
  if (!(v instanceof Float32Array) || v.length !== cols) throw new Error('matvec: v must be a Float32Array of cols');
  return { rows, cols, m, v, sliceRows: Math.max(1, num('sliceRows')), workMs: num('workMs'), ckptEvery: Math.max(1, num('ckptEvery')) };
}

function restoredState(s: RpcValue, rows: number): { row: number; acc: Float64Array } | null {
  if (typeof s !== 'object' || s === null || Array.isArray(s) || ArrayBuffer.isView(s)) return null;
  const o = s as { [key: string]: RpcValue };
  const row = o['row'];
  const acc = o['acc'];
  if (typeof row !== 'number' || !(acc instanceof Float64Array) || acc.length !== rows || row < 0 || row > rows) return null;
  return { row, acc };
}

async function serve(ctx: AppContext): Promise<AppValue> {
  ctx.rpc.serve(
    'matvec',
    async (raw: RpcValue, ctl: ServeControl): Promise<RpcValue> => {
      const a = matvecArgs(raw);
      const from = restoredState(ctl.restored, a.rows);
      let row = from?.row ?? 0;
      const acc = from?.acc ?? new Float64Array(a.rows);
      while (row < a.rows) {
        const end = Math.min(a.rows, row + a.sliceRows);
        rowsInto(a.m, a.v, a.cols, row, end, acc);
        row = end;
        // The board's time for this slice (a stand-in for a heavier kernel).
        if (a.workMs > 0) await ctx.sleep(a.workMs);
        else await ctl.yield();
        if (row < a.rows && row % a.ckptEvery === 0) await ctl.checkpoint({ row, acc });
      }
      return acc;
    },
    { concurrency: 2 },
  );
  // The board keeps serving after main returns: the run ends when the client has its results.
  return { rank: ctx.rank, serving: 'matvec' };
}

async function client(ctx: AppContext, o: Options): Promise<AppValue> {
  const servers: number[] = [];
  for (let r = 1; r < ctx.boards; r++) servers.push(ctx.nodeOfRank(r));
  if (servers.length === 0) throw new Error('offload: needs at least two boards (a client and a server)');
  const digests: number[] = new Array<number>(o.calls).fill(0);
  let verified = 0;
  let nextCall = 0;
  const worker = async (): Promise<void> => {
    while (nextCall < o.calls) {
      const i = nextCall++;
      const m = samples(o.seed * 1000 + i * 2, o.rows * o.cols);
      const v = samples(o.seed * 1000 + i * 2 + 1, o.cols);
      const want = new Float64Array(o.rows);
      rowsInto(m, v, o.cols, 0, o.rows, want);
      // Call i starts at server i mod k; the next in the list is its buddy and first fallback.
      const order = servers.map((_, k) => servers[(i + k) % servers.length]!);
      const got = await ctx.rpc.call(
        'matvec',
        { rows: o.rows, cols: o.cols, m, v, sliceRows: o.sliceRows, workMs: o.workMs, ckptEvery: o.ckptEvery },
        { servers: order, idempotent: o.idempotent === 1 },
      );
      if (!(got instanceof Float64Array) || got.length !== o.rows) throw new Error(`call ${i}: result is not ${o.rows} float64 values`);
      for (let r = 0; r < o.rows; r++) {
        if (!Object.is(got[r], want[r])) throw new Error(`call ${i}: row ${r} is ${got[r]}, computed here ${want[r]}`);
      }
      digests[i] = digestInto(2166136261, got);
      verified++;
      ctx.event('iter', verified);
    }
  };
  const workers: Promise<void>[] = [];
  for (let w = 0; w < Math.min(o.parallel, o.calls); w++) workers.push(worker());
  await Promise.all(workers);
  let digest = 2166136261;
  for (const d of digests) digest = Math.imul(digest ^ d, 16777619) >>> 0;
  return { calls: o.calls, verified, digest: digest.toString(16).padStart(8, '0') };
}

async function run(ctx: AppContext): Promise<AppValue> {
  const o = parseOptions(ctx.args);
  return ctx.rank === 0 ? client(ctx, o) : serve(ctx);
}

export const offloadApp: App = { name: 'offload', rpc: true, main: run };
