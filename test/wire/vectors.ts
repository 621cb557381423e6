/**
 * The frame test vectors of docs/PROTOCOL.md ("Test vectors"), parsed. Every codec (V8 here,
 * XS and Lua later) must encode each vector's fields to `frame` and decode `frame` back to
 * the fields; `cobs`, when present, is the stream form (COBS + 0x00 delimiter).
 *
 * Block format, one fenced block per vector, tagged `vector`:
 *     key = value            numbers decimal or 0x-hex; byte strings as hex pairs, `-` for none
 *           more hex         a line starting with whitespace continues the previous value
 */
import { readFileSync } from 'node:fs';
import type { FrameFields } from '../../src/wire/frame.js';

/** A vector's frame fields: exactly what the codec encodes and decodes. */
export type VectorFields = FrameFields;

export interface FrameVector {
  name: string;
  note: string;
  fields: VectorFields;
  /** The encoded frame, CRC included. */
  frame: Uint8Array;
  /** The frame as sent on a stream link (COBS-encoded, 0x00 delimiter), when the vector gives it. */
  cobs: Uint8Array | null;
}

const NUMBER_KEYS = ['flags', 'type', 'lseq', 'lack', 'domain', 'src', 'dst', 'ttl', 'srcPort', 'dstPort', 'epoch'] as const;

export function hexToBytes(text: string): Uint8Array {
  const t = text.trim();
  if (t === '-' || t === '') return new Uint8Array(0);
  const parts = t.split(/\s+/);
  const out = new Uint8Array(parts.length);
  parts.forEach((p, i) => {
    if (!/^[0-9a-fA-F]{2}$/.test(p)) throw new Error(`bad hex byte "${p}"`);
    out[i] = parseInt(p, 16);
  });
  return out;
}

export function bytesToHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

function parseNumber(text: string, where: string): number {
  const t = text.trim();
  if (/^0x[0-9a-fA-F]+$/.test(t)) return parseInt(t.slice(2), 16);
  if (/^[0-9]+$/.test(t)) return parseInt(t, 10);
  throw new Error(`${where}: "${t}" is not a number`);
}

/** All `vector` blocks in a markdown text, in order. Throws naming the vector and key on a bad block. */
export function parseVectors(markdown: string): FrameVector[] {
  const vectors: FrameVector[] = [];
  const lines = markdown.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== '```vector') continue;
    const kv = new Map<string, string>();
    let last = '';
    for (i++; i < lines.length && lines[i].trim() !== '```'; i++) {
      const line = lines[i];
      if (line.trim() === '') continue;
      const m = /^([A-Za-z]+)\s*=\s*(.*)$/.exec(line);
      if (m !== null) {
        last = m[1];
        kv.set(last, m[2]);
      } else if (/^\s/.test(line) && last !== '') {
        kv.set(last, `${kv.get(last) ?? ''} ${line.trim()}`);
      } else {
        throw new Error(`vector block line "${line}" is neither "key = value" nor a continuation`);
      }
    }
    const name = kv.get('name') ?? `#${vectors.length + 1}`;
    const need = (key: string): string => {
      const v = kv.get(key);
      if (v === undefined) throw new Error(`vector ${name}: missing ${key}`);
      return v;
    };
    const num = (key: (typeof NUMBER_KEYS)[number]): number => parseNumber(need(key), `vector ${name} ${key}`);
    const fields: VectorFields = {
      flags: num('flags'), type: num('type'), lseq: num('lseq'), lack: num('lack'), domain: num('domain'),
      src: num('src'), dst: num('dst'), ttl: num('ttl'), srcPort: num('srcPort'), dstPort: num('dstPort'),
      epoch: num('epoch'), payload: hexToBytes(need('payload')),
    };
    const cobs = kv.get('cobs');
    vectors.push({
      name,
      note: kv.get('note') ?? '',
      fields,
      frame: hexToBytes(need('frame')),
      cobs: cobs === undefined ? null : hexToBytes(cobs),
    });
  }
  return vectors;
}

/** docs/PROTOCOL.md of this checkout (relative to the compiled file: dist/test/wire/). */
export function protocolPath(): URL {
  return new URL('../../../docs/PROTOCOL.md', import.meta.url);
}

export function loadVectors(path: URL | string = protocolPath()): FrameVector[] {
  return parseVectors(readFileSync(path, 'utf8'));
}
