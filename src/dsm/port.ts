/**
 * What the DSM's parts (barrier node, managers, request window, push, home, client, sync) need
 * of the Dsm: send a message, record a failure. The Dsm itself is the port, handed to every
 * part, instead of a closure per part and per use: a closure is ~10 XS slots on a board, and
 * a DSM held a dozen of them for its whole life (docs/FOOTPRINT.md "Round 10: Laplace footprint").
 */
import type { DsmError } from './types.js';

export interface DsmPost {
  /** Send `bytes` to rank `to` (this board's own rank: delivered in a later microtask). */
  post(to: number, bytes: Uint8Array): void;
}

export interface DsmFail {
  /** Record a failure that leaves the DSM unusable (the first one is kept); returns it. */
  fail(e: DsmError): DsmError;
}

export type DsmPort = DsmPost & DsmFail;
