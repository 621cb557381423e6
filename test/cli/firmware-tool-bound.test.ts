// `mcdsm firmware build` runs the SDK's tools (mcconfig, make with xsc/xsid/xsl) under a named
// wall-clock bound (FIRMWARE_TOOL_MS, `$MCDSM_FIRMWARE_TOOL_MS`): a tool that never ends used to
// hang the command, `sim --engine moddable` and CI. The stand-in SDK here is a real tree whose
// mcconfig (a shell script) starts a child and waits forever; the build must fail within the
// bound with a message naming the tool, the bound and how to raise it, and the tool's whole
// process group must be gone (an orphaned compiler would write on into the shared build folder).
import test from 'ava';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildFolder, FIRMWARE_TOOL_MS, FirmwareBuildError, firmwareToolMs } from '../../host-sim/firmware/build.js';
import { packageRoot } from '../../host-sim/firmware/sdk.js';
import { BIN, project } from '../apps/helpers.js';
import { moddableSdkOrReport } from '../moddable/helpers.js';
import { runChild } from '../util/child.js';

/** A subplatform no other test builds: its build folder (and lock) are this file's alone. */
const TARGET = 'esp32/bound_test';
const TOOL_BOUND_MS = 2000;

const NEVER_ENDS = `#!/bin/sh
echo $$ > "$BOUND_PIDS/tool"
sleep 300 &
echo $! > "$BOUND_PIDS/child"
wait
`;

/** A Moddable tree with the four host tools findModdableSdk looks for; mcconfig never ends. */
function standInSdk(dir: string): string {
  const bin = join(dir, 'build', 'bin', 'lin', 'release');
  mkdirSync(bin, { recursive: true });
  for (const tool of ['mcconfig', 'xsc', 'xsl', 'xsid']) {
    writeFileSync(join(bin, tool), tool === 'mcconfig' ? NEVER_ENDS : '#!/bin/sh\nexit 0\n');
    chmodSync(join(bin, tool), 0o755);
  }
  return dir;
}

/** Gone, or a zombie nobody reaped yet: either way it runs no more. */
function running(pid: number): boolean {
  if (!existsSync(`/proc/${String(pid)}/stat`)) return false;
  const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

test('the bound: FIRMWARE_TOOL_MS, or a whole number of ms from MCDSM_FIRMWARE_TOOL_MS', (t) => {
  t.is(firmwareToolMs({}), FIRMWARE_TOOL_MS);
  t.is(firmwareToolMs({ MCDSM_FIRMWARE_TOOL_MS: '' }), FIRMWARE_TOOL_MS);
  t.is(firmwareToolMs({ MCDSM_FIRMWARE_TOOL_MS: '90000' }), 90000);
  for (const bad of ['abc', '0', '-5', '1.5']) {
    const e = t.throws(() => firmwareToolMs({ MCDSM_FIRMWARE_TOOL_MS: bad }), { instanceOf: FirmwareBuildError });
    t.is(e?.message, `MCDSM_FIRMWARE_TOOL_MS=${bad}: expected a whole number of milliseconds above 0`);
  }
});

const sdk = moddableSdkOrReport(test);
if (sdk !== null) {
  test.serial('a firmware tool that never ends: the build fails within the bound, naming the tool, the bound and the variable; its children die', (t) => {
    const dir = project({}, 'mcdsm-tool-bound-');
    const pids = join(dir, 'pids');
    mkdirSync(pids);
    const moddable = standInSdk(join(dir, 'moddable'));
    const env: NodeJS.ProcessEnv = { ...process.env, MODDABLE: moddable, MCDSM_FIRMWARE_TOOL_MS: String(TOOL_BOUND_MS), BOUND_PIDS: pids };
    delete env['IDF_PATH'];
    try {
      // Before the bound this never returned: runChild's own bound (bundling on a loaded host
      // takes ~20 s) killed it and the test failed there.
      const r = runChild(process.execPath, [BIN, 'firmware', 'build', 'pingpong', '--target', TARGET, '--out', join(dir, 'out')], { cwd: dir, env, timeout: 120_000 });
      t.is(r.code, 1, r.err);
      const said = `mcdsm firmware build: mcconfig -p ${TARGET}: mcconfig did not finish within ${String(TOOL_BOUND_MS)} ms (the firmware tool bound), killed with its process group; a slow host may need more: set MCDSM_FIRMWARE_TOOL_MS=<ms> (default ${String(FIRMWARE_TOOL_MS)})`;
      t.true(r.err.split('\n').includes(said), r.err);
      t.notRegex(r.err, /\n\s+at /, 'no stack trace');
      const tool = Number(readFileSync(join(pids, 'tool'), 'utf8'));
      const child = Number(readFileSync(join(pids, 'child'), 'utf8'));
      t.false(running(tool), 'the tool was killed');
      t.false(running(child), "the tool's child was killed with its group");
    } finally {
      rmSync(buildFolder(packageRoot(), TARGET), { recursive: true, force: true });
    }
  });

  test.serial('a bad MCDSM_FIRMWARE_TOOL_MS: one clear line, before any tool runs', (t) => {
    const dir = project({}, 'mcdsm-tool-bound-');
    const pids = join(dir, 'pids');
    mkdirSync(pids);
    const moddable = standInSdk(join(dir, 'moddable'));
    const env: NodeJS.ProcessEnv = { ...process.env, MODDABLE: moddable, MCDSM_FIRMWARE_TOOL_MS: 'soon', BOUND_PIDS: pids };
    delete env['IDF_PATH'];
    try {
      const r = runChild(process.execPath, [BIN, 'firmware', 'build', 'pingpong', '--target', TARGET, '--out', join(dir, 'out')], { cwd: dir, env, timeout: 120_000 });
      t.is(r.code, 1, r.err);
      t.regex(r.err, /^mcdsm firmware build: MCDSM_FIRMWARE_TOOL_MS=soon: expected a whole number of milliseconds above 0$/m);
      t.false(existsSync(join(pids, 'tool')), 'mcconfig did not start');
    } finally {
      rmSync(buildFolder(packageRoot(), TARGET), { recursive: true, force: true });
    }
  });
}
