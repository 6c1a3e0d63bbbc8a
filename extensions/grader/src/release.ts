/**
 * Releasing a teacher's source notebook (`POST assignments`): save it, release it, open the students' copy that the
 * bridge wrote, show the grader panel (which shows what was released) and say so.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import type { NotebookPanel } from '@jupyterlab/notebook';
import type { TranslationBundle } from '@jupyterlab/translation';

import { PANEL_ID } from './panel';
import type { IGrader, IReleaseReply } from './tokens';
import { releaseLines } from './view';

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
  const reply = await grader.release(panel.context.localPath);
  if (reply.student_notebook) {
    await app.commands.execute('docmanager:open', {
      path: reply.student_notebook
    });
  }
  app.shell.activateById(PANEL_ID);
  Notification.success(releaseLines(reply, trans).join(' '), {
    autoClose: 8000
  });
  return reply;
}
