/**
 * Start and recovery: the coordinator gathers the survivors' state (REC_BEGIN/REC_STATE),
 * decides (plan.ts), has the copies made (REC_PLAN, REPLICA streams, REC_READY) and restarts
 * everyone (REC_RESUME); every participant's side of each step; the start of a run is the same
 * resume at epoch 0.
 */
import type { NetFrame } from '../net/net.js';
import { FtFrame, ImageKind, Role, decodeRecBegin, decodeRecPlan, decodeRecReady, decodeRecResume, decodeRecState, encodeReason, encodeRecBegin, encodeRecPlan, encodeRecReady, encodeRecResume, encodeRecState } from './frames.js';
import type { HeldImage, RecPlan, RecResume, RecState } from './frames.js';
import { FT_EVENT, emitFtEvent } from './events.js';
import { planRecovery } from './plan.js';
import { FtRun } from './run.js';
import { sourceOfImage } from './stream.js';
import type { FtRecoveryFigures } from './types.js';
import { hasQuorum, standAside } from './quorum.js';
import { membersOf, ranksOf, wardsOf } from './view.js';
import { runEffect } from './state.js';
import type { FtState, RecCoord, RecPart } from './state.js';
import { startStream } from './transfer.js';
import { assert } from '../util/assert.js';
import { FF_GENERATION, FF_PROGRESS, FF_RECOVERY_COUNT } from './figures.js';
import { FS_COMMITTED_PROGRESS, FS_EPOCH, FS_INCARNATION, FS_LAST_ABORTED, FS_LAST_COMMITTED, FS_MAX_EPOCH_SEEN, FS_RECOVERY_PROGRESS, FS_RECOVERY_STARTED_AT, FS_VERSION_HASH, FS_VIEW_COORD } from './state-numbers.js';
import { P_VIEW_INCARNATION, P_HASH, P_HEARD, P_INCARNATION, P_LAST_HEARD, P_ROLE, P_SUSPECTED, P_SUSPECTED_AT } from './detector.js';

/** Recoveries whose figures a board keeps (stats, `ckpt status`); older ones are counted only. */
export const RECOVERIES_KEPT = 4;

/** At boot, the lowest member gathers the JOINs of the others. */
export function becomeStartupCoordinator(ft: FtState): void {
  if (ft.startup !== null) return;
  ft.startup = new Set([ft.node]);
  ft.hal.log('info', `ft: coordinating the start of ${ft.map.length} ranks`);
  checkStartup(ft);
}

/** The REC_RESUME that starts the run (generation 0, the initial map). */
export function startPayload(ft: FtState): Uint8Array {
  const incarnations = ft.map.map((n) => (n === ft.node ? ft.figs[FS_INCARNATION]! : Math.max(0, ft.detector.get(n)?.v[P_INCARNATION] ?? 0)));
  return encodeRecResume({ coord: ft.node, generation: 0, map: ft.map, failed: [], detectMs: 0, restoreMs: 0, lost: 0, bytes: 0, shrink: false, incarnations });
}

/** Start the run once every member has joined; a member that never does is handled as failed. */
export function checkStartup(ft: FtState): void {
  const s = ft.startup;
  if (s === null) return;
  const members = membersOf(ft.map);
  const missing = members.filter((n) => !s.has(n));
  if (missing.some((n) => ft.detector.isSuspected(n))) {
    beginRecovery(ft, `node ${missing.filter((n) => ft.detector.isSuspected(n)).join(', ')} did not join`);
    return;
  }
  if (missing.length > 0) return;
  const to = [...s].sort((a, b) => a - b);
  const payload = startPayload(ft);
  ft.startup = null;
  ft.sendToAll(to.filter((n) => n !== ft.node), FtFrame.REC_RESUME, payload);
  resume(ft, ownResume(payload));
}

/** The coordinator resumes from the REC_RESUME it sent (the same bytes every participant reads). */
function ownResume(payload: Uint8Array): RecResume {
  const v = decodeRecResume(payload);
  assert(v !== null, 'ft: the coordinator cannot read its own REC_RESUME');
  return v;
}

