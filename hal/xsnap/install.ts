/**
 * Turns an XS machine inside xsnap-worker into a simulated board: installs the global
 * `handleCommand` that xsnap-worker calls for each `?` command. The argument is an encoded
 * event batch (codec.ts); the returned object's `result` getter is read by the worker only
 * after every promise job has settled, so the encoded actions include everything the
 * batch caused, in one pipe round trip.
 */
import { BoardHost, errorText } from '../driven/board-host.js';
import type { BootFunction } from '../driven/board-host.js';
import { decodeEvents, encodeActions } from '../driven/codec.js';

interface CommandResult {
  readonly result: ArrayBuffer;
}

interface WorkerGlobal {
  handleCommand?: (message: ArrayBuffer) => CommandResult;
  /** xsnap-worker's: runs `fn` once the promise jobs have drained, before the command's reply. */
  setImmediate?: (fn: () => void) => void;
}

export function installBoard(boot: BootFunction): void {
  const host = new BoardHost(boot);
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
      const bytes = encodeActions(host.takeActions());
      const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
      return (whole ? bytes.buffer : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)) as ArrayBuffer;
    },
  };
  global.handleCommand = (message: ArrayBuffer): CommandResult => {
    try {
      host.apply(decodeEvents(new Uint8Array(message)));
    } catch (err) {
      // Only an undecodable batch gets here (BoardHost catches the runtime's exceptions).
      host.fail(`bad event batch: ${errorText(err)}`);
    }
    if (immediate !== undefined) immediate(settle);
    return result;
  };
}
