/**
 * `--attach <board>=<device>`: a board outside the simulator (a real ESP32 on /dev/ttyUSB0, or
 * a Moddable-lin process on a pty in the tests) as one member of a simulated domain. Its UART
 * links are serial devices whose bytes go through the link model like any other board's; its
 * console (when given) is bridged to the console hub, so `mcdsm console`/`inject` reach it at
 * the simulator's pty/TCP address. It was provisioned by its owner (`mcdsm provision`): the
 * simulator does not change its configuration, it only checks what it can (docs/TARGETS.md).
 */
import type { BoardConfig } from '../../src/config.js';
import { utf8Decode, utf8Encode } from '../../src/util/utf8.js';
import type { AttachSpec } from '../sim/simulator.js';
import { BoardOutput } from './board-output.js';
import type { RealBoard, RealBoardHooks } from './real-board.js';
import { openSerialDevice, type TtyPipe } from './tty-pipe.js';

export class AttachedBoard implements RealBoard {
  readonly kind = 'real';
  readonly engine = 'attached';
  private pipes: TtyPipe[] = [];
  private console: TtyPipe | null = null;

  constructor(private readonly spec: AttachSpec) {}

  get description(): string {
    return `attached: links ${this.spec.links.join(', ')}${this.spec.console ? `, console ${this.spec.console}` : ''}`;
  }

  async start(config: BoardConfig, hooks: RealBoardHooks): Promise<void> {
    if (config.links.length !== this.spec.links.length) {
      throw new Error(`the topology gives board ${config.node} ${config.links.length} link(s) but --attach names ${this.spec.links.length} device(s)`);
    }
    try {
      for (const device of this.spec.links) this.pipes.push(await openSerialDevice(device, this.spec.baud));
      if (this.spec.console !== null) this.console = await openSerialDevice(this.spec.console, this.spec.baud);
    } catch (e) {
      await this.kill();
      throw e;
    }
    this.pipes.forEach((p, i) => {
      p.onData = (bytes) => hooks.linkData(i, bytes);
      p.onClose = (why) => hooks.halted(`link ${i}: ${why}`);
    });
    if (this.console !== null) {
      const out = new BoardOutput({ text: (t) => hooks.consoleText(t), event: hooks.event, halt: hooks.halted }, true);
      // (A real board's reset shows as its boot banner; the domain sees it rejoin.)
      const decoder = new Utf8Stream();
      this.console.onData = (bytes) => out.push(decoder.push(bytes));
      this.console.onClose = (why) => hooks.halted(`console: ${why}`);
    }
  }

  writeLink(link: number, bytes: Uint8Array): void {
    this.pipes[link]?.write(bytes);
  }

  writeConsole(text: string): void {
    this.console?.write(utf8Encode(text));
  }

  async kill(): Promise<void> {
    const all = [...this.pipes, ...(this.console ? [this.console] : [])];
    this.pipes = [];
    this.console = null;
    await Promise.all(all.map((p) => p.close()));
  }
}

/** Decodes UTF-8 across chunk boundaries (a character split between two reads). */
export class Utf8Stream {
  private carry = new Uint8Array(0);

  push(bytes: Uint8Array): string {
    const all = new Uint8Array(this.carry.length + bytes.length);
    all.set(this.carry);
    all.set(bytes, this.carry.length);
    // Keep an incomplete trailing sequence for the next chunk.
    let end = all.length;
    for (let i = Math.max(0, all.length - 3); i < all.length; i++) {
      const b = all[i]!;
      const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
      if (need > 1 && i + need > all.length) {
        end = i;
        break;
      }
    }
    this.carry = all.slice(end);
    return utf8Decode(all.subarray(0, end));
  }
}
