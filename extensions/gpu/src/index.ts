import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { CodeCell } from '@jupyterlab/cells';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import {
  ITranslator,
  nullTranslator,
  TranslationBundle
} from '@jupyterlab/translation';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';

import { GpuApi } from './api';
// Activation needs these at once (small DOM modules, no heavy libraries): the notes under cells are drawn when a
// notebook opens, jobs still going are found when JupyterLab starts, and the panel goes into the shell.
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { GpuCells } from './cells';
import { CommandIDs } from './commands';
import { gpuIcon } from './icons';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { GpuJobs, POLL_MS } from './jobs';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { GpuPanel, PANEL_ID } from './panel';
import { GpuStatusItem } from './statusItem';
import { ContextMode, IGpuJob, IGpuJobs } from './tokens';
import { translateSettings } from './settingsText';

export { CommandIDs } from './commands';
export { IGpuJobs } from './tokens';

const DOMAIN = 'classlab_gpu';

/** A store of one's own, when the job store plugin is not there (it is disabled, or a test activates one plugin). */
function ownStore(
  app: JupyterFrontEnd,
  trans: TranslationBundle,
  notebooks: INotebookTracker | null
): GpuJobs {
  return new GpuJobs({
    api: new GpuApi(app.serviceManager.serverSettings),
    trans,
    findNotebook: path => findNotebook(notebooks, path)?.model ?? null
  });
}

/** The open notebook at a path. */
function findNotebook(
  notebooks: INotebookTracker | null,
  path: string
): NotebookPanel | null {
  return notebooks?.find(panel => panel.context.path === path) ?? null;
}

/**
 * The job store: the user's jobs, GPU time and the queue's info, and the jobs followed live. It fetches once when
 * JupyterLab has started (to find jobs still going), then only while the GPU panel is visible or a job is active.
 */
export const jobsPlugin: JupyterFrontEndPlugin<IGpuJobs> = {
  id: '@classlab/gpu:jobs',
  description: 'Keep track of the GPU jobs, GPU time and queue of the user.',
  autoStart: true,
  provides: IGpuJobs,
  optional: [ITranslator, INotebookTracker, ISettingRegistry],
  activate: (
    app: JupyterFrontEnd,
    translator: ITranslator | null,
    notebooks: INotebookTracker | null,
    settingRegistry: ISettingRegistry | null
  ): IGpuJobs => {
    const trans = (translator ?? nullTranslator).load(DOMAIN);
    const jobs = ownStore(app, trans, notebooks);
    if (settingRegistry) {
      translateSettings(settingRegistry, jobsPlugin.id, trans);
    }
    void settingRegistry
      ?.load(jobsPlugin.id)
      .then(settings => {
        const apply = () => {
          const seconds = settings.get('pollSeconds').composite as number;
          jobs.pollMs = (Number(seconds) || POLL_MS / 1000) * 1000;
        };
        apply();
        settings.changed.connect(apply);
      })
      .catch(reason =>
        console.warn('ClassLab GPU: settings not loaded', reason)
      );
    void app.restored.then(() => jobs.refresh());
    return jobs;
  }
};

/**
 * "Run on GPU": the cell-toolbar button, the commands (a cell; the whole notebook), the line under each cell sent
 * to the GPU and the note it leaves there.
 */
