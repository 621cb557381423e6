/**
 * The lin heap probe, a developer tool (docs/TARGETS.md "Heap probe"): a `bench footprint`
 * scenario on instrumented Moddable-lin boards started with MCDSM_HEAP_PROBE, so each board
 * collects garbage and samples its live set ("Slot used" / "Chunk used" right after a
 * collection) after every Hal callback (printed at each new peak, or every time in `all` mode),
 * at every Hal.event and at every log line (firmware/platform/lin/mcdsm-platform.c; the
 * firmware then traces debug lines, and the conformance suite logs each case at debug).
 *
 * Those samples come at callback ends: a peak inside one synchronous job (a loop that builds and
 * drops fifteen endpoints) is gone by then. So the probe's firmware is built with XS's
 * `mxReport` (build.ts `reportCollections`), and XS prints the live slots at every collection it
 * makes on its own, `# Slot collection: reserved <bytes> used <bytes> peak <bytes> <tight>`:
 * the moments XS decides whether to grow its heap (it grows the slot heap when two collections in
 * a row leave less than its minimum free, `tight` 1). The probe's own collections report
 * themselves too, after a `heap-probe-forced` line: the live set at every collection is the
 * two together. CLI: bench/heap-probe.ts.
 */
import { buildFirmware } from './build.js';
import { laplaceReserveBytes, outDir, runScenario } from './footprint.js';
import type { Scenario } from './footprint.js';
import type { ModdableSdk } from './sdk.js';

export interface ProbeSample {
  label: string;
  liveSlots: number;
  liveChunks: number;
  heapSlots: number;
  heapChunks: number;
  peak: boolean;
}

/** A collection (the live set it left), in a report build: XS's own (inside a job) or the probe's. */
export interface CollectionSample {
  /** The callback-end samples printed before it (index into the board's samples: it came after samples[after - 1]). */
  after: number;
  liveSlots: number;
  /** The slot heap as grown at that moment. */
  heapSlots: number;
  /** Less than XS's minimum left free: a second such collection in a row grows the heap. */
  tight: boolean;
  /** The probe's own collection (a callback end, event or log line), not one XS made on its own. */
  forced: boolean;
}

const PROBE_LINE = /^heap-probe (.*) live-slots=(\d+) live-chunks=(\d+) heap-slots=(\d+) heap-chunks=(\d+)( peak)?$/;

/** The probe's lines among a board's output (firmware/platform/lin/mcdsm-platform.c prints them). */
export function parseProbeLines(lines: readonly string[]): ProbeSample[] {
  const out: ProbeSample[] = [];
  for (const line of lines) {
    const m = PROBE_LINE.exec(line);
    if (m === null) continue;
    out.push({ label: m[1]!, liveSlots: Number(m[2]), liveChunks: Number(m[3]), heapSlots: Number(m[4]), heapChunks: Number(m[5]), peak: m[6] !== undefined });
  }
  return out;
}

const SLOT_BYTES_LINE = /^heap-probe-collections slot-bytes=(\d+)$/;
const FORCED_LINE = 'heap-probe-forced';
const COLLECTION_LINE = /^# Slot collection: reserved (\d+) used (\d+) peak \d+ bytes (\d+)$/;

/**
 * The collections among a board's output (a report build's lines, see the header), XS's own
 * and the probe's, each placed after the callback-end samples printed before it. Empty for a
 * build without `mxReport` (no `heap-probe-collections` line).
 */
export function parseCollections(lines: readonly string[]): CollectionSample[] {
  const out: CollectionSample[] = [];
  let slotBytes = 0;
  let samples = 0;
  let forced = false;
  for (const line of lines) {
    if (PROBE_LINE.test(line)) {
      samples++;
      continue;
    }
    if (line === FORCED_LINE) {
      forced = true;
      continue;
    }
    const size = SLOT_BYTES_LINE.exec(line);
    if (size !== null) {
      slotBytes = Number(size[1]);
      continue;
    }
    const m = COLLECTION_LINE.exec(line);
    if (m === null || slotBytes === 0) continue;
    out.push({ after: samples, liveSlots: Number(m[2]) / slotBytes, heapSlots: Math.round(Number(m[1]) / slotBytes), tight: m[3] !== '0', forced });
    forced = false;
  }
  return out;
}

export interface ProbeStep {
  /** The log line that starts the step (`log case <name>` for a conformance case), or `boot`. */
  step: string;
  /** Live set at the step's first sample (between cases for the conformance suite). */
  startSlots: number;
  startChunks: number;
  /** Largest live set sampled during the step, and the heaps as grown by its end. */
  maxSlots: number;
  maxChunks: number;
  heapSlots: number;
  heapChunks: number;
  /**
   * Largest live set at a collection during the step, XS's own or the probe's (0 when none was
   * reported), and how many XS made on its own (inside jobs). A collection belongs to the step
   * of the last sample before it (the first step for those before any).
   */
  gcMaxSlots: number;
  collections: number;
}

