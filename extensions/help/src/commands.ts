/**
 * Command ids of @classlab/help (`classlab-help:<verb>`).
 */
export namespace CommandIDs {
  /** Ask a teacher or classmate to help with this cell. */
  export const ask = 'classlab-help:ask';
  /** Show the Help requests panel (helpers). */
  export const openRequests = 'classlab-help:open-requests';
}
