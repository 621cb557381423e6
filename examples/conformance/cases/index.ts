/** Every conformance case, in run order (the order also fixes each case's ports). */
import type { Case } from '../context.js';
import { endpointCases } from './endpoint.js';
import { msgCases } from './msg.js';
import { nodeCases } from './node.js';

export function allCases(): Case[] {
  return [...nodeCases, ...endpointCases, ...msgCases];
}
