/**
 * Command ids of @classlab/grader (`classlab-grader:<verb>`).
 */
export namespace CommandIDs {
  /** Check your answers and see your score. */
  export const openPanel = 'classlab-grader:open-panel';
}
