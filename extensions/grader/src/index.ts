import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  Dialog,
  ICommandPalette,
  Notification,
  showDialog
} from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import {
  ITranslator,
  nullTranslator,
  TranslationBundle
} from '@jupyterlab/translation';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';

import { GraderApi } from './api';
import {
  graderLang,
  isSourceNotebook,
  modelContent,
  questionAt,
  readAssignment
} from './assignment';
// Activation needs these at once (small DOM modules, no heavy libraries): the panel goes into the shell when
// JupyterLab starts, and the cells of open assignments get their ✓/✗ lines.
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { CellBadges } from './badges';
import { CommandIDs } from './commands';
import { graderErrorText } from './errorText';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { Grader } from './grader';
import { graderIcon } from './icons';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { OpenNotebook } from './notebook';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { GraderPanel, PANEL_ID } from './panel';
import { IGrader } from './tokens';

export { CommandIDs } from './commands';
export { IGrader } from './tokens';

const DOMAIN = 'classlab_grader';

/** A store of one's own, when the grader plugin is not there (it is disabled, or a test activates one plugin). */
function ownStore(
  app: JupyterFrontEnd,
  translator: ITranslator | null,
  trans: TranslationBundle
): Grader {
  return new Grader({
    api: new GraderApi(app.serviceManager.serverSettings),
    trans,
    lang: graderLang(translator?.languageCode)
  });
}

/** The open notebook at a path (on the server, or as the document manager names it). */
function findNotebook(
  notebooks: INotebookTracker | null,
  path: string
): NotebookPanel | null {
  return (
    notebooks?.find(
      panel => panel.context.localPath === path || panel.context.path === path
    ) ?? null
  );
}

/**
 * The grader store: a grading session per notebook (Check, Submit, results, attempts), the class's results for
 * teachers and releases. It fetches nothing by itself: the panel asks when it is visible.
 */
export const storePlugin: JupyterFrontEndPlugin<IGrader> = {
  id: '@classlab/grader:grader',
  description:
    'Keep track of the grading of notebooks: submissions, results, attempts, and the class view for teachers.',
  autoStart: true,
  provides: IGrader,
  optional: [ITranslator],
  activate: (app: JupyterFrontEnd, translator: ITranslator | null): IGrader => {
    const trans = (translator ?? nullTranslator).load(DOMAIN);
    return ownStore(app, translator, trans);
  }
};

/**
 * The grader commands: open the panel, check a question, submit, and (teachers) release a source notebook.
 */
export const graderPlugin: JupyterFrontEndPlugin<void> = {
  id: '@classlab/grader:plugin',
  description: 'Check answers and see scores in a grader panel.',
  autoStart: true,
  optional: [INotebookTracker, ICommandPalette, ITranslator, IGrader],
  activate: (
    app: JupyterFrontEnd,
    notebooks: INotebookTracker | null,
    palette: ICommandPalette | null,
    translator: ITranslator | null,
    grader?: IGrader | null
  ): void => {
    const trans = (translator ?? nullTranslator).load(DOMAIN);
    let store: IGrader | null = grader ?? null;
    const getStore = (): IGrader => {
      if (!store) {
        store = ownStore(app, translator, trans);
      }
      return store;
    };
    const lang = graderLang(translator?.languageCode);

    const panelFor = (args: ReadonlyPartialJSONObject): NotebookPanel | null =>
      typeof args.path === 'string'
        ? findNotebook(notebooks, args.path)
        : (notebooks?.currentWidget ?? null);
    const assignmentOf = (panel: NotebookPanel | null) =>
      panel?.context.isReady
        ? readAssignment(modelContent(panel.content.model), lang)
        : null;
    const questionFor = (
      panel: NotebookPanel | null,
      args: ReadonlyPartialJSONObject
    ): string | null => {
      const assignment = assignmentOf(panel);
      if (!panel || !assignment) {
        return null;
      }
      if (typeof args.question === 'string') {
        return assignment.questions.some(q => q.id === args.question)
          ? args.question
          : null;
      }
      return questionAt(
        modelContent(panel.content.model),
        panel.content.activeCellIndex
      );
    };
    const openPanel = () => app.shell.activateById(PANEL_ID);
    const save = (panel: NotebookPanel) => async () => {
      await panel.context.ready;
      if (panel.context.model.dirty) {
        await panel.context.save();
      }
    };
    const pathArg = {
      path: {
        type: 'string',
        description: 'Path of an open notebook (default: the current notebook)'
      }
    };

    app.commands.addCommand(CommandIDs.openPanel, {
      label: trans.__('Open Grader Panel'),
      caption: trans.__('Check your answers and see your score'),
      describedBy: { args: { type: 'object', properties: {} } },
      icon: graderIcon,
      isEnabled: () => notebooks?.currentWidget != null,
      execute: openPanel
    });
    app.commands.addCommand(CommandIDs.check, {
      label: trans.__('Check This Question'),
      caption: trans.__(
        'Save the notebook and run the checks of the question of the active cell'
      ),
      describedBy: {
        args: {
          type: 'object',
          properties: {
            ...pathArg,
            question: {
              type: 'string',
              description:
                'Id of the question to check (default: the question of the active cell, or the nearest one above it)'
            }
          }
        }
      },
      isEnabled: args => questionFor(panelFor(args), args) !== null,
      isVisible: args => assignmentOf(panelFor(args)) !== null,
      execute: async args => {
        const panel = panelFor(args);
        const question = questionFor(panel, args);
        if (!panel || !question) {
          return;
        }
        openPanel();
        await getStore()
          .session(panel.context.localPath)
          .check(question, save(panel));
      }
    });
    app.commands.addCommand(CommandIDs.submit, {
      label: trans.__('Submit Assignment'),
      caption: trans.__(
        'Save the notebook and grade every question, hidden checks too. This counts as an attempt.'
      ),
      describedBy: {
        args: { type: 'object', properties: { ...pathArg } }
      },
      isEnabled: args =>
        (assignmentOf(panelFor(args))?.questions.length ?? 0) > 0,
      execute: async args => {
        const panel = panelFor(args);
        if (!panel || !assignmentOf(panel)) {
          return;
        }
        openPanel();
        await getStore().session(panel.context.localPath).submit(save(panel));
      }
    });
    app.commands.addCommand(CommandIDs.release, {
      label: trans.__('Release Assignment to Students'),
      caption: trans.__(
        'Teachers: make the students’ copy of this notebook (answers and hidden tests taken out) and open it'
      ),
      describedBy: {
        args: { type: 'object', properties: { ...pathArg } }
      },
      isEnabled: args => {
        const panel = panelFor(args);
        return (
          !!panel?.context.isReady &&
          isSourceNotebook(modelContent(panel.content.model))
        );
      },
      isVisible: () => store?.teacher !== false,
      execute: async args => {
        const panel = panelFor(args);
        if (!panel) {
          return;
        }
        const { releaseNotebook } = await import('./release');
        try {
          await releaseNotebook(app, getStore(), panel, trans);
        } catch (reason) {
          Notification.error(graderErrorText(reason, trans), {
            autoClose: false
          });
        }
      }
    });
    for (const command of [
      CommandIDs.openPanel,
      CommandIDs.check,
      CommandIDs.submit,
      CommandIDs.release
    ]) {
      palette?.addItem({ command, category: trans.__('ClassLab Grader') });
    }
    notebooks?.activeCellChanged.connect(() =>
      app.commands.notifyCommandChanged(CommandIDs.check)
    );
  }
};

