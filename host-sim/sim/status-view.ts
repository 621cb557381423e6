/**
 * The live view: one row per board (role, state, frames and bytes in/out, heap, last app
 * event), redrawn in place on a terminal, and the summary table printed at the end.
 */
import type { BoardSummary, LinkSummary, SimSummary } from './simulator.js';
import { measuresHeap } from './engines.js';
import { UNHANDLED_REJECTION } from '../../hal/driven/events.js';

export function boardTable(boards: BoardSummary[], virtualMs: number): string {
  // The CPU column only appears when the CPU model (--cpu) charged some board for computing.
  const cpu = boards.some((b) => b.cpuMs > 0);
  const rows = [
    `virtual ${fmtMs(virtualMs)}`,
    `board  role     engine state     frames in/out      bytes in/out        heap     ${cpu ? 'cpu      ' : ''}last event`,
  ];
  for (const b of boards) {
    const role = b.rank >= 0 ? `rank ${b.rank}` : 'spare';
    const ev = b.lastEvent ? `${b.lastEvent.name}=${b.lastEvent.value}` : '';
    rows.push(
      [
        String(b.node).padEnd(6),
        role.padEnd(8),
        b.engine.padEnd(6),
        b.state.padEnd(9),
        `${b.framesIn}/${b.framesOut}`.padEnd(18),
        `${fmtBytes(b.bytesIn)}/${fmtBytes(b.bytesOut)}`.padEnd(19),
        // 0 B would read as an empty heap: an engine whose heap the simulator cannot see shows '-'.
        (measuresHeap(b.engine) ? fmtBytes(b.heapBytes) : '-').padEnd(8),
        ...(cpu ? [fmtMs(b.cpuMs).padEnd(8)] : []),
        ev,
      ].join(' '),
    );
  }
  return rows.join('\n');
}

export function linkTable(links: LinkSummary[]): string {
  const rows = ['link      kind          frames     bytes        lost  corrupt  predicted wire time'];
  for (const l of links) {
    rows.push(
      [
        `${l.a}-${l.b}`.padEnd(9),
        l.kind.padEnd(13),
        String(l.frames).padEnd(10),
        fmtBytes(l.bytes).padEnd(12),
        String(l.lost).padEnd(5),
        String(l.corrupted).padEnd(8),
        fmtMs(l.predictedMs),
      ].join(' '),
    );
  }
  return rows.join('\n');
}

export function summaryText(s: SimSummary): string {
  const lines = [
    '',
    boardTable(s.boards, s.virtualMs),
    '',
    linkTable(s.links),
    '',
    ...(s.linkProblems.length ? ['link problems:', ...s.linkProblems.map((p) => `  ${p}`)] : []),
    `faults: ${s.faults.length ? '' : 'none'}`,
    ...s.faults.map((f) => `  ${f.atMs === null ? '-' : fmtMs(f.atMs)} board ${f.board}: ${f.command}${f.trigger ? ` @${f.trigger}` : ''}: ${f.status}${f.effect ? ` -> ${f.effect}` : ''}${f.status !== 'applied' && f.reason ? ` (${f.reason})` : ''}`),
    ...s.recoveries.map((r) => `recovery to epoch ${r.epoch}: board(s) ${r.failed.join(',')} failed, rank(s) ${r.ranks.join(',')} now on ${r.replacements.join(',')}${r.shrink ? ' (shrink)' : ''}; detect ${fmtMs(r.detectMs)}, restore ${fmtMs(r.restoreMs)}, total ${fmtMs(r.totalMs)}; rolled back to checkpoint ${r.generation}, ${r.lostIterations} iterations redone, ${r.bytes} bytes copied`),
    ...(s.checkpoints.count ? [`checkpoints: ${s.checkpoints.count} committed, ${s.checkpoints.bytesSent} bytes sent for ${s.checkpoints.changedBytes} changed (full images: ${s.checkpoints.fullImageBytes}), memory multiple ${s.checkpoints.memoryMultiple}`] : []),
    ...(s.rpc.calls ? [`remote calls: ${s.rpc.calls} (${s.rpc.failed} failed), ${s.rpc.retries} retries (start ${s.rpc.byStage.start}, args ${s.rpc.byStage.args}, compute ${s.rpc.byStage.compute}, result ${s.rpc.byStage.result}), ${s.rpc.resumed} resumed at a buddy, ${fmtMs(s.rpc.lostMs)} lost, ${fmtBytes(s.rpc.resentBytes)} resent, ${s.rpc.duplicated} duplicated`] : []),
    `wire: ${s.wire.frames} frames, ${fmtBytes(s.wire.bytes)}   virtual ${fmtMs(s.virtualMs)}   wall ${fmtMs(s.wallMs)}   seed ${s.seed}`,
    ...(s.clock === 'wall' ? [`clock: paced to the wall clock — real board(s) ${s.realBoards.join(', ')} run in real time, so timings and the trace digest vary from run to run`] : []),
    `trace digest: ${s.traceDigest}`,
    // `null` is a result an app may give; a rank 0 that gave none says so (it printed `null`).
    `result (rank 0): ${0 in s.app.results ? JSON.stringify(s.app.result) : 'none'}`,
    ...givenResults(s),
    ...haltedBoards(s),
    s.ok ? 'run completed' : `run did not complete: ${s.reason}`,
  ];
  return lines.join('\n');
}

/** A failed run's results that were given (the other ranks'), one line: they stand. */
function givenResults(s: SimSummary): string[] {
  if (s.ok) return [];
  const given = Object.entries(s.app.results).filter(([rank]) => rank !== '0');
  return given.length === 0 ? [] : [`results given: ${given.map(([rank, v]) => `rank ${rank}: ${JSON.stringify(v)}`).join(', ')}`];
}

/**
 * A failed run's boards that the app's own error halted (a rejection nobody handled:
 * hal/driven/board-host.ts), one line each, unless the reason already names it: with spares
 * such a board was replaced, and the run ended later for another reason (`no quorum ...`)
 * that did not say why.
 */
function haltedBoards(s: SimSummary): string[] {
  if (s.ok) return [];
  const halted = s.boards.filter((b) => b.haltReason?.startsWith(UNHANDLED_REJECTION) === true && !s.reason.includes(b.haltReason));
  return halted.map((b) => `halted: board ${b.node} (${b.engine}): ${b.haltReason!}`);
}

/** Redraws a block of text in place on a terminal. */
export class LiveBlock {
  private lines = 0;
  constructor(private readonly out: NodeJS.WriteStream) {}
  draw(text: string): void {
    if (this.lines) this.out.write(`\x1b[${this.lines}F\x1b[J`);
    this.out.write(text + '\n');
    this.lines = text.split('\n').length;
  }
  clear(): void {
    if (this.lines) this.out.write(`\x1b[${this.lines}F\x1b[J`);
    this.lines = 0;
  }
}

export function fmtBytes(n: number): string {
  if (n < 10_000) return `${n}B`;
  if (n < 10_000_000) return `${(n / 1024).toFixed(1)}K`;
  return `${(n / 1048576).toFixed(1)}M`;
}

export function fmtMs(ms: number): string {
  return ms < 10_000 ? `${ms.toFixed(ms < 10 ? 2 : 0)}ms` : `${(ms / 1000).toFixed(2)}s`;
}
