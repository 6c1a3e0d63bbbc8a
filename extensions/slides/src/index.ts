import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { LabIcon } from '@jupyterlab/ui-components';

import { CommandIDs } from './commands';
import type { Presenter } from './presenter';

export { CommandIDs } from './commands';

const NO_ARGS = { args: { type: 'object', properties: {} } };

/** A screen with a play sign: what the toolbar button and menu entry show. */
export const slidesIcon = new LabIcon({
  name: 'classlab-slides:present',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="16"><g class="jp-icon3" fill="#616161">' +
    '<path d="M3 4h18a1 1 0 0 1 1 1v11a1 1 0 0 1-1 1h-8v2h3v2H8v-2h3v-2H3a1 1 0 0 1-1-1V5a1 1 0 0 1 1-1zm1 2v9h16V6z"/>' +
    '<path d="M10 7.5v6l5-3z"/></g></svg>'
});

/**
 * Presents the current notebook as reveal.js slides over the same notebook model and kernel.
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
    // The presenter (and reveal.js with it) loads on first use only, never at JupyterLab start.
    let presenter: Presenter | null = null;
    const loadPresenter = async (): Promise<Presenter> => {
      if (!presenter) {
        const { Presenter } = await import('./presenter');
        presenter ??= new Presenter(app, trans);
      }
      return presenter;
    };
    const deck = () => presenter?.activeDeck ?? null;

    app.commands.addCommand(CommandIDs.present, {
      label: trans.__('Present Notebook as Slides'),
      caption: trans.__('Show the current notebook as a slideshow'),
      icon: slidesIcon,
      describedBy: NO_ARGS,
      isEnabled: () => deck() !== null || notebooks?.currentWidget != null,
      execute: async () => {
        const running = deck();
        if (running) {
          presenter!.exit(running);
        } else if (notebooks?.currentWidget) {
          await (await loadPresenter()).present(notebooks.currentWidget);
        }
      }
    });
    app.commands.addCommand(CommandIDs.next, {
      label: trans.__('Next Slide'),
      describedBy: NO_ARGS,
      isEnabled: () => deck() !== null,
      execute: () => deck()?.next()
    });
    app.commands.addCommand(CommandIDs.previous, {
      label: trans.__('Previous Slide'),
      describedBy: NO_ARGS,
      isEnabled: () => deck() !== null,
      execute: () => deck()?.previous()
    });
    app.commands.addCommand(CommandIDs.exit, {
      label: trans.__('Leave Slideshow'),
      describedBy: NO_ARGS,
      isEnabled: () => deck() !== null,
      execute: () => {
        const running = deck();
        if (running) {
          presenter!.exit(running);
        }
      }
    });
    app.commands.addCommand(CommandIDs.runCell, {
      label: trans.__('Run Cell in Slide'),
      caption: trans.__('Run the cell and stay on this slide'),
      describedBy: NO_ARGS,
      isEnabled: () => deck() !== null,
      execute: () => deck()?.runActiveCell()
    });
    app.commands.addCommand(CommandIDs.textBigger, {
      label: trans.__('Bigger Slide Text'),
      caption: trans.__('Make text, code and outputs bigger on the slides'),
      describedBy: NO_ARGS,
      isEnabled: () => deck() !== null,
      execute: () => deck()?.changeTextScale(1)
    });
    app.commands.addCommand(CommandIDs.textSmaller, {
      label: trans.__('Smaller Slide Text'),
      caption: trans.__('Make text, code and outputs smaller on the slides'),
      describedBy: NO_ARGS,
      isEnabled: () => deck() !== null,
      execute: () => deck()?.changeTextScale(-1)
    });
    app.commands.addCommand(CommandIDs.leaveEditor, {
      label: trans.__('Leave Cell Editor in Slide'),
      describedBy: NO_ARGS,
      isEnabled: () => deck() !== null,
      execute: () => deck()?.leaveEditor()
    });

    palette?.addItem({
      command: CommandIDs.present,
      category: trans.__('ClassLab Slides')
    });
  }
};

export default [slidesPlugin];
