/**
 * Membership: heartbeats and the failure detector, the join handshake (version check,
 * restarted boards), views at epochs, suspicions, and leaving a phase (runs revoked, rounds and
 * streams dropped, images kept).
 */
import type { NetFrame } from '../net/net.js';
import { FtFrame, NO_NODE, Role, decodeHeartbeat, decodeJoin, decodeReason, decodeSuspect, decodeView, encodeHeartbeat, encodeJoin, encodeReason, encodeRecBegin, encodeSuspect, encodeView } from './frames.js';
import { FT_EVENT, emitFtEvent } from './events.js';
import { checkIsolation } from './quorum.js';
import { ascendingNodes, membersOf } from './view.js';
import type { FtState } from './state.js';
import type { PeerInfo } from './detector.js';
import { pump } from './transfer.js';
import { applyCommit, applyAbort, repeatRounds } from './checkpoint.js';
import { becomeStartupCoordinator, checkStartup, beginRecovery, planPayload, startPayload } from './recovery.js';
import { FF_HEARTBEATS_RECEIVED, FF_HEARTBEATS_SENT, FF_HEARTBEATS_SKIPPED, FF_SUSPICIONS } from './figures.js';
import { P_HASH, P_HB_ABORTED, P_HB_AT, P_HB_COMMITTED, P_HB_COORD, P_HB_EPOCH, P_HB_MARK, P_HB_ROLE, P_HB_RUNNING, P_HB_SENT, P_HEARD, P_INCARNATION, P_LAST_HEARD, P_SUSPECTED } from './detector.js';
import { FS_EPOCH, FS_FURTHEST_HEARD, FS_INCARNATION, FS_ISOLATED, FS_JOIN_TARGET, FS_LAST_ABORTED, FS_LAST_COMMITTED, FS_LAST_JOIN_AT, FS_LAST_ROUND_REPEAT, FS_LAST_SUSPECT_REPEAT, FS_LAST_TICK, FS_RELAYED_ABORTED, FS_RELAYED_COMMITTED, FS_RUNNING_TOLD_EPOCH, FS_STARTED, FS_STOP_IS_DOMAIN, FS_TICK_TIMER, FS_VERSION_HASH, FS_VIEW_COORD } from './state-numbers.js';
import { S_ACKED, S_NEXT, S_PROGRESS_AT } from './stream.js';

/** The nodes this board watches: members, spares it has heard, and the boards of a recovery. */
export function watched(ft: FtState): number[] {
  const set = new Set<number>(ft.map);
  for (const p of ft.detector.unordered()) if (p.v[P_HEARD] === 1 && !ft.isRefused(p.node)) set.add(p.node);
  if (ft.part !== null) {
    for (const n of ft.part.participants) set.add(n);
    set.add(ft.part.coord);
  }
  set.delete(ft.node);
  return ascendingNodes(set);
}

/**
 * The heartbeat ring: every board of the domain this one knows, in node order. All boards
 * agree on it: the configured members and spares, and the boards heard (joining boards and
 * spares broadcast their heartbeats, so every board hears them).
 */
export function ringNodes(ft: FtState): number[] {
  const set = new Set<number>(ft.options.initialMap);
  for (const n of ft.options.spares) set.add(n);
  for (const n of ft.map) set.add(n);
  for (const p of ft.detector.unordered()) if (p.v[P_HEARD] === 1 && p.v[P_HASH] === ft.figs[FS_VERSION_HASH] && !ft.isRefused(p.node)) set.add(p.node);
  set.add(ft.node);
  return ascendingNodes(set);
}

/**
 * The boards this one sends its heartbeats to: its two neighbours on the ring and, past a
 * neighbour it suspects, the next one it does not (the ring closes around a dead board).
 * On a ring of boards wired in node order each is one hop away: a board sends two frames a
 * period whatever the number of boards, where a broadcast cost boards - 1.
 */
