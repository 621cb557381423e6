/**
 * Scenarios: timed console commands. A scenario file has one step a line:
 *
 *     # comments and blank lines are ignored
 *     at 1200ms board 2: fault crash
 *     at 2s board 0: fault partition 1,2
 *     on iter=30 board 1: fault reboot
 *     on ckpt-commit board 2: fault crash
 *
 * `--fault "<kind>:<board>@<trigger>[:<arg>]"` compiles to the same steps: `crash:2@1200ms`,
 * `reboot:1@iter=30`, `hang:3@800ms:250ms` (hang for 250 ms), `drop:0@1s:0.2`,
 * `partition:1@2s:2,3`. A trigger is a virtual time (`1200ms`, `1.5s`) or a named runtime
 * event, optionally with a value (`iter=30`, `ckpt-commit`, `ckpt-send`, `recovery-transfer`),
 * matched the first time the target board reports it. Every step reaches the board as a
 * console line, so the serial path is exercised by every scenario.
 */
import { readFileSync } from 'node:fs';
import { parseDurationMs, SpecError } from './link-model.js';

export interface ScenarioStep {
  board: number;
  command: string;
  atMs?: number;
  onEvent?: { name: string; value?: number };
  onAnyBoard?: boolean;
  /** Where the step came from, for error messages. */
  origin: string;
}

const FAULT_KINDS: Record<string, { arg: 'none' | 'duration' | 'probability' | 'boards'; command: (arg: string) => string }> = {
  crash: { arg: 'none', command: () => 'fault crash' },
  reboot: { arg: 'none', command: () => 'fault reboot' },
  hang: { arg: 'duration', command: (a) => `fault hang ${Math.round(parseDurationMs(a, 'hang duration'))}` },
  delay: { arg: 'duration', command: (a) => `fault delay ${Math.round(parseDurationMs(a, 'delay'))}` },
  drop: { arg: 'probability', command: (a) => `fault drop ${a}` },
  corrupt: { arg: 'probability', command: (a) => `fault corrupt ${a}` },
  partition: { arg: 'boards', command: (a) => `fault partition ${a}` },
  heal: { arg: 'none', command: () => 'fault heal' },
};

export function parseTrigger(text: string, origin: string): Pick<ScenarioStep, 'atMs' | 'onEvent'> {
  if (/^\d/.test(text)) return { atMs: parseDurationMs(text, `${origin}: trigger`) };
  const m = /^([a-z][a-z0-9-]*)(?:=(\d+))?$/.exec(text);
  if (!m) throw new SpecError(`${origin}: trigger "${text}" must be a time (1200ms, 1.5s) or an event (iter=30, ckpt-commit)`);
  return { onEvent: m[2] === undefined ? { name: m[1]! } : { name: m[1]!, value: Number(m[2]) } };
}

export function parseFaultFlag(spec: string): ScenarioStep {
  const origin = `--fault "${spec}"`;
  const m = /^([a-z]+):(\d+)@([^:]+)(?::(.+))?$/.exec(spec.trim());
  if (!m) throw new SpecError(`${origin}: expected <kind>:<board>@<trigger>[:<arg>], e.g. crash:2@1200ms or hang:3@800ms:250ms`);
  const [, kind, board, trigger, arg] = m;
  const k = FAULT_KINDS[kind!];
  if (!k) throw new SpecError(`${origin}: unknown fault kind "${kind}" (${Object.keys(FAULT_KINDS).join(', ')})`);
  if (k.arg === 'none' && arg !== undefined) throw new SpecError(`${origin}: ${kind} takes no argument`);
  if (k.arg !== 'none' && arg === undefined) throw new SpecError(`${origin}: ${kind} needs a ${k.arg} argument after a second ":"`);
  if (k.arg === 'probability' && !(Number(arg) >= 0 && Number(arg) <= 1)) throw new SpecError(`${origin}: "${arg}" must be a probability from 0 to 1`);
  if (k.arg === 'boards' && !/^\d+(,\d+)*$/.test(arg!)) throw new SpecError(`${origin}: "${arg}" must be a comma-separated list of boards`);
  return { board: Number(board), command: k.command(arg ?? ''), ...parseTrigger(trigger!, origin), origin };
}

export function parseScenario(text: string, file: string): ScenarioStep[] {
  const steps: ScenarioStep[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return;
    const origin = `${file}:${i + 1}`;
    const m = /^(at|on)\s+(\S+)\s+board\s+(\d+)\s*:\s*(.+)$/.exec(line);
    if (!m) throw new SpecError(`${origin}: expected "at <time> board <n>: <command>" or "on <event> board <n>: <command>"`);
    const [, how, trigger, board, command] = m;
    const t = parseTrigger(trigger!, origin);
    if (how === 'at' && t.atMs === undefined) throw new SpecError(`${origin}: "at" needs a time, not "${trigger}" (use "on" for events)`);
    if (how === 'on' && t.onEvent === undefined) throw new SpecError(`${origin}: "on" needs an event, not a time (use "at")`);
    steps.push({ board: Number(board), command: command!.trim(), ...t, origin });
  });
  return steps;
}

export function loadScenario(path: string): ScenarioStep[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new SpecError(`scenario ${path}: ${(e as Error).message}`);
  }
  return parseScenario(text, path);
}

/** Every step must name a board that exists. */
export function checkScenarioBoards(steps: ScenarioStep[], total: number): void {
  for (const s of steps) {
    if (s.board >= total) throw new SpecError(`${s.origin}: board ${s.board} does not exist (boards are 0..${total - 1})`);
  }
}
