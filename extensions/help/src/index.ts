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
 * Registers the Help command. The feature itself arrives with the Help issue;
 * until then the command says so instead of pretending to work.
 */
export const helpPlugin: JupyterFrontEndPlugin<void> = {
  id: '@classlab/help:plugin',
  description: 'Ask for help on a cell and co-edit it live.',
  autoStart: true,
  optional: [INotebookTracker, ICommandPalette, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    notebooks: INotebookTracker | null,
    palette: ICommandPalette | null,
    translator: ITranslator | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('classlab_help');
    app.commands.addCommand(CommandIDs.ask, {
      label: trans.__('Ask for Help'),
      caption: trans.__('Ask a teacher or classmate to help with this cell'),
      describedBy: { args: { type: 'object', properties: {} } },
      isEnabled: () => notebooks?.currentWidget != null,
      execute: () => {
        Notification.info(
          trans.__(
            'ClassLab Help is installed; asking for help is not available yet.'
          ),
          { autoClose: 5000 }
        );
      }
    });
    palette?.addItem({
      command: CommandIDs.ask,
      category: trans.__('ClassLab Help')
    });
  }
};

export default [helpPlugin];
