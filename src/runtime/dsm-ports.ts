/**
 * The DSM port policy: which MCAPI port each rank's DSM endpoint listens on in a run.
 *
 * A run without fault tolerance (epoch 0, never superseded) uses the well-known DSM_PORT on
 * every board. Under fault tolerance each run's DSM endpoint gets a port of its own epoch and
 * rank, in [FT_DSM_PORT_BASE, FT_DSM_PORT_BASE + FT_DSM_PORT_SPAN): below MCAPI's dynamic ports
 * (768), above the ports apps pick (DSM_PORT is 40). A rolled-back run's endpoint is deleted at
 * the rollback; the next run's endpoint is a different one, so nothing addressed to the old run
 * can reach the new one, and the new one can be created while the old run is still winding down.
 */
const FT_DSM_PORT_BASE = 256;
const FT_DSM_PORT_SPAN = 512;

/** The port of `rank`'s DSM endpoint in the fault-tolerant run of `epoch`. */
export function ftDsmPort(epoch: number, boards: number, rank: number): number {
  return FT_DSM_PORT_BASE + ((epoch * boards + rank) % FT_DSM_PORT_SPAN);
}
