/**
 * Where a board's XS units go, per layer: a bench-only profiler for `mcapi-bench --mode
 * rtt-layers` (bench/mcapi.ts `layerTable`, docs/PERFORMANCE.md "Where a 24-byte round trip's
 * units go").
 *
 * It wraps every method (prototype and static) of the runtime's classes, grouped into layers,
 * and charges the XS meter's progress to the layer on top of a call stack: a layer's figure is
 * its own work, not that of the layers it calls. Functions a module does not export as a
 * class method (helpers such as copyInto, closures stored in fields) count to their caller.
 * What runs outside every wrapped method (the app's own code, promise reactions, the HAL's
 * event dispatch and timers; hal/ is not imported here, so the board bundle's apps stay clear
 * of it) is the rest: the bench computes it as the run's total minus the layers.
 *
 * The profiler's own bookkeeping is taken out of the meter with xsnap-worker's
 * `resetMeter(limit, index)` (the way hal/xsnap/meter.ts leaves out the simulator's work):
 * what stays is the wrapper's call itself, a few units per wrapped call, which the bench
 * reports as the difference from an unprofiled run. Only on XS (xsnap-worker); elsewhere the
 * meter reads 0 and every layer stays at 0.
 */
import * as args from '../../src/mcapi/args.js';
import * as channels from '../../src/mcapi/channels.js';
import * as connect from '../../src/mcapi/connect.js';
import * as core from '../../src/mcapi/core.js';
import * as credits from '../../src/mcapi/credits.js';
import * as frames from '../../src/mcapi/frames.js';
import * as lookup from '../../src/mcapi/lookup.js';
import * as messages from '../../src/mcapi/messages.js';
import * as msgPeer from '../../src/mcapi/msg-peer.js';
import * as msgReceiver from '../../src/mcapi/msg-receiver.js';
import * as msgResponses from '../../src/mcapi/msg-responses.js';
import * as msgSender from '../../src/mcapi/msg-sender.js';
import * as node from '../../src/mcapi/node.js';
import * as nodeBase from '../../src/mcapi/node-base.js';
import * as openClose from '../../src/mcapi/open-close.js';
import * as packets from '../../src/mcapi/packets.js';
import * as request from '../../src/mcapi/request.js';
import * as scalars from '../../src/mcapi/scalars.js';
import * as broadcast from '../../src/net/broadcast.js';
import * as deadline from '../../src/net/deadline.js';
import * as e2e from '../../src/net/e2e.js';
import * as fifo from '../../src/net/fifo.js';
import * as hopLink from '../../src/net/hop-link.js';
import * as hopSend from '../../src/net/hop-send.js';
import * as ingress from '../../src/net/ingress.js';
import * as linkState from '../../src/net/link-state.js';
import * as linkWriter from '../../src/net/link-writer.js';
import * as netLayer from '../../src/net/net-layer.js';
import * as routing from '../../src/net/routing.js';
import * as rtt from '../../src/net/rtt.js';
import * as upper from '../../src/net/upper.js';
import * as auth from '../../src/wire/auth.js';
import * as cobs from '../../src/wire/cobs.js';
import * as crc32 from '../../src/wire/crc32.js';
import * as frame from '../../src/wire/frame.js';

export const LAYERS = [
  'HAL, clock, board glue', 'mcapi facade + args', 'mcapi messages/channels', 'requests + promises', 'net layer', 'e2e', 'hop link', 'frame codec',
] as const;
/** A layer: one of LAYERS, or one a caller adds (the DSM bench's `dsm`). */
export type Layer = string;

export type Namespace = Record<string, unknown>;

const GROUPS: [Layer, Namespace[]][] = [
  ['mcapi facade + args', [node, nodeBase, args]],
  ['mcapi messages/channels', [channels, connect, core, credits, frames, lookup, messages, msgPeer, msgReceiver, msgResponses, msgSender, openClose, packets, scalars]],
  ['requests + promises', [request]],
  ['net layer', [netLayer, upper, ingress, routing, broadcast, linkState, rtt]],
  ['e2e', [e2e]],
  ['hop link', [hopLink, hopSend, linkWriter, fifo, deadline]],
  ['frame codec', [frame, cobs, crc32, auth]],
];

