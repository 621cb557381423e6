/**
 * FtState's own numbers (its counters, timers, epochs, rounds and flags): where each lives in its
 * `figs` Float64Array, after FT's figures (figures.ts, FF_*). An XS object keeps each property in
 * a slot of the slot heap a Laplace + FT board runs short of, a typed array its numbers in the
 * chunk heap (docs/FOOTPRINT.md "Round 13: Laplace slots"). The module's parts index the array
 * with these constants (`ft.figs[FS_EPOCH]`), not through accessors on the class: ~60 accessor
 * functions were ~9 KB of the firmware archive (docs/FOOTPRINT.md "Round 14: FT archive and
 * slots"). Flags are 0 / 1.
 */
import { FF_SIZE } from './figures.js';

/** Hash of options.version, compared in the join handshake. */
export const FS_VERSION_HASH = FF_SIZE + 0;
/** Random at boot: tells a restarted board from the one that was there before. */
export const FS_INCARNATION = FF_SIZE + 1;
/** The current epoch (setEpoch: never down), the highest heard of, and the coordinator of the current view. */
export const FS_EPOCH = FF_SIZE + 2;
export const FS_MAX_EPOCH_SEEN = FF_SIZE + 3;
export const FS_VIEW_COORD = FF_SIZE + 4;
/** Bumped at every change of epoch or phase; deferred effects of an older state do nothing. */
export const FS_CHANGES = FF_SIZE + 5;
/** Timers are -1 when none is set. The heartbeat timer, and when it last ran (-1: never). */
export const FS_TICK_TIMER = FF_SIZE + 6;
export const FS_LAST_TICK = FF_SIZE + 7;
/** When this board last asked to join (-Infinity: never), since when it has been isolated, and whom it asks (-1: the lowest member it does not suspect). */
export const FS_LAST_JOIN_AT = FF_SIZE + 8;
export const FS_ISOLATED_SINCE = FF_SIZE + 9;
export const FS_JOIN_TARGET = FF_SIZE + 10;
/** The furthest progress heard in this epoch (heartbeats' `furthest`): `ckpt now` chooses from it. */
export const FS_FURTHEST_HEARD = FF_SIZE + 11;
/** The epoch in which this board's heartbeat with progress went to the coordinator (-1: none). */
export const FS_RUNNING_TOLD_EPOCH = FF_SIZE + 12;
/** The highest committed and aborted rounds members of this view passed on in this epoch (membership.repairDecisions). */
export const FS_RELAYED_COMMITTED = FF_SIZE + 13;
export const FS_RELAYED_ABORTED = FF_SIZE + 14;
/** When SUSPECT reports were last repeated (membership.resend). */
export const FS_LAST_SUSPECT_REPEAT = FF_SIZE + 15;
/** The last round committed and aborted on this board, and the progress of the last commit. */
export const FS_LAST_COMMITTED = FF_SIZE + 16;
export const FS_LAST_ABORTED = FF_SIZE + 17;
export const FS_COMMITTED_PROGRESS = FF_SIZE + 18;
/** `ckpt now`: the opportunity every rank checkpoints at (-1: none). */
export const FS_REQUEST_TARGET = FF_SIZE + 19;
export const FS_LAST_ROUND_REPEAT = FF_SIZE + 20;
export const FS_PUMP_TIMER = FF_SIZE + 21;
/** When the app last called `yield` (-1: never), the usual time between its calls, and the timer that reopens a held stream. */
export const FS_COMPUTE_AT = FF_SIZE + 22;
export const FS_COMPUTE_GAP = FF_SIZE + 23;
/** Yields in the current compute burst, and in the previous one. */
export const FS_COMPUTE_BURST = FF_SIZE + 24;
export const FS_LAST_BURST = FF_SIZE + 25;
export const FS_HOLD_TIMER = FF_SIZE + 26;
export const FS_RECOVERY_STARTED_AT = FF_SIZE + 27;
/** Progress the runs had made when the recovery revoked them. */
export const FS_RECOVERY_PROGRESS = FF_SIZE + 28;
export const FS_RETRY_TIMER = FF_SIZE + 29;
/** The stop is the domain's (a recovery found the run cannot go on), not just this board's. */
export const FS_STOP_IS_DOMAIN = FF_SIZE + 30;
/** FaultTolerance.start ran (and stop did not). */
export const FS_STARTED = FF_SIZE + 31;
/** Left its run for lack of a quorum (quorum.ts): judges nobody until it is admitted again. */
export const FS_ISOLATED = FF_SIZE + 32;
/**
 * The CKPT_ACK being written into its frame (transfer.ts sendAck): its rank, replica flag,
 * status and next sequence number as one number, read by the frame's writer.
 */
export const FS_ACK_FIELDS = FF_SIZE + 33;
/** Numbers FtState keeps after the figures. */
export const FS_COUNT = 34;
