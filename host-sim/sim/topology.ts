/**
 * Which boards are wired to which. Boards are numbered 0..total-1 (working boards first,
 * then spares); a board's HAL links are its edges in the order listed here.
 */
import { readFileSync } from 'node:fs';
import { parseLinkSpec, SpecError, type LinkModel } from './link-model.js';

export type TopologyKind = 'line' | 'ring' | 'star' | 'full';

export interface Edge {
  a: number;
  b: number;
  model: LinkModel;
}

export interface Topology {
  boards: number;
  edges: Edge[];
}

export function buildTopology(kind: string, boards: number, model: LinkModel): Topology {
  const edges: Edge[] = [];
  const add = (a: number, b: number) => edges.push({ a, b, model });
  switch (kind) {
    case 'line':
      for (let i = 0; i + 1 < boards; i++) add(i, i + 1);
      break;
    case 'ring':
      for (let i = 0; i + 1 < boards; i++) add(i, i + 1);
      if (boards > 2) add(boards - 1, 0);
      break;
    case 'star':
      for (let i = 1; i < boards; i++) add(0, i);
      break;
    case 'full':
      for (let i = 0; i < boards; i++) for (let j = i + 1; j < boards; j++) add(i, j);
      break;
    default:
      throw new SpecError(`--topology: unknown topology "${kind}" (line, ring, star, full, or a .json file)`);
  }
  return { boards, edges };
}

/**
 * A topology file: `{"boards": 5, "links": [{"a": 0, "b": 1, "link": "uart:115200"}, ...]}`;
 * `link` defaults to the --link spec.
 */
export function loadTopologyFile(path: string, defaultModel: LinkModel): Topology {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new SpecError(`topology file ${path}: ${(e as Error).message}`);
  }
  const where = `topology file ${path}`;
  if (typeof raw !== 'object' || raw === null) throw new SpecError(`${where}: must be a JSON object`);
  const obj = raw as { boards?: unknown; links?: unknown };
  if (!Number.isInteger(obj.boards) || (obj.boards as number) < 1 || (obj.boards as number) > 254) {
    throw new SpecError(`${where}: "boards" must be an integer from 1 to 254`);
  }
  const boards = obj.boards as number;
  if (!Array.isArray(obj.links)) throw new SpecError(`${where}: "links" must be an array`);
  const edges: Edge[] = [];
  const seen = new Set<string>();
  obj.links.forEach((l: unknown, i: number) => {
    const link = l as { a?: unknown; b?: unknown; link?: unknown };
    for (const end of ['a', 'b'] as const) {
      const v = link[end];
      if (!Number.isInteger(v) || (v as number) < 0 || (v as number) >= boards) {
        throw new SpecError(`${where}: links[${i}].${end} must be a board number from 0 to ${boards - 1}`);
      }
    }
    const a = link.a as number;
    const b = link.b as number;
    if (a === b) throw new SpecError(`${where}: links[${i}] connects board ${a} to itself`);
    const key = `${Math.min(a, b)}-${Math.max(a, b)}`;
    if (seen.has(key)) throw new SpecError(`${where}: links[${i}] duplicates the link between ${a} and ${b}`);
    seen.add(key);
    if (link.link !== undefined && typeof link.link !== 'string') throw new SpecError(`${where}: links[${i}].link must be a link spec string`);
    edges.push({ a, b, model: link.link === undefined ? defaultModel : parseLinkSpec(link.link) });
  });
  return { boards, edges };
}

/** Boards not reachable from board 0 (a topology file can describe a split network). */
export function disconnected(t: Topology): number[] {
  const adj: number[][] = Array.from({ length: t.boards }, () => []);
  for (const e of t.edges) {
    adj[e.a]!.push(e.b);
    adj[e.b]!.push(e.a);
  }
  const seen = new Set([0]);
  const todo = [0];
  while (todo.length) for (const n of adj[todo.pop()!]!) if (!seen.has(n)) (seen.add(n), todo.push(n));
  return [...Array(t.boards).keys()].filter((n) => !seen.has(n));
}
