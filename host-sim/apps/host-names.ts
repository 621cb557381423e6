/**
 * Host globals an app might reach for: the type check (typecheck.ts) and the scan of bundled
 * JavaScript (plugins.ts) both name them as what a board does not have.
 */
export const HOST_NAMES: ReadonlySet<string> = new Set([
  'process', 'Buffer', 'require', 'module', 'exports', '__dirname', '__filename', 'global',
  'setTimeout', 'setInterval', 'clearTimeout', 'clearInterval', 'setImmediate', 'clearImmediate',
  'console', 'window', 'document', 'navigator', 'fetch', 'XMLHttpRequest', 'WebSocket',
  'TextEncoder', 'TextDecoder', 'performance', 'localStorage', 'structuredClone', 'queueMicrotask',
]);
