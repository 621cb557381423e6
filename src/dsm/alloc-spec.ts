/**
 * What every board must agree on for one collective alloc: the arguments checked into an
 * AllocSpec, its encoding (rank 0 compares the encodings byte for byte) and its description
 * in a mismatch error.
 */
import { DecodeError, type Reader, type Writer } from './codec.js';
import { MAX_ARRAY_BYTES, MAX_NAME, validName } from './limits.js';
import { ELEMENT_TYPES, bytesPerElement, computeHomes } from './shared-array.js';
import { DsmError, type DsmAllocOptions, type DsmElementType, type DsmHome, type DsmLimits } from './types.js';

/**
 * The DSM's message layout version, the high nibble of the byte that ends every ALLOC spec
 * (alloc-spec.ts): rank 0 compares specs byte for byte, so boards of two versions fail their
 * first alloc naming each other instead of misreading PUSH and LEAVE. 2: PUSH, LEAVE and the
 * per-array `push` flag (docs/DSM.md, "Pushing halos to known readers").
 */
export const DSM_VERSION = 2;

/** Low nibble of the spec's last byte: the array is pushed to its known readers. */
const FLAG_PUSH = 1;

/** What every board must agree on for one collective alloc. */
export interface AllocSpec {
  name: string;
  type: DsmElementType;
  length: number;
  pageSize: number;
  granule: number;
  home: DsmHome;
  /** Homes push written granules to the boards that fetched them (docs/DSM.md, "Pushing halos"). */
  push: boolean;
}

const HOME_BLOCK = 0;
const HOME_CYCLIC = 1;
const HOME_RANGES = 2;

export function writeSpec(w: Writer, s: AllocSpec): void {
  w.ascii(s.name);
  w.u8(ELEMENT_TYPES.indexOf(s.type));
  w.varint(s.length);
  w.varint(s.pageSize);
  w.varint(s.granule);
  if (s.home === 'block') w.u8(HOME_BLOCK);
  else if (s.home === 'cyclic') w.u8(HOME_CYCLIC);
  else {
    w.u8(HOME_RANGES);
    w.varint(s.home.ranges.length);
    for (const [a, b] of s.home.ranges) w.varint(a).varint(b);
  }
  w.u8((DSM_VERSION << 4) | (s.push ? FLAG_PUSH : 0));
}

export function readSpec(r: Reader, maxBoards: number): AllocSpec {
  const name = r.ascii(MAX_NAME);
  const type = ELEMENT_TYPES[r.u8()];
  if (type === undefined) throw new DecodeError('bad element type');
  const length = r.varint();
  const pageSize = r.varint();
  const granule = r.varint();
  const kind = r.u8();
  let home: DsmHome;
  if (kind === HOME_BLOCK) home = 'block';
  else if (kind === HOME_CYCLIC) home = 'cyclic';
  else if (kind === HOME_RANGES) {
    const n = r.varint();
    if (n > maxBoards) throw new DecodeError('too many home ranges');
    const ranges: [number, number][] = [];
    for (let i = 0; i < n; i++) ranges.push([r.varint(), r.varint()]);
    home = { ranges };
  } else throw new DecodeError('bad home kind');
  const vf = r.u8();
  if (vf >>> 4 !== DSM_VERSION) throw new DecodeError(`DSM version ${vf >>> 4}, not ${DSM_VERSION}`);
  if ((vf & 0x0f & ~FLAG_PUSH) !== 0) throw new DecodeError('unknown alloc flags');
  return { name, type, length, pageSize, granule, home, push: (vf & FLAG_PUSH) !== 0 };
}

export function describeSpec(s: AllocSpec): string {
  const home =
    typeof s.home === 'string' ? s.home : `ranges ${s.home.ranges.map(([a, b]) => `[${a},${b})`).join(' ')}`;
  return `'${s.name}' ${s.type}[${s.length}] (page ${s.pageSize}, granule ${s.granule}, home ${home}${s.push ? ', push' : ''})`;
}

/**
 * The spec and page homes of `dsm.alloc(name, type, length, options)` on a DSM with these
 * limits and boards; throws BAD_ARG naming the bad argument.
 */
export function checkAlloc(
  where: string,
  name: string,
  type: DsmElementType,
  length: number,
  options: DsmAllocOptions,
  limits: Pick<DsmLimits, 'pageSize' | 'granule'>,
  boards: number,
): { spec: AllocSpec; homes: number[] } {
  if (!validName(name)) {
    throw new DsmError('BAD_ARG', `dsm.alloc: name must be 1..${MAX_NAME} printable ASCII characters (got ${JSON.stringify(String(name))})`);
  }
  if (!ELEMENT_TYPES.includes(type)) {
    throw new DsmError('BAD_ARG', `${where}: type must be one of ${ELEMENT_TYPES.join(', ')} (got ${String(type)})`);
  }
  const bpe = bytesPerElement(type);
  if (!Number.isInteger(length) || length < 1 || length * bpe > MAX_ARRAY_BYTES) {
    throw new DsmError('BAD_ARG', `${where}: length must be an integer in 1..${MAX_ARRAY_BYTES / bpe} (got ${String(length)})`);
  }
  const home = options.home ?? 'block';
  if (home !== 'block' && home !== 'cyclic' && (typeof home !== 'object' || home === null)) {
    throw new DsmError('BAD_ARG', `${where}: home must be 'block', 'cyclic' or { ranges } (got ${String(home)})`);
  }
  const push = options.push ?? false;
  if (typeof push !== 'boolean') throw new DsmError('BAD_ARG', `${where}: push must be true or false (got ${String(push)})`);
  const homes = computeHomes(where, home, length, bpe, limits.pageSize, boards);
  return { spec: { name, type, length, pageSize: limits.pageSize, granule: limits.granule, home, push }, homes };
}
