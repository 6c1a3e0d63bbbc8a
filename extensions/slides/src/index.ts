import {
  ILabShell,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  ICommandPalette,
  IToolbarWidgetRegistry,
  Notification
} from '@jupyterlab/apputils';
import { Cell } from '@jupyterlab/cells';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStateDB } from '@jupyterlab/statedb';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { LabIcon } from '@jupyterlab/ui-components';
import { MessageLoop } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

// Badges must be on the cells as soon as a notebook opens, so authoring is not loaded lazily.
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { cellShowItem, SlideBadges, slideTypeSelector } from './authoring';
import { CommandIDs } from './commands';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { SLIDE_TYPES, SlideType } from './slideIndex';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { setSlideType, slideTypeLabels } from './slideTypes';
import { SlideHint } from './slideHint';
import { translateSettings } from './settingsText';
// Only the autolaunch flag is read at start; the presenter module itself stays lazy.
import { readRiseOptions } from './riseOptions';
import type { ISlidesSettings, Presenter } from './presenter';

export { CommandIDs } from './commands';

const NO_ARGS = { args: { type: 'object', properties: {} } };

/**
 * The app the presenter works with. JupyterLab (ILabShell): the app itself, the deck a tab next to its notebook.
 * Jupyter Notebook 7's shell keeps one widget in its main area (the notebook) and ignores a second one: there the
 * deck covers the page instead, attached over the document until it closes, and is the current widget meanwhile.
 */
