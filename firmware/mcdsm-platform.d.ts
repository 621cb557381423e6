/** What the firmware needs from its platform: firmware/platform/<lin|mcu>/mcdsm-platform.js. */
declare module 'mcdsm-platform' {
  /** `lin` (a board that is a process) or `mcu`. */
  export const platform: string;
  /** The host's settings as JSON text (lin: lin-host --config), or undefined. */
  export function hostConfig(): string | undefined;
  /** Restart the board (RAM lost). Throws where the platform cannot. */
  export function restart(): void;
  /**
   * The heap probe (lin only, docs/TARGETS.md "Heap probe"): 0 off, 1 new peaks of the live set,
   * 2 every sample; from MCDSM_HEAP_PROBE in the board process's environment. Always 0 on a chip.
   */
  export function heapProbeMode(): number;
  /** Collect garbage and print the live slots / chunks (`heap-probe <label> ...`) when `always` or at a new peak. */
  export function heapProbe(label: string, always: boolean): void;
  /** The stored config layer (JSON text written by `config set`), or undefined. */
  export function storedConfig(): unknown;
  export function storeConfig(text: string): void;
  export function clearStoredConfig(): void;
}