export function ringTargets(ft: FtState): number[] {
  const ring = ringNodes(ft);
  const n = ring.length;
  const i = ring.indexOf(ft.node);
  const out: number[] = [];
  for (const dir of [1, -1]) {
    for (let k = 1; k < n; k++) {
      const x = ring[(i + dir * k + n * k) % n] as number;
      if (!out.includes(x)) out.push(x);
      if (!ft.detector.isSuspected(x)) break;
    }
  }
  return out;
}

/** The heartbeat timer: send a heartbeat, suspect the silent, repeat protocol steps that wait for an answer, resend stalled streams. */
export function tick(ft: FtState): void {
  if (ft.figs[FS_STARTED] !== 1) return;
  const now = ft.hal.now();
  const o = ft.options;
  if (ft.figs[FS_LAST_TICK]! >= 0 && now - ft.figs[FS_LAST_TICK]! > o.heartbeatMs + o.timeoutMs / 2) {
    // Our own timer ran late: the board was hung or the app did not yield. That silence is ours.
    ft.detector.stalled(now);
  }
  ft.figs[FS_LAST_TICK] = now;
  if (ft.phaseV === 'stopped' && ft.figs[FS_STOP_IS_DOMAIN] === 1) {
    // In place of heartbeats: whoever is still joining (a board that restarted or woke up) learns why.
    ft.trySend(255, FtFrame.STOP, encodeReason(ft.stopReasonV));
  }
  if (ft.phaseV !== 'stopped') {
    const targets = ringTargets(ft);
    ft.detector.monitor(targets, now);
    sendHeartbeats(ft, targets);
    for (const n of ft.detector.expire(now, watched(ft), (n) => ft.net.reachable(n))) onSuspicion(ft, n);
    repairDecisions(ft);
    resend(ft, now);
    checkIsolation(ft, now);
    for (const x of ft.outs) {
      if (!x.s.complete && x.s.ring[S_NEXT]! > x.s.ring[S_ACKED]! && now - x.s.ring[S_PROGRESS_AT]! > o.rtoMs) x.s.goBack(now);
    }
    pump(ft);
  }
  // tick itself with the state as the timer's argument: no closure per heartbeat period.
  ft.figs[FS_TICK_TIMER] = ft.hal.setTimer(o.heartbeatMs, tick, ft);
}

/**
 * A member (or a board in a recovery) sends its heartbeat to its ring neighbours only. A
 * joining board and a spare broadcast it: they are few, and every board must hear them (a
 * spare counts in everyone's quorum; a restarted board is recognised by its new incarnation;
 * a board that was cut off learns the newer epoch). A member's first heartbeat with progress
 * in an epoch also goes to its coordinator, which must know who ran (`seenRunning`).
 */
