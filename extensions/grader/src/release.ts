/**
 * Releasing a teacher's source notebook (`POST assignments`): save it, release it, open the students' copy that the
 * bridge wrote (reloaded from disk when it was open already), show the grader panel (which shows what was released)
 * and say so.
 *
 * Both tabs stay clean: a notebook's kernel fills in `metadata.kernelspec` and `metadata.language_info` when it has
 * started, after the file was saved (the source, just before the release) or read (the students' copy, just written
 * by the bridge), and JupyterLab then marks the tab unsaved although the user changed nothing. Once the kernel has
 * said what it is, a notebook whose content is otherwise what it was is saved again (`keepClean`); one the user
 * edited meanwhile is left for the user to save.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import type { NotebookPanel } from '@jupyterlab/notebook';
import type { TranslationBundle } from '@jupyterlab/translation';

import { PANEL_ID } from './panel';
import type { IGrader, IReleaseReply } from './tokens';
import { releaseLines } from './view';

/** How long to wait for a notebook's kernel to say what it is before leaving the notebook as it is. */
export const KERNEL_WAIT_MS = 60_000;

/** The metadata a notebook's kernel writes when it starts: not the user's change. */
const KERNEL_METADATA = ['kernelspec', 'language_info'];

/** The parts of a notebook panel `keepClean` uses. */
export type CleanPanel = Pick<NotebookPanel, 'isDisposed'> & {
  context: Pick<NotebookPanel['context'], 'ready' | 'save'> & {
    model: Pick<NotebookPanel['context']['model'], 'dirty' | 'toJSON'>;
  };
  sessionContext: Pick<NotebookPanel['sessionContext'], 'ready' | 'session'>;
};

/** The notebook's content less what its kernel writes (to tell the user's changes from the kernel's). */
export function userContent(panel: CleanPanel): string {
  const content = { ...(panel.context.model.toJSON() as any) };
  const metadata = { ...(content.metadata ?? {}) };
  for (const key of KERNEL_METADATA) {
    delete metadata[key];
  }
  content.metadata = metadata;
  return JSON.stringify(content);
}

function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}

/**
 * Save the notebook again once its kernel has said what it is, when that is all that made it unsaved since
 * `snapshot` (its `userContent` when it was last saved or read). Resolves to whether it saved.
 */
export async function keepClean(
  panel: CleanPanel,
  snapshot: string,
  wait = KERNEL_WAIT_MS
): Promise<boolean> {
  const kernel = (async () => {
    await panel.sessionContext.ready;
    const started = panel.sessionContext.session?.kernel;
    if (started) {
      await Promise.all([started.info, started.spec]);
    }
    return true;
  })().catch(() => false);
  const spoke = await Promise.race([kernel, sleep(wait).then(() => false)]);
  // The notebook writes the kernel's metadata on the same answers, before this: let it finish.
  await sleep(50);
  if (
    !spoke ||
    panel.isDisposed ||
    !panel.context.model.dirty ||
    userContent(panel) !== snapshot
  ) {
    return false;
  }
  await panel.context.save();
  return true;
}

/** An open notebook at this path, if any. */
function openNotebook(
  app: JupyterFrontEnd,
  path: string
): NotebookPanel | null {
  for (const widget of app.shell.widgets('main')) {
    const panel = widget as NotebookPanel;
    if (
      (panel.context?.localPath === path || panel.context?.path === path) &&
      panel.sessionContext &&
      panel.content?.model !== undefined
    ) {
      return panel;
    }
  }
  return null;
}

export async function releaseNotebook(
  app: JupyterFrontEnd,
  grader: IGrader,
  panel: NotebookPanel,
  trans: TranslationBundle
): Promise<IReleaseReply> {
  await panel.context.ready;
  if (panel.context.model.dirty) {
    await panel.context.save();
  }
  const saved = userContent(panel);
  const reply = await grader.release(panel.context.localPath);
  void keepClean(panel, saved).catch(() => undefined);
  if (reply.student_notebook) {
    const path = reply.student_notebook;
    // Open already (released before): show what the bridge just wrote, unless it holds the user's changes.
    const before = openNotebook(app, path);
    if (before && !before.context.model.dirty) {
      await before.context.revert();
    }
    await app.commands.execute('docmanager:open', { path });
    const student = openNotebook(app, path);
    if (student) {
      await student.context.ready;
      void keepClean(student, userContent(student)).catch(() => undefined);
    }
  }
  app.shell.activateById(PANEL_ID);
  Notification.success(releaseLines(reply, trans).join(' '), {
    autoClose: 8000
  });
  return reply;
}
