/**
 * Command ids of @classlab/video (`classlab-video:<verb>`).
 */
export namespace CommandIDs {
  /** Add a recorded lecture or live stream next to the code. */
  export const insert = 'classlab-video:insert';
  /** Open the chapter form of the active video cell. */
  export const editChapters = 'classlab-video:edit-chapters';
}