export function sendHeartbeats(ft: FtState, targets: readonly number[]): void {
  const progress = ft.progressNow();
  const role = ft.role();
  const coord = ft.phaseV === 'running' ? ft.figs[FS_VIEW_COORD]! : ft.part?.coord ?? NO_NODE;
  // Built when a first target needs it: on a busy ring most ticks send none (heartbeatRedundant).
  let frame: Uint8Array | null = null;
  const hb = (): Uint8Array =>
    (frame ??= encodeHeartbeat({
      role,
      coord,
      incarnation: ft.figs[FS_INCARNATION]!,
      hash: ft.figs[FS_VERSION_HASH]!,
      committed: ft.figs[FS_LAST_COMMITTED]!,
      aborted: ft.figs[FS_LAST_ABORTED]!,
      progress,
      furthest: Math.max(progress, ft.figs[FS_FURTHEST_HEARD]!),
    }));
  ft.figs[FF_HEARTBEATS_SENT]!++;
  if (role !== Role.MEMBER && role !== Role.RECOVERING) {
    ft.trySend(255, FtFrame.HEARTBEAT, hb());
    return;
  }
  const now = ft.hal.now();
  for (const x of targets) {
    // A suspected neighbour still hears us while the network reaches it: that is how a board
    // that was cut off or restarted learns of a newer epoch.
    if (ft.detector.isSuspected(x) && !ft.net.reachable(x)) continue;
    // Every target is watched (tick: detector.monitor), so this only finds its record.
    const p = ft.detector.watch(x, now);
    const told = p.v[P_HB_SENT] === 1;
    if (role === Role.MEMBER && told && heartbeatRedundant(ft, x, p, now, coord, progress > 0)) {
      ft.figs[FF_HEARTBEATS_SKIPPED]!++;
      continue;
    }
    if (ft.trySend(x, FtFrame.HEARTBEAT, hb()) !== 'sent') continue;
    if (!told) {
      p.v[P_HB_SENT] = 1;
      p.v[P_HB_MARK] = 0;
    }
    p.v[P_HB_AT] = now;
    p.v[P_HB_EPOCH] = ft.figs[FS_EPOCH]!;
    p.v[P_HB_ROLE] = role;
    p.v[P_HB_COORD] = coord;
    p.v[P_HB_COMMITTED] = ft.figs[FS_LAST_COMMITTED]!;
    p.v[P_HB_ABORTED] = ft.figs[FS_LAST_ABORTED]!;
    p.v[P_HB_RUNNING] = progress > 0 ? 1 : 0;
  }
  // Read after this tick's own heartbeats: a later change is some other frame sent to x.
  for (const p of ft.detector.unordered()) {
    if (p.v[P_HB_SENT] !== 1) continue;
    if (targets.includes(p.node)) p.v[P_HB_MARK] = ft.net.sentMark?.(p.node) ?? 0;
    else p.v[P_HB_SENT] = 0;
  }
  const c = ft.figs[FS_VIEW_COORD]!;
  if (role === Role.MEMBER && ft.phaseV === 'running' && progress > 0 && ft.figs[FS_RUNNING_TOLD_EPOCH] !== ft.figs[FS_EPOCH] && c !== ft.node) {
    if (!targets.includes(c) && ft.trySend(c, FtFrame.HEARTBEAT, hb()) !== 'sent') return;
    ft.figs[FS_RUNNING_TOLD_EPOCH] = ft.figs[FS_EPOCH]!;
  }
}

/**
 * A member's heartbeat to ring neighbour `x` says nothing new when this board has sent x some
 * other frame since its last tick (x counts any frame as a sign of life, §6), what the
 * heartbeat carries besides progress is what x was last told (epoch, role, coordinator, the
 * coordinator's decisions, and whether this board runs), and that was less than
 * `timeoutMs / 2` ago: skipped. x's detection bound is unchanged (silence is counted from any
 * frame); progress reaches x at least every `timeoutMs / 2` (docs/FT.md §6). Laplace sends
 * its halos to both neighbours every iteration: most of its heartbeats go (docs/PERFORMANCE.md
 * "Round 9: 16 boards").
 */
function heartbeatRedundant(ft: FtState, x: number, last: PeerInfo, now: number, coord: number, running: boolean): boolean {
  const mark = ft.net.sentMark?.(x);
  return (
    mark !== undefined && mark !== last.v[P_HB_MARK] && now - last.v[P_HB_AT]! < ft.options.timeoutMs / 2 &&
    last.v[P_HB_EPOCH] === ft.figs[FS_EPOCH] && last.v[P_HB_ROLE] === Role.MEMBER && last.v[P_HB_COORD] === coord &&
    last.v[P_HB_COMMITTED] === ft.figs[FS_LAST_COMMITTED] && last.v[P_HB_ABORTED] === ft.figs[FS_LAST_ABORTED] && (last.v[P_HB_RUNNING] === 1) === running
  );
}

