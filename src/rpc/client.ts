/**
 * The calling side of remote calls: one attempt per server tried, each walking the four stages
 * of the Ninf GridRPC paper with that stage's remedy on failure (docs/RPC.md):
 *
 *   start-up     the server is not found or refuses within startMs  -> the next server
 *   arguments    chunks go unacknowledged (chunkMs x retries)         -> restart at the next server
 *   computation  no progress report for silenceMs                     -> the next server, which is
 *                the failed server's buddy and resumes from its last checkpoint (a non-idempotent
 *                call resumes only there, or fails with MAYBE_EXECUTED)
 *   result       result chunks stop arriving                          -> as for computation; the
 *                buddy may hold the finished result itself
 *
 * Calls are numbered per client; every message names the call and the attempt, so a late
 * message of an abandoned attempt is never taken for the current one, and the promise settles
 * exactly once.
 */
import type { Clock } from '../hal.js';
import { ChunkAssembler, ChunkSender } from './chunks.js';
import {
  encodeForget, encodeIndexed, encodeStart, MsgType, NO_BUDDY, RefuseReason, type CallId, type RpcMessage,
} from './frames.js';
import { RESULT_ERROR } from './server.js';
import {
  RpcError, RpcStatus, type CallOptions, type RpcCallReport, type RpcFailure, type RpcLimits, type RpcStage, type RpcValue,
} from './types.js';
import { decodeValue, encodeValue } from './value-codec.js';
import { utf8Decode } from '../util/utf8.js';

/** Attempts one call may make (the attempt number is one byte on the wire). */
const MAX_ATTEMPTS = 255;
/** Finished calls remembered, so late result chunks are acknowledged and servers can forget. */
const RECENT_CALLS = 16;
/** Call numbers are u32 on the wire. */
const CALL_NUMBER_SPAN = 0x1_0000_0000;

export interface ClientPort {
  readonly node: number;
  send(node: number, bytes: Uint8Array): void;
  /** The peer's endpoint exists (looked up within ms). */
  reachable(node: number, ms: number): Promise<boolean>;
  /** Every node of the domain, for the default candidate list. */
  nodes(): readonly number[];
  report(r: RpcCallReport): void;
}

type Outcome =
  | { ok: true; status: number; bytes: Uint8Array; resumed: boolean }
  | { ok: false; stage: RpcStage; reason: string; resentBytes: number; noRecord: boolean; mayHaveStarted: boolean };

const REFUSALS: Record<number, string> = {
  [RefuseReason.UNKNOWN_FUNCTION]: 'does not serve it',
  [RefuseReason.BUSY]: 'busy',
  [RefuseReason.NO_RECORD]: 'holds no checkpoint or result of the call',
  [RefuseReason.BAD_REQUEST]: 'refused the request (too large?)',
};

/** One attempt at one server: an event-driven walk through the stages. */
class Attempt {
  stage: RpcStage = 'start';
  private timer = -1;
  private startTries = 0;
  private sender: ChunkSender | null = null;
  private result: ChunkAssembler | null = null;
  private resultStatus = 0;
  private settled = false;
  private resumed = false;
  readonly started: number;
  resolve: (o: Outcome) => void = () => undefined;

  constructor(
    private readonly clock: Clock,
    private readonly limits: RpcLimits,
    private readonly port: ClientPort,
    readonly id: CallId,
    readonly server: number,
    private readonly start: Uint8Array,
    private readonly args: Uint8Array,
  ) {
    this.started = clock.now();
  }

  run(): Promise<Outcome> {
    return new Promise<Outcome>((resolve) => {
      this.resolve = resolve;
      void this.port.reachable(this.server, this.limits.startMs).then((ok) => {
        if (this.settled) return;
        if (!ok) return this.fail(`node ${this.server} has no RPC endpoint (not found within ${this.limits.startMs} ms)`);
        this.sendStart();
      });
    });
  }

  private sendStart(): void {
    // A few tries within startMs: one lost START or ACCEPT must not cost a server.
    const tries = 3;
    this.port.send(this.server, this.start);
    this.arm(this.limits.startMs / tries, () => {
      if (++this.startTries >= tries) return this.fail(`no answer to START within ${this.limits.startMs} ms`);
      this.sendStart();
    });
  }

