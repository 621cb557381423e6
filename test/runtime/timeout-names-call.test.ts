// An MCAPI_TIMEOUT is raised from the wait's timer: its stack holds only the runtime's places, and
// its message named the request kind (`endpoint-get did not complete within 100 ms`), not what the
// app had called. It names the app's call now: `getEndpoint (endpoint-get)`, `msgRecv (msg-recv)`,
// and `wait (on a msg-recv request)` for mcapi_wait on a request of the app's.
import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulate } from '../../host-sim/api/index.js';

const APP = `import type { App } from 'mcdsm';
import { EndpointAttr } from 'mcdsm';

export const app: App = {
  name: 'times-out',
  async main(ctx) {
    const ep = ctx.mcapi.createEndpoint(30);
    if (ctx.rank !== 0) { await ctx.sleep(500); return 'fine'; }
    const which = ctx.args[0];
    if (which === 'getEndpoint') await ctx.mcapi.getEndpoint(ctx.domain, 1, 99, 100);
    if (which === 'msgRecv') {
      ctx.mcapi.setEndpointAttribute(ep, EndpointAttr.TIMEOUT, 60);
      await ctx.mcapi.msgRecv(ep, new Uint8Array(8));
    }
    if (which === 'wait') await ctx.mcapi.wait(ctx.mcapi.msgRecvI(ep, new Uint8Array(8)), 50);
    return 'no timeout';
  },
};
`;

/** Building the app's XS bundle takes a loaded 2-core host a minute or more. */
const TEST_TIMEOUT_MS = 6 * 60_000;

const dir = mkdtempSync(join(tmpdir(), 'mcdsm-timeout-'));
writeFileSync(join(dir, 'app.ts'), APP);

const CASES = [
  { arg: 'getEndpoint', text: 'getEndpoint (endpoint-get) did not complete within 100 ms' },
  { arg: 'msgRecv', text: 'msgRecv (msg-recv) did not complete within 60 ms' },
  { arg: 'wait', text: 'wait (on a msg-recv request) did not complete within 50 ms' },
];

for (const engine of ['xs', 'node'] as const) {
  for (const c of CASES) {
    test(`${engine}: a timed-out ${c.arg} names the app's call: ${c.text}`, async (t) => {
      t.timeout(TEST_TIMEOUT_MS);
      const s = await simulate({ app: './app.ts', args: [c.arg], cwd: dir, boards: 2, engine, maxVirtual: '60s' });
      t.false(s.ok);
      t.true(s.reason.startsWith(`board 0 (rank 0): app failed: McapiError: MCAPI_TIMEOUT: ${c.text}`), s.reason);
    });
  }
}
