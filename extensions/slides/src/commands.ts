/**
 * Command ids of @classlab/slides (`classlab-slides:<verb>`).
 */
export namespace CommandIDs {
  /** Present the current notebook as slides. */
  export const present = 'classlab-slides:present';
}
