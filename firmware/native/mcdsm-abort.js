/*
 * The JS face of mcdsm_abort.c (module "mcdsm/abort"): what the firmware's abort hook
 * (firmware/abort-hook.ts) can still learn of the machine when XS aborts.
 */
export function heapFigure(which) @ "xs_mcdsm_heap_figure";
