/**
 * Opens an ECMA-419 serial port (`embedded:io/serial`) in buffer mode with a transmit queue
 * and hands received bytes to a callback. Shared by UART links and the console.
 */
import Serial from 'embedded:io/serial';
import { TxQueue } from './tx-queue.js';
import type { TxStats } from './tx-queue.js';
import type { TxSource } from '../../src/hal.js';

import type { SerialPortSpec } from './specs.js';

export class SerialPort {
  private readonly serial: Serial;
  private readonly tx: TxQueue;
  private closed = false;

  constructor(spec: SerialPortSpec, txLimit: number, onBytes: (bytes: Uint8Array) => void) {
    let tx: TxQueue | null = null;
    // `device` (not in the ECMA-419 typings) is what lin's serial opens; ESP32/Pico use the pins.
    const where = spec.device !== undefined ? { device: spec.device } : {};
    this.serial = new Serial({
      ...where,
      port: spec.port,
      receive: spec.receive,
      transmit: spec.transmit,
      baud: spec.baud,
      format: 'buffer',
      onReadable(this: Serial) {
        const data = this.read();
        if (data instanceof ArrayBuffer && data.byteLength > 0) onBytes(new Uint8Array(data));
      },
      onWritable(this: Serial, count: number) {
        tx?.onWritable(count);
      },
    });
    // The port itself is the queue's sink (its write takes the ArrayBuffer): no wrapper
    // object and closure per port (docs/TARGETS.md, "Round 7: pingpong slots").
    tx = new TxQueue(this.serial, txLimit);
    this.tx = tx;
  }

  /**
   * Queue bytes; false when the transmit queue is full (the write is dropped and counted).
   * `owned`: the caller gives `bytes` away, the queue keeps them without a copy.
   */
  write(bytes: Uint8Array, owned = false): boolean {
    if (this.closed) return false;
    return this.tx.push(bytes, owned);
  }

  /** Queue a source, read in pieces as the port drains; false when the queue is full (dropped and counted). */
  writeSource(source: TxSource): boolean {
    if (this.closed) return false;
    return this.tx.pushSource(source);
  }

  stats(): TxStats {
    return this.tx.stats();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.tx.clear();
    this.serial.close();
  }
}
