/*
 * mcdsm-platform for microcontrollers (ESP32, Pico): no host settings (preferences and the
 * manifest say everything), restart through the ECMA-419 System global where the platform
 * has one.
 */
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
