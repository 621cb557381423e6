/**
 * What became of every fault (docs/SIMULATOR.md, "A fault that does not happen is a failure"):
 * the record of each scenario step as it comes due, the board's answer on its console (OK /
 * ERR, in input order) and its `fault` event, the effect the host saw (crash, reboot, hang,
 * halt), faults someone typed, and at the end the steps that never came due.
 */
import { ERR_PREFIX, OK_LINE, isFinalLine } from '../../src/console/answer.js';
import type { ScenarioStep } from './scenario.js';
import type { FaultRecord } from './sim-types.js';
import type { Slot } from './slot.js';
import { round3 } from './interpret.js';

export function triggerText(step: ScenarioStep): string {
  if (step.atMs !== undefined) return `${step.atMs}ms`;
  const e = step.onEvent;
  return e === undefined ? '?' : e.value === undefined ? e.name : `${e.name}=${e.value}`;
}

export class FaultSteps {
  readonly faults: FaultRecord[] = [];
  /** Scenario steps that came due (time or trigger): their records are in `faults`. */
  private readonly fired = new Set<ScenarioStep>();
  private settled = false;

  /**
   * A scenario step came due at `now`: its record, to follow what becomes of it (null if it
   * came due before). A step whose board is down is recorded as such; else the caller sends
   * its command to the board.
   */
  due(step: ScenarioStep, slot: Slot | undefined, now: number): FaultRecord | null {
    if (this.fired.has(step)) return null;
    this.fired.add(step);
    const record: FaultRecord = {
      atMs: now, board: step.board, command: step.command, source: 'scenario', status: 'unfired', trigger: triggerText(step), origin: step.origin,
    };
    this.faults.push(record);
    // `up`, not `board`: a real board (Moddable process, attached device) has no simulated
    // board object, and a step to it came out "down" though it was running (session 17).
    if (!slot || !slot.up) {
      record.reason = `board ${step.board} was down${slot?.haltReason ? ` (${slot.haltReason})` : ''} when the step came due`;
      return null;
    }
    slot.answers.push(record);
    if (/^fault\s/.test(step.command)) slot.awaitingFault.push(record);
    return record;
  }

  /**
   * The board applied a fault command (from any console line): `detail` as its `fault` event
   * says. It is the scenario's when the oldest unanswered scenario step to this board is a fault
   * of that kind; else someone typed it. Returns the command, for the trace.
   */
  applied(slot: Slot, kind: string, detail: string, t: number): string {
    const command = `fault ${detail}`;
    const i = slot.awaitingFault.findIndex((r) => r.command.split(/\s+/)[1] === kind);
    const step = i >= 0 ? slot.awaitingFault.splice(i, 1)[0] : undefined;
    // The host sees a simulated board's crash, reboot or hang as the action that follows; a
    // real board hangs by itself (nothing follows) and its crash arrives as a HALT line.
    const follows = slot.real !== null ? /^(crash|reboot)/ : /^(crash|reboot|hang)/;
    const effectText = slot.real !== null && detail.startsWith('hang ') ? `${detail} ms (on the board)` : detail;
    const effect = follows.test(detail) ? {} : { effect: effectText };
    if (step) Object.assign(step, { atMs: t, status: 'applied' as const, ...effect });
    else this.faults.push({ atMs: t, board: slot.node, command, source: 'console', status: 'applied', ...effect });
    return command;
  }

  /** Note what a fault the board reported did (the board reports the command, the host sees the effect). */
  effect(node: number, effect: string): void {
    for (let i = this.faults.length - 1; i >= 0; i--) {
      const f = this.faults[i]!;
      if (f.board === node && f.effect === undefined) {
        f.effect = effect;
        return;
      }
    }
  }

  /** Answers on a board's console settle the scenario steps sent to it, in input order. */
  readAnswers(slot: Slot, text: string, now: number): void {
    const parts = (slot.outPartial + text).split('\n');
    slot.outPartial = parts.pop()!;
    for (const raw of parts) {
      const line = raw.replace(/\r$/, '');
      if (!isFinalLine(line)) continue;
      const r = slot.answers.shift();
      if (r === undefined || r === null || r.status !== 'unfired') continue;
      if (line === OK_LINE) {
        r.status = 'applied';
        r.atMs = now;
      } else {
        r.status = 'refused';
        r.atMs = now;
        r.reason = line.slice(ERR_PREFIX.length).trim() || 'refused';
      }
    }
  }

  /** At the end (once): steps that never came due, or were never answered, did not fire. */
  settle(scenario: readonly ScenarioStep[], slots: readonly Slot[], now: number): void {
    if (this.settled) return;
    this.settled = true;
    for (const r of this.faults) {
      if (r.source === 'scenario' && r.status === 'unfired' && r.reason === undefined) {
        r.reason = `board ${r.board} did not answer before the run ended`;
      }
    }
    for (const step of scenario) {
      if (this.fired.has(step)) continue;
      const slot = slots[step.board];
      const reason = step.atMs !== undefined
        ? `the run ended at ${round3(now)} ms, before ${step.atMs} ms`
        : `trigger ${triggerText(step)} never fired${slot?.lastEvent ? ` (board ${step.board} last reported ${slot.lastEvent.name}=${slot.lastEvent.value})` : ''}`;
      this.faults.push({ atMs: null, board: step.board, command: step.command, source: 'scenario', status: 'unfired', trigger: triggerText(step), origin: step.origin, reason });
    }
  }

  /** The first scenario step that did not happen, as the run's failure reason, or null. */
  failure(allowUnfired: boolean): string | null {
    if (allowUnfired) return null;
    const bad = this.faults.filter((f) => f.source === 'scenario' && f.status !== 'applied');
    if (bad.length === 0) return null;
    const f = bad[0]!;
    const more = bad.length > 1 ? ` (and ${bad.length - 1} more step(s) that did not happen)` : '';
    return `${f.origin ?? 'scenario step'} (board ${f.board}: ${f.command}) ${f.status === 'refused' ? 'was refused' : 'did not fire'}: ${f.reason ?? ''}${more}; use --allow-unfired-faults for exploratory runs`;
  }

  /** Every record, in time order (steps that never fired last). */
  sorted(): FaultRecord[] {
    return [...this.faults].sort((a, b) => (a.atMs ?? Infinity) - (b.atMs ?? Infinity));
  }
}
