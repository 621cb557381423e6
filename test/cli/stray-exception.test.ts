// An app callback that throws when the runtime calls it from a promise job (a Completion given to
// `msgSendC`): on V8 boards, which run in the simulator's process, the exception used to end
// `mcdsm sim` itself with Node's raw stack ("Node.js v20...") and no summary; then it ended the
// run as "a V8 board's code threw outside a board step". Now the board halts, as an XS board
// does (and a Moddable board aborts): the run ends naming the board, the error and the app's line,
// with the summary (exit 1).
import test from 'ava';
import { mcdsmAsync, project } from '../apps/helpers.js';

const APP = `import type { App } from 'mcdsm';

export const app: App = {
  name: 'callback-throws',
  async main(ctx) {
    const ep = ctx.mcapi.createEndpoint(30);
    if (ctx.rank !== 0) return null;
    ctx.mcapi.msgSendC(ep, ep, new Uint8Array(4), { complete() { throw new Error('my completion failed'); } } as never);
    await ctx.sleep(100);
    return 1;
  },
};
`;
const THROW_LINE = 8;

for (const engine of ['node', 'xs']) {
  test(`sim --engine ${engine}: an app callback throwing in a promise job halts its board, the run ends with its place and the summary`, async (t) => {
    const dir = project({ 'app.ts': APP }, 'mcdsm-stray-');
    const r = await mcdsmAsync(dir, ['sim', './app.ts', '--boards', '2', '--engine', engine, '--consoles', 'none', '--quiet']);
    t.is(r.code, 1, r.err);
    t.notRegex(r.err, /Node\.js v\d+/, 'not a crash of the simulator process');
    t.notRegex(r.err, /Unhandled exception/, 'not a report on stderr the run ignores');
    t.regex(r.out, new RegExp(`run did not complete: board 0 \\(${engine}\\) halted: unhandled rejection \\(a Moddable board aborts here\\): Error: my completion failed \\(at app\\.ts:${THROW_LINE}[:,)]`));
    t.regex(r.out, /\nboard +role/, 'the summary table is printed');
  });
}
