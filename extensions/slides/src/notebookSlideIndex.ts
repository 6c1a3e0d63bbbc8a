/**
 * A slide index that follows a live notebook model.
 *
 * Per-cell records are refreshed only for what changed (a cell added, moved or removed, its slide metadata or tags,
 * or — while slides come from headings — a markdown cell's first heading). Typing in a code cell costs nothing;
 * `changed` fires only when the deck's structure really differs, so the presenter re-renders only then.
 */
import { ICellModel } from '@jupyterlab/cells';
import { INotebookModel } from '@jupyterlab/notebook';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import {
  ISlideCell,
  ISlideIndexOptions,
  readHeadingLevel,
  readSlideType,
  SlideIndex
} from './slideIndex';

/** The index's view of one cell model. */
export function readSlideCell(cell: ICellModel): ISlideCell {
  const tags = cell.getMetadata('tags');
  return {
    id: cell.id,
    cellType: cell.type,
    slideType: readSlideType({ slideshow: cell.getMetadata('slideshow') }),
    headingLevel:
      cell.type === 'markdown'
        ? readHeadingLevel(cell.sharedModel.getSource())
        : undefined,
    tags: Array.isArray(tags)
      ? tags.filter((tag): tag is string => typeof tag === 'string')
      : undefined
  };
}

function sameRecord(a: ISlideCell, b: ISlideCell): boolean {
  return (
    a.id === b.id &&
    a.cellType === b.cellType &&
    a.slideType === b.slideType &&
    a.headingLevel === b.headingLevel &&
    (a.tags ?? []).join('\u0000') === (b.tags ?? []).join('\u0000')
  );
}

export class NotebookSlideIndex implements IDisposable {
  constructor(
    private readonly _model: INotebookModel,
    private _options: ISlideIndexOptions = {}
  ) {
    for (const cell of this._model.cells) {
      this._watch(cell);
    }
    this._model.cells.changed.connect(this._onCellsChanged, this);
    this._index = this._build();
  }

  /** The current index. */
  get index(): SlideIndex {
    return this._index;
  }

  /** Emits the new index when the deck's structure changed. */
  get changed(): ISignal<this, SlideIndex> {
    return this._changed;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Change the automatic-slides heading level (a setting); re-indexes at once. */
  set autoHeadingLevel(level: number) {
    this._options = { ...this._options, autoHeadingLevel: level };
    this._refresh();
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    for (const cell of this._records.keys()) {
      this._unwatch(cell);
    }
    this._records.clear();
    Signal.clearData(this);
  }

  private _watch(cell: ICellModel): void {
    this._records.set(cell, readSlideCell(cell));
    cell.metadataChanged.connect(this._onCellMetadataChanged, this);
    if (cell.type === 'markdown') {
      cell.contentChanged.connect(this._onMarkdownChanged, this);
    }
  }

  private _unwatch(cell: ICellModel): void {
    cell.metadataChanged.disconnect(this._onCellMetadataChanged, this);
    cell.contentChanged.disconnect(this._onMarkdownChanged, this);
  }

  private _onCellsChanged(): void {
    // Any add, remove, move or set: re-watch exactly the cells now in the list (records of kept cells are reused).
    const present = new Set<ICellModel>(this._model.cells);
    for (const cell of [...this._records.keys()]) {
      if (!present.has(cell)) {
        this._unwatch(cell);
        this._records.delete(cell);
      }
    }
    for (const cell of present) {
      if (!this._records.has(cell)) {
        this._watch(cell);
      }
    }
    this._refresh();
  }

  private _onCellMetadataChanged(
    cell: ICellModel,
    change: { key: string }
  ): void {
    if (change.key === 'slideshow' || change.key === 'tags') {
      this._update(cell);
    }
  }

  private _onMarkdownChanged(cell: ICellModel): void {
    // Only a heading appearing, disappearing or changing level matters, and only while slides come from headings.
    if (this._index.automatic) {
      this._update(cell);
    }
  }

  private _update(cell: ICellModel): void {
    const record = readSlideCell(cell);
    const old = this._records.get(cell);
    if (old && sameRecord(old, record)) {
      return;
    }
    this._records.set(cell, record);
    this._refresh();
  }

  private _refresh(): void {
    let next = this._build();
    if (next.automatic && !this._index?.automatic) {
      // Headings were not followed while metadata ruled: read them again before trusting the records.
      for (const cell of this._records.keys()) {
        if (cell.type === 'markdown') {
          this._records.set(cell, readSlideCell(cell));
        }
      }
      next = this._build();
    }
    const changed = !next.sameStructureAs(this._index);
    this._index = next;
    if (changed) {
      this._changed.emit(next);
    }
  }

  private _build(): SlideIndex {
    const records: ISlideCell[] = [];
    for (const cell of this._model.cells) {
      records.push(this._records.get(cell) ?? readSlideCell(cell));
    }
    return SlideIndex.build(records, this._options);
  }

  private _index: SlideIndex;
  private _records = new Map<ICellModel, ISlideCell>();
  private _changed = new Signal<this, SlideIndex>(this);
  private _isDisposed = false;
}
