/**
 * The lin heap probe, a developer tool (docs/TARGETS.md "Heap probe"): a `bench footprint`
 * scenario on instrumented Moddable-lin boards started with MCDSM_HEAP_PROBE, so each board
 * collects garbage and samples its live set ("Slot used" / "Chunk used" right after a
 * collection) after every Hal callback (printed at each new peak, or every time in `all` mode),
 * at every Hal.event and at every log line (firmware/platform/lin/mcdsm-platform.c; the
 * firmware then traces debug lines, and the conformance suite logs each case at debug).
 * CLI: bench/heap-probe.ts.
 */
import { buildFirmware } from './build.js';
import { outDir, runScenario } from './footprint.js';
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
}

/** Groups a board's samples by step: a step starts at each `log ...` sample. */
export function probeSteps(samples: readonly ProbeSample[]): ProbeStep[] {
  const steps: ProbeStep[] = [];
  let cur: ProbeStep | null = null;
  for (const x of samples) {
    if (cur === null || x.label.startsWith('log ')) {
      cur = { step: cur === null && !x.label.startsWith('log ') ? 'boot' : x.label, startSlots: x.liveSlots, startChunks: x.liveChunks, maxSlots: 0, maxChunks: 0, heapSlots: 0, heapChunks: 0 };
      steps.push(cur);
    }
    cur.maxSlots = Math.max(cur.maxSlots, x.liveSlots);
    cur.maxChunks = Math.max(cur.maxChunks, x.liveChunks);
    cur.heapSlots = x.heapSlots;
    cur.heapChunks = x.heapChunks;
  }
  return steps;
}

export interface ProbeRun {
  results: string[];
  /** Per board, its probe samples in order. */
  boards: ProbeSample[][];
}

/** Builds the scenario's lin firmware (cached like bench footprint's) and runs it with the probe on. */
export async function probeScenario(sdk: ModdableSdk, s: Scenario, mode: 'peak' | 'all', log: (line: string) => void): Promise<ProbeRun> {
  const fw = await buildFirmware({ app: s.app, target: 'lin', out: outDir(s.app, 'lin'), log });
  const { results, lines } = await runScenario(sdk, s, fw, log, { MCDSM_HEAP_PROBE: mode });
  return { results, boards: lines.map((l) => parseProbeLines(l)) };
}