/** Core's methods that are the promise side of a request, not message work. */
const PROMISE_METHODS = new Set(['waitFor', 'waitDone', 'waitImpl', 'waitAny', 'abort']);

interface MeterGlobals {
  resetMeter?: (limit: number, index: number) => number;
  currentMeterLimit?: () => number;
}

type Fn = (this: unknown, ...a: unknown[]) => unknown;

/** Prototypes of class instances reachable from `root` (own fields, arrays, maps), not intrinsics. */
function classesFrom(root: object): object[] {
  const seen = new Set<object>();
  const protos = new Set<object>();
  const todo: unknown[] = [root];
  const intrinsic = new Set<unknown>([Object.prototype, Array.prototype, Map.prototype, Set.prototype, Function.prototype, null]);
  while (todo.length > 0 && seen.size < 20000) {
    const v = todo.pop();
    if (typeof v !== 'object' || v === null || seen.has(v) || ArrayBuffer.isView(v) || v instanceof ArrayBuffer) continue;
    seen.add(v);
    const proto = Object.getPrototypeOf(v) as object | null;
    if (!intrinsic.has(proto) && proto !== null && !(v instanceof Promise) && !(v instanceof Error)) protos.add(proto);
    if (v instanceof Map) for (const [k, x] of v) todo.push(k, x);
    else if (v instanceof Set) for (const x of v) todo.push(x);
    else for (const k of Object.getOwnPropertyNames(v)) {
      const d = Object.getOwnPropertyDescriptor(v, k);
      if (d !== undefined && 'value' in d) todo.push(d.value);
    }
  }
  return [...protos];
}

export class LayerMeter {
  /** Units per layer since the last `take`. */
  private readonly units = new Map<Layer, number>();
  private readonly calls = new Map<Layer, number>();
  /** Wrapped calls made by each layer ('rest': from outside every wrapped method). */
  private readonly childCalls = new Map<Layer | 'rest', number>();
  /** The wrapper's own cost per call, charged to the callee and to the caller (calibrate). */
  private calleeCost = 0;
  private callerCost = 0;
  private readonly stack: Layer[] = [];
  private readonly mstack: string[] = [];
  /** Units and calls per method (Class.method), the wrapper's cost included. */
  private readonly methods = new Map<string, number[]>();
  private last = 0;
  private on = false;
  /** Steps mode (`countSteps`): only board steps in which one of these methods ran are kept. */
  private marks: Set<string> | null = null;
  private marked = false;
  private snap: [Map<Layer, number>, Map<Layer, number>, Map<Layer | 'rest', number>, Map<string, number[]>] | null = null;
  /** Steps kept in steps mode. */
  keptSteps = 0;

  private readonly layers: Layer[];
  private readonly groups: [Layer, Namespace[]][];

  /** `extra`: more layers (their classes are wrapped first, so they win over a later group's). */
  constructor(extra: [Layer, Namespace[]][] = []) {
    this.groups = [...extra, ...GROUPS];
    this.layers = [...LAYERS, ...extra.map(([l]) => l)];
    for (const l of this.layers) {
      this.units.set(l, 0);
      this.calls.set(l, 0);
    }
  }

  /** Wrap every class the layers name; true on XS (a meter to read). */
  install(root?: object): boolean {
    const g = globalThis as unknown as MeterGlobals;
    const reset = g.resetMeter;
    const limit = g.currentMeterLimit;
    if (typeof reset !== 'function' || typeof limit !== 'function') return false;
    const seen = new Set<object>();
    for (const [layer, spaces] of this.groups) {
      for (const ns of spaces) {
        for (const k of Object.keys(ns)) {
          const cls = ns[k];
          // A preloaded (frozen) class, as on Moddable, cannot be wrapped.
          if (typeof cls !== 'function' || seen.has(cls) || Object.isFrozen(cls)) continue;
          seen.add(cls);
          const proto = (cls as { prototype?: object }).prototype;
          if (proto !== undefined) this.wrapAll(proto, layer, cls.name === 'Core', reset, limit);
          this.wrapAll(cls, layer, false, reset, limit);
        }
      }
    }
    // The board's own classes (the HAL, its clock, the board glue) are not imported here (hal/
    // stays out of the board bundle's apps): found from `root` (the app's MCAPI node) instead.
    if (root !== undefined) {
      for (const proto of classesFrom(root)) {
        const cls = (proto as { constructor: object }).constructor;
        if (seen.has(cls) || Object.isFrozen(proto)) continue;
        seen.add(cls);
        this.wrapAll(proto, 'HAL, clock, board glue', false, reset, limit);
      }
    }
    this.calibrate(reset, limit);
    return true;
  }

