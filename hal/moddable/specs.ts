/** Where a board's serial ports are (plain data: firmware config and tests use it without the SDK). */

/** A UART: its number, pins and speed. */
export interface SerialPortSpec {
  port: number;
  receive: number;
  transmit: number;
  baud: number;
  /**
   * The tty to open, on platforms that open serial ports by path (`lin`: a USB serial adapter,
   * or one end of a socat pty pair). Ignored by ESP32/Pico, which use port and pins.
   */
  device?: string;
}

export interface SerialLinkSpec extends SerialPortSpec {
  /** Largest write the runtime should make in one call (a hint on a stream). Default 256. */
  mtu?: number;
  /** Transmit queue limit in bytes. Default 4096. */
  txLimit?: number;
}
