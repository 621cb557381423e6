/**
 * The NodeMCU board's config file (mcdsm.json): the board config every target boots with
 * (src/config.ts: domain, node, rank, boards, app, appArgs, options, seed, ramLimit, links) where
 * each link also names its hardware — `{"kind":"stream","mtu":256,"uart":2,"baud":115200}` or
 * `{"kind":"datagram","mtu":512,"udp":{"port":5000,"peer":"192.168.4.2","peerPort":5000}}` —
 * plus `console` (`{"uart":0,"baud":115200}`, the default). Errors name the field.
 */
import type { NodemcuLinkSpec } from './nodemcu-hal.js';

export interface NodemcuConfig {
  /** What bootBoard checks (src/config.ts); the hardware fields ride along unread there. */
  board: Record<string, unknown> & { ramLimit?: number };
  links: NodemcuLinkSpec[];
  console: { uart: number; baud: number };
}

/** The ESP32 has UART0..2; the ESP8266 receives on UART0 only (checked when the link opens). */
const UART_MAX = 2;
const PORT_MAX = 65535;
const DEFAULT_CONSOLE = { uart: 0, baud: 115200 };

function record(v: unknown, where: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${where}: expected an object`);
  return v as Record<string, unknown>;
}

function int(o: Record<string, unknown>, key: string, where: string, min: number, max: number): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new Error(`${where}.${key}: expected an integer in ${String(min)}..${String(max)}`);
  return v;
}

function link(raw: unknown, i: number): NodemcuLinkSpec {
  const where = `links[${String(i)}]`;
  const o = record(raw, where);
  const mtu = int(o, 'mtu', where, 16, PORT_MAX);
  if (o['kind'] === 'stream') return { kind: 'stream', mtu, uart: int(o, 'uart', where, 0, UART_MAX), baud: int(o, 'baud', where, 300, 5000000) };
  if (o['kind'] === 'datagram') {
    const u = record(o['udp'], `${where}.udp`);
    const peer = u['peer'];
    if (typeof peer !== 'string' || peer === '') throw new Error(`${where}.udp.peer: expected an IP address`);
    return { kind: 'datagram', mtu, udp: { port: int(u, 'port', `${where}.udp`, 1, PORT_MAX), peer, peerPort: int(u, 'peerPort', `${where}.udp`, 1, PORT_MAX) } };
  }
  throw new Error(`${where}.kind: expected "stream" or "datagram"`);
}

/** Parses and checks the file's text; throws naming the field. */
export function readNodemcuConfig(text: string | undefined): NodemcuConfig {
  if (text === undefined) throw new Error('the file is missing');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`not JSON (${e instanceof Error ? e.message : String((e as { message?: unknown }).message ?? e)})`);
  }
  const o = record(raw, 'config');
  const linksRaw = o['links'];
  if (!Array.isArray(linksRaw)) throw new Error('links: expected an array');
  const links = linksRaw.map((l: unknown, i: number) => link(l, i));
  const c = o['console'] === undefined ? DEFAULT_CONSOLE : record(o['console'], 'console');
  const consoleSpec = { uart: int(c, 'uart', 'console', 0, UART_MAX), baud: int(c, 'baud', 'console', 300, 5000000) };
  for (const l of links) {
    if (l.kind === 'stream' && l.uart === consoleSpec.uart) throw new Error(`links: uart ${String(l.uart)} is the console's`);
  }
  const ramLimit = o['ramLimit'];
  return { board: typeof ramLimit === 'number' ? { ...o, ramLimit } : o, links, console: consoleSpec };
}
