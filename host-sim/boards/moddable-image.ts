/**
 * The firmware a Moddable-lin board runs: our headless host and the app's `lin` build, made
 * with the real SDK once per app and cached by content (host-sim/firmware/).
 */
import type { LinImage } from './moddable-board.js';

export async function linImage(app: string): Promise<LinImage> {
  throw new Error(`no Moddable lin firmware for "${app}": the firmware build is not available in this build`);
}
