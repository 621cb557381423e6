/**
 * Opens an ECMA-419 serial port (`embedded:io/serial`) in buffer mode with a transmit queue
 * and hands received bytes to its owner. Shared by UART links and the console.
 *
 * The port's callbacks are two module-level functions (preloaded into flash on a board) that
 * reach the `SerialPort` through the ECMA-419 `target` option (`this.target`, supported by
 * Moddable's serial on every port: lin, esp32, pico, ...), and the owner is an object with a
 * method, not a closure: before, each port held three closures and their environments
 * (~40 XS slots a port, three ports on a two-link board; docs/FOOTPRINT.md "Round 10:
 * conformance slots").
 */
import Serial from 'embedded:io/serial';
import { TxQueue } from './tx-queue.js';
import type { TxStats } from './tx-queue.js';
import type { TxSource } from '../../src/hal.js';

import type { SerialPortSpec } from './specs.js';

/**
 * A last write before XS aborts (writeNow): at most this many bytes a port write (half an
 * ESP32 UART's 128-byte FIFO, which throws "output full" past its room)...
 */
const NOW_PIECE = 64;
/** ...retried every NOW_RETRY_MS while the FIFO drains, for at most NOW_WAIT_MS in all... */
const NOW_RETRY_MS = 2;
const NOW_WAIT_MS = 500;
/** ...then a full FIFO's time at 115 200 baud (128 bytes, 11 ms) before the chip restarts. */
const NOW_DRAIN_MS = 12;

/** Who gets a port's received bytes. */
export interface PortOwner {
  portBytes(bytes: Uint8Array): void;
}

/** The serial instance as its callbacks see it: `target` is the option of that name. */
type TargetedSerial = Serial & { readonly target: SerialPort };

function onReadable(this: Serial): void {
  (this as TargetedSerial).target.readable(this);
}

function onWritable(this: Serial, count: number): void {
  (this as TargetedSerial).target.writable(count);
}

export class SerialPort {
  private readonly serial: Serial;
  /** Null only while the Serial is being constructed (a port may announce room at once). */
  private tx: TxQueue | null = null;
  private closed = false;

  constructor(spec: SerialPortSpec, txLimit: number, private readonly owner: PortOwner) {
    // `device` (not in the ECMA-419 typings) is what lin's serial opens; ESP32/Pico use the pins.
    const where = spec.device !== undefined ? { device: spec.device } : {};
    this.serial = new Serial({
      ...where,
      port: spec.port,
      receive: spec.receive,
      transmit: spec.transmit,
      baud: spec.baud,
      format: 'buffer',
      onReadable,
      onWritable,
      target: this,
    });
    // The port itself is the queue's sink (its write takes the ArrayBuffer): no wrapper
    // object and closure per port (docs/FOOTPRINT.md, "Round 7: pingpong slots").
    this.tx = new TxQueue(this.serial, txLimit);
  }

  /** @internal The port's onReadable. */
  readable(serial: Serial): void {
    const data = serial.read();
    if (data instanceof ArrayBuffer && data.byteLength > 0) this.owner.portBytes(new Uint8Array(data));
  }

  /** @internal The port's onWritable. */
  writable(count: number): void {
    if (this.tx !== null) this.tx.onWritable(count);
  }

  /**
   * Queue bytes; false when the transmit queue is full (the write is dropped and counted).
   * `owned`: the caller gives `bytes` away, the queue keeps them without a copy.
   */
  write(bytes: Uint8Array, owned = false): boolean {
    if (this.closed || this.tx === null) return false;
    return this.tx.push(bytes, owned);
  }

  /**
   * What is queued, then `bytes`, written to the port now, waiting for its FIFO with `wait`
   * (Timer.delay: the VM blocks, nothing else runs) rather than for onWritable: XS aborts right
   * after this (the abort hook, firmware/abort-hook.ts), so a queued byte would never be sent.
   * Gives up silently when the port takes nothing for NOW_WAIT_MS.
   */
  writeNow(bytes: Uint8Array, wait: (ms: number) => void): void {
    if (this.closed || this.tx === null) return;
    const all = this.tx.takeQueued();
    all.push(bytes);
    let waited = 0;
    for (const b of all) {
      for (let at = 0; at < b.length; ) {
        const n = Math.min(NOW_PIECE, b.length - at);
        try {
          this.serial.write(b.slice(at, at + n).buffer);
          at += n;
        } catch {
          if (waited >= NOW_WAIT_MS) return;
          wait(NOW_RETRY_MS);
          waited += NOW_RETRY_MS;
        }
      }
    }
    wait(NOW_DRAIN_MS);
  }

  /** Queue a source, read in pieces as the port drains; false when the queue is full (dropped and counted). */
  writeSource(source: TxSource): boolean {
    if (this.closed || this.tx === null) return false;
    return this.tx.pushSource(source);
  }

  stats(): TxStats {
    return this.tx !== null ? this.tx.stats() : { queued: 0, sent: 0, droppedWrites: 0, droppedBytes: 0, limit: 0 };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.tx !== null) this.tx.clear();
    this.serial.close();
  }
}
