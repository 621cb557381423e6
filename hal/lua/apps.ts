/**
 * The apps in the Lua board build: the MCAPI ones (the DSM and fault tolerance do not run on
 * Lua boards, see docs/LUA.md). A function, like examples/registry.ts.
 */
import type { App, RawApp } from '../../src/app.js';
import { pingpongApp } from '../../examples/pingpong/app.js';
import { conformanceApp } from '../../examples/conformance/app.js';
import { idleApp } from '../../examples/idle/app.js';

export function luaApps(): Map<string, App | RawApp> {
  const apps = new Map<string, App | RawApp>();
  for (const app of [pingpongApp, conformanceApp, idleApp]) apps.set(app.name, app);
  return apps;
}
