/**
 * Reads what a real board prints (console and log) line by line and picks out what the
 * simulator needs to know: runtime events and halts. Everything else is console text.
 *
 * The lines (the firmware's trace() and console notices; a notice starts with `# `):
 *   `event <name> <value>[ <detail>]`        a Hal.event (app-start, fault, ft-recovery, ...),
 *                                            traced when the board is provisioned with traceEvents
 *   `app-result rank=<rank> <json>`          the result line a board prints (also app-error)
 *   `HALT <reason>`                          the board stopped for good
 *   `lin-host: restart`                      lin-host started the board afresh (a reset)
 */
const EVENT = /^event ([A-Za-z][\w-]*) (-?\d+)(?: (.*))?$/;
const APP_OUTCOME = /^(?:# )?(app-result|app-error) rank=(-?\d+)(?: (.*))?$/;
const HALT = /^(?:# )?HALT (.*)$/;
const RESTART = /^lin-host: restart$/;

/** Longest partial line kept while waiting for its end (a board that never sends a newline). */
const MAX_PARTIAL = 64 * 1024;

export interface OutputSink {
  text(text: string): void;
  event(name: string, value: number, detail: string): void;
  halt(reason: string): void;
  restarted?(): void;
}

export class BoardOutput {
  private partial = '';
  /** The last lines seen, for a clear message when the board dies. */
  readonly tail: string[] = [];

  constructor(
    private readonly sink: OutputSink,
    /** Event lines are echoed to the console too (a user watching a real board sees them there). */
    private readonly keepEventsInText: boolean,
    /** Lines that never become last words (a Moddable board's SDK warnings: lin-board.ts isSdkNoise). */
    private readonly noise: (line: string) => boolean = () => false,
  ) {}

  push(chunk: string): void {
    let text = this.partial + chunk;
    let out = '';
    for (;;) {
      const nl = text.indexOf('\n');
      if (nl < 0) break;
      const raw = text.slice(0, nl + 1);
      text = text.slice(nl + 1);
      const line = raw.replace(/\r?\n$/, '').replace(/^\r/, '');
      if (line.trim() !== '' && !this.noise(line)) {
        this.tail.push(line);
        if (this.tail.length > 8) this.tail.shift();
      }
      const report = this.classify(line);
      if (report === null) {
        out += raw;
        continue;
      }
      // In order: what the board printed before this line (an OK before its HALT) goes first.
      if (!report.taken || this.keepEventsInText) out += raw;
      if (out !== '') this.sink.text(out);
      out = '';
      report.run();
    }
    this.partial = text.length > MAX_PARTIAL ? '' : text;
    // A prompt or a partial answer is console text now; only whole lines can be events.
    if (this.partial !== '' && !/^(e|H|a|#|l)/.test(this.partial)) {
      out += this.partial;
      this.partial = '';
    }
    if (out !== '') this.sink.text(out);
  }

  /** What the line reports (null: plain text); `taken`: it is left out of the console text. */
  private classify(line: string): { taken: boolean; run: () => void } | null {
    let m = EVENT.exec(line);
    if (m) {
      const [, name, value, detail] = m;
      return { taken: true, run: () => this.sink.event(name!, Number(value), detail ?? '') };
    }
    m = APP_OUTCOME.exec(line);
    if (m) {
      const [, name, value, detail] = m;
      return { taken: false, run: () => this.sink.event(name!, Number(value), detail ?? '') };
    }
    if (RESTART.test(line)) return { taken: true, run: () => this.sink.restarted?.() };
    m = HALT.exec(line);
    if (m) {
      const reason = m[1]!.trim();
      return { taken: false, run: () => this.sink.halt(reason) };
    }
    return null;
  }

  /** What the board said last, one line (for an exit message). */
  lastWords(): string {
    return this.tail.slice(-3).join(' | ');
  }
}
