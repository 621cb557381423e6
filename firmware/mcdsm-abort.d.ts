/** firmware/native/mcdsm-abort.js: XS host functions of firmware/native/mcdsm_abort.c. */
declare module 'mcdsm/abort' {
  /**
   * One figure of the machine's heaps (an integer; reading it allocates nothing): 0 live slots,
   * 1 slot heap size (slots), 2 chunk bytes used, 3 chunk heap size (bytes), 4 stack size
   * (slots), 5 1 when no free slot is left, 6 bytes a slot; -1 for another index.
   */
  export function heapFigure(which: number): number;
}
