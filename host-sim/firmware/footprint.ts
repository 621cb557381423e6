/**
 * `mcdsm bench footprint [--json]`: the XS heap a board needs, measured on the real runtime.
 * Each scenario is an instrumented `lin` firmware of its one app (host-sim/firmware/build.ts)
 * on lin boards wired with pty pairs; the SDK's instrumentation prints one sample a second
 * (`instruments: ...`) on each board's stdout. The archive size is the esp32 build's xsl output.
 *
 * What is counted (docs/TARGETS.md, "Footprint"):
 * - heap: the slot heap and chunk heap XS had to GROW to by the end of the run ("Slot available"
 *   and "Chunk available"), starting from the ESP32's default creation (32 KiB of chunks, 2048
 *   slots, growing in steps of 1 KiB / 64 slots). XS collects garbage before it grows, so this is
 *   the memory the board needed, garbage excluded. Slots are counted at 16 bytes (a 32-bit
 *   chip; lin's are 32); chunk bytes are taken as lin measures them (64-bit pointers inside
 *   chunks make this an upper bound for a chip).
 * - stack: the deepest XS stack seen ("Stack used"), in slots.
 */
import { join } from 'node:path';
import { buildFirmware } from './build.js';
import type { FirmwareBuildResult } from './build.js';
import { CHUNK_INITIAL, HEAP_INITIAL_SLOTS } from './creation.js';
import { findModdableSdk, packageRoot } from './sdk.js';
import type { ModdableSdk } from './sdk.js';
import { LinBoard, ptyPair } from '../moddable/lin-board.js';
import type { PtyPair } from '../moddable/lin-board.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

/** Slot size of a 32-bit chip (ESP32) and of the 64-bit lin build. */
const CHIP_SLOT_BYTES = 16;
const LIN_SLOT_BYTES = 32;
/** What the ESP32's default Moddable creation gives before growing: 32 KiB of chunks + 2048 slots of 16 B. */
export const ESP32_DEFAULT_HEAP_BYTES = CHUNK_INITIAL + HEAP_INITIAL_SLOTS * CHIP_SLOT_BYTES;
/** The flash goal for the archive. */
export const ARCHIVE_LIMIT_BYTES = 400 * 1024;
/** A run that has not produced every board's result by then is a failure. */
const RUN_LIMIT_MS = 180_000;
/** Samples come once a second; wait for two after the result so the last growth is in. */
const SETTLE_MS = 2_500;

export interface Scenario {
  key: 'idle' | 'pingpong' | 'laplace' | 'conformance';
  app: string;
  boards: number;
  appArgs: string[];
  /** Runtime options for every board. */
  options?: Record<string, unknown>;
  what: string;
}

/**
 * Lin boards are real processes on a shared host, so a busy one can be descheduled for longer
 * than a board would ever stall: failure detection gets generous timeouts here (the figures
 * measured are memory, which these do not change).
 */
const PATIENT_FT = { ft: { heartbeatMs: 500, timeoutMs: 20_000 } };
/**
 * Transmit queue per link. With the HAL's default (4096 B) Laplace N=64 stalls on lin: bursts
 * overflow the queue, whole writes are dropped, and the runtime's stream links never recover
 * them (an open defect of the link layer, docs/TARGETS.md "Known limits"). 16 KiB carries it.
 */
const LINK_TX_LIMIT = 16 * 1024;

export const SCENARIOS: readonly Scenario[] = [
  { key: 'idle', app: 'idle', boards: 2, appArgs: ['--ms', '3000'], what: 'idle domain member (2 boards)' },
  { key: 'pingpong', app: 'pingpong', boards: 2, appArgs: [], what: 'pingpong (2 boards)' },
  { key: 'laplace', app: 'laplace', boards: 2, appArgs: ['--n', '64'], options: PATIENT_FT, what: 'Laplace N=64 with FT, one buddy (2 boards)' },
  { key: 'conformance', app: 'conformance', boards: 3, appArgs: [], what: 'MCAPI conformance (3 boards)' },
];

export interface BoardSample {
  slotAvailable: number;
  chunkAvailable: number;
  slotUsed: number;
  chunkUsed: number;
  stackUsed: number;
}

export interface ScenarioFootprint {
  key: Scenario['key'];
  what: string;
  /** Per board: the largest figures seen. */
  heapBytes: number;
  slots: number;
  chunkBytes: number;
  stackSlots: number;
  results: string[];
  archiveBytes: number;
  bundleBytes: number;
}

/** Parses the SDK's instrumentation lines (`instruments key: a,b,...` then `instruments: 1,2,...`). */
export function parseInstruments(lines: readonly string[]): BoardSample[] {
  const keyLine = lines.find((l) => l.startsWith('instruments key: '));
  if (keyLine === undefined) return [];
  const keys = keyLine.slice('instruments key: '.length).split(',');
  const col = (name: string): number => keys.indexOf(name);
  const idx = { slotA: col('Slot available'), chunkA: col('Chunk available'), slotU: col('Slot used'), chunkU: col('Chunk used'), stackU: col('Stack used') };
  if (Object.values(idx).some((i) => i < 0)) throw new Error(`instrumentation without the expected columns: ${keyLine}`);
  return lines
    .filter((l) => l.startsWith('instruments: '))
    .map((l) => l.slice('instruments: '.length).split(',').map(Number))
    .map((v) => ({
      slotAvailable: v[idx.slotA] ?? 0,
      chunkAvailable: v[idx.chunkA] ?? 0,
      slotUsed: v[idx.slotU] ?? 0,
      chunkUsed: v[idx.chunkU] ?? 0,
      stackUsed: v[idx.stackU] ?? 0,
    }));
}

