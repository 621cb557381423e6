/**
 * The import-direction check (docs/ARCHITECTURE.md): `npm test` runs it
 * (test/structure/imports.test.ts), `npm run check:imports` prints it.
 *
 * Rules are written by directory, never by file name, so they hold while a layer's files are
 * split or renamed. Inside src/ every module belongs to one layer; a layer imports only layers
 * of a LOWER rank (never a sibling of the same rank, never one above), and its own folder.
 * Type-only imports count (tsPreCompilationDeps): a type cycle is a cycle.
 */

/** src/ layers, lowest first. Same rank = siblings that must not import each other. */
const LAYERS = [
  { name: 'util', rank: 0, path: '^src/util/' },
  { name: 'wire', rank: 1, path: '^src/wire/' },
  { name: 'net', rank: 2, path: '^src/net/' },
  // The serial console shell: a library the layers above register commands with (FT's `ckpt`).
  { name: 'console', rank: 2, path: '^src/console/' },
  { name: 'mcapi', rank: 3, path: '^src/mcapi/' },
  { name: 'dsm', rank: 4, path: '^src/dsm/' },
  { name: 'ft', rank: 5, path: '^src/ft/' },
  { name: 'rpc', rank: 5, path: '^src/rpc/' },
  // The app API and the composition root: config, wiring, the app runner, the public entries,
  // and the event vocabulary that gathers each layer's events for the tools (events.ts).
  { name: 'root', rank: 6, path: '^src/(runtime/|(app|app-options|config|board|index|events)[.]ts$)' },
];

/**
 * The HAL interface is outside the ranks: types only, which every layer may import (type-only),
 * and which itself imports only types from wire/ and util/.
 */
const HAL = '^src/hal[.]ts$';

const layerRules = LAYERS.map((layer) => {
  const notBelow = LAYERS.filter((l) => l.rank >= layer.rank && l !== layer).map((l) => l.path);
  return notBelow.length === 0
    ? null
    : {
        name: `layer-${layer.name}`,
        severity: 'error',
        comment: `src/ layers import only lower layers: ${layer.name} (rank ${layer.rank}) must not import a layer of rank ${layer.rank} or above`,
        from: { path: layer.path },
        to: { path: notBelow },
      };
}).filter((r) => r !== null);

/** Board code: what runs on a board (and so in src/'s bundles) must not reach host tools. */
const HOST_ONLY = '^(host-sim|test|scripts|bin)/';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles, type-only ones included: split the shared part into its own file',
      from: {},
      to: { circular: true },
    },
    {
      name: 'src-stays-in-src',
      severity: 'error',
      comment: 'src/ is the engine-neutral runtime: targets import src/, never the other way',
      from: { path: '^src/' },
      to: { path: '^(hal|host-sim|firmware|examples|bench|test|scripts|bin|templates)/' },
    },
    {
      name: 'src-no-packages',
      severity: 'error',
      comment: 'The runtime that goes on boards is dependency-free: no npm packages, no Node.js modules',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-bundled', 'npm-no-pkg', 'npm-unknown', 'core', 'unknown', 'undetermined'] },
    },
    {
      name: 'src-layer-unplaced',
      severity: 'error',
      comment: 'Every module in src/ belongs to a layer: add its folder to LAYERS in .dependency-cruiser.cjs (and docs/ARCHITECTURE.md)',
      from: { path: '^src/', pathNot: [...LAYERS.map((l) => l.path), HAL] },
      to: {},
    },
    ...layerRules,
    {
      name: 'hal-interface-types-only',
      severity: 'error',
      comment: 'src/hal.ts is the HAL interface: layers import its types only (import type)',
      from: { path: '^src/' },
      to: { path: HAL, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'hal-interface-imports',
      severity: 'error',
      comment: 'src/hal.ts declares the HAL from the lowest layers only (types of wire/ and util/)',
      from: { path: HAL },
      to: { pathNot: ['^src/(wire|util)/', HAL] },
    },
    {
      name: 'board-code-not-host',
      severity: 'error',
      comment: 'hal/, firmware/, examples/ and bench/apps/ go on boards or into board bundles: they must not import the host simulator or the tests',
      from: { path: '^(hal|firmware|examples|bench/apps)/' },
      to: { path: HOST_ONLY },
    },
    {
      name: 'hal-not-apps',
      severity: 'error',
      comment: 'A HAL and the firmware entry take their apps from the virtual module mcdsm:board-apps, never from examples/ or bench/',
      // Except the type-check stand-in for mcdsm:board-apps, and the Lua build's app list
      // (typescript-to-lua has no virtual modules: hal/lua/apps.ts names the Lua boards' apps).
      from: { path: '^(hal|firmware)/', pathNot: ['^firmware/board-apps-all[.]ts$', '^hal/lua/apps[.]ts$'] },
      to: { path: '^(examples|bench)/' },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist)/' },
    // mcdsm:board-apps exists only inside a bundle (hal/driven/board-apps.d.ts declares it).
    enhancedResolveOptions: { extensions: ['.ts', '.d.ts', '.js', '.mjs'] },
  },
};