/** Protocol steps that wait for an answer are repeated every half timeout until it comes. */
export function resend(ft: FtState, now: number): void {
  const every = Math.max(ft.options.heartbeatMs, ft.options.timeoutMs / 2);
  if (ft.phaseV === 'joining' && ft.startup === null && now - ft.figs[FS_LAST_JOIN_AT]! >= every) {
    ft.figs[FS_LAST_JOIN_AT] = now;
    const c = ft.figs[FS_JOIN_TARGET]! >= 0 && !ft.detector.isSuspected(ft.figs[FS_JOIN_TARGET]!) ? ft.figs[FS_JOIN_TARGET]! : ft.candidate();
    // Cut off from the majority, this board waits to be answered; it coordinates nothing.
    if (c === ft.node && ft.figs[FS_ISOLATED] === 1) return;
    if (c === ft.node && ft.figs[FS_EPOCH] === 0 && ft.map.includes(ft.node)) becomeStartupCoordinator(ft);
    else ft.sendCtl(c, FtFrame.JOIN, encodeJoin({ incarnation: ft.figs[FS_INCARNATION]!, hash: ft.figs[FS_VERSION_HASH]! }));
  }
  if (ft.startup !== null) checkStartup(ft);
  if (ft.phaseV === 'running' && ft.rec === null && now - ft.figs[FS_LAST_SUSPECT_REPEAT]! >= every) {
    // A report the coordinator did not act on (it still heard the board, or the frame was
    // lost) is made again: only the suspected board's neighbours watch it by its heartbeats.
    ft.figs[FS_LAST_SUSPECT_REPEAT] = now;
    const c = ft.candidate();
    if (c !== ft.node) {
      for (const n of membersOf(ft.map)) {
        if (n === ft.node || !ft.detector.isSuspected(n)) continue;
        ft.sendCtl(c, FtFrame.SUSPECT, encodeSuspect({ node: n, incarnation: Math.max(0, ft.detector.get(n)?.v[P_INCARNATION] ?? 0) }));
      }
    }
  }
  if (ft.phaseV === 'running' && ft.rounds.size > 0 && now - ft.figs[FS_LAST_ROUND_REPEAT]! >= every) {
    ft.figs[FS_LAST_ROUND_REPEAT] = now;
    repeatRounds(ft);
  }
  const r = ft.rec;
  if (r !== null && r.phase !== 'done' && now - r.lastSend >= every) {
    r.lastSend = now;
    if (r.phase === 'collect') {
      const missing = r.participants.filter((n) => !r.states.has(n));
      ft.sendToAll(missing, FtFrame.REC_BEGIN, encodeRecBegin({ coord: ft.node, participants: r.participants }));
    } else if (r.phase === 'transfer' && r.plan !== null && r.plan.ok) {
      const waiting = r.participants.filter((n) => !r.ready.has(n));
      ft.sendToAll(waiting, FtFrame.REC_PLAN, planPayload(ft, r));
    }
  }
}

