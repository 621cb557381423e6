/**
 * Frame type numbers, one byte on the wire. Ranges are owned by layers so that each layer
 * can register for its own range and a new message never collides with another layer's.
 * docs/PROTOCOL.md is the normative list; keep the two in the same commit.
 */
export const FrameType = {
  // 0x00-0x0f: link and network layer (hop-by-hop; never delivered above src/net)
  LINK_ACK: 0x01, // acknowledgement; payload: optional selective-ack bitmap (docs/PROTOCOL.md)
  HELLO: 0x02, // neighbour discovery on one link
  LSA: 0x03, // link-state advertisement, flooded
  E2E_ACK: 0x04, // end-to-end acknowledgement, routed to one node (docs/PROTOCOL.md §8)
  // 0x10-0x2f: MCAPI
  MCAPI_FIRST: 0x10,
  MCAPI_LAST: 0x2f,
  // 0x30-0x4f: DSM
  DSM_FIRST: 0x30,
  DSM_LAST: 0x4f,
  // 0x50-0x6f: fault tolerance (heartbeats, checkpoints, membership)
  FT_FIRST: 0x50,
  FT_LAST: 0x6f,
  // 0x70-0x7f: raw frames for benchmarks and diagnostics (no MCAPI on either side)
  RAW_FIRST: 0x70,
  RAW_LAST: 0x7f,
} as const;