/** Coordinate a recovery (again, if one was under way): a new epoch, every live board asked for its state. */
export function beginRecovery(ft: FtState, why: string): void {
  if (ft.phaseV === 'stopped') return;
  const now = ft.hal.now();
  const epoch = Math.max(ft.figs[FS_EPOCH]!, ft.figs[FS_MAX_EPOCH_SEEN]!) + 1;
  if (epoch > 0xffff) {
    ft.stopWith('membership epoch exhausted');
    return;
  }
  const live = new Set<number>([ft.node]);
  const old = ft.rec?.participants ?? [];
  for (const n of [...membersOf(ft.map), ...old]) if (!ft.detector.isSuspected(n)) live.add(n);
  for (const p of ft.detector.all()) {
    if (p.v[P_HEARD] === 1 && p.v[P_SUSPECTED] !== 1 && p.v[P_HASH] === ft.figs[FS_VERSION_HASH] && p.v[P_ROLE] !== Role.STOPPED && !ft.isRefused(p.node)) live.add(p.node);
  }
  if (ft.startup !== null) for (const n of ft.startup) if (!ft.detector.isSuspected(n)) live.add(n);
  // Spares from the configuration, heard or not yet (a member may fail before their first
  // heartbeat): those the network can reach and nothing says are down.
  for (const n of ft.options.spares) {
    const p = ft.detector.get(n);
    if (p !== undefined && (p.v[P_SUSPECTED] === 1 || (p.v[P_HEARD] === 1 && (p.v[P_HASH] !== ft.figs[FS_VERSION_HASH] || p.v[P_ROLE] === Role.STOPPED)))) continue;
    if (!ft.isRefused(n) && ft.net.reachable(n)) live.add(n);
  }
  if (!hasQuorum(ft, live)) {
    standAside(ft, live.size);
    return;
  }
  const participants = [...live].sort((a, b) => a - b);
  if (ft.figs[FS_RECOVERY_STARTED_AT]! < 0) ft.figs[FS_RECOVERY_STARTED_AT] = now;
  ft.figs[FS_RECOVERY_PROGRESS] = Math.max(ft.figs[FS_RECOVERY_PROGRESS]!, ft.progressNow());
  ft.hal.log('warn', `ft: recovery to epoch ${epoch} (${why}); participants ${participants.join(', ')}`);
  enterRecovery(ft, epoch, ft.node, participants);
  const r: RecCoord = {
    epoch, phase: 'collect', participants, states: new Map(), ready: new Set(), plan: null, bytes: 0, lastSend: now,
    timer: ft.hal.setTimer(ft.options.recoveryTimeoutMs, () => recoveryTimeout(ft, r)),
  };
  ft.rec = r;
  ft.sendToAll(participants.filter((n) => n !== ft.node), FtFrame.REC_BEGIN, encodeRecBegin({ coord: ft.node, participants }));
  takeState(ft, ft.node, stateReport(ft, ft.node));
}

export function recoveryTimeout(ft: FtState, r: RecCoord): void {
  if (ft.rec !== r || r.phase === 'done') return;
  const silent = r.phase === 'collect' ? r.participants.filter((n) => !r.states.has(n)) : r.participants.filter((n) => !r.ready.has(n));
  const now = ft.hal.now();
  for (const n of silent) if (n !== ft.node) ft.detector.suspect(n, now);
  beginRecovery(ft, `nodes ${silent.join(', ')} did not answer within ${ft.options.recoveryTimeoutMs} ms`);
}

export function onRecState(ft: FtState, f: NetFrame): void {
  const s = decodeRecState(f.payload);
  if (s === null) return ft.malformed();
  const r = ft.rec;
  if (r === null || f.epoch !== r.epoch || s.coord !== ft.node) return ft.staleFrame();
  takeState(ft, f.src, s);
}

export function takeState(ft: FtState, node: number, s: RecState): void {
  const r = ft.rec;
  if (r === null || r.phase !== 'collect' || !r.participants.includes(node)) return;
  r.states.set(node, s);
  if (r.participants.every((n) => r.states.has(n))) decidePlan(ft, r);
}

export function decidePlan(ft: FtState, r: RecCoord): void {
  const reports = r.participants.map((n) => {
    const s = r.states.get(n);
    assert(s !== undefined, 'ft: a plan decided before every participant reported');
    return { node: n, committed: s.committed, progress: s.progress, images: s.images };
  });
  const reborn: number[] = [];
  for (const n of membersOf(ft.map)) {
    const s = r.states.get(n);
    const was = ft.detector.get(n)?.v[P_VIEW_INCARNATION] ?? -1;
    if (s !== undefined && was >= 0 && s.incarnation !== was) reborn.push(n);
  }
  const plan = planRecovery({
    map: ft.map, reports, reborn, buddies: ft.options.buddies, shrink: ft.options.shrink,
    unreachableSpares: ft.options.spares.filter((n) => !r.participants.includes(n) && !ft.net.reachable(n)),
  });
  r.plan = plan;
  if (!plan.ok) {
    r.phase = 'done';
    ft.hal.clearTimer(r.timer);
    ft.sendToAll(r.participants.filter((n) => n !== ft.node), FtFrame.STOP, encodeReason(plan.reason));
    ft.stopWith(plan.reason, true);
    return;
  }
  r.phase = 'transfer';
  r.lastSend = ft.hal.now();
  ft.hal.log('info', `ft: recovery plan: generation ${plan.generation}, map ${plan.map.join(',')}, ${plan.transfers.length} copies`);
  const payload = planPayload(ft, r);
  ft.sendToAll(r.participants.filter((n) => n !== ft.node), FtFrame.REC_PLAN, payload);
  const own = decodeRecPlan(payload);
  // The coordinator takes its own plan as the others do: what it sent must read back.
  assert(own !== null, 'ft: the coordinator cannot read its own REC_PLAN');
  takePlan(ft, ft.node, own);
}