function outDir(app: string, target: string): string {
  return join(packageRoot(), 'node_modules', '.cache', 'mcdsm', 'firmware-footprint', `${app}-${target.replace('/', '-')}`);
}

async function runScenario(sdk: ModdableSdk, s: Scenario, fw: FirmwareBuildResult, log: (l: string) => void): Promise<{ samples: BoardSample[][]; results: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), `mcdsm-footprint-${s.key}-`));
  const pairs: PtyPair[] = [];
  const boards: LinBoard[] = [];
  try {
    const links: string[][] = Array.from({ length: s.boards }, () => []);
    const cables = s.boards === 2 ? 1 : s.boards;
    for (let i = 0; i < cables; i++) {
      const j = (i + 1) % s.boards;
      const p = await ptyPair(join(dir, `l${i}-${j}`), join(dir, `l${j}-${i}`));
      pairs.push(p);
      (links[i] as string[]).push(p.a);
      (links[j] as string[]).push(p.b);
    }
    for (let i = 0; i < s.boards; i++) {
      boards.push(
        LinBoard.start({
          linHost: sdk.linHost,
          mcSo: fw.mcSo as string,
          stateDir: join(dir, `state${i}`),
          config: { node: i, rank: i, boards: s.boards, app: s.app, appArgs: s.appArgs, options: s.options ?? {}, links: (links[i] as string[]).map((device) => ({ device, txLimit: LINK_TX_LIMIT })), console: null },
        }),
      );
    }
    const results = await Promise.all(boards.map((b) => b.waitFor(/^app-(result|error) rank=/, RUN_LIMIT_MS)));
    log(`${s.key}: ${results.map((r) => r.slice(0, 100)).join(' | ')}`);
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    return { samples: boards.map((b) => parseInstruments(b.lines)), results };
  } finally {
    await Promise.all(boards.map((b) => b.stop()));
    await Promise.all(pairs.map((p) => p.close()));
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function measureFootprint(log: (line: string) => void): Promise<ScenarioFootprint[]> {
  const found = findModdableSdk();
  if (!found.ok) throw new Error(found.reason);
  const sdk = found.sdk;
  const out: ScenarioFootprint[] = [];
  for (const s of SCENARIOS) {
    const fw = await buildFirmware({ app: s.app, target: 'lin', out: outDir(s.app, 'lin'), log });
    const esp = await buildFirmware({ app: s.app, target: 'esp32', out: outDir(s.app, 'esp32'), log });
    const { samples, results } = await runScenario(sdk, s, fw, log);
    if (results.some((r) => r.startsWith('app-error'))) throw new Error(`${s.key}: ${results.join(' | ')}`);
    let heapBytes = 0;
    let slots = 0;
    let chunkBytes = 0;
    let stack = 0;
    for (const board of samples) {
      if (board.length === 0) throw new Error(`${s.key}: a board printed no instrumentation samples`);
      const boardSlots = Math.max(...board.map((x) => x.slotAvailable)) / LIN_SLOT_BYTES;
      const boardChunks = Math.max(...board.map((x) => x.chunkAvailable));
      const bytes = boardSlots * CHIP_SLOT_BYTES + boardChunks;
      if (bytes > heapBytes) {
        heapBytes = bytes;
        slots = boardSlots;
        chunkBytes = boardChunks;
      }
      stack = Math.max(stack, ...board.map((x) => x.stackUsed / LIN_SLOT_BYTES));
    }
    out.push({ key: s.key, what: s.what, heapBytes, slots, chunkBytes, stackSlots: stack, results, archiveBytes: esp.archive?.bytes ?? 0, bundleBytes: fw.bundleBytes });
  }
  return out;
}

export interface FootprintSummary {
  idleHeapBytes: number;
  laplaceHeapBytes: number;
  conformanceHeapBytes: number;
  stackSlots: number;
  archiveBytes: number;
  fitsEsp32: boolean;
}

export function summarize(f: readonly ScenarioFootprint[]): FootprintSummary {
  const by = (k: Scenario['key']): ScenarioFootprint => {
    const s = f.find((x) => x.key === k);
    if (s === undefined) throw new Error(`no ${k} scenario`);
    return s;
  };
  const heap = f.map((x) => x.heapBytes);
  const archiveBytes = Math.max(...f.map((x) => x.archiveBytes));
  return {
    idleHeapBytes: by('idle').heapBytes,
    laplaceHeapBytes: by('laplace').heapBytes,
    conformanceHeapBytes: by('conformance').heapBytes,
    stackSlots: Math.max(...f.map((x) => x.stackSlots)),
    archiveBytes,
    fitsEsp32: Math.max(...heap) <= ESP32_DEFAULT_HEAP_BYTES && archiveBytes <= ARCHIVE_LIMIT_BYTES,
  };
}

/** `mcdsm bench footprint`: figures per scenario through `log`; the summary is the JSON last line. */
export async function benchFootprint(o: { log: (line: string) => void }): Promise<FootprintSummary> {
  const f = await measureFootprint((l) => process.stderr.write(`${l}\n`));
  o.log(`footprint on the real Moddable runtime (lin, instrumented; slots at ${CHIP_SLOT_BYTES} B; ESP32 default creation ${ESP32_DEFAULT_HEAP_BYTES} B, archive goal ${ARCHIVE_LIMIT_BYTES} B)`);
  for (const s of f) {
    o.log(`  ${s.what.padEnd(44)} heap ${String(s.heapBytes).padStart(7)} B (${s.slots} slots + ${s.chunkBytes} B chunks), stack ${s.stackSlots} slots, esp32 archive ${s.archiveBytes} B, bundle ${s.bundleBytes} B`);
  }
  return summarize(f);
}
