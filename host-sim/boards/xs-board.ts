/**
 * A board running in a real XS machine (xsnap-worker), loaded with the same board bundle
 * (dist/bundles/board.xs.js) whose runtime goes to real boards. Each step is one pipe round
 * trip: the encoded event batch goes in, the encoded actions come back after every promise
 * job in the VM has settled.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeActions, encodeEvents } from '../../hal/driven/codec.js';
import type { BoardAction, BoardEvent } from '../../hal/driven/events.js';
import { splitMeterTrailer } from '../../hal/xsnap/meter-trailer.js';
import { XsEvalError, XsWorker, XsWorkerExited, defaultXsnapBinary, xsnapMissingText } from '../xsnap/worker.js';
import { HostError } from '../sim/link-model.js';
import { PACKAGE_ROOT } from '../apps/package-root.js';
import { ALL_NATIVE_OPS, NativeHost } from './native-host.js';
import type { XsOutput } from '../xsnap/worker.js';
import { emptyFigures } from './sim-board.js';
import type { BoardFigures, SimBoard } from './sim-board.js';

/** Bytes per XS slot on a 32-bit microcontroller (16) — the host build's slots are 32. */
const BOARD_SLOT_BYTES = 16;

export interface XsBoardOptions {
  /** Path of the board bundle; default dist/bundles/board.xs.js of this package. */
  bundlePath?: string;
  /** The bundle's text instead of a path (tests). */
  bundleText?: string;
  /** Compute limit per step; a board exceeding it dies ("too much computation"). 0: none. */
  meteringLimit?: number;
  name?: string;
  /** Where the VM's print() and XS's own reports go. Default 'ignore' / 'inherit'. */
  stdout?: XsOutput;
  stderr?: XsOutput;
  /** xsnap-worker binary; default: the board-sized build if present (see worker.ts). */
  binary?: string;
  /**
   * Start from a heap snapshot of the evaluated bundle (made once per bundle and binary per
   * process) instead of evaluating the bundle in every VM. Default true.
   */
  snapshot?: boolean;
  /**
   * Put a `memory` event (the measured heap, the configured ramLimit) into a batch whenever
   * the figure changed, so Hal.memory() on the board reports it. Default true.
   */
  reportMemory?: boolean;
  /**
   * Serve the board's native byte helpers (CRC-32, COBS, diff, copy: src/wire/native.ts) as a
   * firmware with the C module would, at their declared cost (native-host.ts). Default true;
   * false: the board runs its JS code, as on a firmware without the module.
   */
  nativeBytes?: boolean;
}

const bundleCache = new Map<string, string>();

export function defaultBundlePath(): string {
  // dist/host-sim/boards/xs-board.js -> dist/bundles/board.xs.js
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bundles', 'board.xs.js');
}

/** Reads a bundle once per process: every board of a run evaluates the same text. */
export function loadBundle(path: string): string {
  let text = bundleCache.get(path);
  if (text === undefined) {
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new Error(`XS board bundle ${path} is missing: run \`npm run build\` (${(e as Error).message})`);
    }
    bundleCache.set(path, text);
  }
  return text;
}

// Parsing a board bundle costs an XS machine far more than starting one does; a snapshot of
// a machine that has evaluated it lets every further board skip the parse.
const snapshots = new Map<string, Promise<string | null>>();
let snapshotDir: string | null = null;

function snapshotFor(binary: string, text: string): Promise<string | null> {
  const key = createHash('sha256').update(binary).update('\0').update(text).digest('hex').slice(0, 24);
  let file = snapshots.get(key);
  if (file === undefined) {
    file = (async () => {
      if (snapshotDir === null) {
        const dir = mkdtempSync(join(tmpdir(), 'mcdsm-xs-'));
        snapshotDir = dir;
        process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
      }
      const path = join(snapshotDir, `${key}.xss`);
      const w = new XsWorker({ binary, name: 'xs-snapshot', stdout: 'ignore', stderr: 'ignore' });
      try {
        await w.evaluate(text);
        await w.writeSnapshot(path);
        return path;
      } catch {
        // The board that evaluates the bundle itself reports why it does not load.
        return null;
      } finally {
        await w.kill();
      }
    })();
    snapshots.set(key, file);
  }
  return file;
}

export class XsBoard implements SimBoard {
  readonly engine = 'xs' as const;
  private readonly stats: BoardFigures = emptyFigures();
  private readonly reportMemory: boolean;
  private baselineSlots = 0;
  private ramLimit = 0;
  private sentUsed = -1;
  private sentLimit = -1;
  private halted = false;
  private deathReported = false;

  private constructor(
    private readonly worker: XsWorker,
    options: XsBoardOptions,
    private readonly natives: NativeHost | null,
  ) {
    this.reportMemory = options.reportMemory ?? true;
  }

