import {
  ILabShell,
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, Notification } from '@jupyterlab/apputils';
import { Cell, CodeCell } from '@jupyterlab/cells';
import { IEditorServices } from '@jupyterlab/codeeditor';
import { INotebookTracker, NotebookActions } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { HelpApi } from './api';
import { CommandIDs } from './commands';
import { helpErrorText } from './errorText';
import { helpHandIcon } from './icons';
// The panel goes into the shell at activation (a small DOM widget; the session tab and the room load lazily).
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { HelpPanel } from './panel';
import type { StudentHelp } from './student';
import type { IHelpRequest, JoinRole } from './tokens';

export { CommandIDs } from './commands';

/**
 * "Ask for help" (command, cell toolbar, Help menu, and a chip on a cell whose run failed): the student asks, a
 * help room opens, and the room is mirrored into the real cell. The ask flow and the room load on first use.
 */
export const helpPlugin: JupyterFrontEndPlugin<void> = {
  id: '@classlab/help:plugin',
  description: 'Ask for help on a cell and co-edit it live.',
  autoStart: true,
  optional: [INotebookTracker, ICommandPalette, ITranslator, ISettingRegistry],
  activate: (
    app: JupyterFrontEnd,
    notebooks: INotebookTracker | null,
    palette: ICommandPalette | null,
    translator: ITranslator | null,
    settingRegistry?: ISettingRegistry | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('classlab_help');
    // Loading the settings puts the cell toolbar button (schema `jupyter.lab.toolbars`) in place.
    void settingRegistry
      ?.load(helpPlugin.id)
      .catch(reason =>
        console.warn('ClassLab Help: settings not loaded', reason)
      );
    let student: Promise<StudentHelp> | null = null;
    const getStudent = (): Promise<StudentHelp> => {
      if (!student) {
        student = import('./student').then(
          ({ StudentHelp }) =>
            new StudentHelp(
              new HelpApi(app.serviceManager.serverSettings),
              trans
            )
        );
      }
      return student;
    };
    if (notebooks) {
      NotebookActions.executed.connect((_, { notebook, cell, success }) => {
        const panel = notebooks.find(each => each.content === notebook) ?? null;
        // Only failures need the student module at once; successes matter once it is loaded.
        if (!success || student) {
          void getStudent().then(help => help.executed(panel, cell, success));
        }
        app.commands.notifyCommandChanged(CommandIDs.ask);
      });
    }
    app.commands.addCommand(CommandIDs.ask, {
      label: trans.__('Ask for Help'),
      caption: trans.__('Ask a teacher or classmate to help with this cell'),
      describedBy: {
        args: {
          type: 'object',
          properties: {
            toolbar: {
              type: 'boolean',
              description:
                'As the cell-toolbar button: shown only on a code cell whose last run failed'
            }
          }
        }
      },
      icon: helpHandIcon,
      isEnabled: () => notebooks?.currentWidget != null,
      // The cell toolbar is hidden by JupyterLab when it grows wider than half the cell, so the button is there only
      // when it is needed: on a code cell with an error output. Menu and palette always offer the command.
      isVisible: args =>
        !args.toolbar ||
        hasErrorOutput(notebooks?.currentWidget?.content.activeCell ?? null),
      execute: async () => {
        const panel = notebooks?.currentWidget;
        const cell = panel?.content.activeCell;
        if (!panel || !cell) {
          return;
        }
        const help = await getStudent();
        await help.ask(panel, cell);
      }
    });
    palette?.addItem({
      command: CommandIDs.ask,
      category: trans.__('ClassLab Help')
    });
  }
};

/** Whether a code cell shows an error output (its last run failed). */
function hasErrorOutput(cell: Cell | null): boolean {
  if (!(cell instanceof CodeCell)) {
    return false;
  }
  const outputs = cell.model.outputs;
  for (let i = 0; i < outputs.length; i++) {
    if (outputs.get(i).type === 'error') {
      return true;
    }
  }
  return false;
}

/**
 * The "Help requests" side panel (helpers): open requests, Join / Observe, and the help-session tabs.
 */
export const requestsPlugin: JupyterFrontEndPlugin<void> = {
  id: '@classlab/help:requests',
  description: 'List help requests and join a help session.',
  autoStart: true,
  optional: [
    ITranslator,
    ICommandPalette,
    ILayoutRestorer,
    IEditorServices,
    ILabShell
  ],
  activate: (
    app: JupyterFrontEnd,
    translator: ITranslator | null,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    editorServices: IEditorServices | null,
    labShell?: ILabShell | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('classlab_help');
    const api = new HelpApi(app.serviceManager.serverSettings);
    const sessions = new Map<string, { id: string }>();

    const join = async (
      request: IHelpRequest,
      role: JoinRole
    ): Promise<void> => {
      const key = `${request.id}:${role}`;
      const open = sessions.get(key);
      if (open) {
        app.shell.activateById(open.id);
        return;
      }
      try {
        const [reply, { HelpSession }] = await Promise.all([
          api.join(request.id, role),
          import('./session')
        ]);
        const session = new HelpSession({
          api,
          request: reply.request ?? request,
          role,
          ticket: reply,
          editorServices,
          trans
        });
        session.id = `classlab-help-session-${request.id}-${role}`;
        session.title.icon = helpHandIcon;
        sessions.set(key, session);
        session.disposed.connect(() => sessions.delete(key));
        // JupyterLab: a tab in the main area. Jupyter Notebook 7 keeps one document in its main area and ignores
        // a second widget there, so the session opens in its right-hand sidebar instead.
        if (labShell) {
          app.shell.add(session, 'main');
        } else {
          app.shell.add(session, 'right', { rank: 0 });
        }
        app.shell.activateById(session.id);
      } catch (reason: any) {
        Notification.error(
          trans.__('Joining failed: %1', helpErrorText(reason, trans)),
          { autoClose: 8000 }
        );
      }
    };

    {
      const panel = new HelpPanel({ api, trans, join });
      panel.title.icon = helpHandIcon;
      app.shell.add(panel, 'left', { rank: 900 });
      restorer?.add(panel, panel.id);
      app.commands.addCommand(CommandIDs.openRequests, {
        label: trans.__('Show Help Requests'),
        caption: trans.__('Open the list of classmates waiting for help'),
        describedBy: { args: { type: 'object', properties: {} } },
        icon: helpHandIcon,
        execute: () => app.shell.activateById(panel.id)
      });
      palette?.addItem({
        command: CommandIDs.openRequests,
        category: trans.__('ClassLab Help')
      });
    }
  }
};

export default [helpPlugin, requestsPlugin];
