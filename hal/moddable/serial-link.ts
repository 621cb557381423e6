/** A UART towards one peer board: a `stream` HalLink over an ECMA-419 serial port. */
import type { HalLink, LinkReceiver, TxSource } from '../../src/hal.js';
import { SerialPort } from './serial-port.js';
import type { PortOwner } from './serial-port.js';
import type { SerialLinkSpec, SerialPortSpec } from './specs.js';
import type { TxStats } from './tx-queue.js';

/** What runs a link's callbacks (the Moddable Hal): a halt, not an XS abort, when one throws. */
export interface LinkGuard {
  /**
   * Hand `bytes` to `link.receiver`. A method taking the link, not a closure and a name per
   * read: those were ~15 XS slots made on every port read, ~9 reads a 2.1 KB checkpoint frame
   * (test/net/xs-recv-chain, docs/FOOTPRINT.md "Round 21: the receive chain").
   */
  linkInput(link: SerialLink, bytes: Uint8Array): void;
}

/** How a link's receive is named in a halt reason and by the heap probe. */
export function linkWhere(index: number): string {
  return `links[${index}] receive`;
}

export class SerialLink implements HalLink, PortOwner {
  readonly kind = 'stream' as const;
  readonly mtu: number;
  /** 8N1: ten bits on the line per byte. */
  readonly bytesPerMs: number;
  receiver: LinkReceiver | null = null;
  /** Null when the port could not be opened (`openError` says why; the board halts at boot). */
  private readonly port: SerialPort | null;
  readonly openError: string | null;

  constructor(
    readonly index: number,
    spec: SerialLinkSpec,
    private readonly hal: LinkGuard,
  ) {
    this.mtu = spec.mtu ?? 256;
    this.bytesPerMs = spec.baud / 10000;
    let port: SerialPort | null = null;
    let openError: string | null = null;
    try {
      // The link is the port's owner (a method, not a closure per link: "Round 10").
      port = new SerialPort(spec, spec.txLimit ?? 4096, this);
    } catch (e) {
      openError = `links[${index}]: cannot open ${portName(spec)}: ${e instanceof Error ? e.message : String(e)}`;
    }
    this.port = port;
    this.openError = openError;
  }

  /** @internal PortOwner: bytes the port received. */
  portBytes(bytes: Uint8Array): void {
    if (this.receiver !== null) this.hal.linkInput(this, bytes);
  }

  write(bytes: Uint8Array): void {
    if (!(bytes instanceof Uint8Array)) throw new TypeError(`links[${this.index}].write: bytes must be a Uint8Array`);
    // A full queue drops the write: the link layer above retransmits what is not acknowledged.
    this.port?.write(bytes);
  }

  /** `write` of a fresh array given away (HalLink.writeOwned): the transmit queue keeps it without a copy. */
  writeOwned(bytes: Uint8Array): void {
    if (!(bytes instanceof Uint8Array)) throw new TypeError(`links[${this.index}].writeOwned: bytes must be a Uint8Array`);
    this.port?.write(bytes, true);
  }

  /**
   * HalLink.writeSource: the transmit queue keeps the source and reads it in pieces as the port
   * drains (a large frame's encoding is never whole in RAM). False when the queue is full.
   */
  writeSource(source: TxSource): boolean {
    return this.port?.writeSource(source) ?? false;
  }

  stats(): TxStats {
    return this.port?.stats() ?? { queued: 0, sent: 0, droppedWrites: 0, droppedBytes: 0, limit: 0 };
  }

  close(): void {
    this.receiver = null;
    this.port?.close();
  }
}

/** How a port is named in messages: its device path, or its UART number and pins. */
export function portName(spec: SerialPortSpec): string {
  return spec.device !== undefined ? `serial device ${spec.device}` : `UART ${spec.port} (receive ${spec.receive}, transmit ${spec.transmit})`;
}
