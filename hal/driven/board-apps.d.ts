/**
 * The apps of a board bundle. Not a file: the bundler (host-sim/apps/plugins.ts) generates this
 * module from the app(s) the build was asked for — the built-in examples, or the user's app.
 */
declare module 'mcdsm:board-apps' {
  export function boardApps(): Map<string, import('../../src/app.js').App | import('../../src/app.js').RawApp>;
}
