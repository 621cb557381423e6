// The whole flow of a new user, on the packed package: `npm pack`, install the tarball into a
// project outside the repository (no devDependencies, offline from npm's cache), the package's
// own postinstall, the typed library, `mcdsm init`, the template's `npm test`, and an app of
// the user's (messages, packet channels, the DSM) run with `mcdsm sim` on XS boards and through
// `simulate()` with a crash and a spare, compared with the fault-free result.
//
// The XS engine is compiled once by the repository's own install; this test seeds the packed
// install with those binaries instead of compiling XS again (minutes), then runs the package's
// postinstall, which finds them and builds nothing.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { createRequire } from 'node:module';
import { BIN, REPO } from './helpers.js';
import { findModdableSdk } from '../../host-sim/firmware/sdk.js';

const FLOW_APP = `import type { App, AppContext } from 'mcdsm';

const MSG_PORT = 10;
const PKT_OUT_PORT = 20;
const PKT_IN_PORT = 21;
const WAIT_MS = 10_000;

function start(ctx: AppContext): number {
  const s = ctx.ft?.restored;
  return typeof s === 'object' && s !== null && !Array.isArray(s) && !(s instanceof Uint8Array) && typeof s['iter'] === 'number' ? s['iter'] : 0;
}

/** Each iteration: a message and a packet to the next board, what came from the previous one summed into the DSM. */
export default {
  name: 'flow',
  ft: true,
  async main(ctx) {
    const iters = 30;
    const dsm = await ctx.dsm();
    const acc = await dsm.alloc('acc', 'Float64', ctx.boards);
    const m = ctx.mcapi;
    const next = ctx.nodeOfRank((ctx.rank + 1) % ctx.boards);
    const msgEp = m.createEndpoint(MSG_PORT);
    const pktOut = m.createEndpoint(PKT_OUT_PORT);
    const pktIn = m.createEndpoint(PKT_IN_PORT);
    const nextMsg = await m.getEndpoint(ctx.domain, next, MSG_PORT, WAIT_MS);
    const nextPkt = await m.getEndpoint(ctx.domain, next, PKT_IN_PORT, WAIT_MS);
    await m.pktConnect(pktOut, nextPkt, WAIT_MS);
    const [tx, rx] = await Promise.all([m.pktSendOpen(pktOut, WAIT_MS), m.pktRecvOpen(pktIn, WAIT_MS)]);
    const msg = new Uint8Array(4);
    for (let i = start(ctx); i < iters; i++) {
      new DataView(msg.buffer).setUint32(0, ctx.rank * 100 + i, true);
      await m.msgSend(msgEp, nextMsg, msg);
      const packet = new Uint8Array(1 + (i % 5)).fill(ctx.rank + 1);
      await m.pktSend(tx, packet);
      const got = new Uint8Array(4);
      await m.msgRecv(msgEp, got);
      const p = await m.pktRecv(rx);
      let bytes = 0;
      for (const b of p) bytes += b;
      m.pktRelease(p);
      const mine = await dsm.acquire(acc, ctx.rank, ctx.rank + 1, 'rw');
      mine[0] = mine[0]! + new DataView(got.buffer).getUint32(0, true) + bytes;
      await dsm.barrier();
      ctx.event('iter', i + 1);
      if (ctx.ft?.recoverable === true && (i + 1) % 10 === 0) await ctx.ft.checkpoint({ iter: i + 1 }, i + 1);
    }
    if (ctx.rank !== 0) return null;
    const all = await dsm.acquire(acc, 0, ctx.boards, 'r');
    return { sum: all.reduce((a, b) => a + b, 0) };
  },
} satisfies App;
`;

/** 4 boards, 30 iterations: messages rank*100+i from the previous rank, packets of (i%5)+1 bytes of (rank+1). */
function expectedFlowSum(boards: number, iters: number): number {
  let sum = 0;
  for (let i = 0; i < iters; i++) for (let p = 0; p < boards; p++) sum += p * 100 + i + (1 + (i % 5)) * (p + 1);
  return sum;
}

