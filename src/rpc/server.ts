/**
 * The serving side of remote calls, and the buddy role: holding other servers' checkpoints and
 * results of calls (docs/RPC.md).
 *
 * A call here goes args -> compute -> result. During computation the server reports progress
 * every `progressMs`, so its client can tell "still computing" from "dead". The function may
 * checkpoint its state into the buddy the client named (the next server it would try), so a
 * retry there resumes instead of starting over. A result is held until the client acknowledges
 * all of it; a non-idempotent call's result is first stored at the buddy too, so a client that
 * loses this server after the function finished still gets that one result, never a second run.
 */
import type { Clock } from '../hal.js';
import { BuddyStore } from './buddy-store.js';
import { ChunkAssembler, ChunkSender, type SenderSettings } from './chunks.js';
import { encodeRpcEvent } from './events.js';
import {
  encodeAccept, encodeIndexed, encodeRefuse, encodeResult, encodeStore, encodeStoreAck,
  MsgType, NO_BUDDY, RefuseReason, STORE_REFUSED, type CallId, type RpcMessage,
} from './frames.js';
import { RPC_STAGES, type RpcLimits, type RpcValue, type ServeControl, type ServedFunction, type ServeOptions, type RpcStage } from './types.js';
import { decodeValue, encodeValue } from './value-codec.js';
import { emitEvent } from '../util/events.js';
import { utf8Decode, utf8Encode } from '../util/utf8.js';

/** STORE kinds. */
export const STORE_CHECKPOINT = 0;
export const STORE_RESULT = 1;
/**
 * A non-idempotent call's computation is about to begin (no state). It tells a buddy asked to
 * carry the call on that its memory spans the call's start: no result was committed through it,
 * so running from scratch cannot complete the call twice. Without any record (the buddy never
 * heard of the call, or rebooted since) it refuses, and the call fails with MAYBE_EXECUTED.
 */
export const STORE_BEGUN = 2;
/** RESULT / STORE status byte. */
export const RESULT_VALUE = 0;
export const RESULT_ERROR = 1;


const DEFAULT_CONCURRENCY = 2;

interface Served {
  fn: ServedFunction;
  concurrency: number;
  running: number;
}

type Phase = 'args' | 'compute' | 'result';

interface ServerCall {
  key: string;
  id: CallId;
  name: string;
  buddy: number;
  idempotent: boolean;
  phase: Phase;
  args: ChunkAssembler;
  chunkBytes: number;
  restored: RpcValue;
  resumeGen: number;
  /** Checkpoint generations stored at the buddy from this server. */
  gen: number;
  result: Uint8Array | null;
  resultStatus: number;
  sender: ChunkSender | null;
  progressTimer: number;
  progressCount: number;
  storeSender: ChunkSender | null;
  storeGen: number;
  /** The result was not secured at the buddy: it is committed when the client acknowledges it. */
  commitOnAck: boolean;
  /** Ends the current store stream because the buddy took the call over. */
  storeRefused: () => void;
  /** The function is running (or ran) on this board for this call. */
  ran: boolean;
}

export interface ServerStats {
  calls: number;
  completed: number;
  resumed: number;
  heldResultsServed: number;
  refused: number;
  storedBytes: number;
  evicted: number;
  /** Stage entries per stage (the fault triggers `rpc-<stage>` fire on the first). */
  entered: Record<RpcStage, number>;
}

export interface ServerPort {
  readonly node: number;
  send(node: number, bytes: Uint8Array): void;
  event(name: string, value: number, detail?: string): void;
}

function keyOf(id: CallId): string {
  return `${id.client}:${id.call}`;
}

export class RpcServer {
  private readonly served = new Map<string, Served>();
  private readonly calls = new Map<string, ServerCall>();
  private closed = false;
  readonly stats: ServerStats = {
    calls: 0, completed: 0, resumed: 0, heldResultsServed: 0, refused: 0, storedBytes: 0, evicted: 0,
    entered: { start: 0, args: 0, compute: 0, result: 0 },
  };

  /** The buddy role: other servers' checkpoints and results, and the fences against old attempts. */
  private readonly buddy: BuddyStore;

  constructor(
    private readonly clock: Clock,
    private readonly limits: RpcLimits,
    private readonly port: ServerPort,
  ) {
    this.buddy = new BuddyStore(limits, this.stats);
  }

  serve(name: string, fn: ServedFunction, options: ServeOptions = {}): void {
    const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    this.served.set(name, { fn, concurrency, running: 0 });
  }

  serves(name: string): boolean {
    return this.served.has(name);
  }

