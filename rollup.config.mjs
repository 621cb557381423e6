// Board bundles.
//   dist/bundles/board.xs.js        one classic script (iife) for xsnap-worker: the runtime behind
//                                   hal/xsnap's handleCommand, from tsc's output in dist/.
// A bundle whose entry does not exist yet is skipped with a note instead of failing the build.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import ts from 'typescript';

/** Resolve `./x.js` to `./x.ts` next to a TypeScript importer and transpile TypeScript on the fly. */
function typescriptSources() {
  return {
    name: 'mcdsm-typescript-sources',
    resolveId(source, importer) {
      if (importer === undefined || !source.startsWith('.')) return null;
      const target = resolve(dirname(importer), source);
      if (target.endsWith('.js')) {
        const tsPath = `${target.slice(0, -3)}.ts`;
        if (existsSync(tsPath)) return tsPath;
      }
      return null;
    },
    transform(code, id) {
      if (!id.endsWith('.ts')) return null;
      const out = ts.transpileModule(code, {
        fileName: id,
        compilerOptions: {
          target: ts.ScriptTarget.ES2022,
          module: ts.ModuleKind.ESNext,
          verbatimModuleSyntax: true,
          sourceMap: true,
        },
      });
      return { code: out.outputText, map: out.sourceMapText ? JSON.parse(out.sourceMapText) : null };
    },
  };
}

/** An unresolved import in a board bundle is a build error, not a warning. */
function strictWarnings(warning, warn) {
  if (warning.code === 'UNRESOLVED_IMPORT' || warning.code === 'MISSING_GLOBAL_NAME' || warning.code === 'MISSING_EXPORT') {
    throw new Error(`rollup: ${warning.message}`);
  }
  warn(warning);
}

const configs = [];

if (existsSync('dist/hal/xsnap/main.js') && existsSync('dist/src/board.js') && existsSync('dist/examples/registry.js')) {
  configs.push({
    input: 'dist/hal/xsnap/main.js',
    onwarn: strictWarnings,
    output: { file: 'dist/bundles/board.xs.js', format: 'iife', strict: true, sourcemap: false },
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