const TYPES_CHECK = `import type { App, AppContext, AppValue, McapiNode, Endpoint, Dsm, DsmArray, FtStats, AppState } from 'mcdsm';
import { Status, MCAPI_VERSION, DsmError, FtError } from 'mcdsm';
import { simulate, type SimSummary, type SimulateOptions } from 'mcdsm/sim';
import { bootBoard } from 'mcdsm/board';

const app: App = { name: 'x', async main(ctx: AppContext): Promise<AppValue> { const n: McapiNode = ctx.mcapi; return n === ctx.mcapi ? ctx.node : null; } };
const options: SimulateOptions = { app: './app.ts', boards: 4, spares: 1, engine: 'xs', faults: ['crash:2@iter=30'], link: 'uart:921600', seed: 7 };
const run: Promise<SimSummary> = simulate(options);
export type Used = [Endpoint, Dsm, DsmArray, FtStats, AppState, typeof bootBoard, typeof Status, typeof DsmError, typeof FtError, typeof app, typeof run];
export const version: number = MCAPI_VERSION;
`;

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 600_000, env: { ...process.env, ...env } });
  return { code: r.status, out: r.stdout ?? '', err: r.stderr ?? '', what: `${cmd} ${args.join(' ')} (in ${cwd})` };
}

// Steps are serial tests sharing one project, so each reports on its own (and within ava's
// inactivity timeout); a step whose predecessor failed fails at once, naming it. A failed
// assertion ends its test, so `reached` only moves past a step that passed.
const root = mkdtempSync(join(tmpdir(), 'mcdsm-package-'));
const proj = join(root, 'my-boards');
const mcdsmBin = join(proj, 'node_modules', '.bin', 'mcdsm');
let reached = 0;
test.after.always(() => rmSync(root, { recursive: true, force: true }));
const step = (n: number) => (t: { fail: (m: string) => void }) => {
  if (reached < n - 1) {
    t.fail(`step ${n - 1} failed`);
    return false;
  }
  return true;
};

