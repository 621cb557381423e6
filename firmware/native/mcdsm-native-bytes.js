/*
 * The JS face of mcdsm_bytes.c (module "mcdsm/native-bytes"): XS host functions, called
 * through hal/moddable/native-bytes.ts, which turns them into the runtime's NativeBytes.
 */
export function crc32(bytes, start, end) @ "xs_mcdsm_crc32";
export function cobsEncode(src, start, end, lead) @ "xs_mcdsm_cobs_encode";
export function cobsDecode(src, start, end) @ "xs_mcdsm_cobs_decode";
export function findZero(bytes, start, end) @ "xs_mcdsm_find_zero";
export function copy(src, start, end, dst, at) @ "xs_mcdsm_copy";
export function diffSpans(a, b, gap) @ "xs_mcdsm_diff_spans";
