/**
 * The firmware entry (module "main" in firmware/manifest.json, bundled with hal/moddable and
 * src/ into dist/bundles/board.moddable.js). Moddable calls the default export at start.
 */
import Preference from 'preference';
import config from 'mc/config';
import { ModdableHal } from '../hal/moddable/moddable-hal.js';
import { moddableNativeBytes } from '../hal/moddable/native-bytes.js';
import { bootBoard } from '../src/board.js';
import { appRegistry } from '../examples/registry.js';
import { readFirmwareConfig } from './firmware-config.js';
import type { FirmwareConfig } from './firmware-config.js';

interface RestartingSystem {
  restart?: () => void;
}

/** The chip restart, where the platform's `System` global has one (the ECMA-419 IO examples' helper). */
function platformRestart(): (() => void) | undefined {
  const system = (globalThis as { System?: RestartingSystem }).System;
  const restart = system?.restart;
  return typeof restart === 'function' ? () => restart.call(system) : undefined;
}

export default function main(): void {
  let fw: FirmwareConfig;
  try {
    fw = readFirmwareConfig(Preference.get('mcdsm', 'config'), (config as Record<string, unknown>)['mcdsm']);
  } catch (e) {
    // Without a usable hardware description there is no board to run: say why and stop.
    const hal = new ModdableHal({ links: [], console: null, ramLimit: 0 });
    hal.halt(`bad firmware config: ${(e as Error).message}`);
    return;
  }
  const restart = platformRestart();
  const hal = new ModdableHal({
    links: fw.links,
    console: fw.console,
    ramLimit: fw.ramLimit,
    bytes: moddableNativeBytes(),
    ...(restart === undefined ? {} : { restart }),
  });
  bootBoard(hal, fw.board, appRegistry());
}
