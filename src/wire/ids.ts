/**
 * Protocol constants for node and domain ids: one byte each on the wire. The top node value
 * is reserved, so a node table indexed by any byte (NODE_TABLE_SIZE) always has room for it.
 */

/** The highest node id a board may have. */
export const NODE_ID_MAX = 254;
/** Frame destination meaning "every node of the domain". */
export const BROADCAST_NODE = 255;
/**
 * "No node" in payload fields that name a node (FT coordinators, abort ranks). It is the same
 * byte as BROADCAST_NODE because both are the one value no board can have; such fields never
 * address a frame, so the two meanings cannot meet.
 */
export const NO_NODE = 255;
/** Entries in a table indexed by a node-id byte. */
export const NODE_TABLE_SIZE = 256;
/** The highest domain id. */
export const DOMAIN_ID_MAX = 255;
