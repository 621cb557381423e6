/**
 * Apps for boards: resolve what the user named, type-check and bundle it with the runtime for a
 * target, cached by content. The simulator (`mcdsm sim`), `simulate()` and the firmware builder
 * all go through here.
 */
export { resolveApp, APP_EXTENSIONS } from './resolve.js';
export type { ResolvedApp, ResolveOptions } from './resolve.js';
export { bundleBoard } from './bundle.js';
export type { BoardBundle, BundleRequest, BundleTarget } from './bundle.js';
export { typecheckApp, boardCompilerOptions } from './typecheck.js';
export { prepareApp, preparedBoardFactory } from './prepare.js';
export type { PreparedApp, PrepareOptions } from './prepare.js';
export { AppError } from './errors.js';
export { builtinAppNames } from './builtin.js';
export { BOARD_APPS_ID } from './plugins.js';
