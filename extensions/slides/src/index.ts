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
 * Registers the slideshow command. The presenter itself arrives with the Slides issue;
 * until then the command says so instead of pretending to work.
 */
export const slidesPlugin: JupyterFrontEndPlugin<void> = {
  id: '@classlab/slides:plugin',
  description: 'Present the live notebook as slides.',
  autoStart: true,
  optional: [INotebookTracker, ICommandPalette, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    notebooks: INotebookTracker | null,
    palette: ICommandPalette | null,
    translator: ITranslator | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('classlab');
    app.commands.addCommand(CommandIDs.present, {
      label: trans.__('Present Notebook as Slides'),
      caption: trans.__('Show the current notebook as a slideshow'),
      describedBy: { args: { type: 'object', properties: {} } },
      isEnabled: () => notebooks?.currentWidget != null,
      execute: () => {
        Notification.info(
          trans.__(
            'ClassLab Slides is installed; presenting is not available yet.'
          ),
          { autoClose: 5000 }
        );
      }
    });
    palette?.addItem({
      command: CommandIDs.present,
      category: trans.__('ClassLab Slides')
    });
  }
};

export default [slidesPlugin];