/**
 * The grader panel in the right side bar, following the current notebook, and the ✓/✗ line under each graded
 * question's cell.
 */
export const panelPlugin: JupyterFrontEndPlugin<void> = {
  id: '@classlab/grader:panel',
  description:
    'Show the questions, checks, scores and attempts of the current assignment notebook in a side panel.',
  autoStart: true,
  optional: [ITranslator, IGrader, INotebookTracker, ILayoutRestorer],
  activate: (
    app: JupyterFrontEnd,
    translator: ITranslator | null,
    grader: IGrader | null,
    notebooks: INotebookTracker | null,
    restorer: ILayoutRestorer | null
  ): void => {
    const trans = (translator ?? nullTranslator).load(DOMAIN);
    const store = grader ?? ownStore(app, translator, trans);
    const open = () => app.shell.activateById(PANEL_ID);

    const panel = new GraderPanel({
      grader: store,
      trans,
      goToCell: (notebook, cellId) => {
        const widget =
          notebook instanceof OpenNotebook
            ? notebook.panel
            : findNotebook(notebooks, notebook.path);
        if (!widget || widget.isDisposed) {
          return;
        }
        const index = widget.content.widgets.findIndex(
          cell => cell.model.id === cellId
        );
        if (index < 0) {
          return;
        }
        widget.content.activeCellIndex = index;
        widget.content.deselectAll();
        void widget.content.scrollToCell(
          widget.content.widgets[index],
          'center'
        );
        app.shell.activateById(widget.id);
      },
      release: async notebook => {
        const widget =
          notebook instanceof OpenNotebook
            ? notebook.panel
            : findNotebook(notebooks, notebook.path);
        if (widget) {
          const { releaseNotebook } = await import('./release');
          await releaseNotebook(app, store, widget, trans);
        }
      },
      confirm: async (title, body, accept) => {
        const result = await showDialog({
          title,
          body,
          buttons: [
            Dialog.cancelButton({ label: trans.__('Cancel') }),
            Dialog.warnButton({ label: accept })
          ]
        });
        return result.button.accept;
      }
    });
    panel.title.icon = graderIcon;
    app.shell.add(panel, 'right', { rank: 600 });
    restorer?.add(panel, PANEL_ID);

    let current: OpenNotebook | null = null;
    const follow = () => {
      const widget = notebooks?.currentWidget ?? null;
      if (current?.panel === widget) {
        return;
      }
      current?.dispose();
      current = widget ? new OpenNotebook(widget) : null;
      panel.setNotebook(current);
    };
    notebooks?.currentChanged.connect(follow);
    follow();

    if (notebooks) {
      new CellBadges(notebooks, store, trans, open);
    }
  }
};

export default [
  storePlugin,
  graderPlugin,
  panelPlugin
] as JupyterFrontEndPlugin<any>[];
