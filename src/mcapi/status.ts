/**
 * MCAPI status codes and the error every failing call throws (or rejects with).
 *
 * Numbering follows the MCAPI 2.015 header (MCAPI_SUCCESS = 1, then in the header's order up to
 * MCAPI_ERR_GENERAL); the names the Multicore Association reference implementation and MCAPI 1.x
 * used in addition (ENDP_NOPORTS, ENDP_LIMIT, MSG_LIMIT, PKT_LIMIT, SCL_SIZE, ...) follow, so
 * every name an MCAPI program may test for exists. docs/MCAPI.md says which call reports which.
 * The numbers also travel on the wire (one byte) in connect and lookup replies.
 */
export const Status = {
  MCAPI_SUCCESS: 1,
  MCAPI_PENDING: 2,
  MCAPI_TIMEOUT: 3,
  MCAPI_ERR_PARAMETER: 4,
  MCAPI_ERR_DOMAIN_INVALID: 5,
  MCAPI_ERR_NODE_INVALID: 6,
  MCAPI_ERR_NODE_INITFAILED: 7,
  MCAPI_ERR_NODE_INITIALIZED: 8,
  MCAPI_ERR_NODE_NOTINIT: 9,
  MCAPI_ERR_NODE_FINALFAILED: 10,
  MCAPI_ERR_PORT_INVALID: 11,
  MCAPI_ERR_ENDP_INVALID: 12,
  MCAPI_ERR_ENDP_EXISTS: 13,
  MCAPI_ERR_ENDP_GET_LIMIT: 14,
  MCAPI_ERR_ENDP_NOTOWNER: 15,
  MCAPI_ERR_ENDP_REMOTE: 16,
  MCAPI_ERR_ATTR_INCOMPATIBLE: 17,
  MCAPI_ERR_ATTR_SIZE: 18,
  MCAPI_ERR_ATTR_NUM: 19,
  MCAPI_ERR_ATTR_VALUE: 20,
  MCAPI_ERR_ATTR_NOTSUPPORTED: 21,
  MCAPI_ERR_ATTR_READONLY: 22,
  MCAPI_ERR_MSG_SIZE: 23,
  MCAPI_ERR_MSG_TRUNCATED: 24,
  MCAPI_ERR_CHAN_OPEN: 25,
  MCAPI_ERR_CHAN_TYPE: 26,
  MCAPI_ERR_CHAN_DIRECTION: 27,
  MCAPI_ERR_CHAN_CONNECTED: 28,
  MCAPI_ERR_CHAN_OPENPENDING: 29,
  MCAPI_ERR_CHAN_CLOSEPENDING: 30,
  MCAPI_ERR_CHAN_NOTOPEN: 31,
  MCAPI_ERR_CHAN_INVALID: 32,
  MCAPI_ERR_PKT_SIZE: 33,
  MCAPI_ERR_TRANSMISSION: 34,
  MCAPI_ERR_PRIORITY: 35,
  MCAPI_ERR_BUF_INVALID: 36,
  MCAPI_ERR_MEM_LIMIT: 37,
  MCAPI_ERR_REQUEST_INVALID: 38,
  MCAPI_ERR_REQUEST_LIMIT: 39,
  MCAPI_ERR_REQUEST_CANCELLED: 40,
  MCAPI_ERR_WAIT_PENDING: 41,
  MCAPI_ERR_GENERAL: 42,
  // Names from MCAPI 1.x and the MCA reference implementation.
  MCAPI_ERR_ENDP_DELETED: 43,
  MCAPI_ERR_ENDP_NOPORTS: 44,
  MCAPI_ERR_ENDP_LIMIT: 45,
  MCAPI_ERR_MSG_LIMIT: 46,
  MCAPI_ERR_PKT_LIMIT: 47,
  MCAPI_ERR_SCL_SIZE: 48,
  MCAPI_ERR_NOT_SUPPORTED: 49,
} as const;

export type StatusName = keyof typeof Status;
export type StatusCode = (typeof Status)[StatusName];

/** `MCAPI_ERR_SCL_SIZE` for 48; `MCAPI_STATUS_<n>` for a number that is not a status. */
export function statusName(code: number): string {
  for (const name of Object.keys(Status) as StatusName[]) {
    if (Status[name] === code) return name;
  }
  return `MCAPI_STATUS_${String(code)}`;
}

/** True when `code` is one of the numbers in `Status`. */
export function isStatusCode(code: number): code is StatusCode {
  for (const name of Object.keys(Status) as StatusName[]) {
    if (Status[name] === code) return true;
  }
  return false;
}

/** What MCAPI calls throw or reject with: `status` is the MCAPI status code. */
export class McapiError extends Error {
  /**
   * On the prototype, not assigned per instance: Moddable freezes Error.prototype at preload,
   * so `this.name = ...` would throw (its inherited `name` is read-only). See docs/TARGETS.md.
   */
  override get name(): string {
    return 'McapiError';
  }

  readonly status: StatusCode;
  /** Size in bytes the call would have delivered (MSG_TRUNCATED: the message's real size). */
  size: number;
  /** For waitAny: the index of the request that completed with this error; -1 otherwise. */
  index: number;

  /**
   * The message of an McapiError of `status` with `detail`: what a failed request's error will
   * say, known without making the error (Request.error makes it when first read).
   */
  static text(status: StatusCode, detail?: string): string {
    return detail === undefined || detail === '' ? statusName(status) : `${statusName(status)}: ${detail}`;
  }

  constructor(status: StatusCode, detail?: string) {
    super(McapiError.text(status, detail));
    this.status = status;
    this.size = 0;
    this.index = -1;
  }

  get statusName(): string {
    return statusName(this.status);
  }
}

/** True when `e` is an McapiError carrying `status`. */
export function hasStatus(e: unknown, status: StatusCode): boolean {
  return e instanceof McapiError && e.status === status;
}
