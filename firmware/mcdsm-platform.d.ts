/** What the firmware needs from its platform: firmware/platform/<lin|mcu>/mcdsm-platform.js. */
declare module 'mcdsm-platform' {
  /** `lin` (a board that is a process) or `mcu`. */
  export const platform: string;
  /** The host's settings as JSON text (lin: lin-host --config), or undefined. */
  export function hostConfig(): string | undefined;
  /** Restart the board (RAM lost). Throws where the platform cannot. */
  export function restart(): void;
  /** The stored config layer (JSON text written by `config set`), or undefined. */
  export function storedConfig(): unknown;
  export function storeConfig(text: string): void;
  export function clearStoredConfig(): void;
}