  close(): void {
    this.closed = true;
    for (const c of this.calls.values()) this.drop(c);
    this.calls.clear();
  }

  private settings(chunkBytes: number): SenderSettings {
    return { chunkBytes, window: this.limits.window, chunkMs: this.limits.chunkMs, retries: this.limits.chunkRetries };
  }

  private enter(stage: RpcStage): void {
    this.stats.entered[stage]++;
    // The simulator's fault triggers (`crash:2@rpc-compute`) match these events.
    emitEvent(this.port, encodeRpcEvent({ name: 'rpc-stage', stage, entered: this.stats.entered[stage] }));
  }

  handle(m: RpcMessage): void {
    if (this.closed) return;
    switch (m.type) {
      case MsgType.START:
        return this.onStart(m);
      case MsgType.ARG:
        return this.onArg(m);
      case MsgType.RESULT_ACK: {
        const c = this.calls.get(keyOf(m));
        if (c === undefined || c.sender === null || m.attempt !== c.id.attempt) return;
        c.sender.ack(m.next);
        return;
      }
      case MsgType.STORE:
        return this.onStore(m);
      case MsgType.STORE_ACK: {
        const c = this.calls.get(keyOf(m));
        if (c === undefined || c.storeSender === null || m.gen !== c.storeGen) return;
        if (m.next === STORE_REFUSED) c.storeRefused();
        else c.storeSender.ack(m.next);
        return;
      }
      case MsgType.FORGET: {
        const key = keyOf(m);
        this.buddy.forget(key);
        const c = this.calls.get(key);
        // The client has its result (from here or elsewhere): a held result is no longer needed.
        if (c !== undefined && c.phase === 'result') {
          this.drop(c);
          this.calls.delete(key);
        }
        return;
      }
      default:
        return;
    }
  }

  private onStart(m: Extract<RpcMessage, { type: typeof MsgType.START }>): void {
    const key = keyOf(m);
    const id: CallId = { client: m.client, call: m.call, attempt: m.attempt };
    const existing = this.calls.get(key);
    if (existing !== undefined) {
      // The same call again (a lost ACCEPT, or the client came back): carry on where it is.
      if (m.attempt < existing.id.attempt) return;
      existing.id = id;
      if (existing.phase === 'args') existing.args = new ChunkAssembler(m.argBytes, m.chunkBytes);
      this.port.send(m.client, encodeAccept(id, existing.resumeGen, existing.phase === 'result'));
      if (existing.phase === 'result') this.sendResult(existing);
      return;
    }
    const served = this.served.get(m.name);
    if (served === undefined) return this.refuse(id, RefuseReason.UNKNOWN_FUNCTION);
    if (m.argBytes > this.limits.maxValueBytes || m.chunkBytes > this.limits.chunkBytes) return this.refuse(id, RefuseReason.BAD_REQUEST);
    const stored = this.buddy.get(key);
    if (m.resumeOnly && stored === undefined) return this.refuse(id, RefuseReason.NO_RECORD);
    if (this.computing() >= this.limits.maxServing || served.running >= served.concurrency) return this.refuse(id, RefuseReason.BUSY);
    this.stats.calls++;
    const c: ServerCall = {
      key, id, name: m.name, buddy: m.buddy, idempotent: m.idempotent, phase: 'args',
      args: new ChunkAssembler(m.argBytes, m.chunkBytes), chunkBytes: m.chunkBytes,
      restored: null, resumeGen: 0, gen: 0, result: null, resultStatus: RESULT_VALUE, sender: null,
      progressTimer: -1, progressCount: 0, storeSender: null, storeGen: 0, storeRefused: () => undefined, commitOnAck: false, ran: false,
    };
    if (stored !== undefined) {
      this.stats.resumed++;
      if (stored.kind === STORE_BEGUN) {
        c.resumeGen = stored.gen;
        c.gen = stored.gen;
      } else if (stored.kind === STORE_RESULT) {
        // The function finished on another server, which died before the client had it all.
        this.stats.heldResultsServed++;
        c.phase = 'result';
        c.result = stored.bytes;
        c.resultStatus = stored.status;
      } else {
        c.restored = decodeValue(stored.bytes);
        c.resumeGen = stored.gen;
        c.gen = stored.gen;
      }
    }
    this.calls.set(key, c);
    // Earlier attempts' servers may still be running the call: from now on their checkpoints
    // and results are refused here, so only this attempt can complete it.
    this.buddy.fence(key, m.attempt);
    this.enter('start');
    this.port.send(m.client, encodeAccept(id, c.resumeGen, c.phase === 'result'));
    if (c.phase === 'result') this.sendResult(c);
  }

