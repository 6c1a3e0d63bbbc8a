/**
 * Authoring slides in the notebook: a badge on every cell that starts or changes a slide, and a slide-type
 * selector in the cell toolbar. Both read and write the standard `slideshow.slide_type` metadata.
 */
import { Cell, ICellModel } from '@jupyterlab/cells';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { TranslationBundle } from '@jupyterlab/translation';
import {
  codeIcon,
  imageIcon,
  LabIcon,
  listIcon
} from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';

import { CellShow, SlideType } from './slideIndex';
import {
  cellShowLabels,
  getCellShow,
  getSlideType,
  setCellShow,
  setSlideType,
  slideTypeLabels
} from './slideTypes';

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

/** A labelled `<select>` in the cell toolbar, bound to one piece of the cell's metadata. */
export class CellMetadataSelector<T extends string> extends Widget {
  constructor(
    private readonly _cell: Cell,
    private readonly _options: {
      className: string;
      title: string;
      label: string;
      choices: Record<T, string>;
      read: (model: ICellModel) => T;
      write: (model: ICellModel, value: T) => void;
      /** Called after the user picks a value. */
      onChange?: () => void;
    }
  ) {
    super({ node: document.createElement('label') });
    this.addClass('jp-ClassLabSlides-cellSelector');
    this.addClass(_options.className);
    this.node.title = _options.title;
    const select = document.createElement('select');
    select.setAttribute('aria-label', _options.label);
    for (const [value, text] of Object.entries(_options.choices)) {
      const option = document.createElement('option');
      option.value = value;
      option.textContent = text as string;
      select.appendChild(option);
    }
    select.value = _options.read(_cell.model);
    select.addEventListener('change', () => {
      _options.write(this._cell.model, select.value as T);
      _options.onChange?.();
    });
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
    this._select.value = this._options.read(this._cell.model);
  }

  private _select: HTMLSelectElement;
}

/** The cell-toolbar slide-type selector (`slideshow.slide_type`). */
export function slideTypeSelector(
  cell: Cell,
  trans: TranslationBundle,
  onChange?: () => void
): Widget {
  return new CellMetadataSelector<SlideType>(cell, {
    className: 'jp-ClassLabSlides-typeSelector',
    title: trans.__('Slide type: how this cell appears in the slideshow'),
    label: trans.__('Slide type'),
    choices: slideTypeLabels(trans),
    read: getSlideType,
    write: setSlideType,
    onChange
  });
}

/** Icons of what a code cell shows on its slide (the toolbar has room for a button, not another list). */
const SHOW_ICONS: Record<CellShow, LabIcon> = {
  all: listIcon,
  output: imageIcon,
  input: codeIcon
};
const SHOW_ORDER: CellShow[] = ['all', 'output', 'input'];

/**
 * The cell-toolbar "show on slide" button of code cells: each click moves to the next of code and output, output
 * only, code only (Jupyter Book tags `hide-input` / `hide-output`). Other cells get an empty, hidden item.
 */
export class CellShowButton extends Widget {
  constructor(
    private readonly _cell: Cell,
    private readonly _trans: TranslationBundle
  ) {
    super({ node: document.createElement('button') });
    this.addClass('jp-ClassLabSlides-showButton');
    this.addClass('jp-ToolbarButtonComponent');
    const button = this.node as HTMLButtonElement;
    button.type = 'button';
    button.addEventListener('click', () => {
      const now = getCellShow(this._cell.model);
      const next =
        SHOW_ORDER[(SHOW_ORDER.indexOf(now) + 1) % SHOW_ORDER.length];
      setCellShow(this._cell.model, next);
    });
    _cell.model.metadataChanged.connect(this._sync, this);
    this._sync();
  }

  dispose(): void {
    if (!this._cell.isDisposed) {
      this._cell.model.metadataChanged.disconnect(this._sync, this);
    }
    super.dispose();
  }

  private _sync(): void {
    const show = getCellShow(this._cell.model);
    const labels = cellShowLabels(this._trans);
    const text = this._trans.__(
      'On the slide: %1 (click to change)',
      labels[show]
    );
    this.node.title = text;
    this.node.setAttribute('aria-label', text);
    this.node.dataset.show = show;
    this.node.textContent = '';
    SHOW_ICONS[show].element({
      container: this.node,
      tag: 'span',
      elementPosition: 'center',
      height: '16px',
      width: '16px'
    });
  }
}

/** The "show on slide" item of the cell toolbar: a button for code cells, nothing for others. */
export function cellShowItem(cell: Cell, trans: TranslationBundle): Widget {
  if (cell.model.type !== 'code') {
    const empty = new Widget();
    empty.hide();
    return empty;
  }
  return new CellShowButton(cell, trans);
}
