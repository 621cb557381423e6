/**
 * Preferences in the NodeMCU file system (the `file` module: SPIFFS on the ESP8266, SPIFFS or
 * FAT on the ESP32): one file per preference, its whole text read and written at once.
 */
export class FilePrefs {
  read(name: string): string | undefined {
    return file.getcontents(name) ?? undefined;
  }

  /** False when the file system refused the write (full, not mounted). */
  write(name: string, text: string): boolean {
    return file.putcontents(name, text) === true;
  }

  clear(name: string): void {
    file.remove(name);
  }
}