  private arm(ms: number, fire: () => void): void {
    this.disarm();
    this.timer = this.clock.setTimer(ms, () => {
      this.timer = -1;
      if (!this.settled) fire();
    });
  }

  private disarm(): void {
    if (this.timer >= 0) this.clock.clearTimer(this.timer);
    this.timer = -1;
  }

  cancel(): void {
    this.settled = true;
    this.disarm();
    this.sender?.stop();
  }

  private fail(reason: string, noRecord = false): void {
    if (this.settled) return;
    const resentBytes = this.sender?.sentBytes ?? 0;
    // Once the last argument chunk has left, the server may be computing even if its
    // acknowledgement never came back.
    const mayHaveStarted = this.stage === 'compute' || this.stage === 'result' || (this.stage === 'args' && this.sender !== null && this.sender.sentAll);
    this.cancel();
    this.resolve({ ok: false, stage: this.stage, reason, resentBytes, noRecord, mayHaveStarted });
  }

  handle(m: RpcMessage): void {
    if (this.settled) return;
    switch (m.type) {
      case MsgType.ACCEPT:
        if (this.stage !== 'start') return;
        this.resumed = m.resumeGen > 0 || m.haveResult;
        if (m.haveResult) {
          this.stage = 'result';
          this.watchSilence();
          return;
        }
        this.beginArgs();
        return;
      case MsgType.REFUSE:
        if (this.stage !== 'start') return;
        this.fail(`node ${this.server} ${REFUSALS[m.reason] ?? `refused (${m.reason})`}`, m.reason === RefuseReason.NO_RECORD);
        return;
      case MsgType.ARG_ACK:
        this.sender?.ack(m.next);
        return;
      case MsgType.PROGRESS:
        if (this.stage === 'compute') this.watchSilence();
        return;
      case MsgType.RESULT:
        return this.onResult(m);
      default:
        return;
    }
  }

  private beginArgs(): void {
    this.stage = 'args';
    this.disarm();
    const id = this.id;
    const sender = new ChunkSender(
      this.clock, this.args,
      { chunkBytes: this.limits.chunkBytes, window: this.limits.window, chunkMs: this.limits.chunkMs, retries: this.limits.chunkRetries },
      (index, chunk) => this.port.send(this.server, encodeIndexed(MsgType.ARG, id, index, chunk)),
      (ok) => {
        if (this.settled) return;
        if (!ok) return this.fail(`arguments unacknowledged after ${this.limits.chunkRetries} resends`);
        this.stage = 'compute';
        this.watchSilence();
      },
    );
    this.sender = sender;
    sender.start();
  }

  /** Computation and result return: silence longer than the limit means the server is gone. */
  private watchSilence(): void {
    const ms = this.stage === 'compute' ? this.limits.silenceMs : this.limits.chunkMs * (this.limits.chunkRetries + 1);
    this.arm(ms, () => this.fail(this.stage === 'compute' ? `no progress report for ${ms} ms` : `result chunks stopped for ${ms} ms`));
  }

  private onResult(m: Extract<RpcMessage, { type: typeof MsgType.RESULT }>): void {
    if (this.stage === 'start' || this.stage === 'args') {
      // The ACCEPT or the last ARG_ACK was lost; the result itself says the server has everything.
      this.sender?.stop();
    }
    this.stage = 'result';
    if (this.result === null) {
      this.result = new ChunkAssembler(m.total, this.limits.chunkBytes);
      this.resultStatus = m.status;
    }
    const next = this.result.accept(m.index, m.data);
    this.port.send(this.server, encodeIndexed(MsgType.RESULT_ACK, this.id, next));
    if (this.result.complete) {
      this.cancel();
      this.resolve({ ok: true, status: this.resultStatus, bytes: this.result.bytes, resumed: this.resumed });
      return;
    }
    this.watchSilence();
  }
}

export class RpcClient {
  private nextCall = 1;
  private readonly active = new Map<number, Attempt>();
  private readonly recent: { call: number; attempt: number; server: number; chunks: number }[] = [];
  private readonly done: RpcCallReport[] = [];
  private closed = false;

  constructor(
    private readonly clock: Clock,
    private readonly limits: RpcLimits,
    private readonly port: ClientPort,
  ) {}

  reports(): readonly RpcCallReport[] {
    return this.done;
  }

  close(): void {
    this.closed = true;
    for (const a of this.active.values()) a.cancel();
    this.active.clear();
  }

