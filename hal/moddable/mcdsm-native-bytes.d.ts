/** firmware/native/mcdsm-native-bytes.js: XS host functions of firmware/native/mcdsm_bytes.c. */
declare module 'mcdsm/native-bytes' {
  export function crc32(bytes: Uint8Array, start: number, end: number): number;
  export function cobsEncode(src: Uint8Array, start: number, end: number, lead: boolean): ArrayBuffer;
  export function cobsDecode(src: Uint8Array, start: number, end: number): ArrayBuffer | null;
  export function findZero(bytes: Uint8Array, start: number, end: number): number;
  export function copy(src: Uint8Array, start: number, end: number, dst: Uint8Array, at: number): void;
  export function diffSpans(a: Uint8Array, b: Uint8Array, gap: number): ArrayBuffer;
}
