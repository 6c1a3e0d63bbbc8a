/**
 * The slideshow: a reveal.js 6 deck over the live notebook (same model, same kernel, no iframe).
 *
 * Sections are empty placeholders built from the slide index; cell views are mounted only for the current slide
 * and its neighbours and disposed when left behind, so entering a long notebook costs a few cells, not all of them.
 * reveal.js only navigates: its keyboard, layout scaling, hash and history are off; keys are Lumino bindings.
 */
import { Cell, CodeCell } from '@jupyterlab/cells';
import { NotebookPanel } from '@jupyterlab/notebook';
import { TranslationBundle } from '@jupyterlab/translation';
import { Message } from '@lumino/messaging';
import { ISignal, Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

/** A reveal.js deck instance (the package exports the class, not its instance type). */
type RevealApi = InstanceType<typeof import('reveal.js').default>;

import { createCellView } from './cellViews';
import { DrawingOverlay } from './drawingOverlay';
import { leaveFullscreen, toggleFullscreen } from './fullscreen';
import { SlideOverview } from './overview';
import { NotebookSlideIndex } from './notebookSlideIndex';
import { IRiseOptions } from './riseOptions';
import { ISlidePosition, SlideIndex } from './slideIndex';
import { printDeck } from './printView';
import { SpeakerView } from './speakerView';
import { slideTitles } from './slideTitles';
import { readTextScale, stepTextScale, writeTextScale } from './textScale';

/** Class of the deck's node; the slideshow key bindings are scoped to it. */
export const DECK_CLASS = 'jp-ClassLabSlides';
/** Set once reveal.js runs and the first slide is mounted and focused: keys work from then on. */
export const READY_CLASS = 'jp-mod-ready';
/** Set on the deck while a cell editor inside it has focus: navigation keys are then off. */
export const EDITING_CLASS = 'jp-mod-editing';
/** Where keys belong to the page, not the slideshow: cell editors, widget inputs, the go-to box. */
const TYPING_SELECTOR =
  '.cm-editor, input, textarea, select, [contenteditable=""], [contenteditable="true"], .jp-ClassLabSlides-overview';

export interface ISlideDeckOptions {
  panel: NotebookPanel;
  rise: IRiseOptions;
  autoHeadingLevel: number;
  /** The cell to start at (its slide), or null for the first slide. */
  startCellId: string | null;
  /** Accessible name of the deck. */
  label: string;
  /** Translations for the deck's own controls (overview). */
  trans: TranslationBundle;
}

export class SlideDeck extends Widget {
  constructor(options: ISlideDeckOptions) {
    super();
    this.addClass(DECK_CLASS);
    this.node.tabIndex = -1;
    this.node.setAttribute('role', 'region');
    this.node.setAttribute('aria-label', options.label);
    this.panel = options.panel;
    this._rise = options.rise;
    this._startCellId = options.startCellId;
    this._index = new NotebookSlideIndex(options.panel.model!, {
      autoHeadingLevel: options.autoHeadingLevel
    });
    this._index.changed.connect(this._onIndexChanged, this);
    this._revealNode = document.createElement('div');
    this._revealNode.className = 'reveal';
    this._slidesNode = document.createElement('div');
    this._slidesNode.className = 'slides';
    this._revealNode.appendChild(this._slidesNode);
    this.node.appendChild(this._revealNode);
    // RISE's header and footer, as plain text: notebook metadata is untrusted, so never parsed as HTML.
    for (const [part, text] of [
      ['header', options.rise.header],
      ['footer', options.rise.footer]
    ] as const) {
      if (text) {
        const node = document.createElement('div');
        node.className = `jp-ClassLabSlides-${part}`;
        node.textContent = text.replace(/<[^>]*>/g, '');
        this.node.appendChild(node);
      }
    }
    this._applyLook(options.rise);
    this._overview = new SlideOverview(this.node, options.trans, h => {
      this.node.focus();
      this.removeClass(EDITING_CLASS);
      this.goTo({ h, v: 0, f: 0 });
    });
    this.node.addEventListener('focusin', this);
    this.node.addEventListener('focusout', this);
    this.node.addEventListener('mousedown', this);
    this._applyTextScale(
      readTextScale(options.panel.model!.getMetadata('classlab'))
    );
  }

  /** The projector text size factor (markdown, code and outputs together). */
  get textScale(): number {
    return this._textScale;
  }

  /** Make text one step bigger (+1) or smaller (-1), and keep the choice in the notebook. */
  changeTextScale(direction: 1 | -1): void {
    const model = this.panel.model;
    this._applyTextScale(stepTextScale(this._textScale, direction));
    model?.setMetadata(
      'classlab',
      writeTextScale(model.getMetadata('classlab'), this._textScale)
    );
  }

  /** The notebook being presented. */
  readonly panel: NotebookPanel;

  /** Resolves once reveal.js runs and the first slide is mounted. */
  get ready(): Promise<void> {
    return this._ready;
  }

  /** Current position, or null before reveal.js is ready. */
  get position(): ISlidePosition | null {
    if (!this._reveal) {
      return null;
    }
    const { h, v, f } = this._reveal.getIndices();
    // reveal.js counts `.fragment` elements from 0 (undefined or -1: none shown); our step 0 is the base content.
    return { h, v: v ?? 0, f: f === undefined || f < 0 ? 0 : f + 1 };
  }

  get slideIndex(): SlideIndex {
    return this._index.index;
  }

  /** Pen and laser pointer over the slides; made on first use, its drawings last as long as the deck. */
  get drawing(): DrawingOverlay {
    this._drawing ??= new DrawingOverlay(this, this._slidesNode);
    return this._drawing;
  }

  /** Open (or bring forward) the speaker window; false when the browser blocked it. */
  openSpeakerView(trans: TranslationBundle): boolean {
    if (!this._speaker || this._speaker.isDisposed) {
      this._speaker = new SpeakerView(this, trans);
    }
    return this._speaker.open();
  }

  /** Print every subslide on its own page (the browser's dialog saves it as PDF). */
  print(label: string): Promise<void> {
    return printDeck(this.panel, this.slideIndex, label);
  }

  /** Emits when the neighbours of the current slide have been mounted (after a move, a moment later). */
  get slidesMounted(): ISignal<this, void> {
    return this._slidesMounted;
  }

  /** Emits after every move: slide, subslide or fragment, and after the deck is rebuilt. */
  get positionChanged(): ISignal<this, ISlidePosition> {
    return this._positionChanged;
  }

  /** The DOM of a subslide, if it is mounted (the current slide and its neighbours are). */
  subslideNode(h: number, v: number): HTMLElement | null {
    const section = this._slidesNode.children[h]?.children[v];
    return section instanceof HTMLElement && this._mounted.has(h)
      ? section
      : null;
  }

  /** The position after `position` in reading order (next fragment, subslide or slide), or null at the end. */
  nextPosition(position: ISlidePosition): ISlidePosition | null {
    const slides = this.slideIndex.slides;
    const sub = slides[position.h]?.subslides[position.v];
    if (!sub) {
      return null;
    }
    if (position.f < sub.fragments.length - 1) {
      return { ...position, f: position.f + 1 };
    }
    if (position.v < slides[position.h].subslides.length - 1) {
      return { h: position.h, v: position.v + 1, f: 0 };
    }
    return position.h < slides.length - 1
      ? { h: position.h + 1, v: 0, f: 0 }
      : null;
  }

  /** Go to a position (as reveal.js counts fragments: 0 = nothing revealed yet). */
  goTo(position: ISlidePosition): void {
    this._reveal?.slide(
      position.h,
      position.v,
      position.f > 0 ? position.f - 1 : -1
    );
  }

  next(): void {
    this._reveal?.next();
  }

  previous(): void {
    this._reveal?.prev();
  }

  /** The notebook cell to return to: the focused cell in the slide, else the first cell of the current slide. */
  currentCellId(): string | null {
    if (this._activeCell && !this._activeCell.isDisposed) {
      return this._activeCell.model.id;
    }
    const position = this.position;
    return position ? this.slideIndex.firstCell(position.h, position.v) : null;
  }

  /** Run the focused code cell (else the first code cell of the slide) and stay on this slide. */
  async runActiveCell(): Promise<void> {
    const cell =
      this._activeCell ??
      this._mountedCells().find(c => c instanceof CodeCell) ??
      null;
    if (cell instanceof CodeCell && this.panel.sessionContext) {
      await CodeCell.execute(cell, this.panel.sessionContext);
    }
  }

  /** Leave the cell editor (or the overview), keeping the deck focused so the slideshow keys work again. */
  leaveEditor(): void {
    this._overview.close();
    this.node.focus();
    this.removeClass(EDITING_CLASS);
  }

  /** Show every slide by number and title; `search` puts the cursor in the go-to box. */
  toggleOverview(search = false): void {
    if (this._overview.isOpen) {
      this.leaveEditor();
      return;
    }
    const cells = new Map(
      [...(this.panel.model?.cells ?? [])].map(cell => [
        cell.id,
        { cellType: cell.type, source: cell.sharedModel.getSource() }
      ])
    );
    this._overview.open(
      slideTitles(this.slideIndex, id => cells.get(id)),
      this.position?.h ?? 0,
      search
    );
  }

  /** Fill the screen with the deck; JupyterLab's dialogs and completer stay usable above it. */
  toggleFullscreen(): Promise<void> {
    return toggleFullscreen(this);
  }

  handleEvent(event: Event): void {
    const target = event.target as HTMLElement | null;
    switch (event.type) {
      case 'focusin':
      case 'mousedown': {
        const cell = this._mountedCells().find(c => c.node.contains(target));
        if (cell) {
          this._activeCell = cell;
        }
        this.toggleClass(EDITING_CLASS, !!target?.closest(TYPING_SELECTOR));
        break;
      }
      case 'focusout': {
        const next = (event as FocusEvent).relatedTarget as HTMLElement | null;
        if (!next?.closest(TYPING_SELECTOR)) {
          this.removeClass(EDITING_CLASS);
        }
        break;
      }
    }
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    if (this._idleHandle?.idle !== undefined) {
      cancelIdleCallback(this._idleHandle.idle);
    } else if (this._idleHandle?.timer !== undefined) {
      window.clearTimeout(this._idleHandle.timer);
    }
    this._speaker?.dispose();
    this._drawing?.dispose();
    this._overview.close();
    leaveFullscreen(this);
    this._reveal?.destroy();
    this._reveal = null;
    for (const h of [...this._mounted.keys()]) {
      this._unmount(h);
    }
    this._index.dispose();
    super.dispose();
    Signal.clearData(this);
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this._ready = this._start();
  }

  protected onResize(msg: Widget.ResizeMessage): void {
    this._reveal?.layout();
  }

  private async _start(): Promise<void> {
    this._buildSections();
    // Loaded on first use only, so JupyterLab's start does not pay for reveal.js.
    const { default: Reveal } = await import('reveal.js');
    await import('reveal.js/reveal.css');
    if (this.isDisposed) {
      return;
    }
    this._reveal = new Reveal(this._revealNode, {
      embedded: true,
      keyboard: false,
      disableLayout: true,
      center: false,
      hash: false,
      history: false,
      respondToHashChanges: false,
      postMessage: false,
      postMessageEvents: false,
      focusBodyOnPageVisibilityChange: false,
      scrollActivationWidth: 0,
      controls: true,
      progress: true,
      slideNumber: 'c/t',
      // No transition while jumping to the start slide; the notebook's own comes on once there.
      transition: 'none',
      viewDistance: 2,
      plugins: []
    });
    await this._reveal.initialize();
    if (this.isDisposed) {
      return;
    }
    const moved = () => {
      const position = this.position;
      if (position) {
        this._positionChanged.emit(position);
      }
    };
    this._reveal.on('slidechanged', () => {
      // Only the slide now shown is mounted at once; its neighbours follow when the browser is idle, so a
      // slide change costs one slide's cells, not three.
      const h = this.position?.h ?? 0;
      if (!this._mounted.has(h)) {
        this._mount(h);
      }
      this._mountNeighboursSoon();
      moved();
    });
    this._reveal.on('fragmentshown', moved);
    this._reveal.on('fragmenthidden', moved);
    const start = this._startCellId
      ? this.slideIndex.locate(this._startCellId)
      : null;
    if (start) {
      this._reveal.slide(
        start.h,
        start.v,
        start.f > 0 ? start.f - 1 : undefined
      );
    }
    this._reveal.configure({ transition: this._rise.transition });
    const first = this.position?.h ?? 0;
    if (!this._mounted.has(first)) {
      this._mount(first); // not yet mounted when the deck starts on its first slide (no slidechanged)
    }
    this._mountNeighboursSoon();
    this.node.focus();
    this.addClass(READY_CLASS);
  }

  /** One `<section>` per slide, a nested one per subslide, a block per fragment; content comes with mounting. */
  private _buildSections(): void {
    this._slidesNode.textContent = '';
    this._hosts = [];
    this.slideIndex.slides.forEach(slide => {
      const section = document.createElement('section');
      const hosts: HTMLElement[] = [];
      for (const sub of slide.subslides) {
        const subsection = document.createElement('section');
        subsection.className = 'jp-ClassLabSlides-slide';
        subsection.setAttribute('data-prevent-swipe', '');
        sub.fragments.forEach((_, f) => {
          const host = document.createElement('div');
          host.className =
            f === 0
              ? 'jp-ClassLabSlides-step'
              : 'jp-ClassLabSlides-step fragment';
          subsection.appendChild(host);
          hosts.push(host);
        });
        section.appendChild(subsection);
      }
      this._slidesNode.appendChild(section);
      this._hosts.push(hosts);
    });
  }

  /** Mount the neighbours of the current slide when the browser is idle (at most ~300 ms later). */
  private _mountNeighboursSoon(): void {
    if (this._idleHandle !== null) {
      return;
    }
    const run = () => {
      this._idleHandle = null;
      if (!this.isDisposed) {
        this._mountAround();
        this._slidesMounted.emit();
      }
    };
    this._idleHandle =
      typeof requestIdleCallback === 'function'
        ? { idle: requestIdleCallback(run, { timeout: 300 }) }
        : { timer: window.setTimeout(run, 50) };
  }

  /** Mount cell views for the current slide and its neighbours; dispose the rest. */
  private _mountAround(): void {
    const current = this.position?.h ?? 0;
    for (const h of [...this._mounted.keys()]) {
      if (Math.abs(h - current) > 1) {
        this._unmount(h);
      }
    }
    for (
      let h = Math.max(0, current - 1);
      h <= Math.min(this.slideIndex.length - 1, current + 1);
      h++
    ) {
      if (!this._mounted.has(h)) {
        this._mount(h);
      }
    }
  }

  private _mount(h: number): void {
    const cells: Cell[] = [];
    const hosts = this._hosts[h] ?? [];
    let step = 0;
    for (const sub of this.slideIndex.slides[h].subslides) {
      for (const fragment of sub.fragments) {
        const host = hosts[step++];
        for (const shown of fragment.cells) {
          const cell = createCellView(this.panel, shown.id, shown.show);
          if (cell && host) {
            Widget.attach(cell, host);
            cells.push(cell);
          }
        }
      }
    }
    this._mounted.set(h, cells);
  }

  private _unmount(h: number): void {
    for (const cell of this._mounted.get(h) ?? []) {
      if (cell === this._activeCell) {
        this._activeCell = null;
      }
      cell.dispose();
    }
    this._mounted.delete(h);
  }

  private _mountedCells(): Cell[] {
    return [...this._mounted.values()].flat();
  }

  private _onIndexChanged(): void {
    // The deck's structure changed (metadata edited, cells added or removed): rebuild, stay near the same cell.
    const keep = this.currentCellId();
    for (const h of [...this._mounted.keys()]) {
      this._unmount(h);
    }
    this._buildSections();
    if (!this._reveal) {
      return;
    }
    this._reveal.sync();
    const position = keep ? this.slideIndex.locate(keep) : null;
    this._reveal.slide(position?.h ?? 0, position?.v ?? 0);
    this._mountAround();
    this._positionChanged.emit(this.position ?? { h: 0, v: 0, f: 0 });
  }

  /** The notebook's reveal theme (scoped to the deck by CSS), slide size and scrolling. */
  private _applyLook(rise: IRiseOptions): void {
    if (rise.theme) {
      this.node.dataset.revealTheme = rise.theme;
    }
    this.toggleClass('jp-mod-noScroll', !rise.scroll);
    const size = (value: number | string) =>
      typeof value === 'number' ? `${value}px` : value;
    this.node.style.setProperty('--jp-classlab-slides-width', size(rise.width));
    this.node.style.setProperty(
      '--jp-classlab-slides-height',
      size(rise.height)
    );
  }

  private _applyTextScale(scale: number): void {
    this._textScale = scale;
    this.node.style.setProperty(
      '--jp-classlab-slides-text-scale',
      String(scale)
    );
  }

  private _positionChanged = new Signal<this, ISlidePosition>(this);
  private _slidesMounted = new Signal<this, void>(this);
  private _idleHandle: { idle?: number; timer?: number } | null = null;
  private _speaker: SpeakerView | null = null;
  private _drawing: DrawingOverlay | null = null;
  private _overview: SlideOverview;
  private _textScale = 1;
  private _index: NotebookSlideIndex;
  private _rise: IRiseOptions;
  private _startCellId: string | null;
  private _revealNode: HTMLElement;
  private _slidesNode: HTMLElement;
  private _hosts: HTMLElement[][] = [];
  private _mounted = new Map<number, Cell[]>();
  private _activeCell: Cell | null = null;
  private _reveal: RevealApi | null = null;
  private _ready: Promise<void> = Promise.resolve();
}