  handle(m: RpcMessage): void {
    if (m.client !== this.port.node) return;
    const a = this.active.get(m.call);
    if (a !== undefined && a.id.attempt === m.attempt) {
      a.handle(m);
      return;
    }
    if (m.type === MsgType.RESULT) {
      // A finished call's result arriving again (our last acknowledgement was lost): acknowledge
      // all of it so the server stops holding it. Never delivered twice.
      // Only the attempt that was delivered: another attempt's result was never taken, and
      // acknowledging it would tell its server it had been.
      const r = this.recent.find((x) => x.call === m.call && x.attempt === m.attempt);
      if (r !== undefined) this.port.send(r.server, encodeIndexed(MsgType.RESULT_ACK, m, Math.max(1, Math.ceil(m.total / this.limits.chunkBytes))));
    }
  }

  async call(name: string, args: RpcValue, options: CallOptions = {}): Promise<RpcValue> {
    if (this.closed) throw new RpcError(RpcStatus.PARAMETER, 'the RPC layer is closed');
    if (typeof name !== 'string' || name.length === 0) throw new RpcError(RpcStatus.PARAMETER, 'a function name is needed');
    const argBytes = encodeValue(args);
    if (argBytes.length > this.limits.maxValueBytes) {
      throw new RpcError(RpcStatus.PARAMETER, `arguments of ${argBytes.length} bytes exceed maxValueBytes ${this.limits.maxValueBytes}`);
    }
    const me = this.port.node;
    const servers = (options.servers ?? this.defaultServers()).filter((n) => Number.isInteger(n) && n >= 0 && n < NO_BUDDY);
    if (servers.length === 0) throw new RpcError(RpcStatus.PARAMETER, `no server to call ${name} on`);
    const idempotent = options.idempotent ?? true;
    const call = this.nextCall;
    this.nextCall = (this.nextCall + 1) % CALL_NUMBER_SPAN || 1;
    const began = this.clock.now();
    const deadline = options.deadlineMs === undefined ? Infinity : began + options.deadlineMs;
    const failures: RpcFailure[] = [];
    const touched = new Set<number>();
    let attempt = 0;
    let index = 0;
    /** Non-idempotent after the computation began: only this node may carry the call on. */
    let resumeOnly: number | null = null;

    const finish = (r: Omit<RpcCallReport, 'name' | 'call' | 'failures' | 'argBytes' | 'ms' | 'attempts'>): void => {
      for (const n of touched) if (n !== me) this.port.send(n, encodeForget({ client: me, call, attempt }));
      const report: RpcCallReport = { name, call, attempts: attempt, failures, argBytes: argBytes.length, ms: this.clock.now() - began, ...r };
      this.done.push(report);
      this.port.report(report);
    };

    let round = 0;
    let resumeTries = 0;
    while (attempt < MAX_ATTEMPTS) {
      if (resumeOnly === null && index >= servers.length) {
        // Every candidate failed this pass. Start-up failures may have been routes healing
        // around a dead board: pass again after a pause, a bounded number of times.
        if (++round >= this.limits.rounds) break;
        index = 0;
        if (!(await this.pause(this.limits.startMs, deadline))) break;
      }
      const server = resumeOnly ?? servers[index]!;
      const at = servers.indexOf(server);
      const buddy = servers[at + 1] ?? NO_BUDDY;
      attempt++;
      const id: CallId = { client: me, call, attempt };
      const start = encodeStart(id, { idempotent, resumeOnly: resumeOnly !== null, buddy, argBytes: argBytes.length, chunkBytes: this.limits.chunkBytes, name });
      const a = new Attempt(this.clock, this.limits, this.port, id, server, start, argBytes);
      this.active.set(call, a);
      touched.add(server);
      if (buddy !== NO_BUDDY) touched.add(buddy);
      const outcome = await this.withDeadline(a, deadline);
      this.active.delete(call);
      if (outcome === null) {
        finish({ ok: false, status: RpcStatus.TIMEOUT, server, resumed: false, resultBytes: 0 });
        throw new RpcError(RpcStatus.TIMEOUT, `${name}: deadline of ${String(options.deadlineMs)} ms passed (stage ${a.stage} at node ${server})`, failures);
      }
      if (outcome.ok) {
        this.remember(call, attempt, server, outcome.bytes.length);
        finish({ ok: outcome.status !== RESULT_ERROR, server, resumed: outcome.resumed, resultBytes: outcome.bytes.length, ...(outcome.status === RESULT_ERROR ? { status: RpcStatus.REMOTE_ERROR } : {}) });
        if (outcome.status === RESULT_ERROR) throw new RpcError(RpcStatus.REMOTE_ERROR, `${name} at node ${server}: ${utf8Decode(outcome.bytes)}`, failures);
        return decodeValue(outcome.bytes);
      }
      const lostMs = this.clock.now() - a.started;
      const ran = outcome.mayHaveStarted;
      const failure: RpcFailure = { stage: outcome.stage, server, remedy: 'next-server', reason: outcome.reason, lostMs, resentBytes: outcome.resentBytes };
      failures.push(failure);
      const maybeExecuted = (why: string): RpcError => {
        failure.remedy = 'fail';
        finish({ ok: false, status: RpcStatus.MAYBE_EXECUTED, server, resumed: false, resultBytes: 0 });
        return new RpcError(RpcStatus.MAYBE_EXECUTED, `${name} (not idempotent): ${why}`, failures);
      };
      if (resumeOnly !== null) {
        // Only the buddy may carry a non-idempotent call on: it holds the checkpoint or result.
        if (outcome.noRecord) throw maybeExecuted(`its server died during computation and node ${server} holds neither a checkpoint nor the result`);
        if (!ran) {
          if (++resumeTries >= this.limits.rounds) throw maybeExecuted(`its server died during computation and its buddy, node ${server}, did not answer (${outcome.reason})`);
          failure.remedy = 'resume-at-buddy';
          if (!(await this.pause(this.limits.startMs, deadline))) break;
          continue;
        }
        // The buddy had taken the call over and failed in turn: its own buddy is next.
        if (buddy === NO_BUDDY) throw maybeExecuted(`node ${server} died during ${outcome.stage} and no buddy follows it`);
        failure.remedy = 'resume-at-buddy';
        resumeOnly = buddy;
        resumeTries = 0;
        continue;
      }
      if (ran && !idempotent) {
        if (buddy === NO_BUDDY) throw maybeExecuted(`node ${server} died during ${outcome.stage} and no buddy holds its state`);
        failure.remedy = 'resume-at-buddy';
        resumeOnly = buddy;
        resumeTries = 0;
        continue;
      }
      // Start-up and argument failures: nothing ran. Idempotent computations: the next server
      // is the buddy, which resumes from the last checkpoint if it has one.
      index = at + 1;
    }
    finish({ ok: false, status: RpcStatus.UNAVAILABLE, server: -1, resumed: false, resultBytes: 0 });
    throw new RpcError(RpcStatus.UNAVAILABLE, `${name}: no server finished the call (${failures.map((f) => `node ${f.server} at ${f.stage}: ${f.reason}`).join('; ')})`, failures);
  }

