import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, Notification } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { CommandIDs } from './commands';

export { CommandIDs } from './commands';

/**
 * Registers the Grader command. The feature itself arrives with the Grader issue;
 * until then the command says so instead of pretending to work.
 */
export const graderPlugin: JupyterFrontEndPlugin<void> = {
  id: '@classlab/grader:plugin',
  description: 'Check answers and see scores in a grader panel.',
  autoStart: true,
  optional: [INotebookTracker, ICommandPalette, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    notebooks: INotebookTracker | null,
    palette: ICommandPalette | null,
    translator: ITranslator | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('classlab_grader');
    app.commands.addCommand(CommandIDs.openPanel, {
      label: trans.__('Open Grader Panel'),
      caption: trans.__('Check your answers and see your score'),
      describedBy: { args: { type: 'object', properties: {} } },
      isEnabled: () => notebooks?.currentWidget != null,
      execute: () => {
        Notification.info(
          trans.__(
            'ClassLab Grader is installed; the grader panel is not available yet.'
          ),
          { autoClose: 5000 }
        );
      }
    });
    palette?.addItem({
      command: CommandIDs.openPanel,
      category: trans.__('ClassLab Grader')
    });
  }
};

export default [graderPlugin];
