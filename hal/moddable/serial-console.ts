/**
 * The board's console on its USB serial port (ECMA-419 serial, UTF-8 text), or — when the
 * port belongs to xsbug in a debug build — output through trace() and no input.
 */
import type { HalConsole } from '../../src/hal.js';
import { utf8Decode, utf8Encode } from '../../src/util/utf8.js';
import { SerialPort } from './serial-port.js';
import type { SerialPortSpec } from './serial-port.js';
import type { TxStats } from './tx-queue.js';

/** Length of the longest prefix of `bytes` that does not end inside a UTF-8 sequence. */
export function completeUtf8Length(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let back = 1; back <= 3 && back <= n; back++) {
    const b = bytes[n - back]!;
    if ((b & 0xc0) === 0x80) continue;
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? n - back : n;
  }
  return n;
}

export class SerialConsole implements HalConsole {
  onInput: ((text: string) => void) | null = null;
  private readonly port: SerialPort;
  private carry: Uint8Array = new Uint8Array(0);

  constructor(spec: SerialPortSpec, txLimit: number, guard: (where: string, run: () => void) => void) {
    this.port = new SerialPort(spec, txLimit, (bytes) => {
      const handler = this.onInput;
      if (handler === null) return;
      const text = this.decode(bytes);
      if (text !== '') guard('console input', () => handler(text));
    });
  }

  write(text: string): void {
    this.port.write(utf8Encode(text));
  }

  stats(): TxStats {
    return this.port.stats();
  }

  close(): void {
    this.onInput = null;
    this.port.close();
  }

  /** A multi-byte character split across two reads is held back until it is whole. */
  private decode(bytes: Uint8Array): string {
    let all = bytes;
    if (this.carry.length > 0) {
      all = new Uint8Array(this.carry.length + bytes.length);
      all.set(this.carry);
      all.set(bytes, this.carry.length);
    }
    const whole = completeUtf8Length(all);
    this.carry = all.slice(whole);
    return utf8Decode(all, 0, whole);
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
