/** Every conformance case, in run order (the order also fixes each case's ports). */
import type { Case } from '../context.js';
import { endpointCases } from './endpoint.js';
import { finalCases } from './final.js';
import { msgCases } from './msg.js';
import { nodeCases } from './node.js';
import { pktCases } from './pkt.js';
import { requestCases } from './request.js';
import { sclCases } from './scl.js';

export function allCases(): Case[] {
  return [...nodeCases, ...endpointCases, ...msgCases, ...pktCases, ...sclCases, ...requestCases, ...finalCases];
}
