/**
 * Turns an XS machine inside xsnap-worker into a simulated board: installs the global
 * `handleCommand` that xsnap-worker calls for each `?` command. The argument is an encoded
 * event batch (codec.ts); the returned object's `result` getter is read by the worker only
 * after every promise job has settled, so the encoded actions include everything the
 * batch caused, in one pipe round trip.
 *
 * The reply is the encoded actions followed by a 4-byte trailer (meter-trailer.ts): the XS
 * units of the simulator's own work in this step (decoding the batch and applying its time
 * event, recording the actions, encoding the reply, marshalling native helpers), which are
 * kept out of the board's meter (meter.ts).
 */
import { BoardHost, errorText } from '../driven/board-host.js';
import type { BootFunction } from '../driven/board-host.js';
import { decodeEvents, encodeActions } from '../driven/codec.js';
import type { NativeBytes } from '../../src/wire/native.js';
import { SimMeter } from './meter.js';
import { withMeterTrailer } from './meter-trailer.js';
import { probeNativeBytes } from './native-bytes.js';

interface CommandResult {
  readonly result: ArrayBuffer;
}

interface WorkerGlobal {
  handleCommand?: (message: ArrayBuffer) => CommandResult;
  /** xsnap-worker's: runs `fn` once the promise jobs have drained, before the command's reply. */
  setImmediate?: (fn: () => void) => void;
}

export function installBoard(boot: BootFunction): void {
  const meter = new SimMeter();
  // Asked at boot, not when the bundle loads: a heap snapshot of the loaded bundle serves every
  // board, and only the host running this board knows whether it serves natives.
  let natives: NativeBytes | undefined | null = null;
  const host = new BoardHost(boot, () => {
    if (natives === null) natives = probeNativeBytes(meter);
    return natives;
  }, meter);
  const global = globalThis as unknown as WorkerGlobal;
  const immediate = global.setImmediate;
  // xsnap-worker's run loop alternates promise jobs and immediates until both are empty, and
  // only then reads `result`: each settle() round starts after every job before it settled.
  const settle = (): void => {
    if (host.settle() && immediate !== undefined) immediate(settle);
  };
  const result: CommandResult = {
    get result(): ArrayBuffer {
      // Without setImmediate (not xsnap-worker?) the end-of-turn timers run here, less exactly.
      if (immediate === undefined) while (host.settle());
      // xsnap-worker reads the meter before it reads `result`: encoding the reply is never
      // metered, but it is the simulator's work all the same and is reported with the rest.
      const m0 = meter.mark();
      const bytes = encodeActions(host.takeActions());
      meter.add(meter.mark() - m0);
      return withMeterTrailer(bytes, meter.take());
    },
  };
  reportUnhandledRejections(host);
  global.handleCommand = (message: ArrayBuffer): CommandResult => {
    meter.step();
    const m0 = meter.begin();
    meter.nativeCalls = 0;
    let events;
    try {
      events = decodeEvents(new Uint8Array(message));
    } catch (err) {
      // Only an undecodable batch gets here (BoardHost catches the runtime's exceptions).
      meter.end(m0);
      host.fail(`bad event batch: ${errorText(err)}`);
      events = null;
    }
    if (events !== null) {
      // The batch's time (and memory) events go with its decoding: no board code runs for them.
      const from = host.applyFacts(events);
      meter.end(m0);
      host.apply(events, from);
    }
    if (immediate !== undefined) immediate(settle);
    return result;
  };
}

/** What xsnap reports an unhandled rejection with (xsnapPlatform.c, fxAbort). */
const XSNAP_REJECTION_LABEL = 'UnhandledPromiseRejectionWarning:';

/**
 * xsnap-worker ends each command's run loop with fxCheckUnhandledRejections(atExit): every
 * rejected promise nobody handled is reported as `console.error(label, reason)`, before the
 * command's `result` is read, and the VM goes on. Without a `console` global the call threw
 * and xsnap printed `Unhandled exception <reason>` on stderr: the board went on where a
 * Moddable firmware aborts. This `console` halts the board instead, its reason in this very
 * step's actions. Its only method is the one xsnap calls (apps get no host `console`: the app
 * build rejects one, host-sim/apps/host-names.ts).
 */
function reportUnhandledRejections(host: BoardHost): void {
  const report = {
    error(label: unknown, reason: unknown): void {
      if (label === XSNAP_REJECTION_LABEL) host.unhandledRejection(reason);
      else host.fail(`${String(label)} ${errorText(reason)}`);
    },
  };
  Object.defineProperty(globalThis, 'console', { value: Object.freeze(report), writable: false, enumerable: false, configurable: false });
}
