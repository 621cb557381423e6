/** A UART towards one peer board: a `stream` HalLink over an ECMA-419 serial port. */
import type { HalLink } from '../../src/hal.js';
import { SerialPort } from './serial-port.js';
import type { SerialLinkSpec } from './specs.js';
import type { TxStats } from './tx-queue.js';

export class SerialLink implements HalLink {
  readonly kind = 'stream' as const;
  readonly mtu: number;
  onReceive: ((bytes: Uint8Array) => void) | null = null;
  private readonly port: SerialPort;

  constructor(
    readonly index: number,
    spec: SerialLinkSpec,
    guard: (where: string, run: () => void) => void,
  ) {
    this.mtu = spec.mtu ?? 256;
    this.port = new SerialPort(spec, spec.txLimit ?? 4096, (bytes) => {
      const handler = this.onReceive;
      if (handler !== null) guard(`links[${index}] receive`, () => handler(bytes));
    });
  }

  write(bytes: Uint8Array): void {
    if (!(bytes instanceof Uint8Array)) throw new TypeError(`links[${this.index}].write: bytes must be a Uint8Array`);
    // A full queue drops the write: the link layer above retransmits what is not acknowledged.
    this.port.write(bytes);
  }

  stats(): TxStats {
    return this.port.stats();
  }

  close(): void {
    this.onReceive = null;
    this.port.close();
  }
}
