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
 * Registers the Video command. The feature itself arrives with the Video issue;
 * until then the command says so instead of pretending to work.
 */
export const videoPlugin: JupyterFrontEndPlugin<void> = {
  id: '@classlab/video:plugin',
  description: 'Embed lecture videos and live streams in notebooks.',
  autoStart: true,
  optional: [INotebookTracker, ICommandPalette, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    notebooks: INotebookTracker | null,
    palette: ICommandPalette | null,
    translator: ITranslator | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('classlab_video');
    app.commands.addCommand(CommandIDs.insert, {
      label: trans.__('Insert Lecture Video'),
      caption: trans.__(
        'Add a recorded lecture or live stream next to the code'
      ),
      describedBy: { args: { type: 'object', properties: {} } },
      isEnabled: () => notebooks?.currentWidget != null,
      execute: () => {
        Notification.info(
          trans.__(
            'ClassLab Video is installed; inserting videos is not available yet.'
          ),
          { autoClose: 5000 }
        );
      }
    });
    palette?.addItem({
      command: CommandIDs.insert,
      category: trans.__('ClassLab Video')
    });
  }
};

export default [videoPlugin];
