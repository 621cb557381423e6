/*
 * mcdsm-platform for Moddable `lin` builds: a board is a process run by lin-host
 * (host-sim/moddable/lin-host.c). Its settings (tty paths) come from the host, its restart
 * is the end of the process with EXIT_RESTART, after which lin-host starts a fresh one.
 */
export const platform = "lin";
export function hostConfig() @ "xs_mcdsm_host_config";
export function restart() @ "xs_mcdsm_restart";