/** Groups a board's samples (and its collections, from a report build) by step: a step starts at each `log ...` sample. */
export function probeSteps(samples: readonly ProbeSample[], collections: readonly CollectionSample[] = []): ProbeStep[] {
  const steps: ProbeStep[] = [];
  /** The step of each sample. */
  const stepOf: ProbeStep[] = [];
  let cur: ProbeStep | null = null;
  for (const x of samples) {
    if (cur === null || x.label.startsWith('log ')) {
      cur = { step: cur === null && !x.label.startsWith('log ') ? 'boot' : x.label, startSlots: x.liveSlots, startChunks: x.liveChunks, maxSlots: 0, maxChunks: 0, heapSlots: 0, heapChunks: 0, gcMaxSlots: 0, collections: 0 };
      steps.push(cur);
    }
    stepOf.push(cur);
    cur.maxSlots = Math.max(cur.maxSlots, x.liveSlots);
    cur.maxChunks = Math.max(cur.maxChunks, x.liveChunks);
    cur.heapSlots = x.heapSlots;
    cur.heapChunks = x.heapChunks;
  }
  for (const c of collections) {
    const step = stepOf[Math.max(0, c.after - 1)];
    if (step === undefined) continue;
    step.gcMaxSlots = Math.max(step.gcMaxSlots, c.liveSlots);
    if (!c.forced) step.collections++;
  }
  return steps;
}

/** A board's live peaks: at callback ends (the probe's samples) and at every collection. */
export interface ProbePeaks {
  /** Largest live set sampled at a callback end, event or log line, and the sample's label. */
  callbackSlots: number;
  callbackAt: string;
  /**
   * Largest live set at any collection (XS's own and the probe's: never below callbackSlots
   * when the two agree), and the label of the sample before it; 0 and '' without a report build.
   */
  gcSlots: number;
  gcAfter: string;
  /** Largest live set at a collection XS made on its own (inside a job), and the label of the sample before it. */
  ownSlots: number;
  ownAfter: string;
  /** Collections XS made on its own. */
  collections: number;
  /** Collections that left less than XS's minimum free (two in a row grow the heap). */
  tight: number;
}

export function probePeaks(samples: readonly ProbeSample[], collections: readonly CollectionSample[]): ProbePeaks {
  let callbackSlots = 0;
  let callbackAt = '';
  for (const x of samples) {
    if (x.liveSlots > callbackSlots) {
      callbackSlots = x.liveSlots;
      callbackAt = x.label;
    }
  }
  const labelBefore = (c: CollectionSample): string => (c.after === 0 ? 'boot' : (samples[c.after - 1]?.label ?? ''));
  const p: ProbePeaks = { callbackSlots, callbackAt, gcSlots: 0, gcAfter: '', ownSlots: 0, ownAfter: '', collections: 0, tight: 0 };
  for (const c of collections) {
    if (c.tight) p.tight++;
    if (c.liveSlots > p.gcSlots) {
      p.gcSlots = c.liveSlots;
      p.gcAfter = labelBefore(c);
    }
    if (c.forced) continue;
    p.collections++;
    if (c.liveSlots > p.ownSlots) {
      p.ownSlots = c.liveSlots;
      p.ownAfter = labelBefore(c);
    }
  }
  return p;
}

export interface ProbeRun {
  results: string[];
  /** Per board, its probe samples in order. */
  boards: ProbeSample[][];
  /** Per board, the collections XS made on its own, in order. */
  collections: CollectionSample[][];
}

/**
 * Builds the scenario's lin firmware with collection reports (its own build folder and cache,
 * `<app>-lin-report`: the SDK's objects are compiled once per checkout, then only the app's
 * module) and runs it with the probe on.
 */
export async function probeScenario(sdk: ModdableSdk, s: Scenario, mode: 'peak' | 'all', log: (line: string) => void): Promise<ProbeRun> {
  const fw = await buildFirmware({ app: s.app, target: 'lin', out: outDir(s.app, 'lin-report'), reportCollections: true, ...(s.key === 'laplace' ? { chunkBytes: laplaceReserveBytes(s) } : {}), log });
  const { results, lines } = await runScenario(sdk, s, fw, log, { MCDSM_HEAP_PROBE: mode });
  return { results, boards: lines.map((l) => parseProbeLines(l)), collections: lines.map((l) => parseCollections(l)) };
}
