/** Placeholder until src/mcapi/index.ts lands; replaced by the MCAPI adapter. */
import type { AppContext } from '../app.js';
import { Dsm } from './dsm.js';
import { DsmError } from './types.js';

export function openDsm(ctx: AppContext): Promise<Dsm> {
  void ctx;
  return Promise.reject(new DsmError('FAILED', 'dsm: the MCAPI transport is not built yet'));
}