export const gpuPlugin: JupyterFrontEndPlugin<void> = {
  id: '@classlab/gpu:plugin',
  description: 'Run notebook cells on a shared GPU queue.',
  autoStart: true,
  optional: [
    INotebookTracker,
    ICommandPalette,
    ITranslator,
    ISettingRegistry,
    IGpuJobs
  ],
  activate: (
    app: JupyterFrontEnd,
    notebooks: INotebookTracker | null,
    palette: ICommandPalette | null,
    translator: ITranslator | null,
    settingRegistry?: ISettingRegistry | null,
    gpuJobs?: IGpuJobs | null
  ): void => {
    const trans = (translator ?? nullTranslator).load(DOMAIN);
    let store: IGpuJobs | null = gpuJobs ?? null;
    const getStore = (): IGpuJobs => {
      if (!store) {
        store = ownStore(app, trans, notebooks);
      }
      return store;
    };
    const settings = {
      context: 'server' as ContextMode,
      timeLimitMinutes: null as number | null
    };
    // Loading the settings also puts the cell-toolbar button (schema `jupyter.lab.toolbars`) in place.
    if (settingRegistry) {
      translateSettings(settingRegistry, gpuPlugin.id, trans);
    }
    void settingRegistry
      ?.load(gpuPlugin.id)
      .then(loaded => {
        const apply = () => {
          const context = loaded.get('context').composite;
          settings.context =
            context === 'above' || context === 'tagged' ? context : 'server';
          const minutes = loaded.get('timeLimitMinutes').composite;
          settings.timeLimitMinutes =
            typeof minutes === 'number' && minutes > 0 ? minutes : null;
        };
        apply();
        loaded.changed.connect(apply);
      })
      .catch(reason =>
        console.warn('ClassLab GPU: settings not loaded', reason)
      );

    if (notebooks) {
      new GpuCells(notebooks, getStore(), trans);
    }

    const panelFor = (args: ReadonlyPartialJSONObject): NotebookPanel | null =>
      typeof args.path === 'string'
        ? findNotebook(notebooks, args.path)
        : (notebooks?.currentWidget ?? null);

    app.commands.addCommand(CommandIDs.runCell, {
      label: args => (args.toolbar ? '' : trans.__('Run Cell on GPU')),
      caption: trans.__(
        'Run this cell on the shared GPU; its output appears under it'
      ),
      describedBy: {
        args: {
          type: 'object',
          properties: {
            path: {
              type: 'string',
              description:
                'Path of an open notebook (default: the current notebook)'
            },
            cellId: {
              type: 'string',
              description:
                'Id of the code cell to run (default: the active cell)'
            },
            toolbar: {
              type: 'boolean',
              description:
                'As the cell-toolbar button: an icon, shown on code cells only'
            }
          }
        }
      },
      icon: gpuIcon,
      isEnabled: args => panelFor(args) !== null,
      // The cell toolbar is hidden by JupyterLab when it grows wider than half the cell: one icon, on code cells.
      isVisible: args =>
        !args.toolbar ||
        notebooks?.currentWidget?.content.activeCell instanceof CodeCell,
      execute: async args => {
        const panel = panelFor(args);
        const cellId =
          typeof args.cellId === 'string'
            ? args.cellId
            : panel?.content.activeCell?.model.id;
        if (!panel || !cellId) {
          return;
        }
        const { runOnGpu } = await import('./submit');
        await runOnGpu({
          jobs: getStore(),
          panel,
          targets: [cellId],
          context: settings.context,
          timeLimitMinutes: settings.timeLimitMinutes,
          trans
        });
      }
    });
    app.commands.addCommand(CommandIDs.runNotebook, {
      label: trans.__('Run Notebook on GPU'),
      caption: trans.__(
        'Run every code cell of this notebook on the shared GPU, top to bottom'
      ),
      describedBy: {
        args: {
          type: 'object',
          properties: {
            path: {
              type: 'string',
              description:
                'Path of an open notebook (default: the current notebook)'
            }
          }
        }
      },
      icon: gpuIcon,
      isEnabled: args => panelFor(args) !== null,
      execute: async args => {
        const panel = panelFor(args);
        if (!panel) {
          return;
        }
        const { runOnGpu } = await import('./submit');
        await runOnGpu({
          jobs: getStore(),
          panel,
          targets: 'all',
          context: settings.context,
          timeLimitMinutes: settings.timeLimitMinutes,
          trans
        });
      }
    });
    for (const command of [CommandIDs.runCell, CommandIDs.runNotebook]) {
      palette?.addItem({ command, category: trans.__('ClassLab GPU') });
    }
    notebooks?.activeCellChanged.connect(() =>
      app.commands.notifyCommandChanged(CommandIDs.runCell)
    );
  }
};