export function planPayload(ft: FtState, r: RecCoord): Uint8Array {
  const p = r.plan;
  if (p === null || !p.ok) return new Uint8Array(0);
  return encodeRecPlan({ coord: ft.node, generation: p.generation, map: p.map, transfers: p.transfers });
}

export function onRecReady(ft: FtState, f: NetFrame): void {
  const m = decodeRecReady(f.payload);
  if (m === null) return ft.malformed();
  const r = ft.rec;
  if (r === null || f.epoch !== r.epoch || m.coord !== ft.node) return ft.staleFrame();
  takeReady(ft, f.src, m.bytes);
}

export function takeReady(ft: FtState, node: number, bytes: number): void {
  const r = ft.rec;
  if (r === null || r.phase !== 'transfer' || r.ready.has(node) || !r.participants.includes(node)) return;
  r.ready.add(node);
  r.bytes += bytes;
  if (!r.participants.every((n) => r.ready.has(n))) return;
  const plan = r.plan;
  if (plan === null || !plan.ok) return;
  r.phase = 'done';
  ft.hal.clearTimer(r.timer);
  const now = ft.hal.now();
  let detect = 0;
  for (const n of plan.failed) {
    const p = ft.detector.get(n);
    if (p !== undefined && p.v[P_SUSPECTED] === 1) detect = Math.max(detect, p.v[P_SUSPECTED_AT]! - p.v[P_LAST_HEARD]!);
  }
  const started = ft.figs[FS_RECOVERY_STARTED_AT]! >= 0 ? ft.figs[FS_RECOVERY_STARTED_AT]! : now;
  const payload = encodeRecResume({
    coord: ft.node, generation: plan.generation, map: plan.map, failed: plan.failed,
    detectMs: detect, restoreMs: now - started, lost: plan.lostIterations, bytes: r.bytes, shrink: plan.shrink,
    incarnations: plan.map.map((n) => r.states.get(n)?.incarnation ?? 0),
  });
  ft.sendToAll(r.participants.filter((n) => n !== ft.node), FtFrame.REC_RESUME, payload);
  resume(ft, ownResume(payload));
}

/** Take part in the recovery towards `epoch`: leave the current phase, keep the images. */
export function enterRecovery(ft: FtState, epoch: number, coord: number, participants: number[]): void {
  ft.setEpoch(epoch);
  ft.enterPhase('recovering');
  ft.part = { epoch, coord, participants, plan: null, expecting: new Map(), sending: 0, bytesIn: 0, ready: false };
}

/** What this board holds: its committed generation and every complete image (committed or tentative). */
export function stateReport(ft: FtState, coord: number): RecState {
  const images: HeldImage[] = [];
  for (const img of ft.images.values()) {
    if (img.gen > 0) images.push({ rank: img.rank, gen: img.gen, kind: ImageKind.COMMITTED, progress: img.progress });
    const p = img.pending;
    if (p !== null && p.complete && !p.replica) images.push({ rank: img.rank, gen: p.round, kind: ImageKind.PENDING, progress: p.progress });
  }
  return {
    coord, incarnation: ft.figs[FS_INCARNATION]!, hash: ft.figs[FS_VERSION_HASH]!, role: ft.map.includes(ft.node) ? Role.MEMBER : Role.SPARE,
    committed: ft.figs[FS_LAST_COMMITTED]!, progress: Math.max(ft.progressNow(), ft.figs[FS_RECOVERY_PROGRESS]!), images,
  };
}

