/**
 * What a hop link (hop-link.ts) needs of its host, the NetLayer: where the frames it takes
 * go, and what it tells of its state. Generic in the link's type, so this file imports no
 * HopLink and the link's own file keeps only the link (no import cycle, type-only ones
 * included).
 */
import type { FrameFields } from '../wire/frame.js';
import type { WriterHost } from './link-writer.js';
import type { ResolvedNetOptions } from './options.js';

export interface LinkHost<L> extends WriterHost {
  readonly opts: ResolvedNetOptions;
  /** A whole frame taken off the link (deframed), before it is decoded. */
  ingress(link: L, frame: Uint8Array): void;
  /** A sequenced frame, in order and exactly once. `owned`: `frame` is a private copy that may be kept. */
  receive(link: L, frame: Uint8Array, fields: FrameFields, owned: boolean): void;
  /** The link went up, or down (its queue is already dropped). */
  changed(link: L): void;
  /** The link is about to drop what it queued and holds unacknowledged (`pending` still lists it). */
  linkReset(link: L): void;
  /** The neighbour speaks frame version `version` (ingress.ts): once per link and version. */
  versionMismatch(link: L, version: number): void;
}