export function onHeartbeat(ft: FtState, f: NetFrame): void {
  const h = decodeHeartbeat(f.payload);
  if (h === null) return ft.malformed();
  ft.figs[FF_HEARTBEATS_RECEIVED]!++;
  const now = ft.hal.now();
  const x = f.src;
  const reborn = ft.detector.heartbeat(x, f.epoch, h, now);
  if (h.hash !== ft.figs[FS_VERSION_HASH]) {
    refuseIfCoordinating(ft, x, h.hash);
    return;
  }
  const member = membersOf(ft.map).includes(x);
  // A board that stood aside for lack of a quorum takes any heartbeat as the way back.
  if ((!member || ft.figs[FS_ISOLATED] === 1) && ft.detector.isSuspected(x)) ft.detector.clear(x, now);
  if (reborn || coordinatorRestarted(ft, x, f.epoch, h.role)) {
    // It restarted: whatever it held is gone, as if it had crashed (a spare too: see onSuspicion).
    if (ft.detector.suspect(x, now)) onSuspicion(ft, x);
  }
  if (f.epoch > ft.figs[FS_EPOCH]!) {
    onNewerEpoch(ft, f.epoch, h.coord);
    return;
  }
  if (f.epoch === ft.figs[FS_EPOCH] && h.role === Role.MEMBER && h.progress > 0) ft.seenRunning.add(x);
  if (f.epoch === ft.figs[FS_EPOCH] && h.furthest > ft.figs[FS_FURTHEST_HEARD]!) ft.figs[FS_FURTHEST_HEARD] = h.furthest;
  if (ft.phaseV === 'joining' && f.epoch === ft.figs[FS_EPOCH] && h.coord !== NO_NODE && h.coord !== ft.node) ft.figs[FS_JOIN_TARGET] = h.coord;
  if (f.epoch === ft.figs[FS_EPOCH] && ft.phaseV === 'running' && x === ft.figs[FS_VIEW_COORD] && x !== ft.node) {
    // The coordinator's own record of decisions: a lost COMMIT or ABORT is made good here.
    if (h.committed > ft.figs[FS_LAST_COMMITTED]! && ft.hasPending(h.committed)) applyCommit(ft, h.committed);
    if (h.aborted > ft.figs[FS_LAST_ABORTED]! && h.aborted > ft.figs[FS_LAST_COMMITTED]!) applyAbort(ft, h.aborted, 'aborted by the coordinator');
  } else if (f.epoch === ft.figs[FS_EPOCH] && ft.phaseV === 'running' && x !== ft.node && h.role === Role.MEMBER && h.coord === ft.figs[FS_VIEW_COORD]) {
    // The same record passed on by a member of the view (a member's committed and aborted
    // rounds are only ever the coordinator's decisions): kept, and applied at the next tick if
    // the coordinator's own frame has not come by then (repairDecisions), so it repairs a lost
    // decision along the ring without racing the COMMIT on its way.
    if (h.committed > ft.figs[FS_RELAYED_COMMITTED]!) ft.figs[FS_RELAYED_COMMITTED] = h.committed;
    if (h.aborted > ft.figs[FS_RELAYED_ABORTED]!) ft.figs[FS_RELAYED_ABORTED] = h.aborted;
  }
}

/** Decisions heard from members of the view (onHeartbeat) that the coordinator's frames have not brought yet. */
export function repairDecisions(ft: FtState): void {
  if (ft.phaseV !== 'running') return;
  const c = ft.figs[FS_RELAYED_COMMITTED]!;
  const a = ft.figs[FS_RELAYED_ABORTED]!;
  if (c > ft.figs[FS_LAST_COMMITTED]! && ft.hasPending(c)) applyCommit(ft, c);
  if (a > ft.figs[FS_LAST_ABORTED]! && a > ft.figs[FS_LAST_COMMITTED]!) applyAbort(ft, a, 'aborted by the coordinator');
}

/**
 * The coordinator of this board's view says it is joining at this epoch or an older one: it
 * restarted, even when its first incarnation was never heard (it rebooted within the first
 * heartbeat period, so `reborn` cannot tell). A coordinator enters its view before anyone else
 * and leaves it only for a newer epoch, so nothing else makes it join at this epoch again.
 */
function coordinatorRestarted(ft: FtState, x: number, epoch: number, role: number): boolean {
  return ft.phaseV === 'running' && x === ft.figs[FS_VIEW_COORD] && x !== ft.node && role === Role.JOINING && epoch <= ft.figs[FS_EPOCH]!;
}

export function refuseIfCoordinating(ft: FtState, x: number, hash: number): void {
  if (!ft.coordinating() || ft.isRefused(x)) return;
  (ft.refused ??= new Set<number>()).add(x);
  const reason = `app version mismatch: node ${x} runs version ${hash.toString(16)}, the domain runs ${ft.figs[FS_VERSION_HASH]!.toString(16)}`;
  ft.hal.log('error', `ft: refused node ${x}: ${reason}`);
  ft.sendCtl(x, FtFrame.REFUSE, encodeReason(reason));
}

/** Someone is at a newer epoch that this board was not part of: it lost its place. */
export function onNewerEpoch(ft: FtState, epoch: number, coord: number): void {
  if (ft.phaseV === 'stopped') return;
  ft.hal.log('warn', `ft: epoch ${epoch} is newer than ours (${ft.figs[FS_EPOCH]}); rejoining`);
  ft.setEpoch(epoch);
  ft.enterPhase('joining');
  ft.figs[FS_JOIN_TARGET] = coord === NO_NODE ? -1 : coord;
  ft.figs[FS_LAST_JOIN_AT] = -Infinity;
  resend(ft, ft.hal.now());
}