export function onRecBegin(ft: FtState, f: NetFrame): void {
  const b = decodeRecBegin(f.payload);
  if (b === null) return ft.malformed();
  if (b.coord !== f.src || !b.participants.includes(ft.node)) return ft.staleFrame();
  const p = ft.part;
  const same = p !== null && p.epoch === f.epoch && p.coord === b.coord;
  const newer =
    f.epoch > ft.figs[FS_EPOCH]! ||
    (f.epoch === ft.figs[FS_EPOCH] && ft.phaseV === 'joining') ||
    (f.epoch === ft.figs[FS_EPOCH] && p !== null && b.coord < p.coord);
  if (!same && !newer) return ft.staleFrame();
  if (!same) {
    // Progress is measured before the runs are revoked: it is what the rollback loses.
    const progress = ft.progressNow();
    enterRecovery(ft, f.epoch, b.coord, b.participants);
    ft.figs[FS_RECOVERY_PROGRESS] = Math.max(ft.figs[FS_RECOVERY_PROGRESS]!, progress);
  }
  const report = stateReport(ft, b.coord);
  ft.sendCtl(b.coord, FtFrame.REC_STATE, encodeRecState(report));
}

export function onRecPlan(ft: FtState, f: NetFrame): void {
  const plan = decodeRecPlan(f.payload);
  if (plan === null) return ft.malformed();
  const p = ft.part;
  if (p === null || f.epoch !== p.epoch || plan.coord !== p.coord || f.src !== p.coord) return ft.staleFrame();
  takePlan(ft, f.src, plan);
}

/** Carry out the plan's part for this board: settle tentative data at the chosen generation, send and expect copies. */
export function takePlan(ft: FtState, coord: number, plan: RecPlan): void {
  const p = ft.part;
  if (p === null || coord !== p.coord) return;
  if (p.plan !== null) {
    if (p.ready) sendReady(ft, p);
    return;
  }
  p.plan = plan;
  const g = plan.generation;
  for (const img of ft.images.values()) {
    const pend = img.pending;
    if (pend === null) continue;
    if (pend.round === g && pend.complete && !pend.replica) img.commit();
    else img.discard();
  }
  ft.figs[FS_LAST_COMMITTED] = g;
  ft.figs[FS_LAST_ABORTED] = g;
  for (const t of plan.transfers) if (t.dst === ft.node && ft.images.get(t.rank)?.gen !== g) p.expecting.set(t.rank, t.src);
  for (const t of plan.transfers) {
    if (t.src !== ft.node || t.dst === ft.node) continue;
    const img = ft.images.get(t.rank);
    if (img === undefined || img.gen !== g) {
      ft.hal.log('error', `ft: plan asks for rank ${t.rank} generation ${g}, this board has ${img?.gen ?? 'none'}`);
      continue;
    }
    p.sending++;
    ft.announce(FT_EVENT.RECOVERY_TRANSFER, t.rank, runEffect, () => {
      startStream(ft, t.dst, t.rank, g, 0, true, sourceOfImage(img), (st) => {
        if (ft.part !== p) return;
        if (st !== 'stored') ft.hal.log('error', `ft: copy of rank ${t.rank} to node ${t.dst} failed: ${st}`);
        assert(p.sending > 0, 'ft: a recovery copy ended twice');
        p.sending--;
        checkReady(ft);
      });
    });
  }
  checkReady(ft);
}

export function checkReady(ft: FtState): void {
  const p = ft.part;
  if (p === null || p.plan === null || p.ready || p.expecting.size > 0 || p.sending > 0) return;
  p.ready = true;
  sendReady(ft, p);
}

export function sendReady(ft: FtState, p: RecPart): void {
  if (p.coord === ft.node) takeReady(ft, ft.node, p.bytesIn);
  else ft.sendCtl(p.coord, FtFrame.REC_READY, encodeRecReady({ coord: p.coord, bytes: p.bytesIn }));
}

export function onRecResume(ft: FtState, f: NetFrame): void {
  const v = decodeRecResume(f.payload);
  if (v === null) return ft.malformed();
  const p = ft.part;
  const fromRecovery = p !== null && p.epoch === f.epoch && p.coord === f.src && v.coord === f.src && p.ready;
  const atStart = ft.phaseV === 'joining' && f.epoch >= ft.figs[FS_EPOCH]! && v.generation === 0 && v.coord === f.src;
  if (!fromRecovery && !atStart) return ft.staleFrame();
  // The number of ranks never changes (a shrink puts two on one board).
  if (v.map.length !== ft.map.length) return ft.malformed();
  if (atStart) ft.setEpoch(f.epoch);
  resume(ft, v);
}