  /** Spawns the VM and loads the bundle into it (from a snapshot when it can). */
  static async create(options: XsBoardOptions = {}): Promise<XsBoard> {
    const text = options.bundleText ?? loadBundle(options.bundlePath ?? defaultBundlePath());
    const binary = options.binary ?? defaultXsnapBinary();
    if (!existsSync(binary)) throw new HostError(xsnapMissingText(binary, join(PACKAGE_ROOT, 'scripts', 'setup.mjs')));
    const snapshot = options.snapshot === false ? null : await snapshotFor(binary, text);
    const natives = options.nativeBytes === false ? null : new NativeHost(ALL_NATIVE_OPS);
    const worker = new XsWorker({
      binary,
      ...(natives === null ? {} : { onIssueCommand: (req: Uint8Array) => natives.answer(req) }),
      name: options.name ?? 'xs-board',
      meteringLimit: options.meteringLimit ?? 0,
      stdout: options.stdout ?? 'ignore',
      stderr: options.stderr ?? 'inherit',
      ...(snapshot === null ? {} : { snapshot }),
    });
    const board = new XsBoard(worker, options, natives);
    try {
      const r = await worker.evaluate(snapshot === null ? text : '0');
      // What the bundle itself allocates would be preloaded into flash on a real board.
      board.baselineSlots = r.meter.currentHeapCount;
    } catch (e) {
      await worker.kill();
      throw new Error(`XS board bundle failed to load: ${(e as Error).message}`);
    }
    return board;
  }

  get alive(): boolean {
    return this.worker.alive;
  }

  get exitReason(): string | null {
    return this.worker.exitInfo?.reason ?? null;
  }

  get pid(): number | undefined {
    return this.worker.pid;
  }

  async step(events: readonly BoardEvent[]): Promise<BoardAction[]> {
    if (!this.worker.alive) return this.deathActions();
    if (this.halted) {
      // A stopped board takes no more events (as BoardHost would drop them): spare the round trip.
      this.stats.steps++;
      return [];
    }
    const batch = this.withMemory(events);
    const t0 = performance.now();
    try {
      const r = await this.worker.command(encodeEvents(batch));
      const { actions: encoded, simUnits } = splitMeterTrailer(r.reply);
      const actions = decodeActions(encoded);
      this.stats.simHalTotal += simUnits;
      for (const a of actions) if (a.kind === 'halt' || a.kind === 'reset') this.halted = true;
      let live = r.meter.currentHeapCount;
      // XS counts every slot allocated since its last collection, garbage included. Before a
      // figure over the budget is believed, a collection makes it the live heap.
      if (this.ramLimit > 0 && this.slotsToBytes(live) > this.ramLimit) {
        try {
          live = (await this.worker.evaluate('gc()')).meter.currentHeapCount;
        } catch {
          // The VM died collecting: these actions still happened; the next step reports the death.
        }
      }
      // A frame's (or event's) units: the VM's meter when it was written plus the native calls' before it.
      for (const a of actions) {
        if ((a.kind !== 'tx' && a.kind !== 'event') || a.units === undefined) continue;
        if (this.natives !== null && a.natives !== undefined) a.units += Math.round(this.natives.chargedBy(a.natives));
        delete a.natives;
      }
      const native = this.natives === null ? 0 : Math.round(this.natives.take());
      this.stats.nativeTotal += native;
      this.account(r.meter.compute + native, live);
      return actions;
    } catch (e) {
      if (e instanceof XsWorkerExited) return this.deathActions();
      this.halted = true;
      const why = e instanceof XsEvalError ? e.vmMessage : (e as Error).message;
      return [{ kind: 'halt', reason: `xs board failed: ${why}` }];
    } finally {
      this.stats.steps++;
      this.stats.hostMs += performance.now() - t0;
    }
  }

  figures(): BoardFigures {
    return { ...this.stats };
  }

  kill(): Promise<void> {
    this.deathReported = true;
    return this.worker.kill();
  }

  private deathActions(): BoardAction[] {
    if (this.deathReported || this.halted) return [];
    this.deathReported = true;
    return [{ kind: 'halt', reason: `xs vm ${this.worker.exitInfo?.reason ?? 'gone'}` }];
  }

  private slotsToBytes(slots: number): number {
    return Math.max(0, slots - this.baselineSlots) * BOARD_SLOT_BYTES;
  }

  private account(compute: number, liveSlots: number): void {
    this.stats.compute = compute;
    this.stats.computeTotal += compute;
    const heap = this.slotsToBytes(liveSlots);
    this.stats.heapBytes = heap;
    if (heap > this.stats.heapPeakBytes) this.stats.heapPeakBytes = heap;
  }

  private withMemory(events: readonly BoardEvent[]): readonly BoardEvent[] {
    for (const e of events) {
      if (e.kind === 'boot') {
        try {
          const limit = (JSON.parse(e.config) as { ramLimit?: unknown }).ramLimit;
          if (typeof limit === 'number') this.ramLimit = limit;
        } catch {
          // The board itself reports a bad config.
        }
      }
    }
    if (!this.reportMemory || this.stats.steps === 0) return events;
    const used = this.stats.heapBytes;
    if (used === this.sentUsed && this.ramLimit === this.sentLimit) return events;
    this.sentUsed = used;
    this.sentLimit = this.ramLimit;
    const memory: BoardEvent = { kind: 'memory', used, limit: this.ramLimit };
    const out = events.slice();
    out.splice(out.length > 0 && out[0]!.kind === 'time' ? 1 : 0, 0, memory);
    return out;
  }
}
