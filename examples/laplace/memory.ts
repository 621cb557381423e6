/**
 * The memory a board running Laplace with fault tolerance cannot do without, from the app's
 * real array sizes and the FT design (docs/FOOTPRINT.md, "What Laplace needs"): what `bench
 * footprint` compares its measured heap with. Engine neutral, no I/O.
 *
 * Per rank, in the DSM's pages (a local copy is a window of whole pages, a checkpoint saves
 * whole home pages):
 * - live: both grids (Jacobi reads one and writes the other), each the window of pages the
 *   rank homes or touches: its band and the halo row it reads;
 * - own image: FT's committed copy of the rank's checkpointed state, which is its home pages of
 *   the current grid only (the other grid is scratch); a survivor rolls back from it;
 * - ward image: the committed copy of its ward's state (the rank before it on the ring keeps
 *   its copy here, one buddy);
 * - at the commit, the ward's tentative delta on top: up to one more ward image when the band
 *   changed everywhere (a Jacobi band does over ten iterations), FT's 2 + d (docs/FT.md §5).
 */
import { computeHomes } from '../../src/dsm/shared-array.js';
import { interiorOf, laplaceHomes } from './laplace.js';

export interface LaplaceRankMemory {
  rank: number;
  /** Bytes of the two grids' windows. */
  liveBytes: number;
  /** Home pages of the current grid: the rank's own committed image. */
  imageBytes: number;
  /** The ward's committed image. */
  wardImageBytes: number;
  /** live + own image + ward image: the floor between checkpoints. */
  floorBytes: number;
  /** floor + the ward's whole band as a tentative delta: the floor at a commit (d = 1). */
  commitBytes: number;
}

const FLOAT64 = 8;

/** Pages [p0, p1) of a Float64 grid holding elements [s, e). */
function pagesOf(s: number, e: number, pageSize: number): [number, number] {
  return [Math.floor((s * FLOAT64) / pageSize), Math.ceil((e * FLOAT64) / pageSize)];
}

/** Per rank, what Laplace N=`n` on `boards` boards with one buddy holds at the least. */
export function laplaceMemory(n: number, boards: number, pageSize: number): LaplaceRankMemory[] {
  const xs = n + 2;
  const total = xs * xs;
  const ranges = laplaceHomes(n, boards, pageSize);
  const homes = computeHomes('laplace', { ranges }, total, FLOAT64, pageSize, boards);
  const homePages = (r: number): number => homes.reduce((c, h) => c + (h === r ? 1 : 0), 0);
  const out: LaplaceRankMemory[] = [];
  for (let r = 0; r < boards; r++) {
    let p0 = homes.length;
    let p1 = 0;
    const take = ([a, b]: [number, number]): void => {
      if (b <= a) return;
      p0 = Math.min(p0, a);
      p1 = Math.max(p1, b);
    };
    for (let p = 0; p < homes.length; p++) if (homes[p] === r) take([p, p + 1]);
    const cells = interiorOf(n, ranges[r]![0], ranges[r]![1]);
    if (cells !== null) {
      // What laplaceOnDsm acquires: its interior cells with a row of halo each side read, the cells written.
      take(pagesOf(cells[0] - xs, cells[1] + xs, pageSize));
      take(pagesOf(cells[0], cells[1], pageSize));
    }
    const live = 2 * Math.max(0, p1 - p0) * pageSize;
    const image = homePages(r) * pageSize;
    const ward = boards > 1 ? homePages((r + boards - 1) % boards) * pageSize : 0;
    out.push({ rank: r, liveBytes: live, imageBytes: image, wardImageBytes: ward, floorBytes: live + image + ward, commitBytes: live + image + 2 * ward });
  }
  return out;
}
