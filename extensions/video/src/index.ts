import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { parseForCell, videoCellsPlugin } from './cellsPlugin';
import { CommandIDs } from './commands';
import { videoIcon } from './icons';
import { hlsViewerPlugin, videoRendererPlugin } from './mediaPlugins';

export { CommandIDs } from './commands';

/**
 * "Insert Lecture Video" (toolbar, Edit menu, palette): asks for a video and inserts a video cell below the active
 * cell. The dialog loads on first use.
 */
export const videoPlugin: JupyterFrontEndPlugin<void> = {
  id: '@classlab/video:plugin',
  description: 'Embed lecture videos and live streams in notebooks.',
  autoStart: true,
  optional: [INotebookTracker, ICommandPalette, ITranslator, ISettingRegistry],
  activate: (
    app: JupyterFrontEnd,
    notebooks: INotebookTracker | null,
    palette: ICommandPalette | null,
    translator: ITranslator | null,
    settingRegistry?: ISettingRegistry | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('classlab_video');
    // Loading the settings early puts the toolbar button (schema `jupyter.lab.toolbars`) in the notebook toolbar.
    void settingRegistry
      ?.load(videoPlugin.id)
      .catch(reason =>
        console.warn('ClassLab Video: settings not loaded', reason)
      );
    app.commands.addCommand(CommandIDs.insert, {
      label: trans.__('Insert Lecture Video'),
      caption: trans.__(
        'Add a recorded lecture or live stream next to the code'
      ),
      describedBy: { args: { type: 'object', properties: {} } },
      icon: videoIcon,
      isEnabled: () => notebooks?.currentWidget != null,
      execute: async () => {
        const panel = notebooks?.currentWidget;
        if (!panel) {
          return null;
        }
        const { insertVideo } = await import('./insertDialog');
        return insertVideo(
          panel,
          app.serviceManager.contents,
          raw => parseForCell(raw, trans),
          trans
        );
      }
    });
    palette?.addItem({
      command: CommandIDs.insert,
      category: trans.__('ClassLab Video')
    });
  }
};

export default [
  videoPlugin,
  videoCellsPlugin,
  videoRendererPlugin,
  hlsViewerPlugin
];
