// An app error raised inside a runtime call: the runtime rejecting a bad argument the app gave
// it. The error is made 3-4 runtime frames below the app's call; boards named only the first
// three frames of a stack, so on XS the report said `(at .../mcapi/status.js:100,
// .../mcapi/args.js:80, .../mcapi/node.js:69)` and never the app's line (V8 kept it by luck of
// one frame fewer). Now the board sends more frames and the host keeps the app's.
import test from 'ava';
import { simulate } from '../../host-sim/api/index.js';
import { project } from './helpers.js';

const APP = `import type { App } from 'mcdsm';

export const app: App = {
  name: 'bad-args',
  async main(ctx) {
    const ep = ctx.mcapi.createEndpoint(30);
    if (ctx.rank !== 0) return null;
    if (ctx.args[0] === 'dsm') {
      const dsm = await ctx.dsm();
      await dsm.alloc('x', 'Int99' as never, 1);
    }
    await ctx.mcapi.msgSend(ep, ep, 'not bytes' as unknown as Uint8Array);
    return 1;
  },
};
`;
/** The lines of the two bad calls in APP. */
const DSM_LINE = 10;
const SEND_LINE = 12;

const dir = project({ 'app.ts': APP }, 'mcdsm-runtime-call-');

for (const engine of ['xs', 'node'] as const) {
  test(`${engine}: a bad argument to an MCAPI call names the app's line`, async (t) => {
    const s = await simulate({ app: './app.ts', cwd: dir, boards: 2, engine });
    t.false(s.ok);
    t.regex(s.reason, new RegExp(`McapiError: MCAPI_ERR_PARAMETER: buffer must be a Uint8Array \\(at app\\.ts:${SEND_LINE}(:\\d+)?[,)]`));
    t.notRegex(s.reason, /node:internal|dist\/src/, 'only the app\'s places');
  });

  test(`${engine}: a bad argument to a DSM call names the app's line`, async (t) => {
    const s = await simulate({ app: './app.ts', cwd: dir, boards: 2, engine, args: ['dsm'] });
    t.false(s.ok);
    t.regex(s.reason, new RegExp(`DsmError: dsm\\.alloc\\('x'\\): type must be one of .* \\(at app\\.ts:${DSM_LINE}(:\\d+)?[,)]`));
    t.notRegex(s.reason, /node:internal|dist\/src/, 'only the app\'s places');
  });
}

test('an error with no app place on its stack still names a few runtime places, not eight', async (t) => {
  const { tidyPlaces } = await import('../../host-sim/apps/source-places.js');
  const runtime = Array.from({ length: 8 }, (_, i) => `${process.cwd()}/dist/src/mcapi/f${i}.js:${i + 1}`).join(', ');
  t.is((tidyPlaces(`E: x (at ${runtime})`, process.cwd()).match(/f\d\.js/g) ?? []).length, 3);
});