  /**
   * Count only the board steps in which one of `methods` (Class.method) ran, e.g. the page
   * fetch's two critical steps (the home's `Home.serveFetch`, the reader's `Client.fetched`):
   * xsnap-worker's `handleCommand` is wrapped so that at the start of each step the counters
   * of a step that ran none of them are rolled back. False when there is no handleCommand.
   */
  countSteps(methods: string[]): boolean {
    const g = globalThis as unknown as { handleCommand?: (m: ArrayBuffer) => unknown };
    const inner = g.handleCommand;
    if (typeof inner !== 'function') return false;
    this.marks = new Set(methods);
    const mg = globalThis as unknown as MeterGlobals;
    const reset = mg.resetMeter!;
    const limit = mg.currentMeterLimit!;
    g.handleCommand = (m: ArrayBuffer): unknown => {
      // The bookkeeping is the profiler's, not the board's: out of the meter.
      const lim = limit();
      const v = reset(lim, 0);
      this.stepBoundary();
      reset(lim, v);
      return inner(m);
    };
    return true;
  }

  private stepBoundary(): void {
    if (this.marks === null) return;
    const s = this.snap;
    if (s !== null && this.on) {
      if (this.marked) this.keptSteps++;
      else {
        for (const [k, v] of s[0]) this.units.set(k, v);
        for (const [k, v] of s[1]) this.calls.set(k, v);
        for (const [k, v] of s[2]) this.childCalls.set(k, v);
        this.methods.clear();
        for (const [k, v] of s[3]) this.methods.set(k, [v[0]!, v[1]!]);
      }
    }
    const methods = new Map<string, number[]>();
    for (const [k, v] of this.methods) methods.set(k, [v[0]!, v[1]!]);
    this.snap = [new Map(this.units), new Map(this.calls), new Map(this.childCalls), methods];
    this.marked = false;
  }

  /** Start counting from now (the bench's `bench-start`). */
  start(): void {
    for (const l of this.layers) {
      this.units.set(l, 0);
      this.calls.set(l, 0);
      this.childCalls.set(l, 0);
    }
    this.childCalls.set('rest', 0);
    this.on = true;
  }

  /**
   * Units per layer with the wrapper's cost taken out (calls x its callee share, wrapped calls
   * made x its caller share), the raw figures, and `rest`: the caller share of wrapped calls
   * made from outside every layer, which the bench takes out of its rest.
   */
  stop(): Record<string, { units: number; raw: number; calls: number }> {
    const mg = globalThis as unknown as MeterGlobals;
    if (this.marks !== null && mg.resetMeter !== undefined && mg.currentMeterLimit !== undefined) {
      const lim = mg.currentMeterLimit();
      const v = mg.resetMeter(lim, 0);
      this.stepBoundary();
      mg.resetMeter(lim, v);
    }
    this.on = false;
    const out: Record<string, { units: number; raw: number; calls: number }> = {};
    let overhead = 0;
    for (const l of this.layers) {
      const raw = this.units.get(l) ?? 0;
      const calls = this.calls.get(l) ?? 0;
      const own = calls * this.calleeCost + (this.childCalls.get(l) ?? 0) * this.callerCost;
      overhead += own;
      out[l] = { units: Math.round(raw - own), raw, calls };
    }
    const restCalls = this.childCalls.get('rest') ?? 0;
    out['profiler'] = { units: Math.round(overhead + restCalls * this.callerCost), raw: 0, calls: restCalls };
    return out;
  }

