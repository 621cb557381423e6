/*
 * mcdsm-platform for Moddable `lin` builds: a board is a process run by lin-host
 * (host-sim/moddable/lin-host.c). Its settings (tty paths) come from the host, its stored
 * config is a file in its working folder (lin-host --state), its restart is the end of the
 * process with EXIT_RESTART, after which lin-host starts a fresh one.
 *
 * Not the SDK's `preference` module: on lin that is JavaScript whose cache is read when the
 * module is evaluated, which for a preloaded firmware happens at build time (then frozen).
 */
import { File } from "file";

const STORED = "mcdsm-config.json";

export const platform = "lin";
export function hostConfig() @ "xs_mcdsm_host_config";
export function restart() @ "xs_mcdsm_restart";
/* The heap probe (docs/TARGETS.md "Heap probe"): MCDSM_HEAP_PROBE in lin-host's environment. */
export function heapProbeMode() @ "xs_mcdsm_heap_probe_mode";
export function heapProbe(label, always) @ "xs_mcdsm_heap_probe";

export function storedConfig() {
	if (!File.exists(STORED))
		return undefined;
	const file = new File(STORED, false);
	try {
		return file.read(String);
	}
	finally {
		file.close();
	}
}

export function storeConfig(text) {
	if (File.exists(STORED))
		File.delete(STORED);
	const file = new File(STORED, true);
	try {
		file.write(text);
	}
	finally {
		file.close();
	}
}

export function clearStoredConfig() {
	if (File.exists(STORED))
		File.delete(STORED);
}
