/**
 * Entry of the XS board bundle (dist/bundles/board.xs.js, built by rollup.config.mjs):
 * the runtime and its apps behind the xsnap-worker command interface.
 */
import { bootRuntime } from '../driven/runtime.js';
import { installBoard } from './install.js';
import { freezeIntrinsics } from './freeze.js';

installBoard(bootRuntime);
// Last, as Moddable's preload does: the loaded bundle runs against frozen intrinsics.
freezeIntrinsics();