  /**
   * Measure the wrapper's cost: an empty method called from a wrapped one, wrapped and not.
   * The callee's share is what the empty callee is charged beyond its own empty body; the
   * caller's share is the rest of the difference.
   */
  private calibrate(reset: NonNullable<MeterGlobals['resetMeter']>, limit: () => number): void {
    const N = 200;
    class Cal {
      inner(): number { return 0; }
      loop(): number {
        let x = 0;
        for (let i = 0; i < N; i++) x += this.inner();
        return x;
      }
    }
    const read = (): number => { const lim = limit(); const v = reset(lim, 0); reset(lim, v); return v; };
    const c = new Cal();
    const t0 = read();
    c.loop();
    const plain = read() - t0;
    this.wrapAll(Cal.prototype, 'e2e', false, reset, limit);
    this.start();
    const t1 = read();
    c.loop();
    const wrapped = read() - t1;
    const calleeCharged = (this.units.get('e2e') ?? 0) / N;
    this.on = false;
    // The loop's own wrapped call (one) is noise over N.
    const perCall = (wrapped - plain) / N;
    this.calleeCost = Math.max(0, calleeCharged - 1);
    this.callerCost = Math.max(0, perCall - this.calleeCost);
  }

  private wrapAll(target: object, layer: Layer, core: boolean, reset: NonNullable<MeterGlobals['resetMeter']>, limit: () => number): void {
    for (const name of Object.getOwnPropertyNames(target)) {
      if (name === 'constructor' || name === 'prototype' || name === 'length' || name === 'name') continue;
      // The driven HAL's `record` runs only inside its exclusion from the meter (SimCost, the
      // meter reads from 0 there): a wrapper would read that meter and charge nonsense.
      if (name === 'record' && layer === 'HAL, clock, board glue') continue;
      const d = Object.getOwnPropertyDescriptor(target, name);
      if (d === undefined || typeof d.value !== 'function' || d.writable !== true) continue;
      const orig = d.value as Fn;
      const l: Layer = core && PROMISE_METHODS.has(name) ? 'requests + promises' : layer;
      const label = `${typeof target === 'function' ? (target as { name: string }).name : String((target as { constructor: { name: string } }).constructor.name)}.${name}`;
      const self = this;
      const wrapped = function (this: unknown, ...a: unknown[]): unknown {
        const lim = limit();
        const now = reset(lim, 0);
        self.enter(l, now, label);
        reset(lim, now);
        try {
          return orig.apply(this, a);
        } finally {
          const lim2 = limit();
          const end = reset(lim2, 0);
          self.leave(end);
          reset(lim2, end);
        }
      };
      Object.defineProperty(target, name, { value: wrapped, writable: true, configurable: true, enumerable: d.enumerable });
    }
  }

  private enter(l: Layer, now: number, label: string): void {
    const s = this.stack;
    const ms = this.mstack;
    if (ms.length > 0) this.chargeMethod(ms[ms.length - 1]!, now, false);
    ms.push(label);
    if (this.on) this.chargeMethod(label, now, true);
    if (this.marks !== null && this.marks.has(label)) this.marked = true;
    const top: Layer | 'rest' = s.length > 0 ? s[s.length - 1]! : 'rest';
    if (top !== 'rest') this.charge(top, now);
    s.push(l);
    if (this.on) {
      this.calls.set(l, (this.calls.get(l) ?? 0) + 1);
      this.childCalls.set(top, (this.childCalls.get(top) ?? 0) + 1);
    }
    this.last = now;
  }

  private leave(now: number): void {
    const s = this.stack;
    const top = s.pop();
    if (top !== undefined) this.charge(top, now);
    const m = this.mstack.pop();
    if (m !== undefined) this.chargeMethod(m, now, false);
    this.last = now;
  }

  private chargeMethod(m: string, now: number, call: boolean): void {
    if (!this.on) return;
    let e = this.methods.get(m);
    if (e === undefined) {
      e = [0, 0];
      this.methods.set(m, e);
    }
    if (call) e[1]!++;
    else if (now - this.last > 0) e[0]! += now - this.last;
  }

  /** The `n` methods that took the most units (the wrapper's cost included). */
  topMethods(n: number): [string, number, number][] {
    return [...this.methods.entries()].map(([k, v]): [string, number, number] => [k, v[0]!, v[1]!]).sort((a, b) => b[1] - a[1]).slice(0, n);
  }

  private charge(l: Layer, now: number): void {
    // A step (crank) starts its meter at 0: a mark from an earlier step charges nothing.
    const d = now - this.last;
    if (this.on && d > 0) this.units.set(l, (this.units.get(l) ?? 0) + d);
  }
}
