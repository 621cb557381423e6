/**
 * Turns raw console input (arbitrary chunks, as a UART or a TCP socket delivers them) into
 * whole command lines.
 *
 * A line ends at CR, LF or CRLF (a CRLF split across two chunks still counts once, because
 * terminals differ in what Enter sends). BS and DEL erase the last character, Ctrl-U erases
 * the line, Ctrl-C erases it and interrupts. ANSI escape sequences (arrow keys from a terminal)
 * and other control characters are dropped so that they never reach the parser as garbage.
 * A line longer than `maxLine` is discarded as a whole and reported once at its end.
 *
 * A control character inside an escape sequence (CR or LF above all: ESC then Enter) ends the
 * sequence and keeps its meaning, so a line terminator is never swallowed. A sequence that is
 * cut short or unknown (ESC then anything but `[`/`O`) makes its line bad: the line is rejected
 * as a whole at its end instead of running with characters missing (issue 11, defect 5).
 */

export interface LineSink {
  /** A complete line (terminator removed; may be empty). */
  line(text: string): void;
  /** A line that grew past the limit has ended; its text was discarded. */
  overflow(): void;
  /** A line with a broken escape sequence has ended; its text was discarded. */
  rejected(reason: string): void;
  /** Ctrl-C: the partial line was discarded. */
  interrupt(): void;
  /** Text to send back when echo is on. */
  echo(text: string): void;
}

const CR = 0x0d;
const LF = 0x0a;
const BS = 0x08;
const DEL = 0x7f;
const TAB = 0x09;
const ESC = 0x1b;
const CTRL_C = 0x03;
const CTRL_U = 0x15;

/** Where the assembler is inside an escape sequence. */
const Esc = {
  None: 0,
  /** After ESC. */
  Start: 1,
  /** After ESC [ : parameters until a final byte 0x40..0x7e. */
  Csi: 2,
  /** After ESC O (SS3, used for F1-F4 and keypad): one more byte. */
  Ss3: 3,
} as const;
type EscState = (typeof Esc)[keyof typeof Esc];

export const BROKEN_ESCAPE = 'incomplete or unknown escape sequence in the line (nothing done)';

export class LineAssembler {
  /** Echo typed characters (and erase sequences for BS/DEL) through `sink.echo`. */
  echo = false;
  private buf = '';
  private overlong = false;
  private afterCr = false;
  private esc: EscState = Esc.None;
  /** The line held a broken escape sequence: it is rejected when it ends. */
  private broken = false;

  constructor(
    private readonly sink: LineSink,
    readonly maxLine: number,
  ) {
    if (!Number.isInteger(maxLine) || maxLine < 1) throw new RangeError(`maxLine: expected a positive integer, got ${String(maxLine)}`);
  }

  /** Characters of the line typed so far (for redrawing after asynchronous output). */
  get pending(): string {
    return this.overlong ? '' : this.buf;
  }

  push(text: string): void {
    let runStart = -1;
    const n = text.length;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      const plain = this.esc === Esc.None && c >= 0x20 && c !== DEL;
      if (plain) {
        if (runStart < 0) runStart = i;
        this.afterCr = false;
        continue;
      }
      if (runStart >= 0) {
        this.append(text.slice(runStart, i));
        runStart = -1;
      }
      this.control(c);
    }
    if (runStart >= 0) this.append(text.slice(runStart));
  }

  private append(s: string): void {
    if (this.overlong) return;
    if (this.buf.length + s.length > this.maxLine) {
      // Keep nothing: a truncated command could do something the user did not type.
      this.overlong = true;
      this.buf = '';
      return;
    }
    this.buf += s;
    if (this.echo) this.sink.echo(s);
  }

  private control(c: number): void {
    const wasCr = this.afterCr;
    this.afterCr = false;
    if (this.esc !== Esc.None) {
      const control = c < 0x20 || c === DEL;
      if (!control) {
        switch (this.esc) {
          case Esc.Start:
            if (c === 0x5b) this.esc = Esc.Csi;
            else if (c === 0x4f) this.esc = Esc.Ss3;
            else this.breakEscape();
            return;
          case Esc.Csi:
            if (c >= 0x40 && c <= 0x7e) this.esc = Esc.None;
            else if (c > 0x7e) this.breakEscape();
            return;
          default:
            if (c > 0x7e) this.breakEscape();
            else this.esc = Esc.None;
            return;
        }
      }
      // A control character cuts the sequence short and keeps its own meaning below.
      this.breakEscape();
    }
    switch (c) {
      case CR:
        this.afterCr = true;
        this.end();
        return;
      case LF:
        if (!wasCr) this.end();
        return;
      case BS:
      case DEL:
        if (!this.overlong && this.buf.length > 0) {
          // Erase a whole character, not half of a surrogate pair.
          const last = this.buf.charCodeAt(this.buf.length - 1);
          const pair = last >= 0xdc00 && last <= 0xdfff && this.buf.length > 1;
          this.buf = this.buf.slice(0, pair ? -2 : -1);
          if (this.echo) this.sink.echo('\b \b');
        }
        return;
      case TAB:
        this.append(' ');
        return;
      case ESC:
        this.esc = Esc.Start;
        return;
      case CTRL_U:
        this.discard();
        return;
      case CTRL_C:
        this.discard();
        if (this.echo) this.sink.echo('^C\r\n');
        this.sink.interrupt();
        return;
      default:
        // Other control characters (NUL, Ctrl-D, XON/XOFF, ...) carry no meaning here.
        return;
    }
  }

  private breakEscape(): void {
    this.esc = Esc.None;
    this.broken = true;
  }

  private discard(): void {
    this.broken = false;
    if (this.echo && !this.overlong && this.buf.length > 0) this.sink.echo('\b \b'.repeat(this.buf.length));
    this.buf = '';
    this.overlong = false;
  }

  private end(): void {
    if (this.echo) this.sink.echo('\r\n');
    const line = this.buf;
    const overlong = this.overlong;
    const broken = this.broken;
    this.buf = '';
    this.overlong = false;
    this.broken = false;
    if (overlong) this.sink.overflow();
    else if (broken) this.sink.rejected(BROKEN_ESCAPE);
    else this.sink.line(line);
  }
}
