/**
 * Command ids of @classlab/gpu (`classlab-gpu:<verb>`).
 */
export namespace CommandIDs {
  /** Send this cell to the shared GPU queue. */
  export const runCell = 'classlab-gpu:run-cell';
}
