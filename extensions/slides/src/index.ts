import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  ICommandPalette,
  IToolbarWidgetRegistry,
  Notification
} from '@jupyterlab/apputils';
import { Cell } from '@jupyterlab/cells';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { LabIcon } from '@jupyterlab/ui-components';

// Badges must be on the cells as soon as a notebook opens, so authoring is not loaded lazily.
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { SlideBadges, SlideTypeSelector } from './authoring';
import { CommandIDs } from './commands';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { SLIDE_TYPES, SlideType } from './slideIndex';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { setSlideType, slideTypeLabels } from './slideTypes';
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
    const trans = (translator ?? nullTranslator).load('classlab_slides');
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
    app.commands.addCommand(CommandIDs.speakerView, {
      label: trans.__('Open Speaker View'),
      caption: trans.__(
        'A second window with the next slide, your notes and a timer'
      ),
      describedBy: NO_ARGS,
      isEnabled: () => deck() !== null,
      execute: () => {
        const running = deck();
        if (running && !running.openSpeakerView(trans)) {
          Notification.warning(
            trans.__(
              'The browser blocked the speaker window. Allow pop-ups for this site and try again.'
            ),
            { autoClose: 8000 }
          );
        }
      }
    });
    app.commands.addCommand(CommandIDs.exportPdf, {
      label: trans.__('Export Slides to PDF…'),
      caption: trans.__(
        'Print every slide on its own page; choose "Save as PDF" in the dialog'
      ),
      describedBy: NO_ARGS,
      isEnabled: () => deck() !== null,
      execute: () => deck()?.print(trans.__('Slides for printing'))
    });
    app.commands.addCommand(CommandIDs.exportHtml, {
      label: trans.__('Export Slides to HTML…'),
      caption: trans.__(
        'Save the slides with their current outputs as one HTML file that opens offline'
      ),
      describedBy: NO_ARGS,
      isEnabled: () => deck() !== null || notebooks?.currentWidget != null,
      execute: async () => {
        const running = deck();
        const panel = running?.panel ?? notebooks?.currentWidget;
        if (!panel) {
          return null;
        }
        // Lazy: the exporter carries reveal.js's source as text.
        const { exportSlidesToHtml } = await import('./htmlExport');
        try {
          return await exportSlidesToHtml(
            app,
            panel,
            running?.slideIndex ?? null,
            trans
          );
        } catch (reason) {
          console.error('ClassLab Slides: HTML export failed', reason);
          Notification.error(
            trans.__('The slides could not be exported: %1', String(reason)),
            { autoClose: 10000 }
          );
          return null;
        }
      }
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
    palette?.addItem({
      command: CommandIDs.exportPdf,
      category: trans.__('ClassLab Slides')
    });
    palette?.addItem({
      command: CommandIDs.exportHtml,
      category: trans.__('ClassLab Slides')
    });
  }
};

/**
 * Authoring: a slide-type badge on each cell, a slide-type selector in the cell toolbar, and a command (with
 * shortcuts) to set the slide type of the selected cells.
 */
export const authoringPlugin: JupyterFrontEndPlugin<void> = {
  id: '@classlab/slides:authoring',
  description:
    'Slide-type badges on cells and a slide-type selector in the cell toolbar.',
  autoStart: true,
  optional: [INotebookTracker, IToolbarWidgetRegistry, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    notebooks: INotebookTracker | null,
    toolbars: IToolbarWidgetRegistry | null,
    translator: ITranslator | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('classlab_slides');
    const labels = slideTypeLabels(trans);
    app.commands.addCommand(CommandIDs.setSlideType, {
      label: args =>
        args.type
          ? trans.__(
              'Slide Type: %1',
              labels[args.type as SlideType] ?? String(args.type)
            )
          : trans.__('Set Slide Type'),
      caption: trans.__('Set how the selected cells appear in the slideshow'),
      describedBy: {
        args: {
          type: 'object',
          properties: { type: { type: 'string', enum: [...SLIDE_TYPES] } },
          required: ['type']
        }
      },
      isEnabled: args =>
        notebooks?.currentWidget != null &&
        SLIDE_TYPES.includes(args.type as SlideType),
      execute: args => {
        const notebook = notebooks?.currentWidget?.content;
        if (!notebook) {
          return;
        }
        for (const cell of notebook.widgets) {
          if (notebook.isSelectedOrActive(cell)) {
            setSlideType(cell.model, args.type as SlideType);
          }
        }
      }
    });
    if (notebooks) {
      new SlideBadges(notebooks, trans);
    }
    toolbars?.addFactory<Cell>(
      'Cell',
      'classlab-slide-type',
      cell => new SlideTypeSelector(cell, trans)
    );
  }
};

export default [slidesPlugin, authoringPlugin];
