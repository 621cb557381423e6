/**
 * The board's console on its USB serial port (ECMA-419 serial, UTF-8 text), or — when the
 * port belongs to xsbug in a debug build — output through trace() and no input.
 */
import type { HalConsole } from '../../src/hal.js';
import { utf8Encode } from '../../src/util/utf8.js';
import { SerialPort } from './serial-port.js';
import type { PortOwner } from './serial-port.js';
import type { SerialPortSpec } from './specs.js';
import { Utf8Carry } from './utf8-carry.js';
import type { TxStats } from './tx-queue.js';

/** What runs the console's input callback (the Moddable Hal; it also serves a halted board's console). */
export interface ConsoleGuard {
  guardConsole(where: string, run: () => void): void;
}

export class SerialConsole implements HalConsole, PortOwner {
  onInput: ((text: string) => void) | null = null;
  private readonly port: SerialPort;
  private readonly text = new Utf8Carry();

  constructor(spec: SerialPortSpec, txLimit: number, private readonly hal: ConsoleGuard) {
    // The console is the port's owner (a method, not a closure: "Round 10").
    this.port = new SerialPort(spec, txLimit, this);
  }

  /** @internal PortOwner: bytes the port received. */
  portBytes(bytes: Uint8Array): void {
    const handler = this.onInput;
    if (handler === null) return;
    const text = this.text.push(bytes);
    if (text !== '') this.hal.guardConsole('console input', () => handler(text));
  }

  write(text: string): void {
    this.port.write(utf8Encode(text));
  }

  /** A last line before XS aborts: straight to the port, after what is queued (SerialPort.writeNow). */
  writeNow(text: string, wait: (ms: number) => void): void {
    this.port.writeNow(utf8Encode(text), wait);
  }

  stats(): TxStats {
    return this.port.stats();
  }

  close(): void {
    this.onInput = null;
    this.port.close();
  }
}

/** Console output through trace() (xsbug in a debug build, the serial log in a release build); no input. */
export class TraceConsole implements HalConsole {
  onInput: ((text: string) => void) | null = null;

  write(text: string): void {
    trace(text);
  }

  close(): void {
    this.onInput = null;
  }
}