  private refuse(id: CallId, reason: number): void {
    this.stats.refused++;
    this.port.send(id.client, encodeRefuse(id, reason));
  }

  private computing(): number {
    let n = 0;
    for (const c of this.calls.values()) if (c.phase === 'compute') n++;
    return n;
  }

  private onArg(m: Extract<RpcMessage, { type: typeof MsgType.ARG }>): void {
    const c = this.calls.get(keyOf(m));
    if (c === undefined || m.attempt !== c.id.attempt) return;
    if (c.phase !== 'args') {
      // A late duplicate: say again that everything arrived.
      this.port.send(c.id.client, encodeIndexed(MsgType.ARG_ACK, c.id, c.args.count));
      return;
    }
    if (m.index === 0 && c.args.next === 0) this.enter('args');
    const next = c.args.accept(m.index, m.data);
    this.port.send(c.id.client, encodeIndexed(MsgType.ARG_ACK, c.id, next));
    if (c.args.complete) this.compute(c);
  }

  private compute(c: ServerCall): void {
    const served = this.served.get(c.name);
    if (served === undefined) return;
    let args: RpcValue;
    try {
      args = decodeValue(c.args.bytes);
    } catch (e) {
      this.finish(c, RESULT_ERROR, utf8Encode(`bad arguments: ${(e as Error).message}`));
      return;
    }
    c.phase = 'compute';
    c.ran = true;
    served.running++;
    this.progress(c);
    if (!c.idempotent && c.buddy !== NO_BUDDY && c.buddy !== this.port.node && c.restored === null) {
      // The buddy learns that the computation begins before anything of it runs (STORE_BEGUN).
      void this.storeAtBuddy(c, STORE_BEGUN, RESULT_VALUE, new Uint8Array(0)).then((outcome) => {
        if (outcome === 'refused') {
          served.running--;
          this.drop(c);
          if (this.calls.get(c.key) === c) this.calls.delete(c.key);
          return;
        }
        if (this.calls.get(c.key) === c && !this.closed) this.run(c, served, args);
      });
      return;
    }
    this.run(c, served, args);
  }

  private run(c: ServerCall, served: Served, args: RpcValue): void {
    this.enter('compute');
    const control: ServeControl = {
      restored: c.restored,
      client: c.id.client,
      attempt: c.id.attempt,
      checkpoint: (state) => this.checkpoint(c, state),
      yield: () => new Promise<void>((resolve) => this.clock.setTimer(0, resolve)),
    };
    let out: Promise<RpcValue>;
    try {
      out = Promise.resolve(served.fn(args, control));
    } catch (e) {
      out = Promise.reject(e);
    }
    out.then(
      (value) => {
        served.running--;
        let bytes: Uint8Array;
        try {
          bytes = encodeValue(value);
        } catch (e) {
          this.finish(c, RESULT_ERROR, utf8Encode(`result: ${(e as Error).message}`));
          return;
        }
        this.finish(c, RESULT_VALUE, bytes);
      },
      (e: unknown) => {
        served.running--;
        this.finish(c, RESULT_ERROR, utf8Encode(e instanceof Error ? e.message : String(e)));
      },
    );
  }

  /** Progress reports while computing: the client's evidence that this board is alive. */
  private progress(c: ServerCall): void {
    c.progressTimer = this.clock.setTimer(this.limits.progressMs, () => {
      c.progressTimer = -1;
      if (c.phase !== 'compute' || this.closed || this.calls.get(c.key) !== c) return;
      this.port.send(c.id.client, encodeIndexed(MsgType.PROGRESS, c.id, ++c.progressCount));
      this.progress(c);
    });
  }

  private finish(c: ServerCall, status: number, bytes: Uint8Array): void {
    if (this.closed || this.calls.get(c.key) !== c) return;
    if (c.progressTimer >= 0) this.clock.clearTimer(c.progressTimer);
    c.progressTimer = -1;
    c.result = bytes;
    c.resultStatus = status;
    if (!c.idempotent && c.buddy !== NO_BUDDY && c.buddy !== this.port.node) {
      // Exactly once: the result is safe at the buddy before the client can see it. Keep
      // reporting progress meanwhile, so the client does not take the wait for a death.
      this.progress(c);
      void this.storeAtBuddy(c, STORE_RESULT, status, bytes).then((outcome) => {
        if (c.progressTimer >= 0) this.clock.clearTimer(c.progressTimer);
        c.progressTimer = -1;
        if (outcome === 'refused') {
          // The buddy runs a later attempt itself: this result must never reach the client.
          this.drop(c);
          if (this.calls.get(c.key) === c) this.calls.delete(c.key);
          return;
        }
        // Not secured (the buddy is unreachable): the client is then the only judge. It takes
        // a result only from the attempt it is on, and it resumes a non-idempotent call only at
        // the buddy, which this result never reached: the completion counts once the client
        // has acknowledged all of it.
        if (outcome === 'lost') c.commitOnAck = true;
        else this.completed(c);
        this.beginResult(c);
      });
      return;
    }
    this.completed(c);
    this.beginResult(c);
  }