  private withDeadline(a: Attempt, deadline: number): Promise<Outcome | null> {
    if (deadline === Infinity) return a.run();
    return new Promise<Outcome | null>((resolve) => {
      const left = Math.max(0, deadline - this.clock.now());
      const timer = this.clock.setTimer(left, () => {
        a.cancel();
        resolve(null);
      });
      void a.run().then((o) => {
        this.clock.clearTimer(timer);
        resolve(o);
      });
    });
  }

  /** Wait `ms` (false when the deadline would pass first). */
  private pause(ms: number, deadline: number): Promise<boolean> {
    if (this.clock.now() + ms >= deadline) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => this.clock.setTimer(ms, () => resolve(!this.closed)));
  }

  private remember(call: number, attempt: number, server: number, bytes: number): void {
    this.recent.push({ call, attempt, server, chunks: Math.max(1, Math.ceil(bytes / this.limits.chunkBytes)) });
    if (this.recent.length > RECENT_CALLS) this.recent.shift();
  }

  /** Every other node, starting after this one, so clients spread over servers. */
  private defaultServers(): number[] {
    const all = this.port.nodes();
    const me = this.port.node;
    const i = all.indexOf(me);
    const rotated = i < 0 ? [...all] : [...all.slice(i + 1), ...all.slice(0, i)];
    return rotated.filter((n) => n !== me);
  }
}
