/**
 * The slide index: which cells make up which slide, subslide and fragment.
 *
 * Read from the standard RISE / nbconvert metadata `cell.metadata.slideshow.slide_type` (slide, subslide, fragment,
 * skip, notes, `-`) with nbconvert's rules, so a deck presents here as it does in `jupyter nbconvert --to slides`:
 * the first visible cell always opens a slide; `-` (or nothing) continues; notes go to the current subslide's notes;
 * skipped cells are not shown. Jupyter Book's `remove-cell` tag removes a cell like `skip`.
 *
 * A notebook without any slide metadata gets slides from its markdown headings instead (level configurable).
 *
 * Built in one pass over plain per-cell records (`ISlideCell`), so rebuilding after a metadata edit is cheap and the
 * presenter can compare indexes instead of re-rendering cells.
 */

/** The `slide_type` values RISE and nbconvert understand; `-` means "continue". */
export const SLIDE_TYPES = [
  'slide',
  'subslide',
  'fragment',
  '-',
  'skip',
  'notes'
] as const;

export type SlideType = (typeof SLIDE_TYPES)[number];

/** What the index needs to know about one cell. */
export interface ISlideCell {
  /** The cell's id (nbformat ≥ 4.5 ids, or the model id). */
  id: string;
  /** nbformat cell type: 'code', 'markdown', 'raw' (or another type a frontend adds). */
  cellType: string;
  /** `metadata.slideshow.slide_type`, or undefined when the cell has none (or an unknown value). */
  slideType?: SlideType;
  /** Level (1–6) of the heading the cell's source starts with, for markdown cells; undefined otherwise. */
  headingLevel?: number;
  /** `metadata.tags`. */
  tags?: readonly string[];
}

/** Which parts of a shown cell are visible (Jupyter Book tags `hide-input` / `hide-output`). */
export type CellShow = 'all' | 'output' | 'input';

export interface IShownCell {
  id: string;
  show: CellShow;
}

/** Cells revealed in one step; fragment 0 is what the subslide shows on arrival. */
export interface IFragment {
  cells: IShownCell[];
}

export interface ISubslide {
  fragments: IFragment[];
  /** Ids of `notes` cells, in order. */
  notes: string[];
}

export interface ISlide {
  subslides: ISubslide[];
}

/** A position in the deck, as reveal.js counts it: horizontal, vertical, fragment. */
export interface ISlidePosition {
  h: number;
  v: number;
  f: number;
}

export interface ISlideIndexOptions {
  /**
   * When no cell has slide metadata, a markdown heading of this level or above (1 = `#` only, 2 = `#` and `##`)
   * starts a new slide. 0 turns automatic slides off (the whole notebook is then one slide).
   */
  autoHeadingLevel?: number;
}

export const DEFAULT_AUTO_HEADING_LEVEL = 2;

export class SlideIndex {
  private constructor(
    readonly slides: ISlide[],
    /** Whether the structure came from headings (no slide metadata in the notebook). */
    readonly automatic: boolean,
    private readonly _positions: Map<string, ISlidePosition>,
    private readonly _firstCells: string[][]
  ) {}

  /** Build the index of `cells` (in notebook order). */
  static build(
    cells: readonly ISlideCell[],
    options: ISlideIndexOptions = {}
  ): SlideIndex {
    const automatic = !cells.some(
      cell => cell.slideType !== undefined && cell.slideType !== '-'
    );
    const level = options.autoHeadingLevel ?? DEFAULT_AUTO_HEADING_LEVEL;
    const builder = new IndexBuilder();
    for (const cell of cells) {
      builder.add(
        cell,
        automatic ? automaticType(cell, level) : (cell.slideType ?? '-')
      );
    }
    const { slides, positions, firstCells } = builder.finish();
    return new SlideIndex(slides, automatic, positions, firstCells);
  }

  /** Number of horizontal slides. */
  get length(): number {
    return this.slides.length;
  }

  /** Where a cell is shown. Notes belong to their subslide; skipped cells to the nearest shown cell before them. */
  locate(cellId: string): ISlidePosition | null {
    return this._positions.get(cellId) ?? null;
  }

  /** The first shown cell of a subslide (where the notebook returns to when the slideshow ends). */
  firstCell(h: number, v = 0): string | null {
    return this._firstCells[h]?.[v] ?? null;
  }

  /** Ids of every shown cell of a horizontal slide (all its subslides and fragments). */
  cellsOf(h: number): string[] {
    const slide = this.slides[h];
    if (!slide) {
      return [];
    }
    return slide.subslides.flatMap(sub =>
      sub.fragments.flatMap(frag => frag.cells.map(cell => cell.id))
    );
  }

  /**
   * Whether `other` has the same structure: same slides, subslides, fragments, cells, show modes and notes.
   * The presenter re-renders only when this is false.
   */
  sameStructureAs(other: SlideIndex): boolean {
    return (
      this.automatic === other.automatic &&
      JSON.stringify(this.slides) === JSON.stringify(other.slides)
    );
  }
}

