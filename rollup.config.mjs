// Board bundles with every built-in app (examples/registry.ts), the default of the simulator
// and of `mcdsm firmware build` without an app:
//   dist/bundles/board.xs.js        one classic script (iife) for xsnap-worker: the runtime behind
//                                   hal/xsnap's handleCommand, from tsc's output in dist/, with
//                                   the firmware's constants and enums inlined.
// Board entries take their apps from the virtual module `mcdsm:board-apps`; here it is the
// registry. A user's app is bundled on the fly by host-sim/apps/ (same plugins, from dist/).
// A bundle whose entry does not exist yet is skipped with a note instead of failing the build.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const pluginsFile = resolve('dist/host-sim/apps/plugins.js');
const { boardApps, typescriptSources } = existsSync(pluginsFile) ? await import(pluginsFile) : {};
const frameFile = resolve('dist/host-sim/apps/xs-frame.js');
const { xsBundleFrame } = existsSync(frameFile) ? await import(frameFile) : {};
const inlineFile = resolve('dist/host-sim/firmware/inline-constants.js');
const { inlineConstantsPlugin } = existsSync(inlineFile) ? await import(inlineFile) : {};

/** An unresolved import in a board bundle is a build error, not a warning. */
function strictWarnings(warning, warn) {
  if (warning.code === 'UNRESOLVED_IMPORT' || warning.code === 'MISSING_GLOBAL_NAME' || warning.code === 'MISSING_EXPORT') {
    throw new Error(`rollup: ${warning.message}`);
  }
  warn(warning);
}

/**
 * tsc's source maps of the dist/ files, so the bundle's own map (board.xs.js.map) reaches the
 * TypeScript sources: an error in a built-in example names examples/<app>/<file>.ts:line.
 */
function tscSourceMaps() {
  return {
    name: 'mcdsm-tsc-source-maps',
    load(id) {
      if (!id.endsWith('.js') || !existsSync(`${id}.map`)) return null;
      const code = readFileSync(id, 'utf8').replace(/\n\/\/# sourceMappingURL=[^\n]*\s*$/, '\n');
      return { code, map: JSON.parse(readFileSync(`${id}.map`, 'utf8')) };
    },
  };
}

// XS names the script in its stack frames after a sourceURL comment (without one: `#0:27852`);
// host-sim/apps/source-places.ts maps `board.xs.js:LINE` through the map. The map's sources stay
// relative to dist/bundles/, so an installed package maps to its own shipped sources.
const XS_OUTPUT = { file: 'dist/bundles/board.xs.js', format: 'iife', strict: true, sourcemap: true, footer: '//# sourceURL=board.xs.js' };

const configs = [];

if (boardApps && xsBundleFrame && inlineConstantsPlugin && existsSync('dist/hal/xsnap/main.js') && existsSync('dist/src/board.js') && existsSync('dist/examples/registry.js')) {
  configs.push({
    input: 'dist/hal/xsnap/main.js',
    // The firmware's inlining of numeric constants and enums (host-sim/firmware/inline-constants.ts),
    // so a simulated XS board runs and is metered on the code a board runs; before the frame
    // step, which counts the module-level names left.
    plugins: [tscSourceMaps(), boardApps({ registry: resolve('dist/examples/registry.js') }), inlineConstantsPlugin(), xsBundleFrame()],
    onwarn: strictWarnings,
    output: XS_OUTPUT,
  });
} else if (existsSync('dist/hal/xsnap/install.js')) {
  // Until the runtime exists, the XS board bundle still builds: every board halts at boot
  // saying why, so the simulator's plumbing stays testable.
  console.error('rollup: src/board.ts is not built yet: dist/bundles/board.xs.js is a stand-in whose boards halt at boot');
  const entry = '\0mcdsm-board-missing';
  configs.push({
    input: entry,
    plugins: [
      {
        name: 'mcdsm-board-missing',
        resolveId: (id) => (id === entry ? id : null),
        load: (id) =>
          id === entry
            ? `import { installBoard } from ${JSON.stringify(resolve('dist/hal/xsnap/install.js'))};\n` +
              `installBoard((hal) => hal.halt('no runtime in this bundle: src/board.ts was not built'));\n`
            : null,
      },
    ],
    onwarn: strictWarnings,
    output: { file: 'dist/bundles/board.xs.js', format: 'iife', strict: true, sourcemap: false },
  });
} else {
  console.error('rollup: skipping dist/bundles/board.xs.js (run tsc first: dist/hal/xsnap/install.js is missing)');
}

// The Moddable firmware bundle is built per app by `mcdsm firmware build` (host-sim/firmware/bundle.ts).

export default configs;
