/**
 * Authoring slides in the notebook: a badge on every cell that starts or changes a slide, and a slide-type
 * selector in the cell toolbar. Both read and write the standard `slideshow.slide_type` metadata.
 */
import { Cell } from '@jupyterlab/cells';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { SLIDE_TYPES, SlideType } from './slideIndex';
import { getSlideType, setSlideType, slideTypeLabels } from './slideTypes';

/** Attribute holding the translated badge text (shown by CSS); absent for "continue". */
export const BADGE_ATTRIBUTE = 'data-classlab-slide-label';
/** Attribute holding the raw slide type, for styling per type. */
export const TYPE_ATTRIBUTE = 'data-classlab-slide-type';

/** Keeps the badges of every notebook's cells up to date. */
export class SlideBadges {
  constructor(tracker: INotebookTracker, trans: TranslationBundle) {
    this._labels = slideTypeLabels(trans);
    tracker.forEach(panel => this._follow(panel));
    tracker.widgetAdded.connect((_, panel) => this._follow(panel));
  }

  private _follow(panel: NotebookPanel): void {
    this._notebooks.add(panel);
    panel.disposed.connect(() => this._notebooks.delete(panel));
    const refresh = () => {
      for (const cell of panel.content.widgets) {
        this._badge(cell);
        // Connecting twice is a no-op in Lumino, so cells already followed stay followed once.
        cell.model.metadataChanged.connect(this._onMetadataChanged, this);
      }
    };
    void panel.context.ready.then(() => {
      refresh();
      // The notebook made the new cells' widgets in its own earlier connection to this signal.
      panel.content.model?.cells.changed.connect(refresh);
    });
  }

  private _onMetadataChanged(
    model: Cell['model'],
    change: { key: string }
  ): void {
    if (change.key !== 'slideshow') {
      return;
    }
    for (const panel of this._notebooks) {
      const cell = panel.content.widgets.find(widget => widget.model === model);
      if (cell) {
        this._badge(cell);
      }
    }
  }

  private _badge(cell: Cell): void {
    const type = getSlideType(cell.model);
    cell.node.setAttribute(TYPE_ATTRIBUTE, type);
    if (type === '-') {
      cell.node.removeAttribute(BADGE_ATTRIBUTE);
    } else {
      cell.node.setAttribute(BADGE_ATTRIBUTE, this._labels[type]);
    }
  }

  private _labels: Record<SlideType, string>;
  private _notebooks = new Set<NotebookPanel>();
}

/** The cell-toolbar selector: a labelled `<select>` bound to the cell's slide type. */
export class SlideTypeSelector extends Widget {
  constructor(
    private readonly _cell: Cell,
    trans: TranslationBundle
  ) {
    super({ node: document.createElement('label') });
    this.addClass('jp-ClassLabSlides-typeSelector');
    this.node.title = trans.__(
      'Slide type: how this cell appears in the slideshow'
    );
    const select = document.createElement('select');
    select.setAttribute('aria-label', trans.__('Slide type'));
    const labels = slideTypeLabels(trans);
    for (const type of SLIDE_TYPES) {
      const option = document.createElement('option');
      option.value = type;
      option.textContent = labels[type];
      select.appendChild(option);
    }
    select.value = getSlideType(_cell.model);
    select.addEventListener('change', () =>
      setSlideType(this._cell.model, select.value as SlideType)
    );
    _cell.model.metadataChanged.connect(this._sync, this);
    this.node.appendChild(select);
    this._select = select;
  }

  dispose(): void {
    if (!this._cell.isDisposed) {
      this._cell.model.metadataChanged.disconnect(this._sync, this);
    }
    super.dispose();
  }

  private _sync(): void {
    this._select.value = getSlideType(this._cell.model);
  }

  private _select: HTMLSelectElement;
}