/**
 * The GPU panel in the left side bar (jobs, GPU time) and the status-bar item ("GPU: 1 queued · 1 running").
 */
export const panelPlugin: JupyterFrontEndPlugin<void> = {
  id: '@classlab/gpu:panel',
  description:
    'Show the GPU jobs and GPU time in a side panel and the status bar.',
  autoStart: true,
  optional: [
    ITranslator,
    IGpuJobs,
    INotebookTracker,
    ILayoutRestorer,
    IStatusBar,
    ICommandPalette
  ],
  activate: (
    app: JupyterFrontEnd,
    translator: ITranslator | null,
    gpuJobs: IGpuJobs | null,
    notebooks: INotebookTracker | null,
    restorer: ILayoutRestorer | null,
    statusBar: IStatusBar | null,
    palette: ICommandPalette | null
  ): void => {
    const trans = (translator ?? nullTranslator).load(DOMAIN);
    const jobs = gpuJobs ?? ownStore(app, trans, notebooks);

    const baseName = (path: string) => path.split('/').pop() || path;
    const cellIndex = (panel: NotebookPanel, id: string) =>
      panel.content.widgets.findIndex(cell => cell.model.id === id);

    const panel = new GpuPanel({
      jobs,
      trans,
      rerunBlocked: (job: IGpuJob) => {
        const open = findNotebook(notebooks, job.notebook);
        if (!open) {
          return trans.__('Open %1 to run it again', baseName(job.notebook));
        }
        if (job.targets.some(id => cellIndex(open, id) < 0)) {
          return trans.__(
            'The cells of this job are not in the notebook any more'
          );
        }
        return null;
      },
      rerun: async (job: IGpuJob) => {
        if (job.targets.length === 1) {
          await app.commands.execute(CommandIDs.runCell, {
            path: job.notebook,
            cellId: job.targets[0]
          });
        } else {
          await app.commands.execute(CommandIDs.runNotebook, {
            path: job.notebook
          });
        }
      },
      goTo: async (job: IGpuJob) => {
        const widget = (await app.commands.execute('docmanager:open', {
          path: job.notebook
        })) as unknown;
        const open =
          widget instanceof NotebookPanel
            ? widget
            : findNotebook(notebooks, job.notebook);
        if (!open) {
          return;
        }
        await open.context.ready;
        const index = cellIndex(open, job.targets[0]);
        if (index >= 0) {
          open.content.activeCellIndex = index;
          open.content.deselectAll();
          await open.content.scrollToCell(
            open.content.widgets[index],
            'center'
          );
        }
        app.shell.activateById(open.id);
      },
      cellNumber: (job: IGpuJob) => {
        const open = findNotebook(notebooks, job.notebook);
        const index = open ? cellIndex(open, job.targets[0]) : -1;
        return index >= 0 ? index + 1 : null;
      }
    });
    panel.title.icon = gpuIcon;
    app.shell.add(panel, 'left', { rank: 950 });
    restorer?.add(panel, PANEL_ID);

    const open = () => app.shell.activateById(PANEL_ID);
    app.commands.addCommand(CommandIDs.openPanel, {
      label: trans.__('Show GPU Jobs'),
      caption: trans.__('Open the list of your GPU jobs and your GPU time'),
      describedBy: { args: { type: 'object', properties: {} } },
      icon: gpuIcon,
      execute: open
    });
    palette?.addItem({
      command: CommandIDs.openPanel,
      category: trans.__('ClassLab GPU')
    });

    if (statusBar) {
      const item = new GpuStatusItem(jobs, trans, open);
      statusBar.registerStatusItem(panelPlugin.id, {
        item,
        align: 'left',
        rank: 5,
        isActive: () => jobs.info !== null || jobs.jobs.length > 0,
        activeStateChanged: jobs.changed
      });
    }
  }
};

export default [
  jobsPlugin,
  gpuPlugin,
  panelPlugin
] as JupyterFrontEndPlugin<any>[];
