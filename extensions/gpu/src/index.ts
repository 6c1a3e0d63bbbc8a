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
 * Registers the GPU command. The feature itself arrives with the GPU issue;
 * until then the command says so instead of pretending to work.
 */
export const gpuPlugin: JupyterFrontEndPlugin<void> = {
  id: '@classlab/gpu:plugin',
  description: 'Run notebook cells on a shared GPU queue.',
  autoStart: true,
  optional: [INotebookTracker, ICommandPalette, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    notebooks: INotebookTracker | null,
    palette: ICommandPalette | null,
    translator: ITranslator | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('classlab_gpu');
    app.commands.addCommand(CommandIDs.runCell, {
      label: trans.__('Run Cell on GPU'),
      caption: trans.__('Send this cell to the shared GPU queue'),
      describedBy: { args: { type: 'object', properties: {} } },
      isEnabled: () => notebooks?.currentWidget != null,
      execute: () => {
        Notification.info(
          trans.__(
            'ClassLab GPU is installed; running on the GPU is not available yet.'
          ),
          { autoClose: 5000 }
        );
      }
    });
    palette?.addItem({
      command: CommandIDs.runCell,
      category: trans.__('ClassLab GPU')
    });
  }
};

export default [gpuPlugin];
