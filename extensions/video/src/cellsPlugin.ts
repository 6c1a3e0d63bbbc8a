/**
 * The video-cells plugin: every markdown cell with `metadata.classlab.video` shows the player with its chapter
 * rail, and the chapter form opens from the cell ("Chapters…") or the command palette. The player module (and
 * hls.js) load only when the first video cell scrolls into view; the chapter form when it first opens.
 */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IStateDB } from '@jupyterlab/statedb';
import {
  ITranslator,
  nullTranslator,
  TranslationBundle
} from '@jupyterlab/translation';

import { CommandIDs } from './commands';
// Video cells parse their specs as soon as a notebook opens (a small module, no dependencies).
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { isError, parseVideoSpec } from './spec';
import type { IVideoSpec } from './tokens';
// Video cells must be found as soon as a notebook opens; the player itself loads lazily.
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { IVideoCellServices, rawVideoSpec, VideoCells } from './videoCells';

const NO_ARGS = { args: { type: 'object', properties: {} } };

/** Parses a cell's raw spec; a refusal is a translated sentence with the parser's reason. */
export function parseForCell(
  raw: unknown,
  trans: TranslationBundle
): { spec: IVideoSpec } | { error: string } {
  const result = parseVideoSpec(raw);
  return isError(result)
    ? { error: trans.__('This video cannot be shown: %1', result.error) }
    : result;
}

export const videoCellsPlugin: JupyterFrontEndPlugin<void> = {
  id: '@classlab/video:cells',
  description:
    'Video cells: the player and chapter rail in markdown cells with a video, and the chapter form.',
  autoStart: true,
  optional: [INotebookTracker, ITranslator, ICommandPalette, IStateDB],
  activate: (
    app: JupyterFrontEnd,
    notebooks: INotebookTracker | null,
    translator: ITranslator | null,
    palette: ICommandPalette | null,
    state: IStateDB | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('classlab_video');
    const services: IVideoCellServices = {
      parse: raw => parseForCell(raw, trans),
      createPlayer: async (spec, options) => {
        const { VideoPlayer } = await import('./player');
        return new VideoPlayer({
          spec,
          location: {
            baseUrl: app.serviceManager.serverSettings.baseUrl,
            notebookDir: options.notebookPath.includes('/')
              ? options.notebookPath.slice(
                  0,
                  options.notebookPath.lastIndexOf('/')
                )
              : ''
          },
          trusted: options.trusted,
          trans,
          state: state ?? null
        });
      },
      editChapters: (panel, cell, player) => {
        void import('./chapterEditor').then(({ editChapters }) =>
          editChapters(
            panel,
            cell,
            () => (player && !player.isDisposed ? player.currentTime : null),
            trans
          )
        );
      }
    };
    const cells = notebooks ? new VideoCells(notebooks, services, trans) : null;

    const activeVideoCell = () => {
      const panel = notebooks?.currentWidget;
      const cell = panel?.content.activeCell;
      return panel && cell && rawVideoSpec(cell.model) !== undefined
        ? { panel, cell }
        : null;
    };
    app.commands.addCommand(CommandIDs.editChapters, {
      label: trans.__('Edit Video Chapters…'),
      caption: trans.__('Add, change or remove the chapters of this video'),
      describedBy: NO_ARGS,
      isEnabled: () => activeVideoCell() !== null,
      execute: () => {
        const found = activeVideoCell();
        if (found) {
          services.editChapters(
            found.panel,
            found.cell,
            cells?.viewOf(found.cell)?.player ?? null
          );
        }
      }
    });
    palette?.addItem({
      command: CommandIDs.editChapters,
      category: trans.__('ClassLab Video')
    });
  }
};
