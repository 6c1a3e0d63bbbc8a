/**
 * Releasing a teacher's source notebook (`POST assignments`): save it, release it, open the students' copy that the
 * bridge wrote (reloaded from disk when it was open already), show the grader panel (which shows what was released)
 * and say so.
 *
 * Both tabs stay clean: a notebook's kernel fills in `metadata.kernelspec` and `metadata.language_info` when it has
 * started, often after the file was saved (the source, just before the release) or read (the students' copy, just written
 * by the bridge), and JupyterLab then marks the tab unsaved although the user changed nothing. Once the kernel has
 * written them, a notebook whose content is otherwise what it was is saved again (`keepClean`, for a while after
 * the release); one the user edited meanwhile is left for the user to save.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import type { NotebookPanel } from '@jupyterlab/notebook';
import type { TranslationBundle } from '@jupyterlab/translation';

import { PANEL_ID } from './panel';
import type { IGrader, IReleaseReply } from './tokens';
import { releaseLines } from './view';

/** How long after a release a notebook's kernel may still write its metadata (it starts on a busy server). */
export const KERNEL_WAIT_MS = 120_000;

/** The metadata a notebook's kernel writes when it starts: not the user's change. */
const KERNEL_METADATA = ['kernelspec', 'language_info'];

/** The parts of a notebook panel `keepClean` uses. */
export type CleanPanel = Pick<NotebookPanel, 'isDisposed' | 'disposed'> & {
  context: Pick<NotebookPanel['context'], 'save' | 'saveState'> & {
    model: Pick<
      NotebookPanel['context']['model'],
      'dirty' | 'toJSON' | 'stateChanged'
    >;
  };
};

/** The notebook's content less what its kernel writes (to tell the user's changes from the kernel's). */
export function userContent(panel: Pick<CleanPanel, 'context'>): string {
  const content = { ...(panel.context.model.toJSON() as any) };
  const metadata = { ...(content.metadata ?? {}) };
  for (const key of KERNEL_METADATA) {
    delete metadata[key];
  }
  content.metadata = metadata;
  return JSON.stringify(content);
}

/**
 * For `wait` ms, save the notebook again whenever only its kernel's metadata made it unsaved: its content is
 * otherwise what it was when last saved or read (`snapshot`, then each save's). The user's own changes are left
 * for the user to save. Resolves to how many times it saved, when it stops watching.
 */
export function keepClean(
  panel: CleanPanel,
  snapshot: string,
  wait = KERNEL_WAIT_MS
): Promise<number> {
  return new Promise(resolve => {
    let saved = snapshot;
    let saves = 0;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let saving = false;
    const check = async () => {
      timer = null;
      if (
        panel.isDisposed ||
        saving ||
        !panel.context.model.dirty ||
        userContent(panel) !== saved
      ) {
        return;
      }
      saving = true;
      try {
        await panel.context.save();
        saves++;
      } catch {
        // (A failed save says so itself; the notebook stays unsaved.)
      }
      saving = false;
    };
    const onState = (_: unknown, change: { name: string }) => {
      // The notebook writes the kernel's metadata key by key: look once it is done.
      if (change.name === 'dirty' && panel.context.model.dirty && !timer) {
        timer = setTimeout(() => void check(), 50);
      }
    };
    const onSave = (_: unknown, state: string) => {
      if (state === 'completed') {
        saved = userContent(panel);
      }
    };
    const stop = () => {
      if (timer) {
        clearTimeout(timer);
      }
      panel.context.model.stateChanged.disconnect(onState);
      panel.context.saveState.disconnect(onSave);
      panel.disposed.disconnect(stop);
      clearTimeout(end);
      resolve(saves);
    };
    panel.context.model.stateChanged.connect(onState);
    panel.context.saveState.connect(onSave);
    panel.disposed.connect(stop);
    const end = setTimeout(stop, wait);
    if (panel.context.model.dirty) {
      timer = setTimeout(() => void check(), 50);
    }
  });
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
  void keepClean(panel, saved);
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
      void keepClean(student, userContent(student));
    }
  }
  app.shell.activateById(PANEL_ID);
  Notification.success(releaseLines(reply, trans).join(' '), {
    autoClose: 8000
  });
  return reply;
}