/** A board asks to be admitted (at boot, after a restart, after falling out of a view). */
export function onJoin(ft: FtState, f: NetFrame): void {
  const j = decodeJoin(f.payload);
  if (j === null) return ft.malformed();
  const x = f.src;
  if (j.hash !== ft.figs[FS_VERSION_HASH]) {
    ft.refused?.delete(x);
    refuseIfCoordinating(ft, x, j.hash);
    return;
  }
  const now = ft.hal.now();
  const reborn = ft.detector.incarnation(x, j.incarnation, now);
  // The join checked the version: a spare known only from its JOIN counts as live in a recovery.
  ft.detector.watch(x, now).v[P_HASH] = j.hash;
  if (ft.detector.isSuspected(x) && !membersOf(ft.map).includes(x)) ft.detector.clear(x, now);
  if (ft.startup !== null) {
    ft.startup.add(x);
    checkStartup(ft);
    return;
  }
  const r = ft.rec;
  if (r !== null) {
    if (r.phase === 'collect' && !r.participants.includes(x)) {
      r.participants.push(x);
      r.participants.sort((a, b) => a - b);
      ft.sendToAll(r.participants, FtFrame.REC_BEGIN, encodeRecBegin({ coord: ft.node, participants: r.participants }));
    } else if (r.phase === 'collect') {
      ft.sendCtl(x, FtFrame.REC_BEGIN, encodeRecBegin({ coord: ft.node, participants: r.participants }));
    }
    return;
  }
  if (!ft.isCoordinator()) return;
  if (membersOf(ft.map).includes(x)) {
    if (!reborn && ft.figs[FS_EPOCH] === 0 && f.epoch === 0 && ft.figs[FS_LAST_COMMITTED] === 0 && ft.phaseV === 'running' && !ft.seenRunning.has(x)) {
      // Still the start's view: its JOIN crossed the start's REC_RESUME (a busy coordinator
      // answers late), or that frame was lost. It never ran, so nothing is rolled back: it
      // gets the start again.
      ft.sendCtl(x, FtFrame.REC_RESUME, startPayload(ft));
      return;
    }
    // A member asking to join has lost its run (it restarted, or fell out of the view).
    if (reborn) {
      if (ft.detector.suspect(x, now)) onSuspicion(ft, x);
    } else beginRecovery(ft, `node ${x} rejoined`);
    return;
  }
  // A restarted spare simply joins again: frames it was relaying are resent end to end.
  ft.sendCtl(x, FtFrame.VIEW, encodeView({ coord: ft.node, generation: ft.figs[FS_LAST_COMMITTED]!, map: ft.map }));
}

export function onView(ft: FtState, f: NetFrame): void {
  const v = decodeView(f.payload);
  if (v === null) return ft.malformed();
  if (v.map.length !== ft.map.length) return ft.malformed();
  if (ft.phaseV !== 'joining' || f.epoch < ft.figs[FS_EPOCH]! || v.map.includes(ft.node)) return ft.staleFrame();
  ft.setEpoch(f.epoch);
  ft.enterPhase('running');
  ft.map = v.map;
  ft.figs[FS_VIEW_COORD] = v.coord;
  ft.figs[FS_LAST_COMMITTED] = v.generation;
  ft.figs[FS_LAST_ABORTED] = v.generation;
  // A spare keeps nothing: copies are handed out by recoveries.
  for (const img of ft.images.values()) img.discard();
  ft.images.clear();
  for (const n of membersOf(ft.map)) ft.detector.clear(n, ft.hal.now());
  ft.hal.log('info', `ft: joined epoch ${f.epoch} as a spare`);
}

export function onRefuse(ft: FtState, f: NetFrame): void {
  const reason = decodeReason(f.payload);
  if (reason === null) return ft.malformed();
  ft.stopWith(`refused by node ${f.src}: ${reason}`);
}