/** The slide type a cell gets from its heading when the notebook has no slide metadata. */
function automaticType(cell: ISlideCell, level: number): SlideType {
  if (hasTag(cell, 'remove-cell')) {
    return 'skip';
  }
  const heading = cell.cellType === 'markdown' ? cell.headingLevel : undefined;
  return heading !== undefined && heading <= level ? 'slide' : '-';
}

function hasTag(cell: ISlideCell, tag: string): boolean {
  return cell.tags?.includes(tag) ?? false;
}

function showOf(cell: ISlideCell): CellShow {
  // A code cell's input and output can each be hidden; hiding both would hide the cell (use remove-cell).
  if (cell.cellType !== 'code') {
    return 'all';
  }
  if (hasTag(cell, 'hide-input') && !hasTag(cell, 'hide-output')) {
    return 'output';
  }
  if (hasTag(cell, 'hide-output') && !hasTag(cell, 'hide-input')) {
    return 'input';
  }
  return 'all';
}

/** One pass of nbconvert's slide rules. */
class IndexBuilder {
  add(cell: ISlideCell, type: SlideType): void {
    if (type === 'skip' || hasTag(cell, 'remove-cell')) {
      this._skipped.push(cell.id);
      return;
    }
    if (type === 'notes') {
      if (this._current) {
        this._current.notes.push(cell.id);
        this._positions.set(cell.id, this._subslidePosition());
      } else {
        this._leadingNotes.push(cell.id); // notes before the first shown cell go to the first subslide
      }
      return;
    }
    if (!this._current || type === 'slide') {
      this._slides.push({ subslides: [] });
      this._firstCells.push([]);
      this._newSubslide();
    } else if (type === 'subslide') {
      this._newSubslide();
    } else if (type === 'fragment') {
      this._current.fragments.push({ cells: [] });
    }
    const sub = this._current!;
    sub.fragments[sub.fragments.length - 1].cells.push({
      id: cell.id,
      show: showOf(cell)
    });
    const h = this._slides.length - 1;
    const v = this._slides[h].subslides.length - 1;
    if (this._firstCells[h][v] === undefined) {
      this._firstCells[h][v] = cell.id;
    }
    const position = { h, v, f: sub.fragments.length - 1 };
    this._positions.set(cell.id, position);
    for (const id of this._skipped) {
      this._positions.set(id, this._lastShown ?? position); // skipped cells before the first shown one go there
    }
    this._skipped = [];
    this._lastShown = position;
  }

  finish(): {
    slides: ISlide[];
    positions: Map<string, ISlidePosition>;
    firstCells: string[][];
  } {
    for (const id of this._skipped) {
      if (this._lastShown) {
        this._positions.set(id, this._lastShown);
      }
    }
    const first = this._slides[0]?.subslides[0];
    if (first) {
      first.notes.unshift(...this._leadingNotes);
      for (const id of this._leadingNotes) {
        this._positions.set(id, { h: 0, v: 0, f: 0 });
      }
    }
    return {
      slides: this._slides,
      positions: this._positions,
      firstCells: this._firstCells
    };
  }

  private _newSubslide(): void {
    this._current = { fragments: [{ cells: [] }], notes: [] };
    this._slides[this._slides.length - 1].subslides.push(this._current);
  }

  private _subslidePosition(): ISlidePosition {
    const h = this._slides.length - 1;
    return { h, v: this._slides[h].subslides.length - 1, f: 0 };
  }

  private _slides: ISlide[] = [];
  private _firstCells: string[][] = [];
  private _current: ISubslide | null = null;
  private _positions = new Map<string, ISlidePosition>();
  private _skipped: string[] = [];
  private _leadingNotes: string[] = [];
  private _lastShown: ISlidePosition | null = null;
}

/** `metadata.slideshow.slide_type` of raw cell metadata, or undefined when missing or not a known type. */
export function readSlideType(
  metadata: Readonly<Record<string, unknown>> | undefined
): SlideType | undefined {
  const slideshow = metadata?.slideshow;
  if (typeof slideshow !== 'object' || slideshow === null) {
    return undefined;
  }
  const type = (slideshow as Record<string, unknown>).slide_type;
  return (SLIDE_TYPES as readonly unknown[]).includes(type)
    ? (type as SlideType)
    : undefined;
}

/** Level of the markdown heading a source starts with (ATX `#` or setext underline), or undefined. */
export function readHeadingLevel(source: string): number | undefined {
  const text = source.replace(/^(\s*\n)+/, '');
  const atx = /^ {0,3}(#{1,6})(?:[ \t]|$)/.exec(text);
  if (atx) {
    return atx[1].length;
  }
  const setext = /^[^\n]*\S[^\n]*\n {0,3}(=+|-+)[ \t]*(?:\n|$)/.exec(text);
  if (setext && !/^ {0,3}(?:[-*_][ \t]*){3,}$/.test(text.split('\n', 1)[0])) {
    return setext[1].startsWith('=') ? 1 : 2;
  }
  return undefined;
}
