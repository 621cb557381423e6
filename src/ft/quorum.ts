/**
 * The quorum rule (docs/FT.md §6, issue 11 defect 3): a board that cannot see a majority of
 * the domain it knows must not declare the others failed, coordinate a recovery or end the
 * run. Cut off (a minority partition), it leaves its run and waits, heartbeating, until it
 * hears the majority again: then it rejoins — in the majority's new epoch as a spare, or, if
 * the majority kept the view, through the coordinator's recovery — and can never end or
 * corrupt the run from the wrong side of a partition.
 */
import { FT_EVENT, emitFtEvent } from './events.js';
import { membersOf } from './view.js';
import type { FtState } from './state.js';
import { FF_NO_QUORUM } from './figures.js';
import { P_EPOCH, P_HEARD, P_SUSPECTED } from './detector.js';
import { FS_EPOCH, FS_ISOLATED, FS_ISOLATED_SINCE, FS_JOIN_TARGET, FS_LAST_JOIN_AT } from './state-numbers.js';

/**
 * The domain as this board knows it: the members of its view, every board it has heard in this
 * epoch (the spares: one that died before the last recovery no longer counts) and the boards
 * of a recovery it takes part in.
 */
export function knownDomain(ft: FtState): number[] {
  const set = new Set<number>(membersOf(ft.map));
  set.add(ft.node);
  for (const p of ft.detector.all()) if (p.v[P_HEARD] === 1 && p.v[P_EPOCH]! >= ft.figs[FS_EPOCH]! && !ft.isRefused(p.node)) set.add(p.node);
  if (ft.rec !== null) for (const n of ft.rec.participants) set.add(n);
  if (ft.part !== null) for (const n of ft.part.participants) set.add(n);
  return [...set].sort((a, b) => a - b);
}

/**
 * A quorum: more than half of the known domain is live (`live` includes this board), or
 * exactly half and more than half of the view's members (the boards that host ranks). Two
 * disjoint sides can never both have one: a strict majority leaves the other side less than
 * half, and two exact halves cannot both hold most of the members.
 */
export function hasQuorum(ft: FtState, live: ReadonlySet<number>): boolean {
  const domain = knownDomain(ft);
  let seen = 0;
  for (const n of domain) if (live.has(n)) seen++;
  if (2 * seen > domain.length) return true;
  if (2 * seen < domain.length) return false;
  const members = membersOf(ft.map);
  let m = 0;
  for (const n of members) if (live.has(n)) m++;
  return 2 * m > members.length;
}

/**
 * No quorum: stop judging. Leave the run (its runs are revoked, checkpoint images kept), forget
 * the suspicions (they may be this board's own isolation) and ask to join again until the
 * majority answers.
 */
export function standAside(ft: FtState, seen: number): void {
  const domain = knownDomain(ft);
  ft.figs[FF_NO_QUORUM]!++;
  ft.hal.log('warn', `ft: no quorum (this board sees ${seen} of ${domain.length} boards): leaving the run until the majority is heard again`);
  emitFtEvent(ft.hal, { name: FT_EVENT.NO_QUORUM, seen, domain: domain.length });
  if (ft.figs[FS_ISOLATED] !== 1) ft.figs[FS_ISOLATED_SINCE] = ft.hal.now();
  ft.figs[FS_ISOLATED] = 1;
  ft.enterPhase('joining');
  ft.figs[FS_JOIN_TARGET] = -1;
  ft.figs[FS_LAST_JOIN_AT] = -Infinity;
  const now = ft.hal.now();
  for (const p of ft.detector.all()) if (p.v[P_SUSPECTED] === 1) ft.detector.clear(p.node, now);
}

/** Cut off for longer than quorumWaitMs: halt this board (only this one), with the reason. */
export function checkIsolation(ft: FtState, now: number): void {
  if ((ft.figs[FS_ISOLATED] !== 1) || ft.phaseV !== 'joining' || now - ft.figs[FS_ISOLATED_SINCE]! < ft.options.quorumWaitMs) return;
  ft.stopWith(`no quorum for ${Math.round(now - ft.figs[FS_ISOLATED_SINCE]!)} ms: cut off from the majority of the view`);
}