export function onStopFrame(ft: FtState, f: NetFrame): void {
  const reason = decodeReason(f.payload);
  if (reason === null) return ft.malformed();
  if (f.epoch < ft.figs[FS_EPOCH]! && ft.phaseV !== 'joining') return ft.staleFrame();
  ft.stopWith(reason, true);
}

export function onSuspectReport(ft: FtState, f: NetFrame): void {
  const s = decodeSuspect(f.payload);
  if (s === null) return ft.malformed();
  if (f.epoch !== ft.figs[FS_EPOCH]) return ft.staleFrame();
  if (!ft.coordinating() && ft.candidate() !== ft.node) return;
  const known = ft.detector.get(s.node);
  // The reporter's route may be what failed: a board this one hears well is not excluded on hearsay.
  if (known !== undefined && known.v[P_HEARD] === 1 && known.v[P_SUSPECTED] !== 1 && ft.hal.now() - known.v[P_LAST_HEARD]! < ft.options.timeoutMs && ft.net.reachable(s.node)) return;
  if (known !== undefined && known.v[P_INCARNATION]! >= 0 && known.v[P_INCARNATION] !== s.incarnation && !membersOf(ft.map).includes(s.node)) return;
  if (ft.detector.suspect(s.node, ft.hal.now())) onSuspicion(ft, s.node);
  else if (ft.candidate() === ft.node && ft.rec === null && membersOf(ft.map).includes(s.node) && ft.phaseV !== 'joining') {
    beginRecovery(ft, `node ${s.node} reported failed`);
  }
}

/** A board fell silent: recover if this board should coordinate, else tell the one that should. */
export function onSuspicion(ft: FtState, x: number): void {
  ft.figs[FF_SUSPICIONS]!++;
  emitFtEvent(ft.hal, { name: FT_EVENT.SUSPECT, node: x });
  ft.hal.log('warn', `ft: node ${x} suspected (silent for ${Math.round(ft.hal.now() - (ft.detector.get(x)?.v[P_LAST_HEARD] ?? 0))} ms)`);
  if (ft.phaseV === 'stopped') return;
  if (ft.startup !== null) {
    if (ft.map.includes(x)) beginRecovery(ft, `node ${x} did not join`);
    return;
  }
  const r = ft.rec;
  if (r !== null) {
    if (r.participants.includes(x)) beginRecovery(ft, `node ${x} failed during recovery`);
    return;
  }
  const p = ft.part;
  if (p !== null && ft.phaseV === 'recovering' && ft.detector.isSuspected(p.coord)) {
    // The recovery's coordinator is gone. Normally the old view's first live member takes
    // over (below); when that board is not in this recovery (it fell out of the view and is
    // joining, or it failed too) nobody would: then the recovery's first live participant
    // starts the next one itself.
    const c = ft.candidate();
    if (c === p.coord || !p.participants.includes(c)) {
      const next = p.participants.find((n) => n !== p.coord && (n === ft.node || !ft.detector.isSuspected(n)));
      if (next === ft.node) beginRecovery(ft, `node ${p.coord}, coordinating the recovery to epoch ${p.epoch}, failed`);
      return;
    }
  }
  if (!watched(ft).includes(x) || ft.phaseV === 'joining') return;
  // A spare holds no rank. It may relay members' frames (ring, line), but the network
  // delivers end to end (docs/PROTOCOL.md §8): what died queued on its links is sent again
  // along the new route. So a spare's failure costs no rollback; it only leaves the spares.
  if (!membersOf(ft.map).includes(x) && ft.rec === null && ft.part === null) {
    ft.hal.log('info', `ft: spare node ${x} is gone; no recovery needed`);
    ft.net.abandon(x);
    return;
  }
  const c = ft.candidate();
  if (c === ft.node) beginRecovery(ft, `node ${x} failed`);
  else ft.sendCtl(c, FtFrame.SUSPECT, encodeSuspect({ node: x, incarnation: Math.max(0, ft.detector.get(x)?.v[P_INCARNATION] ?? 0) }));
}
