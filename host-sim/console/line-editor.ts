/**
 * Local line editing for the interactive console on a raw terminal: the board does not echo
 * (tools do not want it), so the client echoes and edits, and sends whole lines.
 *
 * Keys: Enter sends the line; Backspace/DEL erase; Ctrl-U erases the line; Ctrl-C sends an
 * interrupt (the board abandons a long-running command); Ctrl-] quits; Ctrl-D on an empty
 * line quits. Escape sequences (arrow keys) and other control keys are ignored.
 */

export const CTRL_RIGHT_BRACKET = '\x1d';
export const MAX_EDIT_LINE = 4096;

export interface EditResult {
  /** Text to send to the board, in order. */
  send: string[];
  /** Text to write to the local terminal. */
  echo: string;
  /** The user asked to quit; nothing after the quit key was processed. */
  exit: boolean;
}

export class LineEditor {
  private buf = '';
  private afterCr = false;
  /** 0: none, 1: after ESC, 2: in CSI, 3: after ESC O. */
  private esc = 0;
  private done = false;

  get buffer(): string {
    return this.buf;
  }

  get exited(): boolean {
    return this.done;
  }

  feed(chunk: string): EditResult {
    const r: EditResult = { send: [], echo: '', exit: false };
    if (this.done) {
      r.exit = true;
      return r;
    }
    for (const ch of chunk) {
      const c = ch.codePointAt(0) as number;
      const wasCr = this.afterCr;
      this.afterCr = false;
      if (this.esc === 1) {
        this.esc = ch === '[' ? 2 : ch === 'O' ? 3 : 0;
        continue;
      }
      if (this.esc === 2) {
        if (c >= 0x40 && c <= 0x7e) this.esc = 0;
        continue;
      }
      if (this.esc === 3) {
        this.esc = 0;
        continue;
      }
      if (c >= 0x20 && c !== 0x7f) {
        if (this.buf.length >= MAX_EDIT_LINE) {
          r.echo += '\x07';
          continue;
        }
        this.buf += ch;
        r.echo += ch;
        continue;
      }
      switch (c) {
        case 0x1d: // Ctrl-]
          this.done = true;
          r.exit = true;
          r.echo += '\r\n';
          return r;
        case 0x04: // Ctrl-D
          if (this.buf.length === 0) {
            this.done = true;
            r.exit = true;
            r.echo += '\r\n';
            return r;
          }
          break;
        case 0x0d:
        case 0x0a:
          if (c === 0x0a && wasCr) break;
          this.afterCr = c === 0x0d;
          r.send.push(this.buf + '\r\n');
          r.echo += '\r\n';
          this.buf = '';
          break;
        case 0x08:
        case 0x7f:
          if (this.buf.length > 0) {
            this.buf = Array.from(this.buf).slice(0, -1).join('');
            r.echo += '\b \b';
          }
          break;
        case 0x15: // Ctrl-U
          r.echo += '\b \b'.repeat(Array.from(this.buf).length);
          this.buf = '';
          break;
        case 0x03: // Ctrl-C
          this.buf = '';
          r.send.push('\x03');
          r.echo += '^C\r\n';
          break;
        case 0x09:
          this.buf += ' ';
          r.echo += ' ';
          break;
        case 0x1b:
          this.esc = 1;
          break;
        default:
          break;
      }
    }
    return r;
  }
}
