/**
 * Packet and scalar channels (mcapi_pktchan_*, mcapi_sclchan_*): the parts, wired together.
 *
 * connect.ts     the connect handshake (any node connects two endpoints)
 * open-close.ts  opening and closing each side; disconnect at the second close
 * credits.ts     credits both ways: spent per packet or scalar, returned as buffers free up
 * packets.ts     packet data: send, receive, release
 * scalars.ts     scalar data: 8- to 64-bit values in a ring per receive side
 * attributes.ts  the endpoint attributes a channel decides (TYPE, STATUS, NUM_SEND_BUFFERS)
 *
 * A receiver never holds more than it granted and a sender without credit waits (or fails,
 * MEM_LIMIT policy). Handles and buffers come checked from the McapiNode facade (args.ts).
 */
import type { Core } from './core.js';
import { Connects } from './connect.js';
import { Credits } from './credits.js';
import { OpenClose } from './open-close.js';
import { Packets } from './packets.js';
import { Scalars } from './scalars.js';
import { Side } from './state.js';
import type { EndpointState } from './state.js';

export class ChannelEngine {
  private readonly core: Core;
  readonly credits: Credits;
  readonly packets: Packets;
  readonly scalars: Scalars;
  readonly openClose: OpenClose;
  readonly connects: Connects;

  constructor(core: Core) {
    this.core = core;
    this.credits = new Credits(core);
    this.packets = new Packets(core, this.credits);
    this.scalars = new Scalars(core, this.credits);
    this.openClose = new OpenClose(core, this.credits, this.packets);
    this.connects = new Connects(core, this.openClose);
  }

  /** Finalize: tell the peers of every channel that this side is gone, then forget everything. */
  shutdown(): void {
    for (const st of this.core.endpoints.values()) {
      const chan = st.chan;
      if (chan !== undefined && chan.local !== Side.CLOSED && !chan.peerClosed) this.openClose.sendClose(chan);
    }
    this.connects.clear();
    this.credits.clear();
    this.packets.clear();
  }

  /** A rolled-back run's endpoint goes: its channel is dropped without a CLOSE (OpenClose.abandon). */
  abandon(st: EndpointState, why: string): void {
    this.openClose.abandon(st, why);
  }

  /** The network gave up frames to `node`: waiting requests of channels to it fail (OpenClose.peerUnreachable). */
  peerUnreachable(node: number): void {
    const why = `node ${String(node)} is unreachable: the network could not confirm delivery`;
    for (const st of this.core.endpoints.values()) {
      const chan = st.chan;
      if (chan !== undefined && chan.peerNode === node && chan.local !== Side.CLOSED) this.openClose.peerUnreachable(chan, why);
    }
  }

  depths(): { channels: number; packetsInUse: number } {
    let channels = 0;
    for (const st of this.core.endpoints.values()) if (st.chan !== undefined && st.chan.local === Side.OPEN) channels++;
    return { channels, packetsInUse: this.packets.held };
  }

  /** End of turn: return the credits owed. */
  flush(): void {
    this.credits.flush();
  }
}
