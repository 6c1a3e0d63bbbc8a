/**
 * Entering and leaving the slideshow for a notebook panel: one deck per notebook, opened next to it in the main
 * area and closed back to the notebook at the cell of the current slide. The last slide shown is remembered per
 * notebook (in the user's workspace state, not in the notebook) so a lesson continues where it stopped.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { NotebookPanel } from '@jupyterlab/notebook';
import { IStateDB } from '@jupyterlab/statedb';
import { TranslationBundle } from '@jupyterlab/translation';

import { SlideDeck } from './deck';
import { IRiseOptions, readRiseOptions } from './riseOptions';
import { DEFAULT_AUTO_HEADING_LEVEL } from './slideIndex';
import { SlideHint } from './slideHint';

/** User settings of the slideshow (schema/plugin.json). */
export interface ISlidesSettings {
  autoHeadingLevel: number;
  autolaunch: boolean;
  rememberSlide: boolean;
}

export const DEFAULT_SLIDES_SETTINGS: ISlidesSettings = {
  autoHeadingLevel: DEFAULT_AUTO_HEADING_LEVEL,
  autolaunch: true,
  rememberSlide: true
};

/** State key of the remembered slide of a notebook (the id of the slide's first cell). */
const lastSlideKey = (path: string) => `@classlab/slides:last-slide:${path}`;

export class Presenter {
  constructor(
    private readonly _app: JupyterFrontEnd,
    private readonly _trans: TranslationBundle,
    private readonly _state: IStateDB | null,
    private readonly _settings: () => ISlidesSettings,
    private readonly _hint: SlideHint | null = null
  ) {}

  /** The deck the user is looking at, if any. */
  get activeDeck(): SlideDeck | null {
    const current = this._app.shell.currentWidget;
    return current instanceof SlideDeck ? current : null;
  }

  /** Present `panel`, or bring its running deck to the front. */
  async present(panel: NotebookPanel): Promise<SlideDeck> {
    const running = this._decks.get(panel);
    if (running) {
      this._app.shell.activateById(running.id);
      return running;
    }
    const { options, problems } = readRiseOptions(panel.model?.metadata);
    for (const problem of problems) {
      console.warn(`ClassLab Slides: ${problem}`);
    }
    const settings = this._settings();
    const deck = new SlideDeck({
      panel,
      rise: options,
      autoHeadingLevel: settings.autoHeadingLevel,
      startCellId: await this._startCell(panel, options, settings),
      label: this._trans.__('Slideshow of %1', panel.title.label),
      trans: this._trans
    });
    deck.id = `classlab-slides-${panel.id}`;
    deck.title.label = this._trans.__('%1 (slides)', panel.title.label);
    deck.title.closable = true;
    this._decks.set(panel, deck);
    deck.disposed.connect(() => this._decks.delete(panel));
    panel.disposed.connect(() => deck.dispose());
    if (settings.rememberSlide) {
      this._remember(deck);
    }
    this._app.shell.add(deck, 'main', { mode: 'tab-after', ref: panel.id });
    this._app.shell.activateById(deck.id);
    await deck.ready;
    if (deck.slideIndex.automatic) {
      void this._hint?.showOnce('automatic');
    }
    return deck;
  }

  /** Close `deck` and return to its notebook, at the cell of the slide that was showing. */
  exit(deck: SlideDeck): void {
    const { panel } = deck;
    const cellId = deck.currentCellId();
    deck.dispose();
    if (panel.isDisposed) {
      return;
    }
    this._app.shell.activateById(panel.id);
    const notebook = panel.content;
    const index = notebook.widgets.findIndex(cell => cell.model.id === cellId);
    if (index >= 0) {
      notebook.activeCellIndex = index;
      void notebook.scrollToItem(index, 'start');
    }
    notebook.activate();
  }

  /**
   * Where to start: the active cell when the teacher selected one (any but the first), else the slide shown last
   * time, else the first slide. `start_slideshow_at: beginning` always starts at the first slide.
   */
  private async _startCell(
    panel: NotebookPanel,
    options: IRiseOptions,
    settings: ISlidesSettings
  ): Promise<string | null> {
    if (options.startAt === 'beginning') {
      return null;
    }
    const { activeCell, activeCellIndex } = panel.content;
    if (activeCell && activeCellIndex > 0) {
      return activeCell.model.id;
    }
    if (settings.rememberSlide && this._state) {
      const saved = await this._state
        .fetch(lastSlideKey(panel.context.path))
        .catch(() => undefined);
      if (typeof saved === 'string') {
        return saved;
      }
    }
    return activeCell?.model.id ?? null;
  }

  /** Keep the first cell of the current slide in the state: a moment after each move, and when the deck closes. */
  private _remember(deck: SlideDeck): void {
    const state = this._state;
    if (!state) {
      return;
    }
    const key = lastSlideKey(deck.panel.context.path);
    let pending: string | null = null;
    let timer = 0;
    const save = () => {
      window.clearTimeout(timer);
      if (pending) {
        void state.save(key, pending).catch(() => undefined);
        pending = null;
      }
    };
    deck.positionChanged.connect((_, position) => {
      pending = deck.slideIndex.firstCell(position.h, position.v);
      window.clearTimeout(timer);
      timer = window.setTimeout(save, 1000);
    });
    deck.disposed.connect(save);
  }

  private _decks = new Map<NotebookPanel, SlideDeck>();
}
