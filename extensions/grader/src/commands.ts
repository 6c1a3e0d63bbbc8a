/**
 * Command ids of @classlab/grader (`classlab-grader:<verb>`).
 */
export namespace CommandIDs {
  /** Check your answers and see your score: show the grader panel. */
  export const openPanel = 'classlab-grader:open-panel';
  /** Save the notebook and run the checks of one question (default: the active cell's). */
  export const check = 'classlab-grader:check';
  /** Save the notebook and submit it: every check, hidden ones too; counts as an attempt. */
  export const submit = 'classlab-grader:submit';
  /** Teachers: release a source notebook (students' copy and grading spec) and open the students' copy. */
  export const release = 'classlab-grader:release';
}
