/**
 * The hardware abstraction layer: everything the runtime needs from the world.
 *
 * src/ never touches a host global (no timers, console, Buffer, process, TextEncoder): a
 * target hands one Hal object to the runtime at start. Targets: hal/driven (in-process V8
 * boards through host-sim/boards/node-board.ts, and under hal/xsnap: XS boards in the host
 * simulator), hal/moddable (real boards), hal/lua.
 *
 * Every callback the runtime installs (`receiver.input`, `onInput`, timer callbacks) is invoked
 * by the target from its own event loop, never re-entrantly from inside a Hal call, so the
 * protocol cores can treat each one as a single event.
 */

import type { NativeBytes } from './wire/native.js';

export type LinkKind = 'stream' | 'datagram';

/** Bytes a link target reads a piece at a time (HalLink.writeSource). */
export interface TxSource {
  /** Bytes not read yet: 0 once the target has read them all. */
  readonly left: number;
  /** Write the next `count` bytes (at most `left`) into out[at, at + count). */
  read(out: Uint8Array, at: number, count: number): void;
}

/** One physical link: a UART (byte stream) or a UDP socket towards one peer (datagrams). */
export interface HalLink {
  /** Position of this link in `Hal.links`; also its id in frames' hop fields and stats. */
  readonly index: number;
  /** `stream` links deliver arbitrary byte chunks and need framing; `datagram` links deliver whole packets. */
  readonly kind: LinkKind;
  /** Largest write the link accepts in one call (datagram: packet size; stream: a hint). */
  readonly mtu: number;
  /**
   * The transmit rate in bytes per ms when the target knows it (a UART: baud / 10 for 8N1).
   * Writes leave one after another at this rate; the link layer times its retransmissions
   * from when a frame has left, not from when it was queued behind others. Absent: unknown.
   */
  readonly bytesPerMs?: number;
  /**
   * Queue bytes for transmission. Never blocks; the target owns its transmit buffer: it
   * copies what it keeps, so the caller may change `bytes` as soon as write returns.
   */
  write(bytes: Uint8Array): void;
  /**
   * Optional: `write` of bytes the caller gives away (a fresh array it will not touch again), so
   * a target that queues writes keeps them without a copy. Stream links get a frame's fresh
   * COBS encoding this way (docs/FOOTPRINT.md "Round 8: conformance footprint").
   */
  writeOwned?(bytes: Uint8Array): void;
  /**
   * Optional: queue bytes produced on demand, read from `source` as the link drains (a stream
   * link gets a large frame's COBS encoding this way: the encoding is never whole in RAM, only
   * the frame the runtime holds anyway for its retransmission, plus the piece being written).
   * Returns false when the target dropped it (a full transmit queue, like a dropped `write`: the
   * link layer resends). While `source.left > 0` the target may still read it; the runtime keeps
   * what it reads unchanged until then. A target without it gets `write`/`writeOwned` as before
   * (the simulator's HALs copy). docs/FOOTPRINT.md "Round 9: conformance chunks".
   */
  writeSource?(source: TxSource): boolean;
  /**
   * Installed by the runtime: the target calls `receiver.input(bytes)` for what arrived. A stream
   * link may split or merge writes arbitrarily. `bytes` is the runtime's to keep: the target never
   * reuses the memory it hands over. An object with a method, not a callback: the runtime hands
   * over its hop link itself, where a closure per link was ~15 XS slots (docs/FOOTPRINT.md "Round
   * 11: conformance slots"), and a method called on its object is the shape the Lua build calls
   * right (typescript-to-lua passes the object as `self`).
   */
  receiver: LinkReceiver | null;
}

/** Where a link's received bytes go (`HalLink.receiver`). */
export interface LinkReceiver {
  input(bytes: Uint8Array): void;
}

/** The board's serial console (USB serial on a real board, pty/TCP in the simulator). */
export interface HalConsole {
  write(text: string): void;
  /** Installed by the runtime; receives raw text as it arrives (not necessarily whole lines). */
  onInput: ((text: string) => void) | null;
}

export type LogLevel = 'error' | 'warn' | 'info' | 'debug' | 'trace';

export interface MemoryFigures {
  /** Bytes of heap in use now, as well as the target can tell. */
  used: number;
  /** The budget in bytes (configured in the simulator, the chip's heap on a board). */
  limit: number;
}

export interface Hal {
  /** Milliseconds since the board started; virtual time in the simulator. May be fractional. */
  now(): number;
  /**
   * Call `fire` once after `delayMs`; returns an id for clearTimer. A delay of 0 (or less)
   * means "at the end of this turn": after the callback that set it and every promise job that
   * callback started have finished, with no time passing. Protocol cores use it to batch
   * output of one event (flush once, after everything the event caused). The simulator runs
   * such timers inside the same step, in the order they were set, before the board's next
   * event — except after `event()` or `hang()` in that step, when they wait for the next step
   * so the host can act first (a fault triggered by the event lands before them). A real board
   * runs them on its next event-loop turn. Code must not rely on more than "later than now,
   * not re-entrantly".
   *
   * `fire` is called with `arg`: a long-lived owner (a Deadline) passes itself and one
   * module-level function, instead of holding a closure per timer user (each closure is a
   * function and an environment in an XS board's slot heap; docs/FOOTPRINT.md, "Round 7:
   * pingpong slots").
   */
  setTimer<A = undefined>(delayMs: number, fire: (arg: A) => void, arg?: A): number;
  clearTimer(id: number): void;
  readonly links: readonly HalLink[];
  readonly console: HalConsole;
  log(level: LogLevel, message: string): void;
  memory(): MemoryFigures;
  /** Uniform in [0, 1). Seeded (deterministic) in the simulator. */
  random(): number;
  /**
   * Report a named runtime event (`iter`, `ckpt-send`, `ckpt-commit`, `recovery-transfer`,
   * `app-result`, ...). The simulator uses these for fault triggers and the trace; a real
   * board may log them or ignore them.
   */
  event(name: string, value: number, detail?: string): void;
  /** Stop the board for good (fatal error, injected crash). Does not return control usefully. */
  halt(reason: string): void;
  /** Restart the board: RAM lost, same identity. */
  reset(): void;
  /** Stop processing anything for `ms` (injected hang; a real board busy-waits). */
  hang(ms: number): void;
  /**
   * Optional native byte helpers (CRC-32, COBS, the checkpoint diff, copies): the runtime uses
   * each one present instead of its JS code, which gives the same bytes (src/wire/native.ts).
   */
  readonly bytes?: NativeBytes;
}

/** The part of the Hal that protocol state machines need for time. */
export type Clock = Pick<Hal, 'now' | 'setTimer' | 'clearTimer'>;
