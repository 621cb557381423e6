/**
 * Frame authentication with the domain key (docs/PROTOCOL.md §13): every frame of a domain
 * that has a key carries FLAG_AUTH and an 8-byte SipHash-2-4 tag between payload and CRC. The
 * tag is computed per hop (every board of the domain holds the key) over the frame's bytes —
 * header with its hop fields, payload — and a 16-byte link context that is not transmitted:
 *
 *   c0  the sending side's link session id      c1  the receiving side's link session id
 *   c2  the extended hop sequence number (frames sequenced in this session; 0 if unsequenced)
 *   c3  byte 0 of the frame without NO_CRC (set after signing, on datagram links)
 *
 * Session ids are fresh random numbers at every boot and link reset, so a frame recorded in an
 * earlier session — before a reboot, an epoch change or a link flap — fails the MAC; within a
 * session the extended sequence number (the 8-bit lseq plus the wraps both ends count) makes a
 * frame replayed 256 or more frames later fail it too, and a nearer replay is a duplicate.
 */
import { FLAG_NO_CRC, CRC_SIZE, OFF_VERSION_FLAGS, TAG_SIZE } from './frame.js';
import { SipHash24 } from './siphash.js';

/** Key length: 128 bits, written as 32 hex digits in configurations. */
export const DOMAIN_KEY_BYTES = 16;

/** Parse a domain key: 32 hex digits. Throws a RangeError naming `field` otherwise. */
export function parseDomainKey(text: unknown, field = 'domainKey'): Uint8Array {
  /** `text` is exactly `n` hex digits (no regular expression: the Lua build has none). */
  function isHexDigits(text: string, n: number): boolean {
    if (text.length !== n) return false;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102))) return false;
    }
    return true;
  }
  if (typeof text !== 'string' || !isHexDigits(text, 32)) {
    throw new RangeError(`${field} must be 32 hex digits (a 128-bit key), got ${typeof text === 'string' ? `${text.length} characters` : String(text)}`);
  }
  const key = new Uint8Array(DOMAIN_KEY_BYTES);
  for (let i = 0; i < DOMAIN_KEY_BYTES; i++) key[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return key;
}

export class FrameAuth {
  private readonly sip: SipHash24;
  private readonly tag = new Uint8Array(TAG_SIZE);

  constructor(key: Uint8Array) {
    this.sip = new SipHash24(key);
  }

  /** Write the tag of an encoded FLAG_AUTH frame (hop fields set, CRC not yet). */
  sign(frame: Uint8Array, sender: number, receiver: number, ext: number): void {
    const at = frame.length - CRC_SIZE - TAG_SIZE;
    this.sip.mac(sender, receiver, ext, frame[OFF_VERSION_FLAGS]! & ~FLAG_NO_CRC, frame, 1, at, frame, at);
  }

  /** Whether a received FLAG_AUTH frame carries the right tag for this context. */
  verify(frame: Uint8Array, sender: number, receiver: number, ext: number): boolean {
    const at = frame.length - CRC_SIZE - TAG_SIZE;
    const t = this.tag;
    this.sip.mac(sender, receiver, ext, frame[OFF_VERSION_FLAGS]! & ~FLAG_NO_CRC, frame, 1, at, t, 0);
    let diff = 0;
    for (let i = 0; i < TAG_SIZE; i++) diff |= t[i]! ^ frame[at + i]!;
    return diff === 0;
  }
}
