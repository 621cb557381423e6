/**
 * The board as its serial console sees it (ConsoleTarget): `status`, `peers`, `stats`, `log`
 * and the `fault` commands, read from and acted on through the runtime's parts.
 */
import type { Hal, LogLevel } from '../hal.js';
import type { CheckedBoardConfig } from '../config.js';
import { NetLayer } from '../net/index.js';
import type { LinkStats } from '../net/index.js';
import { FRAME_VERSION } from '../wire/frame.js';
import type { McapiNode } from '../mcapi/index.js';
import { checkpointStatus } from '../ft/index.js';
import type { FaultTolerance } from '../ft/index.js';
import { LOG_LEVELS } from '../console/index.js';
import type { ConsoleRecord, ConsoleTarget, ConsoleValue, FaultCommand } from '../console/index.js';
import type { AppState } from './app-runner.js';
import { emitEvent, faultEvent } from '../events.js';
import type { FaultDetail } from '../events.js';

/** What the console reads of the board. */
export interface ConsoleBoard {
  readonly node: number;
  readonly hal: Hal;
  readonly config: CheckedBoardConfig;
  readonly net: NetLayer;
  readonly mcapi: McapiNode;
  /** Fault tolerance, when the board hosts it. */
  readonly ft: FaultTolerance | null;
  readonly appState: AppState;
  /** Board time at boot. */
  readonly started: number;
  logLevel: LogLevel;
  members(): number[];
}

function numbers(o: object): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(o)) if (typeof v === 'number') out[k] = v;
  return out;
}

export class BoardConsoleTarget implements ConsoleTarget {
  readonly node: number;

  constructor(private readonly board: ConsoleBoard) {
    this.node = board.node;
  }

  knownNodes(): readonly number[] {
    return this.board.members();
  }

  status(): ConsoleRecord {
    const b = this.board;
    const mem = b.hal.memory();
    const ft = b.ft;
    // Under FT the ranks are the current view's: a spare may hold one, a survivor two.
    const ranks = ft !== null ? ft.hostedRanks() : null;
    const rank: number | string = ranks === null ? b.config.rank : ranks.length === 0 ? -1 : ranks.length === 1 ? ranks[0]! : ranks.join(',');
    const role = ft === null || ranks === null ? (b.config.rank < 0 ? 'spare' : 'member') : ft.phase !== 'running' ? ft.phase : ranks.length === 0 ? 'spare' : 'member';
    const r: Record<string, ConsoleValue> = {
      node: b.node,
      rank,
      role,
      app: b.config.app,
      state: b.appState,
      epoch: ft !== null ? ft.epoch : b.net.epoch,
      uptime_ms: Math.round(b.hal.now() - b.started),
      heap: mem.used,
      heap_limit: mem.limit,
      log: b.logLevel,
    };
    // Only when a neighbour speaks another frame version (its link never comes up): the cause,
    // in words. Set after, not spread in: the Lua build's spread loses the fields' order.
    const problem = linkProblem(b.net.linkStats());
    if (problem !== '') r['link_problem'] = problem;
    return r;
  }

  peers(): readonly ConsoleRecord[] {
    const b = this.board;
    return b
      .members()
      .filter((n) => n !== b.node)
      .map((n) => ({ node: n, reachable: b.net.reachable(n) }));
  }

  stats(): Readonly<Record<string, ConsoleRecord>> {
    const b = this.board;
    const net = numbers(b.net.stats());
    const mcapi = numbers(b.mcapi.stats());
    const ft = b.ft;
    if (ft === null) return { net, mcapi };
    const s = ft.stats();
    return {
      net,
      mcapi,
      ft: {
        ...checkpointStatus(ft),
        coordinator: s.coordinator,
        map: s.rankMap.join(','),
        heartbeatsSent: s.heartbeatsSent,
        heartbeatsReceived: s.heartbeatsReceived,
        suspicions: s.suspicions,
        framesIn: s.framesIn,
        framesOut: s.framesOut,
        malformed: s.malformed,
        stale: s.stale,
        retries: s.retries,
        ...(s.stopReason !== '' ? { stopped: s.stopReason } : {}),
      },
    };
  }

  setLogLevel(level: LogLevel): void {
    if (!LOG_LEVELS.includes(level)) throw new Error(`unknown log level ${level}`);
    this.board.logLevel = level;
  }

  fault(f: FaultCommand): void {
    const hal = this.board.hal;
    // Reported before it acts, so that the simulator (or a log) sees every injected fault.
    switch (f.kind) {
      case 'crash':
        emitEvent(hal, faultEvent({ kind: 'crash' }));
        hal.halt('fault crash');
        return;
      case 'reboot':
        emitEvent(hal, faultEvent({ kind: 'reboot' }));
        hal.reset();
        return;
      case 'hang':
        emitEvent(hal, faultEvent({ kind: 'hang', ms: f.ms }));
        hal.hang(f.ms);
        return;
      case 'net': {
        const s = f.state;
        const none = s.drop === 0 && s.corrupt === 0 && s.delayMs === 0 && s.partitioned.length === 0;
        const detail: FaultDetail =
          f.change === 'heal' ? { kind: 'heal' }
          : f.change === 'drop' ? { kind: 'drop', p: s.drop }
          : f.change === 'corrupt' ? { kind: 'corrupt', p: s.corrupt }
          : f.change === 'delay' ? { kind: 'delay', ms: s.delayMs }
          : { kind: 'partition', nodes: s.partitioned };
        // Reported first, like the others: if the report fails, the shell answers ERR and the
        // fault is not in force (an ERR must mean nothing changed).
        emitEvent(hal, faultEvent(detail));
        this.board.net.setIngressFault(none ? null : { drop: s.drop, corrupt: s.corrupt, delayMs: s.delayMs, blockNodes: s.partitioned });
        return;
      }
    }
  }
}

/** `status`'s `link_problem`: the links whose neighbour speaks another frame version ('': none). */
function linkProblem(links: readonly LinkStats[]): string {
  const said: string[] = [];
  for (const l of links) {
    if (l.peerVersion !== 0 && !l.up) said.push(NetLayer.versionText(l.index, l.peerVersion, FRAME_VERSION));
  }
  return said.join('; ');
}