test.serial('1. npm pack: dist/ with declarations, the bin and the template; no tests, no CI, no build at install', (t) => {
  t.timeout(5 * 60_000);
  t.true(relative(REPO, root).startsWith('..'), 'the project is outside the repository');
  const packed = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', root], REPO);
  t.is(packed.code, 0, packed.err);
  const info = (JSON.parse(packed.out) as { filename: string; files: { path: string }[] }[])[0]!;
  const files = info.files.map((f) => f.path);
  for (const f of ['bin/mcdsm.js', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/host-sim/api/index.d.ts', 'dist/src/board.d.ts', 'dist/bundles/board.xs.js', 'dist/host-sim/cli.js', 'scripts/setup.mjs', 'templates/project/app.ts', 'docs/APPS.md',
    // What an installed package needs for Moddable-lin boards and firmware builds: it prepares
    // the SDK and compiles the lin host itself (before, neither was packed, so an installed
    // mcdsm could never build firmware nor run --engine moddable).
    'scripts/moddable-sdk.mjs', 'host-sim/moddable/lin-host.c']) {
    t.true(files.includes(f), `the tarball has ${f}`);
  }
  t.deepEqual(files.filter((f) => /^(test|\.ci|dist\/test)\//.test(f) || f.includes('.test.')), ['templates/project/test/app.test.mjs']);
  t.false(files.includes('scripts/build.mjs'), 'no build script: nothing is built at install');

  // A project from the template, depending on the tarball; installed offline from npm's cache.
  const init = run(process.execPath, [BIN, 'init', 'my-boards', '--mcdsm', `file:${join(root, info.filename)}`], root);
  t.is(init.code, 0, init.err);
  const installed = run('npm', ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund'], proj);
  t.is(installed.code, 0, installed.err);
  for (const dev of ['ava', 'fast-check', '@moddable/typings']) t.false(existsSync(join(proj, 'node_modules', dev)), `devDependency ${dev} is not installed`);
  // npm 11.16+ reads package.json's allowScripts (npm 12 skips the install scripts it does not
  // cover; npm 11 prints a notice): the project and mcdsm itself cover every one they have.
  // An npm without the command (10, Node 20's) runs every script anyway.
  for (const [where, dir] of [['the template', proj], ['mcdsm', REPO]] as const) {
    const ls = run('npm', ['install-scripts', 'ls'], dir);
    if (/Unknown command/i.test(ls.out + ls.err)) t.log(`npm has no install-scripts command: ${where}'s allowScripts not checked`);
    else t.regex(ls.out, /No packages with unreviewed install scripts/, `${where}: ${ls.out}${ls.err}`);
  }
  reached = 1;
});

test.serial('2. the package\'s postinstall needs no devDependency; the library is typed', (t) => {
  t.timeout(5 * 60_000);
  if (!step(2)(t)) return;
  // The engine the repository's install compiled, instead of compiling XS again.
  const xsnapHere = dirname(createRequire(join(REPO, 'package.json')).resolve('@agoric/xsnap/package.json'));
  const xsnapThere = join(proj, 'node_modules', '@agoric', 'xsnap');
  cpSync(join(xsnapHere, 'xsnap-native', 'xsnap', 'build', 'bin'), join(xsnapThere, 'xsnap-native', 'xsnap', 'build', 'bin'), { recursive: true });
  const boardEngine = join(xsnapHere, '..', '..', '.cache', 'mcdsm');
  if (existsSync(boardEngine)) {
    mkdirSync(join(proj, 'node_modules', '.cache', 'mcdsm'), { recursive: true });
    for (const f of ['xsnap-worker', 'xsnap-worker.source']) cpSync(join(boardEngine, f), join(proj, 'node_modules', '.cache', 'mcdsm', f));
  }
  const setup = run(process.execPath, [join(proj, 'node_modules', 'mcdsm', 'scripts', 'setup.mjs')], join(proj, 'node_modules', 'mcdsm'));
  t.is(setup.code, 0, setup.out + setup.err);
  t.regex(setup.out, /setup: XS engine present/);
  t.regex(setup.out, /setup: installed package: dist\/ is prebuilt, nothing to build/);

  writeFileSync(join(proj, 'types-check.ts'), TYPES_CHECK);
  writeFileSync(join(proj, 'tsconfig.check.json'), JSON.stringify({ compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', skipLibCheck: true, types: [] }, files: ['types-check.ts'] }));
  const tsc = run(process.execPath, [join(proj, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.check.json'], proj);
  t.is(tsc.code, 0, tsc.out + tsc.err);
  reached = 2;
});

test.serial('3. the template\'s npm test passes as it is (4 XS boards, with and without a crash)', (t) => {
  t.timeout(6 * 60_000);
  if (!step(3)(t)) return;
  const npmTest = run('npm', ['test'], proj);
  t.is(npmTest.code, 0, npmTest.out + npmTest.err);
  t.regex(npmTest.out, /# pass 2/);
  reached = 3;
});

test.serial('4. a user app (messages, packet channels, DSM): mcdsm sim on XS, then simulate() with a crash and a spare, same result', (t) => {
  t.timeout(6 * 60_000);
  if (!step(4)(t)) return;
  writeFileSync(join(proj, 'flow-app.ts'), FLOW_APP);
  const clean = run(mcdsmBin, ['sim', './flow-app.ts', '--boards', '4', '--engine', 'xs', '--consoles', 'none', '--quiet', '--seed', '7', '--json'], proj);
  t.is(clean.code, 0, clean.out + clean.err);
  const cleanSummary = JSON.parse(clean.out.trim().split('\n').pop()!) as { ok: boolean; app: { name: string; result: unknown }; boards: { engine: string }[] };
  t.is(cleanSummary.app.name, 'flow');
  t.true(cleanSummary.boards.every((b) => b.engine === 'xs'));
  t.deepEqual(cleanSummary.app.result, { sum: expectedFlowSum(4, 30) });

  writeFileSync(
    join(proj, 'crash.mjs'),
    `import { simulate } from 'mcdsm/sim';\n` +
      `const s = await simulate({ app: './flow-app.ts', boards: 4, spares: 1, engine: 'xs', faults: ['crash:2@iter=15'], link: 'uart:921600', seed: 7 });\n` +
      `process.stdout.write(JSON.stringify(s));\n`,
  );
  const crashed = run(process.execPath, ['crash.mjs'], proj);
  t.is(crashed.code, 0, crashed.err);
  const crashSummary = JSON.parse(crashed.out) as { ok: boolean; reason: string; app: { result: unknown }; faults: unknown[]; recoveries: unknown[] };
  t.true(crashSummary.ok, crashSummary.reason);
  t.is(crashSummary.faults.length, 1);
  t.true(crashSummary.recoveries.length >= 1);
  t.deepEqual(crashSummary.app.result, cleanSummary.app.result, 'the crash and the rollback change nothing in the result');

  // The installed command makes projects too.
  const second = run(mcdsmBin, ['init', 'second'], root);
  t.is(second.code, 0, second.err);
  t.true(readFileSync(join(root, 'second', 'package.json'), 'utf8').includes('"mcdsm": "^0.1.0"'));
  reached = 4;
});

// Before session 16 an installed mcdsm could build no firmware at all: the script that prepares
// the SDK and the lin host's source were not packed ("run node scripts/moddable-sdk.mjs", a file
// the package lacked), a path app needed --set app=NAME, and its `mcdsm` import reached mcconfig.
const sdk = findModdableSdk();
test.serial('5. the installed package builds firmware for the user\'s app with the user\'s SDK ($MODDABLE)', (t) => {
  t.timeout(10 * 60_000);
  if (!step(5)(t)) return;
  if (!sdk.ok) {
    const ci = process.env['CI'] === 'true' || process.env['CI'] === '1';
    if (ci) t.fail(`CI=true and no Moddable SDK: ${sdk.reason}`);
    else {
      t.log(`Moddable part did NOT run: ${sdk.reason}`);
      t.pass();
    }
    return;
  }
  const env = { MODDABLE: sdk.sdk.moddable };
  // The postinstall (step 2) compiled no lin host unless MODDABLE was set then: the error says
  // what to run, with the installed package's own path.
  if (!existsSync(join(proj, 'node_modules', 'mcdsm', 'node_modules', '.cache', 'mcdsm', 'moddable-sdk', 'lin-host'))) {
    const before = run(mcdsmBin, ['firmware', 'build', './flow-app.ts', '--target', 'esp32', '--out', 'fw'], proj, env);
    t.is(before.code, 1, before.out + before.err);
    t.true(before.err.includes(`MODDABLE=${sdk.sdk.moddable} node ${join(proj, 'node_modules', 'mcdsm', 'scripts', 'moddable-sdk.mjs')}`), before.err);
  }
  const setup = run(process.execPath, [join(proj, 'node_modules', 'mcdsm', 'scripts', 'moddable-sdk.mjs')], proj, env);
  t.is(setup.code, 0, setup.out + setup.err);
  t.regex(setup.out, /lin host compiled/);
  const built = run(mcdsmBin, ['firmware', 'build', './flow-app.ts', '--target', 'esp32', '--out', 'fw', '--json'], proj, env);
  t.is(built.code, 0, built.out + built.err);
  const summary = JSON.parse(built.out.trim().split('\n').pop()!) as { app: string; archiveBytes: number; modules: string[] };
  t.is(summary.app, 'flow', 'named from its default export, no --set app');
  t.true(summary.archiveBytes > 100_000);
  t.true(summary.modules.includes('main') && summary.modules.includes('mcdsm-platform'), summary.modules.join(', '));
  t.false(summary.modules.includes('mcdsm'), 'the app API is inside the bundle, not a module for mcconfig');
});
