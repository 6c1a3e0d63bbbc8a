/**
 * Entering and leaving the slideshow for a notebook panel: one deck per notebook, opened next to it in the main
 * area and closed back to the notebook at the cell of the current slide.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { NotebookPanel } from '@jupyterlab/notebook';
import { TranslationBundle } from '@jupyterlab/translation';

import { SlideDeck } from './deck';
import { readRiseOptions } from './riseOptions';
import { DEFAULT_AUTO_HEADING_LEVEL } from './slideIndex';

export class Presenter {
  constructor(
    private readonly _app: JupyterFrontEnd,
    private readonly _trans: TranslationBundle
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
    const active = panel.content.activeCell;
    const deck = new SlideDeck({
      panel,
      rise: options,
      autoHeadingLevel: DEFAULT_AUTO_HEADING_LEVEL,
      startCellId:
        options.startAt === 'selected' && active ? active.model.id : null,
      label: this._trans.__('Slideshow of %1', panel.title.label)
    });
    deck.id = `classlab-slides-${panel.id}`;
    deck.title.label = this._trans.__('%1 (slides)', panel.title.label);
    deck.title.closable = true;
    this._decks.set(panel, deck);
    deck.disposed.connect(() => this._decks.delete(panel));
    panel.disposed.connect(() => deck.dispose());
    this._app.shell.add(deck, 'main', { mode: 'tab-after', ref: panel.id });
    this._app.shell.activateById(deck.id);
    await deck.ready;
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

  private _decks = new Map<NotebookPanel, SlideDeck>();
}
