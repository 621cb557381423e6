/**
 * The messages of the native byte helpers between an XS board (the VM calls xsnap's
 * `issueCommand(ArrayBuffer)`, which blocks until the host answers) and the simulator
 * (host-sim/boards/native-host.ts). Request: [MARK, op, args..., data]. All integers LE.
 *
 *   PROBE                          -> [bitmask of the ops the host serves for this board]
 *   CRC32      data                -> u32 crc
 *   COBS_ENC   lead(u8) data       -> encoded bytes (lead 0x00, blocks, delimiter)
 *   COBS_DEC   data                -> ok(u8) decoded bytes
 *   DIFF       gap(u32) na(u32) a b -> u32 pairs (start, end)
 *   FIND_ZERO  data                -> i32 index in data, -1 none
 *   COPY       data                -> the same bytes (the copy itself is charged)
 *
 * A host that does not serve natives answers every issueCommand with an empty buffer: the
 * probe then reads as "none" and the board keeps its JS code.
 */
export const NATIVE_MARK = 0x4e; // 'N'
export const OP_PROBE = 0;
export const OP_CRC32 = 1;
export const OP_COBS_ENC = 2;
export const OP_COBS_DEC = 3;
export const OP_DIFF = 4;
export const OP_FIND_ZERO = 5;
export const OP_COPY = 6;
/** Bit of op `k` in the probe's answer. */
export const opBit = (op: number): number => 1 << op;
