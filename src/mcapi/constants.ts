/**
 * MCAPI constants: special port and timeout values, attribute numbers and attribute values.
 * Attribute numbers are the MCAPI 2.x header's; docs/MCAPI.md lists which are read-only.
 */

/** createEndpoint(PORT_ANY): the next free port of the dynamic range. MCAPI_PORT_ANY. */
export const PORT_ANY = -1;
/** Wait forever (MCAPI_TIMEOUT_INFINITE). 0xffffffff is accepted as the same value. */
export const TIMEOUT_INFINITE = Infinity;
/** Return at once with success or MCAPI_TIMEOUT (MCAPI_TIMEOUT_IMMEDIATE). */
export const TIMEOUT_IMMEDIATE = 0;
/** Highest message / channel priority; larger numbers are lower priorities (MCAPI_MAX_PRIORITY). */
export const MAX_PRIORITY = 0;
/** The version mcapi_initialize reports: MCAPI 2.015. */
export const MCAPI_VERSION = 2015;
/** Port 0 is reserved (MCAPI_NUM_RESERVED_PORTS = 1): the implementation's control frames use it. */
export const NUM_RESERVED_PORTS = 1;

/** Node attribute numbers (mcapi_node_attribute_numbers). */
export const NodeAttr = {
  TYPE: 0,
} as const;

/** Values of NodeAttr.TYPE. */
export const NodeType = {
  REGULAR: 0,
} as const;

/** Endpoint attribute numbers (mcapi_endp_attribute_numbers). */
export const EndpointAttr = {
  /** Read-only: EndpointType of the endpoint (message unless connected to a channel). */
  TYPE: 0,
  /** Not supported: outstanding gets are not reference counted. */
  GET_COUNT: 1,
  /** Not supported. */
  GET_SOURCE: 2,
  /** Largest message / packet in bytes; channel compatibility attribute. */
  MAX_PAYLOAD_SIZE: 3,
  /** Read-only: always FIFO. */
  BUFFER_TYPE: 4,
  /** Locality (local only) | behaviour on a full receiver (BLOCK_ON_MEM_LIMIT / FAIL_ON_MEM_LIMIT). */
  MEMORY_TYPE: 5,
  /** Read-only: the node's number of priorities. */
  NUM_PRIORITIES: 6,
  /** Channel priority; channel compatibility attribute. */
  PRIORITY: 7,
  /** Read-only: send credits currently held (packet / scalar send side), else 0. */
  NUM_SEND_BUFFERS: 8,
  /** Receive queue length: queued messages, or the receive buffers a channel grants its sender. */
  NUM_RECV_BUFFERS: 9,
  /** Read-only: EndpointStatus flags. */
  STATUS: 10,
  /** Timeout in ms of blocking calls and of message / packet / scalar sends waiting for room. */
  TIMEOUT: 11,
  /**
   * Vendor attribute (mcdsm): ms that the acceptance of a message received on this endpoint may
   * wait to ride on a message going back to its sender (0, the default: at the end of the turn).
   * For receivers whose senders do not wait on each send's completion (the DSM); docs/MCAPI.md.
   */
  ACCEPT_ACK_DELAY: 64,
} as const;

/** Largest ACCEPT_ACK_DELAY: a sender's send stays incomplete at most this much longer. */
export const MAX_ACCEPT_ACK_DELAY_MS = 1000;

/** Values of EndpointAttr.TYPE (MCAPI_ENDP_ATTR_TYPE_*). */
export const EndpointType = {
  MESSAGE: 0x1,
  PKTCHAN: 0x2,
  SCLCHAN: 0x4,
} as const;

/** Values of EndpointAttr.BUFFER_TYPE. */
export const BufferType = {
  FIFO: 0,
} as const;

/** EndpointAttr.MEMORY_TYPE: locality in the low 16 bits, behaviour in the high 16 bits. */
export const MemoryType = {
  LOCAL_MEMORY: 0x0,
  SHARED_MEMORY: 0x1,
  REMOTE_MEMORY: 0x2,
  BLOCK_ON_MEM_LIMIT: 0x00000,
  FAIL_ON_MEM_LIMIT: 0x10000,
} as const;

/**
 * EndpointAttr.STATUS flags. The first four are the header's; the header reuses 0x1..0x8 for
 * the channel flags, which would make them ambiguous, so those are moved up here.
 */
export const EndpointStatus = {
  CONNECTED: 0x1,
  OPEN: 0x2,
  OPEN_PENDING: 0x4,
  CLOSE_PENDING: 0x8,
  PKTCHAN: 0x10,
  SCLCHAN: 0x20,
  SEND: 0x40,
  RECEIVE: 0x80,
  GET_PENDING: 0x100,
} as const;
