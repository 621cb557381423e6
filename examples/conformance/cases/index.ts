/** Every conformance case, in run order (the order also fixes each case's ports). */
import type { Case } from '../context.js';
import { endpointCases } from './endpoint.js';
import { finalCases } from './final.js';
import { msgCases } from './msg.js';
import { nodeCases } from './node.js';
import { pktCases } from './pkt.js';
import { requestCases } from './request.js';
import { sclCases } from './scl.js';

/**
 * One module-level array, never copied: on a board the firmware's module is preloaded, so it
 * lives in flash; an array built per run was 81 items of chunks in RAM (2.6 KB on lin).
 */
const ALL_CASES: readonly Case[] = [...nodeCases, ...endpointCases, ...msgCases, ...pktCases, ...sclCases, ...requestCases, ...finalCases];

export function allCases(): readonly Case[] {
  return ALL_CASES;
}
