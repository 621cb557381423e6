// A user's app whose main never returns, on a real (Moddable-lin) board: the run is paced to the
// wall clock, so it lasts --max-virtual of WALL time (600 s by default). The CLI says so when
// the boards are up, and the run ends there with exit 1 and the reason, not a hang.
import test from 'ava';
import { mcdsmAsync, project } from '../apps/helpers.js';
import { moddableSdkOrReport } from './helpers.js';

const FOREVER_APP = `import type { App } from 'mcdsm';

export const app: App = {
  name: 'forever',
  async main(ctx) {
    for (;;) {
      await ctx.sleep(500);
      ctx.event('iter', 1);
    }
  },
};
`;

if (moddableSdkOrReport(test) !== null) {
  test('an app that never ends on a Moddable board: the wall-time bound is announced, the run ends at it', async (t) => {
    // The first run builds this app's firmware (a minute or more on a loaded host).
    t.timeout(10 * 60_000);
    const dir = project({ 'app.ts': FOREVER_APP }, 'mcdsm-never-ends-');
    const r = await mcdsmAsync(dir, ['sim', './app.ts', '--boards', '2', '--engine', 'xs,moddable', '--consoles', 'none', '--quiet', '--max-virtual', '4s']);
    t.is(r.code, 1, r.err);
    t.regex(r.out, /real boards take part: the run is paced to the wall clock and ends at the latest after --max-virtual 4s of wall time/);
    t.regex(r.out, /run did not complete: virtual \(= wall\) time limit of 4000 ms reached/);
  });
}
