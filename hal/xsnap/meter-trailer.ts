/**
 * The last 4 bytes of an XS board's reply (u32 LE): the XS units of the simulator's own work
 * in that step, kept out of the board's meter (install.ts, meter.ts). The host strips them
 * before decoding the actions (host-sim/boards/xs-board.ts).
 */
export const METER_TRAILER_BYTES = 4;

/** `bytes` followed by the trailer, as the ArrayBuffer xsnap-worker sends back. */
export function withMeterTrailer(bytes: Uint8Array, units: number): ArrayBuffer {
  const out = new Uint8Array(bytes.length + METER_TRAILER_BYTES);
  out.set(bytes, 0);
  const u = Math.min(Math.max(0, Math.round(units)), 0xffffffff);
  const at = bytes.length;
  out[at] = u & 0xff;
  out[at + 1] = (u >>> 8) & 0xff;
  out[at + 2] = (u >>> 16) & 0xff;
  out[at + 3] = (u >>> 24) & 0xff;
  return out.buffer as ArrayBuffer;
}

/** Split a reply into the encoded actions and the simulator's units. */
export function splitMeterTrailer(reply: Uint8Array): { actions: Uint8Array; simUnits: number } {
  const at = reply.length - METER_TRAILER_BYTES;
  if (at < 0) return { actions: reply, simUnits: 0 };
  const simUnits = (reply[at]! | (reply[at + 1]! << 8) | (reply[at + 2]! << 16) | (reply[at + 3]! << 24)) >>> 0;
  return { actions: reply.subarray(0, at), simUnits };
}
