/**
 * Command ids of @classlab/gpu (`classlab-gpu:<verb>`).
 */
export namespace CommandIDs {
  /** Send the active cell (or the cell given by `path` and `cellId`) to the shared GPU queue. */
  export const runCell = 'classlab-gpu:run-cell';
  /** Send every code cell of the current notebook (or the one at `path`) to the GPU queue. */
  export const runNotebook = 'classlab-gpu:run-notebook';
  /** Show the GPU panel (jobs and GPU time). */
  export const openPanel = 'classlab-gpu:open-panel';
}
