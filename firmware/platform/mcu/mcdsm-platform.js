/*
 * mcdsm-platform for microcontrollers (ESP32, Pico): no host settings (the stored config and
 * the manifest say everything), the stored config in the preference mcdsm/config (NVS on an
 * ESP32), restart through the ECMA-419 System global.
 */
import Preference from "preference";

export const platform = "mcu";
export function hostConfig() {
	return undefined;
}
export function restart() {
	const system = globalThis.System;
	if (system && typeof system.restart === "function")
		system.restart();
	else
		throw new Error("this platform has no System.restart");
}
/* The heap probe is a lin developer tool (docs/TARGETS.md "Heap probe"): off on a chip. */
export function heapProbeMode() {
	return 0;
}
export function heapProbe(label, always) {
}
export function storedConfig() {
	return Preference.get("mcdsm", "config");
}
export function storeConfig(text) {
	Preference.set("mcdsm", "config", text);
}
export function clearStoredConfig() {
	Preference.delete("mcdsm", "config");
}
