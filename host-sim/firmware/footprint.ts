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
 *
 * What it is compared with: each heap separately against the ESP32's default creation as the
 * SDK itself defines it (read from the SDK: the esp32 device manifest's `creation`, else
 * manifest_base.json's, else mcconfig's own defaults), because the two heaps do not lend to each
 * other: 2 000 spare slots do not hold a 40 KiB buffer. The stack against the stack our firmware
 * is created with (creation.ts; the SDK's default 384 is too small to load the runtime), the
 * archive against the issue's 400 KiB.
 */
import { join } from 'node:path';
import { buildFirmware } from './build.js';
import type { FirmwareBuildResult } from './build.js';
import { STACK_SLOTS } from './creation.js';
import { findModdableSdk, packageRoot } from './sdk.js';
import type { ModdableSdk } from './sdk.js';
import { LinBoard, LinWaitError, ptyPair } from '../moddable/lin-board.js';
import type { PtyPair } from '../moddable/lin-board.js';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { laplaceMemory } from '../../examples/laplace/memory.js';
import { DSM_DEFAULTS } from '../../src/dsm/limits.js';
import { tmpdir } from 'node:os';
import { HostError } from '../sim/link-model.js';

/** Slot size of a 32-bit chip (ESP32) and of the 64-bit lin build. */
const CHIP_SLOT_BYTES = 16;
const LIN_SLOT_BYTES = 32;
/** The issue's flash goal for the archive. */
export const ARCHIVE_LIMIT_BYTES = 400 * 1024;

/** The XS creation an ESP32 build gets when its manifests say nothing (what the SDK defines). */
export interface Esp32Creation {
  /** Initial chunk heap, bytes. */
  chunkBytes: number;
  /** Initial slot heap, slots. */
  slots: number;
  /** Stack, slots. */
  stackSlots: number;
  /** Where the figures were read. */
  source: string;
}

interface ManifestCreation {
  chunk?: { initial?: number };
  heap?: { initial?: number };
  stack?: number;
}

function manifestCreation(file: string): ManifestCreation {
  if (!existsSync(file)) return {};
  try {
    return ((JSON.parse(readFileSync(file, 'utf8')) as { creation?: ManifestCreation }).creation ?? {});
  } catch {
    return {};
  }
}

/**
 * The ESP32's default creation, read from the SDK: `build/devices/esp32/manifest.json`, then
 * `examples/manifest_base.json` (which every project includes), then the defaults mcconfig's
 * filterCreation fills in (`creation.chunk.initial = 32768`, ...). Throws when the SDK has none
 * of them, rather than comparing with a number nobody checked.
 */
export function esp32DefaultCreation(moddable: string): Esp32Creation {
  const device = manifestCreation(join(moddable, 'build', 'devices', 'esp32', 'manifest.json'));
  const base = manifestCreation(join(moddable, 'examples', 'manifest_base.json'));
  const mcconfig = join(moddable, 'tools', 'mcconfig.js');
  const text = existsSync(mcconfig) ? readFileSync(mcconfig, 'utf8') : '';
  const fallback = (re: RegExp, what: string): number => {
    const m = re.exec(text);
    if (m === null) throw new Error(`cannot read the ESP32 default creation's ${what} from ${mcconfig}`);
    return Number(m[1]);
  };
  return {
    chunkBytes: device.chunk?.initial ?? base.chunk?.initial ?? fallback(/creation\.chunk\.initial = (\d+)/, 'chunk'),
    slots: device.heap?.initial ?? base.heap?.initial ?? fallback(/creation\.heap\.initial = (\d+)/, 'heap'),
    stackSlots: device.stack ?? base.stack ?? fallback(/creation\.stack \?\?= (\d+)/, 'stack'),
    source: `${moddable}: build/devices/esp32/manifest.json, examples/manifest_base.json, tools/mcconfig.js`,
  };
}

/** What each figure is compared with (bytes, slots), as printed in the JSON's `limits`. */
export interface FootprintLimits {
  /** The ESP32 default creation's chunk heap (bytes) and slot heap (slots); heapBytes their sum at 16 B a slot. */
  chunkBytes: number;
  slots: number;
  heapBytes: number;
  /** The stack our firmware is created with (creation.ts), slots; the SDK's default is esp32StackSlots. */
  stackSlots: number;
  esp32StackSlots: number;
  archiveBytes: number;
}

export function footprintLimits(c: Esp32Creation): FootprintLimits {
  return {
    chunkBytes: c.chunkBytes,
    slots: c.slots,
    heapBytes: c.chunkBytes + c.slots * CHIP_SLOT_BYTES,
    stackSlots: STACK_SLOTS,
    esp32StackSlots: c.stackSlots,
    archiveBytes: ARCHIVE_LIMIT_BYTES,
  };
}
/**
 * A scenario whose boards have not all printed their result by then has failed (`mcdsm bench
 * footprint --run-limit` changes it: a heavily loaded host can take longer).
 */
export const RUN_LIMIT_MS = 180_000;
/** The line each board prints when its app ends (src/runtime/app-runner.ts). */
const RESULT_LINE = /^app-(result|error) rank=/;
/** How much of a failed scenario's reason the summary keeps (the whole text goes to the log). */
const FAILURE_REASON_CHARS = 400;

/**
 * A scenario that did not run to its end: which one, and a one-line reason (what was awaited,
 * and the bound). The board's last lines are in `detail` (the log shows them).
 */
export class FootprintScenarioError extends Error {
  constructor(
    readonly scenario: Scenario,
    readonly reason: string,
    readonly detail = '',
  ) {
    super(`scenario ${scenario.key} (${scenario.what}): ${reason}`);
  }
}

/** A scenario `bench footprint` could not measure, as its JSON's `failed` lists it. */
export interface FootprintFailure {
  scenario: Scenario['key'];
  what: string;
  reason: string;
}
/** How much of each board's app-result line the log shows (its failures, with their reasons). */
const RESULT_LOG_CHARS = 2000;
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
const LAPLACE_OPTIONS = { dsm: { window: 2 }, ft: { ...PATIENT_FT.ft, windowBytes: 4200, frameBytes: 2100 } };
export const SCENARIOS: readonly Scenario[] = [
  { key: 'idle', app: 'idle', boards: 2, appArgs: ['--ms', '3000'], what: 'idle domain member (2 boards)' },
  { key: 'pingpong', app: 'pingpong', boards: 2, appArgs: [], what: 'pingpong (2 boards)' },
  // `--ckpt-every 10` explicitly: on 2 boards without a spare Laplace would take no checkpoint
  // (K defaults to 0 when nothing could recover), and the buddy's copy is what this scenario is for.
  // `--ckpt-background 0`: a background checkpoint copies its changed bytes at the call (FT's
  // 2 + 2d instead of 2 + d); a board short of RAM takes the blocking ones, and the bound
  // (laplaceMemory) is theirs.
  // And, as such a board would, it bounds its checkpoint bytes in flight (FtOptions.windowBytes,
  // two frames of ~2 KiB; 8 KiB, three frames, before Round 10): each is held 2-3 times on the
  // sender until acknowledged (Round 7). Its DSM keeps two requests in flight (`window`, 4 by
  // default): the transport posts window + 2 receives, each a request and a page-sized buffer
  // for the whole run (~20 XS slots and ~2 KB each); Laplace's halos come by push, so its
  // fetches rarely fill even two (Round 11: Laplace slots).
  { key: 'laplace', app: 'laplace', boards: 2, appArgs: ['--n', '64', '--ckpt-every', '10', '--ckpt-background', '0'], options: LAPLACE_OPTIONS, what: 'Laplace N=64 with FT, one buddy (2 boards)' },
  // Lin boards run in wall-clock time: the cases' operations wait as long as `mcdsm conformance
  // --engine moddable` lets them (its MODDABLE_OP_TIMEOUT_MS), not the app's 1000 ms, which a
  // loaded host overran (docs/MCAPI.md 7, "A case that times out").
  { key: 'conformance', app: 'conformance', boards: 3, appArgs: ['--timeout-ms', '5000'], what: 'MCAPI conformance (3 boards)' },
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

export function outDir(app: string, target: string): string {
  return join(packageRoot(), 'node_modules', '.cache', 'mcdsm', 'firmware-footprint', `${app}-${target.replace('/', '-')}`);
}

/**
 * Runs a scenario's firmware on lin boards over pty pairs until every board printed its result.
 * `lines`: everything each board printed (its trace), for tools that read more than the samples
 * (bench/heap-probe.ts).
 */
export async function runScenario(
  sdk: ModdableSdk,
  s: Scenario,
  fw: FirmwareBuildResult,
  log: (l: string) => void,
  env?: Record<string, string>,
  runLimitMs = RUN_LIMIT_MS,
): Promise<{ samples: BoardSample[][]; results: string[]; lines: string[][] }> {
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
          config: { node: i, rank: i, boards: s.boards, app: s.app, appArgs: s.appArgs, options: s.options ?? {}, links: (links[i] as string[]).map((device) => ({ device })), console: null },
          ...(env !== undefined ? { env } : {}),
        }),
      );
    }
    const results = await Promise.all(boards.map((b, i) => b.waitFor(RESULT_LINE, runLimitMs).catch((e: unknown) => Promise.reject(waitFailure(s, i, e, runLimitMs)))));
    // A board's whole verdict up to RESULT_LOG_CHARS: a failed case's name and reason, not only
    // that there was one (a heap figure of a run whose cases failed is not the scenario's).
    log(`${s.key}: ${results.map((r) => r.slice(0, RESULT_LOG_CHARS)).join(' | ')}`);
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    return { samples: boards.map((b) => parseInstruments(b.lines)), results, lines: boards.map((b) => b.lines.slice()) };
  } finally {
    await Promise.all(boards.map((b) => b.stop()));
    await Promise.all(pairs.map((p) => p.close()));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A board's `waitFor` failure as the scenario's: which board, what it did not print, the bound. */
function waitFailure(s: Scenario, board: number, e: unknown, runLimitMs: number): Error {
  if (!(e instanceof LinWaitError)) return e instanceof Error ? e : new Error(String(e));
  const reason = e.timedOut
    ? `board ${board} printed no app result (app-result/app-error line) within the run limit of ${runLimitMs} ms (--run-limit raises it)`
    : `board ${board} ${e.reason.replace(/ before printing .*$/, '')} before printing its app result`;
  return new FootprintScenarioError(s, reason, e.tail);
}

/**
 * One scenario on lin boards: the worst board's grown heaps and deepest stack. `esp32` also
 * builds the esp32 archive (the bench does; a test that only checks the heap does not).
 */
export async function measureScenario(sdk: ModdableSdk, s: Scenario, log: (line: string) => void, esp32 = true, runLimitMs = RUN_LIMIT_MS): Promise<ScenarioFootprint> {
  const reserve = s.key === 'laplace' ? { chunkBytes: laplaceReserveBytes(s) } : {};
  const fw = await buildFirmware({ app: s.app, target: 'lin', out: outDir(s.app, 'lin'), ...reserve, log });
  const esp = esp32 ? await buildFirmware({ app: s.app, target: 'esp32', out: outDir(s.app, 'esp32'), ...reserve, log }) : null;
  const { samples, results } = await runScenario(sdk, s, fw, log, undefined, runLimitMs);
  const failed = results.filter((r) => r.startsWith('app-error'));
  if (failed.length > 0) throw new FootprintScenarioError(s, `the app failed: ${failed.join(' | ')}`);
  let heapBytes = 0;
  let slots = 0;
  let chunkBytes = 0;
  let stack = 0;
  for (const board of samples) {
    if (board.length === 0) throw new FootprintScenarioError(s, 'a board printed no instrumentation samples');
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
  return { key: s.key, what: s.what, heapBytes, slots, chunkBytes, stackSlots: stack, results, archiveBytes: esp?.archive?.bytes ?? 0, bundleBytes: fw.bundleBytes };
}

/**
 * Every scenario in turn. One that fails (its boards time out, crash, or its app fails) is
 * reported in `failed` with a one-line reason, and the others are still measured: their figures
 * stand on their own, and a long bench should not lose them to one scenario.
 */
export async function measureFootprint(
  log: (line: string) => void, runLimitMs = RUN_LIMIT_MS, only: readonly Scenario['key'][] = SCENARIOS.map((x) => x.key),
): Promise<{ measured: ScenarioFootprint[]; failed: FootprintFailure[] }> {
  const found = findModdableSdk();
  if (!found.ok) throw new HostError(found.reason);
  const measured: ScenarioFootprint[] = [];
  const failed: FootprintFailure[] = [];
  for (const s of SCENARIOS) {
    if (!only.includes(s.key)) continue;
    try {
      measured.push(await measureScenario(found.sdk, s, log, true, runLimitMs));
    } catch (e) {
      const reason = e instanceof FootprintScenarioError ? e.reason : (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
      log(`${s.key}: FAILED: ${e instanceof Error ? e.message : String(e)}${e instanceof FootprintScenarioError && e.detail ? `; last lines:\n${e.detail}` : ''}`);
      failed.push({ scenario: s.key, what: s.what, reason: reason.slice(0, FAILURE_REASON_CHARS) });
    }
  }
  return { measured, failed };
}

/** One scenario's worst board against the limits. */
export interface ScenarioFit {
  slots: number;
  chunkBytes: number;
  heapBytes: number;
  stackSlots: number;
  fits: boolean;
}

export interface FootprintSummary {
  /** null: that scenario failed (see `failed`). */
  idleHeapBytes: number | null;
  laplaceHeapBytes: number | null;
  conformanceHeapBytes: number | null;
  /** Over the scenarios measured. */
  stackSlots: number;
  archiveBytes: number;
  /**
   * Every scenario's slots and chunks within the ESP32 default creation, stacks within ours,
   * archive within 400 KiB; null when a scenario failed (unknown).
   */
  fitsEsp32: boolean | null;
  /** What each figure was compared with. */
  limits: FootprintLimits;
  /** Per scenario (idle, pingpong, laplace, conformance): the worst board's figures and whether they fit. */
  boards: Record<string, ScenarioFit>;
  /**
   * The Laplace scenario's floor, worst rank (examples/laplace/memory.ts, from its grid size,
   * board count and DSM page size): both grids' windows + its own image + its ward's image.
   */
  laplaceBoundBytes: number;
  /** The same at a commit, with the ward's whole band as a tentative delta (FT's 2 + d, d = 1). */
  laplaceCommitBoundBytes: number;
  /** The chunk heap the Laplace firmware reserves at creation (commit bound + runtime, whole 4 KiB). */
  laplaceReserveBytes: number;
  /** Scenarios that did not run to their end, with why (empty when every one did). */
  failed: FootprintFailure[];
  /** Scenarios left out by `--scenarios` (their fields null, fitsEsp32 null). */
  skipped: Scenario['key'][];
}

/**
 * `--scenarios idle,laplace`: the scenario keys named, in SCENARIOS' order; a SpecError-style
 * message (returned, not thrown: the caller owns its error class) for an empty list or a name
 * that is not a scenario.
 */
export function parseScenarioList(text: string): Scenario['key'][] | string {
  const names = text.split(',').map((x) => x.trim()).filter((x) => x !== '');
  const keys = SCENARIOS.map((x) => x.key);
  const bad = names.filter((n) => !(keys as string[]).includes(n));
  if (names.length === 0 || bad.length > 0) return `--scenarios: ${names.length === 0 ? 'no scenario named' : `unknown scenario ${bad.map((b) => `"${b}"`).join(', ')}`} (the scenarios: ${keys.join(', ')})`;
  return keys.filter((k) => names.includes(k));
}

/**
 * The runtime's own chunks in the Laplace scenario, beside its data: the largest live chunk
 * peak of the scenario's worst board (heap probe, five runs in Round 10: 141 952 - 150 720 B)
 * minus its commit bound (92 160 B), in whole KiB. ~35 KB of it is held all run long (the board
 * runtime 7.5 KB, FT 3 KB, the DSM's six posted receive buffers 14.3 KB (none since Round 13), the run, the app and
 * the arrays' bookkeeping ~8 KB, image indexes), the rest is a checkpoint's capture and frames
 * in flight with their copies (docs/FOOTPRINT.md "Round 10: Laplace footprint"). It replaces
 * Round 7's 68 608 B, the whole live set of the same scenario at N=8 (small grids counted as
 * runtime). Round 11: 4 KiB less, the two posted receive buffers (2 x 2 081 B) the scenario's
 * DSM window of 2 no longer holds; the largest live chunk peak of four probe runs since is
 * 144 912 B, 52 752 B above the commit bound (docs/FOOTPRINT.md "Round 11: Laplace slots").
 * Round 13: 8 KiB less, the four posted receive buffers left (4 x 2 081 B): MCAPI hands the DSM
 * transport each message as its view (docs/PERFORMANCE.md "Round 13: the message path"); the
 * largest live chunk peak of six probe runs since is 125 664 B, 33 504 B above the commit bound.
 */
export const LAPLACE_RUNTIME_BYTES = 47_104;

/**
 * Free room the reserved heap keeps above the live peak: XS collects when an allocation does not
 * fit the free end of its block, so the block must take the largest transient allocation at the
 * peak (a frame of up to ~4 KiB and its copies, a delta's receive buffer) without growing.
 */
export const LAPLACE_RESERVE_MARGIN_BYTES = 8_192;

/**
 * The chunk heap the Laplace firmware reserves at creation: its bound at a commit plus the
 * measured runtime plus the margin, in whole 4 KiB. Grown from the ESP32's 32 KiB a block at a
 * time, the same run needed 20-60 KB more than it ever held live (XS compacts each block on its
 * own); reserved in one block it stays within a few KiB of its live peak (docs/FOOTPRINT.md
 * "Round 7").
 */
export function laplaceReserveBytes(s: Scenario): number {
  return Math.ceil((laplaceBound(s).commitBytes + LAPLACE_RUNTIME_BYTES + LAPLACE_RESERVE_MARGIN_BYTES) / 4096) * 4096;
}

/** What the Laplace scenario cannot do without (its `--n`, board count and the DSM page size). */
export function laplaceBound(s: Scenario): { floorBytes: number; commitBytes: number } {
  const at = s.appArgs.indexOf('--n');
  const n = at >= 0 ? Number(s.appArgs[at + 1]) : 256;
  const dsm = (s.options as { dsm?: { pageSize?: number } } | undefined)?.dsm;
  const ranks = laplaceMemory(n, s.boards, dsm?.pageSize ?? DSM_DEFAULTS.pageSize);
  return { floorBytes: Math.max(...ranks.map((r) => r.floorBytes)), commitBytes: Math.max(...ranks.map((r) => r.commitBytes)) };
}

export function scenarioFits(s: Pick<ScenarioFootprint, 'slots' | 'chunkBytes' | 'stackSlots'>, limits: FootprintLimits): boolean {
  return s.slots <= limits.slots && s.chunkBytes <= limits.chunkBytes && s.stackSlots <= limits.stackSlots;
}

export function summarize(f: readonly ScenarioFootprint[], limits: FootprintLimits, failed: readonly FootprintFailure[] = []): FootprintSummary {
  const heap = (k: Scenario['key']): number | null => {
    // Failed, or left out by --scenarios: unknown.
    return f.find((x) => x.key === k)?.heapBytes ?? null;
  };
  const archiveBytes = Math.max(0, ...f.map((x) => x.archiveBytes));
  const boards: Record<string, ScenarioFit> = {};
  for (const s of f) boards[s.key] = { slots: s.slots, chunkBytes: s.chunkBytes, heapBytes: s.heapBytes, stackSlots: s.stackSlots, fits: scenarioFits(s, limits) };
  const lap = SCENARIOS.find((x) => x.key === 'laplace');
  if (lap === undefined) throw new Error('no laplace scenario');
  const bound = laplaceBound(lap);
  return {
    idleHeapBytes: heap('idle'),
    laplaceHeapBytes: heap('laplace'),
    conformanceHeapBytes: heap('conformance'),
    stackSlots: Math.max(0, ...f.map((x) => x.stackSlots)),
    archiveBytes,
    // Unknown (null) unless every scenario was measured: a scenario failed or left out may not fit.
    fitsEsp32: f.length < SCENARIOS.length ? null : f.every((s) => scenarioFits(s, limits)) && archiveBytes <= limits.archiveBytes,
    limits,
    boards,
    laplaceBoundBytes: bound.floorBytes,
    laplaceCommitBoundBytes: bound.commitBytes,
    laplaceReserveBytes: laplaceReserveBytes(lap),
    failed: [...failed],
    skipped: SCENARIOS.map((x) => x.key).filter((k) => !f.some((x) => x.key === k) && !failed.some((x) => x.scenario === k)),
  };
}

function versus(value: number, limit: number, unit = ''): string {
  return `${value}/${limit}${unit}${value > limit ? ' OVER' : ''}`;
}

/** `mcdsm bench footprint`: figures per scenario through `log`; the summary is the JSON last line. */
export async function benchFootprint(o: { log: (line: string) => void; runLimitMs?: number; only?: readonly Scenario['key'][] }): Promise<FootprintSummary> {
  const found = findModdableSdk();
  if (!found.ok) throw new HostError(found.reason);
  const limits = footprintLimits(esp32DefaultCreation(found.sdk.moddable));
  const { measured: f, failed } = await measureFootprint((l) => process.stderr.write(`${l}\n`), o.runLimitMs, o.only);
  o.log(
    `footprint on the real Moddable runtime (lin, instrumented; slots at ${CHIP_SLOT_BYTES} B, chunks as lin measures them, an upper bound for a chip). ` +
      `Limits: the SDK's ESP32 default creation, ${limits.slots} slots and ${limits.chunkBytes} B of chunks, each on its own; ` +
      `stack ${limits.stackSlots} slots (our firmware's creation; the SDK default is ${limits.esp32StackSlots}); archive ${limits.archiveBytes} B`,
  );
  for (const s of f) {
    o.log(
      `  ${s.what.padEnd(44)} slots ${versus(s.slots, limits.slots)}, chunks ${versus(s.chunkBytes, limits.chunkBytes, ' B')}, stack ${versus(s.stackSlots, limits.stackSlots)}` +
        ` (heap ${s.heapBytes} B); esp32 archive ${versus(s.archiveBytes, limits.archiveBytes, ' B')}, bundle ${s.bundleBytes} B: ${scenarioFits(s, limits) ? 'fits' : 'does not fit'}`,
    );
  }
  for (const x of failed) o.log(`  ${x.what.padEnd(44)} FAILED: ${x.reason}`);
  const summary = summarize(f, limits, failed);
  if (summary.skipped.length > 0) o.log(`  left out (--scenarios): ${summary.skipped.join(', ')}; fitsEsp32 is null (not every scenario measured)`);
  o.log(
    `  Laplace's floor (examples/laplace/memory.ts: both grids' windows + own image + ward image): ${summary.laplaceBoundBytes} B of chunks, ` +
      `${summary.laplaceCommitBoundBytes} B at a commit (the ward's whole band in flight); + runtime reserved at creation: ${summary.laplaceReserveBytes} B; measured ${summary.boards.laplace?.chunkBytes ?? 'nothing (failed)'}${summary.boards.laplace ? ' B' : ''}`,
  );
  return summary;
}

/** The one line `mcdsm bench footprint` ends with when a scenario failed (null when none did). */
export function footprintFailureText(summary: Pick<FootprintSummary, 'failed' | 'skipped'>): string | null {
  if (summary.failed.length === 0) return null;
  const each = summary.failed.map((x) => `scenario ${x.scenario} (${x.what}): ${x.reason}`).join('; ');
  return `bench footprint: ${summary.failed.length} of ${SCENARIOS.length - summary.skipped.length} scenarios did not finish: ${each}. The other scenarios' figures are above (their fields in the JSON; the failed ones' are null, fitsEsp32 is null)`;
}