/** The new view is in force: keep what it needs, restart the app of every rank hosted here. */
export function resume(ft: FtState, v: RecResume): void {
  const now = ft.hal.now();
  const g = v.generation;
  const oldMap = ft.map;
  const participants = ft.part?.participants ?? [];
  assert(v.map.length === oldMap.length, 'ft: a view changed the number of ranks');
  ft.enterPhase('running');
  ft.map = v.map.slice();
  ft.figs[FS_VIEW_COORD] = Math.min(...ft.map);
  ft.figs[FS_LAST_COMMITTED] = g;
  ft.figs[FS_LAST_ABORTED] = g;
  const mine = ranksOf(ft.map, ft.node);
  const keep = new Set([...mine, ...wardsOf(ft.map, ft.node, ft.options.buddies)]);
  for (const [rank, img] of [...ft.images]) {
    if (!keep.has(rank) || (g > 0 && img.gen !== g) || (g === 0 && img.gen !== 0)) {
      img.clear();
      if (!keep.has(rank)) ft.images.delete(rank);
    }
  }
  // Only this view's members have one.
  for (const p of ft.detector.unordered()) p.v[P_VIEW_INCARNATION] = -1;
  for (const [rank, n] of ft.map.entries()) {
    ft.detector.clear(n, now);
    // The coordinator's record first: heartbeats reach only ring neighbours, so this board may
    // never have heard the member itself. Known here, a restart is recognised by any board.
    const told = v.incarnations[rank] ?? 0;
    // Watched from here on (detector.clear), so its record keeps the incarnation of the view.
    const p = ft.detector.watch(n, now);
    if (told !== 0 && n !== ft.node && p.v[P_INCARNATION]! < 0) p.v[P_INCARNATION] = told;
    const inc = n === ft.node ? ft.figs[FS_INCARNATION]! : told !== 0 ? told : p.v[P_INCARNATION]!;
    p.v[P_VIEW_INCARNATION] = inc >= 0 ? inc : -1;
  }
  ft.figs[FS_RECOVERY_STARTED_AT] = -1;
  ft.figs[FS_RECOVERY_PROGRESS] = 0;
  // The failed boards are out of the view for good: what the network still holds for them will
  // never be delivered. (One that restarted and took part in this recovery is not among them.)
  for (const n of v.failed) if (n !== ft.node && !participants.includes(n)) ft.net.abandon(n);
  if (ft.figs[FS_EPOCH]! > 0) {
    const ranks: number[] = [];
    const replacements: number[] = [];
    for (let r = 0; r < ft.map.length; r++) {
      if (oldMap[r] !== ft.map[r]) {
        ranks.push(r);
        replacements.push(ft.map[r] as number);
      }
    }
    const rec: FtRecoveryFigures = {
      epoch: ft.figs[FS_EPOCH]!, generation: g, failed: v.failed.slice(), ranks, replacements, shrink: v.shrink,
      detectMs: v.detectMs, restoreMs: v.restoreMs, totalMs: v.detectMs + v.restoreMs, lostIterations: v.lost, bytes: v.bytes,
    };
    ft.recoveries.push(rec);
    ft.figs[FF_RECOVERY_COUNT]!++;
    // Every recovery used to leave its figures (~0.3 KiB) on every board for good.
    if (ft.recoveries.length > RECOVERIES_KEPT) ft.recoveries.splice(0, ft.recoveries.length - RECOVERIES_KEPT);
    emitFtEvent(ft.hal, { name: FT_EVENT.RECOVERY, epoch: ft.figs[FS_EPOCH]!, generation: g, failed: v.failed, map: ft.map });
  }
  ft.figs[FF_GENERATION] = g;
  for (const rank of mine) {
    const img = ft.imageOf(rank);
    if (g > 0 && img.gen !== g) {
      // The plan guaranteed this copy; without it the rank cannot start. Ask for another recovery.
      ft.hal.log('error', `ft: rank ${rank} has no checkpoint generation ${g}; rejoining`);
      ft.enterPhase('joining');
      return;
    }
  }
  ft.figs[FS_COMMITTED_PROGRESS] = mine.length > 0 ? ft.imageOf(mine[0] as number).progress : 0;
  ft.figs[FF_PROGRESS] = ft.figs[FS_COMMITTED_PROGRESS]!;
  for (const rank of mine) {
    const img = ft.imageOf(rank);
    const run = new FtRun(ft.host, rank, ft.figs[FS_EPOCH]!, g, img.progress, g > 0 ? img.segments() : []);
    ft.runs.set(rank, run);
  }
  for (const run of ft.runs.values()) ft.listener?.startRun(run);
}