function presenterApp(
  app: JupyterFrontEnd,
  labShell: ILabShell | null
): JupyterFrontEnd {
  if (labShell) {
    return app;
  }
  const shell = app.shell;
  let overlay: Widget | null = null;
  const resize = () => {
    if (overlay) {
      MessageLoop.sendMessage(overlay, Widget.ResizeMessage.UnknownSize);
    }
  };
  const adapter = {
    get currentWidget(): Widget | null {
      return overlay ?? shell.currentWidget;
    },
    add(
      widget: Widget,
      area?: string,
      options?: Record<string, unknown>
    ): void {
      if (area !== 'main' || Array.from(shell.widgets('main')).length === 0) {
        shell.add(widget, area, options);
        return;
      }
      overlay = widget;
      Object.assign(widget.node.style, {
        position: 'fixed',
        inset: '0',
        zIndex: '10000',
        background: 'var(--jp-layout-color0)'
      });
      Widget.attach(widget, document.body);
      window.addEventListener('resize', resize);
      widget.disposed.connect(() => {
        window.removeEventListener('resize', resize);
        if (overlay === widget) {
          overlay = null;
        }
      });
      resize();
    },
    activateById(id: string): void {
      if (overlay?.id === id) {
        overlay.activate();
      } else {
        shell.activateById(id);
      }
    }
  };
  return Object.create(app, { shell: { value: adapter } });
}

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
  optional: [
    INotebookTracker,
    ICommandPalette,
    ITranslator,
    ISettingRegistry,
    IStateDB,
    ILabShell
  ],
  activate: (
    app: JupyterFrontEnd,
    notebooks: INotebookTracker | null,
    palette: ICommandPalette | null,
    translator: ITranslator | null,
    settingRegistry?: ISettingRegistry | null,
    state?: IStateDB | null,
    labShell?: ILabShell | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('classlab_slides');
    // Defaults until the settings load (and for good if there is no setting registry).
    const settings: ISlidesSettings = {
      autoHeadingLevel: 2,
      autolaunch: true,
      rememberSlide: true
    };
    if (settingRegistry) {
      translateSettings(settingRegistry, slidesPlugin.id, trans);
    }
    void settingRegistry
      ?.load(slidesPlugin.id)
      .then(loaded => {
        const read = () => Object.assign(settings, loaded.composite);
        read();
        loaded.changed.connect(read);
      })
      .catch(reason =>
        console.warn('ClassLab Slides: settings not loaded', reason)
      );
    // The presenter (and reveal.js with it) loads on first use only, never at JupyterLab start.
    let presenter: Presenter | null = null;
    const loadPresenter = async (): Promise<Presenter> => {
      if (!presenter) {
        const { Presenter } = await import('./presenter');
        presenter ??= new Presenter(
          presenterApp(app, labShell ?? null),
          trans,
          state ?? null,
          () => settings,
          new SlideHint(state ?? null, trans)
        );
      }
      return presenter;
    };
    // RISE's `autolaunch`: a notebook that asks for it opens straight into the slideshow (unless turned off).
    const autolaunch = async (panel: NotebookPanel) => {
      await panel.context.ready;
      await panel.revealed;
      if (
        settings.autolaunch &&
        !panel.isDisposed &&
        readRiseOptions(panel.model?.metadata).options.autolaunch
      ) {
        await (await loadPresenter()).present(panel);
      }
    };
    notebooks?.widgetAdded.connect((_, panel) => void autolaunch(panel));
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
    app.commands.addCommand(CommandIDs.overview, {
      label: trans.__('All Slides'),
      caption: trans.__(
        'See every slide by number and title; click one to go there'
      ),
      describedBy: NO_ARGS,
      isEnabled: () => deck() !== null,
      execute: () => deck()?.toggleOverview(false)
    });
    app.commands.addCommand(CommandIDs.goTo, {
      label: trans.__('Go to Slide…'),
      caption: trans.__('Type a slide number or words from its title'),
      describedBy: NO_ARGS,
      isEnabled: () => deck() !== null,
      execute: () => deck()?.toggleOverview(true)
    });
    app.commands.addCommand(CommandIDs.fullscreen, {
      label: trans.__('Full Screen Slides'),
      caption: trans.__(
        'Fill the screen with the slides; press F again to leave'
      ),
      describedBy: NO_ARGS,
      isEnabled: () => deck() !== null,
      execute: () => deck()?.toggleFullscreen()
    });
    // Pen and laser: the overlay is made on first use; toggling shows a badge saying why clicks draw.
    const toggleDrawing = (mode: 'pen' | 'laser') => {
      const drawing = deck()?.drawing;
      if (!drawing) {
        return;
      }
      if (drawing.mode === mode) {
        drawing.setMode('off');
      } else {
        drawing.setMode(
          mode,
          mode === 'pen'
            ? trans.__('Pen — Esc to stop')
            : trans.__('Laser pointer — Esc to stop')
        );
      }
    };
    app.commands.addCommand(CommandIDs.togglePen, {
      label: trans.__('Pen'),
      caption: trans.__(
        'Draw on the slide with the mouse, a finger or a stylus; press P or Esc to stop'
      ),
      describedBy: NO_ARGS,
      isEnabled: () => deck() !== null,
      isToggled: () => deck()?.drawing.mode === 'pen',
      execute: () => toggleDrawing('pen')
    });
    app.commands.addCommand(CommandIDs.toggleLaser, {
      label: trans.__('Laser Pointer'),
      caption: trans.__(
        'A red dot follows the pointer; press L or Esc to stop'
      ),
      describedBy: NO_ARGS,
      isEnabled: () => deck() !== null,
      isToggled: () => deck()?.drawing.mode === 'laser',
      execute: () => toggleDrawing('laser')
    });
    app.commands.addCommand(CommandIDs.stopDrawing, {
      label: trans.__('Stop Pen or Laser'),
      describedBy: NO_ARGS,
      isEnabled: () => deck() !== null,
      execute: () => deck()?.drawing.setMode('off')
    });
    app.commands.addCommand(CommandIDs.clearDrawing, {
      label: trans.__('Clear Drawing'),
      caption: trans.__('Erase what was drawn on this slide'),
      describedBy: NO_ARGS,
      isEnabled: () => deck() !== null,
      execute: () => deck()?.drawing.clear()
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
    for (const command of [
      CommandIDs.exportPdf,
      CommandIDs.exportHtml,
      CommandIDs.overview,
      CommandIDs.goTo,
      CommandIDs.fullscreen,
      CommandIDs.speakerView
    ]) {
      palette?.addItem({ command, category: trans.__('ClassLab Slides') });
    }
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
  optional: [INotebookTracker, IToolbarWidgetRegistry, ITranslator, IStateDB],
  activate: (
    app: JupyterFrontEnd,
    notebooks: INotebookTracker | null,
    toolbars: IToolbarWidgetRegistry | null,
    translator: ITranslator | null,
    state?: IStateDB | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('classlab_slides');
    const labels = slideTypeLabels(trans);
    const hint = new SlideHint(state ?? null, trans);
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
        void hint.showOnce('authoring');
      }
    });
    if (notebooks) {
      new SlideBadges(notebooks, trans);
    }
    toolbars?.addFactory<Cell>('Cell', 'classlab-slide-type', cell =>
      slideTypeSelector(cell, trans, () => void hint.showOnce('authoring'))
    );
    toolbars?.addFactory<Cell>('Cell', 'classlab-cell-show', cell =>
      cellShowItem(cell, trans)
    );
  }
};

export default [slidesPlugin, authoringPlugin];