  /**
   * The call's result is committed: the one completion a non-idempotent call may have (its
   * result is at the buddy, which refuses any other attempt's). Reported as evidence for the
   * exactly-once check (the simulator counts these per call).
   */
  private completed(c: ServerCall): void {
    this.stats.completed++;
    emitEvent(this.port, encodeRpcEvent({ name: 'rpc-done', client: c.id.client, call: c.id.call, idempotent: c.idempotent }));
  }

  private beginResult(c: ServerCall): void {
    if (this.closed || this.calls.get(c.key) !== c) return;
    c.phase = 'result';
    this.enter('result');
    this.sendResult(c);
  }

  private sendResult(c: ServerCall): void {
    const bytes = c.result;
    if (bytes === null) return;
    c.sender?.stop();
    const id = { ...c.id };
    const status = c.resultStatus;
    const sender = new ChunkSender(
      this.clock, bytes, this.settings(c.chunkBytes),
      (index, chunk) => this.port.send(id.client, encodeResult(id, status, bytes.length, index, chunk)),
      (ok) => {
        if (c.sender !== sender) return;
        c.sender = null;
        // Delivered: forget it. Not acknowledged: keep holding it until the client asks again
        // (a START of a later attempt) or says FORGET; it counts against the store's budget.
        if (ok) {
          if (c.commitOnAck) this.completed(c);
          this.calls.delete(c.key);
        } else {
          this.hold(c);
        }
      },
    );
    c.sender = sender;
    sender.start();
  }

  /** A result nobody acknowledged: held in the store (bounded) so a later attempt gets it. */
  private hold(c: ServerCall): void {
    this.calls.delete(c.key);
    if (c.result === null) return;
    this.buddy.put(c.key, { kind: STORE_RESULT, gen: 0, status: c.resultStatus, bytes: c.result });
  }

  private async checkpoint(c: ServerCall, state: RpcValue): Promise<boolean> {
    if (this.closed || this.calls.get(c.key) !== c || c.buddy === NO_BUDDY || c.buddy === this.port.node) return false;
    const bytes = encodeValue(state);
    return (await this.storeAtBuddy(c, STORE_CHECKPOINT, RESULT_VALUE, bytes)) === 'stored';
  }

  /** Stream `bytes` into the buddy's store as the call's next generation. */
  private storeAtBuddy(c: ServerCall, kind: number, status: number, bytes: Uint8Array): Promise<'stored' | 'refused' | 'lost'> {
    c.storeSender?.stop();
    const gen = ++c.gen;
    c.storeGen = gen;
    const id = { ...c.id };
    const fields = { kind, server: this.port.node, chunkBytes: c.chunkBytes, gen, total: bytes.length, status };
    return new Promise((resolve) => {
      const sender = new ChunkSender(
        this.clock, bytes, this.settings(c.chunkBytes),
        (index, chunk) => this.port.send(c.buddy, encodeStore(id, fields, index, chunk)),
        (ok) => {
          if (c.storeSender === sender) c.storeSender = null;
          resolve(ok ? 'stored' : 'lost');
        },
      );
      c.storeSender = sender;
      c.storeRefused = () => {
        sender.stop();
        if (c.storeSender === sender) c.storeSender = null;
        resolve('refused');
      };
      sender.start();
    });
  }

  private onStore(m: Extract<RpcMessage, { type: typeof MsgType.STORE }>): void {
    const next = this.buddy.accept(keyOf(m), m, this.calls.get(keyOf(m))?.id.attempt ?? 0);
    if (next !== null) this.port.send(m.server, encodeStoreAck(m, m.gen, next));
  }

  private drop(c: ServerCall): void {
    c.sender?.stop();
    c.storeSender?.stop();
    if (c.progressTimer >= 0) this.clock.clearTimer(c.progressTimer);
    c.progressTimer = -1;
  }

  /** For a remote error's text. */
  static errorText(bytes: Uint8Array): string {
    return utf8Decode(bytes);
  }

  static readonly stages = RPC_STAGES;
}
