/**
 * Video cells: a markdown cell whose `metadata.classlab.video` holds a video spec shows the player (and its
 * chapter rail) under its rendered text. The player is made when the cell scrolls into view, dropped when the
 * cell leaves the DOM (notebook windowing), is removed, is being edited, or its video changes. Chapters linked
 * to cells highlight the cell while they play; checkpoints pause the video until the linked cell has run.
 */
import { Cell, ICellModel, MarkdownCell } from '@jupyterlab/cells';
import {
  INotebookTracker,
  Notebook,
  NotebookActions,
  NotebookPanel
} from '@jupyterlab/notebook';
import { TranslationBundle } from '@jupyterlab/translation';
import { Message } from '@lumino/messaging';
import { Panel, PanelLayout, Widget } from '@lumino/widgets';

import { ChapterRail } from './chapterRail';
import { crossedCheckpoint, currentChapterIndex } from './chapters';
import type { IChapter, IVideoPlayer, IVideoSpec } from './tokens';

/** Class of the cell a playing chapter is about. */
export const LINKED_CELL_CLASS = 'jp-ClassLabVideo-linkedCell';
/** Class of a markdown cell that is a video cell. */
export const VIDEO_CELL_CLASS = 'jp-ClassLabVideo-cell';

/** The raw (unparsed, untrusted) video spec of a cell, or undefined when it is not a video cell. */
export function rawVideoSpec(model: ICellModel): unknown {
  if (model.type !== 'markdown') {
    return undefined;
  }
  const classlab = model.getMetadata('classlab') as
    Record<string, unknown> | undefined;
  return classlab && typeof classlab === 'object' ? classlab.video : undefined;
}

/** Writes `metadata.classlab.video` through the cell model (so undo and collaboration see it). */
export function setRawVideoSpec(model: ICellModel, video: unknown): void {
  const classlab = (model.getMetadata('classlab') ?? {}) as Record<
    string,
    unknown
  >;
  model.setMetadata('classlab', { ...classlab, video });
}

/** What the video cells need from the rest of the package: the spec parser and the player. */
export interface IVideoCellServices {
  /** Parses a raw spec; `error` is a translated sentence saying why it was refused. */
  parse(raw: unknown): { spec: IVideoSpec } | { error: string };
  /** Makes a player (loads the player module and hls.js on first use). */
  createPlayer(
    spec: IVideoSpec,
    options: { notebookPath: string; trusted: boolean }
  ): Promise<IVideoPlayer>;
  /** Opens the chapter form for this cell. */
  editChapters(
    panel: NotebookPanel,
    cell: Cell,
    player: IVideoPlayer | null
  ): void;
}

/** Everything in a spec that changes what plays (chapters and title do not). */
function mediaKey(spec: IVideoSpec): string {
  return JSON.stringify([
    spec.kind,
    spec.src,
    spec.youtube,
    spec.poster,
    spec.captions
  ]);
}

/** Whether every code cell of the notebook is trusted (an empty notebook counts as trusted). */
function notebookTrusted(notebook: Notebook): boolean {
  const cells = notebook.model?.cells;
  if (!cells) {
    return false;
  }
  for (let i = 0; i < cells.length; i++) {
    const cell = cells.get(i);
    if (cell.type === 'code' && !cell.trusted) {
      return false;
    }
  }
  return true;
}

/** Selects a cell by id and scrolls to it; returns whether it was found. */
export function goToCell(notebook: Notebook, cellId: string): boolean {
  const index = notebook.widgets.findIndex(cell => cell.model.id === cellId);
  if (index < 0) {
    return false;
  }
  notebook.mode = 'command';
  notebook.deselectAll();
  notebook.activeCellIndex = index;
  void notebook.scrollToItem(index, 'center').catch(() => undefined);
  notebook.node.focus();
  return true;
}

/**
 * The player, checkpoint message and chapter rail of one video cell, placed under the cell's input.
 */
export class VideoCellView extends Panel {
  constructor(
    private readonly _panel: NotebookPanel,
    readonly cell: MarkdownCell,
    private readonly _services: IVideoCellServices,
    private readonly _trans: TranslationBundle
  ) {
    super();
    this.addClass('jp-ClassLabVideo-cellView');
    // Keys typed on the player or its buttons are for them, not notebook shortcuts (A, B, Enter, Space…).
    this.node.setAttribute('data-lm-suppress-shortcuts', 'true');
    // A double click (e.g. full screen on the video) must not open the markdown editor.
    this.node.addEventListener('dblclick', event => event.stopPropagation());

    this._error = new Widget();
    this._error.addClass('jp-ClassLabVideo-error');
    this._error.node.setAttribute('role', 'alert');
    this._error.hide();

    this._host = new Panel();
    this._host.addClass('jp-ClassLabVideo-playerHost');

    this._checkpoint = this._makeCheckpoint();
    this._checkpoint.hide();

    this._rail = new ChapterRail(_trans, {
      seek: index => this._seekToChapter(index),
      tryIt: index => this._tryIt(index)
    });

    const tools = new Widget();
    tools.addClass('jp-ClassLabVideo-tools');
    const edit = document.createElement('button');
    edit.type = 'button';
    edit.className = 'jp-ClassLabVideo-editChapters jp-mod-styled';
    edit.textContent = _trans.__('Chapters…');
    edit.title = _trans.__('Add, change or remove the chapters of this video');
    edit.addEventListener('click', () =>
      this._services.editChapters(this._panel, this.cell, this._player)
    );
    tools.node.appendChild(edit);

    for (const widget of [
      this._error,
      this._host,
      this._checkpoint,
      this._rail,
      tools
    ]) {
      this.addWidget(widget);
    }
    NotebookActions.executed.connect(this._onExecuted, this);
    this.refresh();
  }

  /** The player, once made. */
  get player(): IVideoPlayer | null {
    return this._player;
  }

  /** The chapter waiting for its cell to run (checkpoint), or -1. */
  get waitingCheckpoint(): number {
    return this._waiting;
  }

  /**
   * Shown only while the cell is rendered: editing the markdown drops the player; rendering the cell again
   * brings it back at the same place.
   */
  setRendered(rendered: boolean): void {
    this.setHidden(!rendered);
    if (rendered) {
      this._maybeCreate();
    } else {
      this._dropPlayer();
    }
  }

  /** Re-reads the cell's spec: a changed video gets a new player, changed chapters only a new rail. */
  refresh(): void {
    const result = this._services.parse(rawVideoSpec(this.cell.model));
    if ('error' in result) {
      this._spec = null;
      this._dropPlayer();
      this._error.node.textContent = result.error;
      this._error.show();
      this._host.hide();
      this._rail.setChapters([]);
      this._rail.hide();
      return;
    }
    this._error.hide();
    this._host.show();
    const changedMedia =
      this._spec === null || mediaKey(this._spec) !== mediaKey(result.spec);
    this._spec = result.spec;
    if (changedMedia) {
      this._dropPlayer();
      this._resumeAt = 0;
    }
    this._done.clear();
    this._leaveCheckpoint();
    this._rail.setChapters(result.spec.chapters);
    this._sync();
    this._maybeCreate();
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    NotebookActions.executed.disconnect(this._onExecuted, this);
    this._observer?.disconnect();
    this._observer = null;
    this._dropPlayer();
    super.dispose();
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (typeof IntersectionObserver === 'undefined') {
      this._visible = true;
      this._maybeCreate();
      return;
    }
    this._observer = new IntersectionObserver(
      entries => {
        this._visible = entries.some(entry => entry.isIntersecting);
        if (this._visible) {
          this._maybeCreate();
        }
      },
      // Start a little before the cell comes into view, so the player is ready when it does.
      { rootMargin: '200px 0px' }
    );
    this._observer.observe(this.node);
  }

  protected onBeforeDetach(msg: Message): void {
    // Windowing takes far-away cells out of the DOM: their players go (the position is kept for later).
    this._observer?.disconnect();
    this._observer = null;
    this._visible = false;
    this._dropPlayer();
    super.onBeforeDetach(msg);
  }

  private _makeCheckpoint(): Widget {
    const widget = new Widget();
    widget.addClass('jp-ClassLabVideo-checkpoint');
    widget.node.setAttribute('role', 'status');
    const text = document.createElement('p');
    text.className = 'jp-ClassLabVideo-checkpointText';
    text.textContent = this._trans.__(
      'Practice time: run the highlighted cell to continue'
    );
    const go = document.createElement('button');
    go.type = 'button';
    go.className = 'jp-ClassLabVideo-checkpointGo jp-mod-styled jp-mod-accept';
    go.textContent = this._trans.__('Go to the cell');
    go.addEventListener('click', () => {
      const chapter = this._spec?.chapters[this._waiting];
      if (chapter?.cell) {
        goToCell(this._panel.content, chapter.cell);
      }
    });
    const skip = document.createElement('button');
    skip.type = 'button';
    skip.className = 'jp-ClassLabVideo-checkpointSkip jp-mod-styled';
    skip.textContent = this._trans.__('Skip');
    skip.title = this._trans.__('Go on without running the cell');
    skip.addEventListener('click', () => this._finishCheckpoint());
    const buttons = document.createElement('span');
    buttons.className = 'jp-ClassLabVideo-checkpointButtons';
    buttons.append(go, skip);
    widget.node.append(text, buttons);
    return widget;
  }

  /** Makes the player when the cell is rendered, on screen and has a good spec. */
  private _maybeCreate(): void {
    if (
      this._player ||
      this._creating ||
      !this._spec ||
      !this._visible ||
      !this.cell.rendered ||
      this.isDisposed
    ) {
      return;
    }
    const spec = this._spec;
    const generation = ++this._generation;
    this._creating = true;
    this._host.addClass('jp-mod-loading');
    this._services
      .createPlayer(spec, {
        notebookPath: this._panel.context.path,
        trusted: notebookTrusted(this._panel.content)
      })
      .then(player => {
        this._creating = false;
        this._host.removeClass('jp-mod-loading');
        if (generation !== this._generation || this.isDisposed) {
          player.dispose();
          // Something changed while the player loaded: try again with what is there now.
          this._maybeCreate();
          return;
        }
        this._player = player;
        this._previousTime = null;
        player.timeChanged.connect(this._onTime, this);
        player.stateChanged.connect(this._onState, this);
        this._host.addWidget(player);
        if (this._resumeAt > 0) {
          player.seek(this._resumeAt);
        }
      })
      .catch(reason => {
        this._creating = false;
        this._host.removeClass('jp-mod-loading');
        console.error('ClassLab Video: the player could not be made', reason);
        this._error.node.textContent = this._trans.__(
          'The video player could not start: %1',
          String(reason)
        );
        this._error.show();
      });
  }

  private _dropPlayer(): void {
    this._generation++;
    const player = this._player;
    if (!player) {
      return;
    }
    this._player = null;
    this._resumeAt = player.currentTime;
    player.timeChanged.disconnect(this._onTime, this);
    player.stateChanged.disconnect(this._onState, this);
    player.dispose();
    this._leaveCheckpoint();
    this._setLinkedCell(null);
  }

  private _onTime(player: IVideoPlayer, time: number): void {
    const chapters = this._spec?.chapters ?? [];
    if (this._previousTime !== null && !player.paused && this._waiting < 0) {
      const index = crossedCheckpoint(
        chapters,
        this._previousTime,
        time,
        this._done
      );
      if (index >= 0) {
        this._previousTime = chapters[index].time;
        this._enterCheckpoint(index);
        return;
      }
    }
    this._previousTime = time;
    this._sync();
  }

  private _onState(player: IVideoPlayer, state: IVideoPlayer.IState): void {
    if (state.state === 'playing' && this._waiting >= 0) {
      // Pause-and-practice: the video waits for the cell (or the teacher's "Skip").
      player.pause();
      return;
    }
    this._sync();
  }

  private _enterCheckpoint(index: number): void {
    const player = this._player;
    if (!player) {
      return;
    }
    this._waiting = index;
    player.pause();
    player.seek(this._spec!.chapters[index].time);
    this._checkpoint.show();
    this._sync();
  }

  /** The checkpoint's cell ran (or the teacher skipped): go on playing. */
  private _finishCheckpoint(): void {
    if (this._waiting < 0) {
      return;
    }
    this._done.add(this._waiting);
    this._leaveCheckpoint();
    void this._player?.play().catch(() => undefined);
    this._sync();
  }

  private _leaveCheckpoint(): void {
    this._waiting = -1;
    this._checkpoint.hide();
  }

  private _onExecuted(
    _: unknown,
    args: { notebook: Notebook; cell: Cell; success: boolean }
  ): void {
    if (this._waiting < 0 || args.notebook !== this._panel.content) {
      return;
    }
    const chapter = this._spec?.chapters[this._waiting];
    if (args.success && chapter?.cell === args.cell.model.id) {
      this._finishCheckpoint();
    }
  }

  private _seekToChapter(index: number): void {
    const chapter = this._spec?.chapters[index];
    if (!chapter) {
      return;
    }
    if (this._player) {
      this._previousTime = null;
      this._player.seek(chapter.time);
    } else {
      this._resumeAt = chapter.time;
      this._rail.setCurrent(index);
    }
  }

  private _tryIt(index: number): void {
    const chapter: IChapter | undefined = this._spec?.chapters[index];
    if (chapter?.cell) {
      goToCell(this._panel.content, chapter.cell);
    }
  }

  /** Marks the current chapter, and highlights its cell while it plays or waits at a checkpoint. */
  private _sync(): void {
    const chapters = this._spec?.chapters ?? [];
    const player = this._player;
    if (this._waiting >= 0) {
      this._rail.setCurrent(this._waiting);
      this._setLinkedCell(chapters[this._waiting]?.cell ?? null);
      return;
    }
    if (!player) {
      this._setLinkedCell(null);
      return;
    }
    const index = currentChapterIndex(chapters, player.currentTime);
    this._rail.setCurrent(index);
    this._setLinkedCell(
      !player.paused && index >= 0 ? (chapters[index].cell ?? null) : null
    );
  }

  private _setLinkedCell(cellId: string | null): void {
    if (cellId === this._linkedCellId) {
      return;
    }
    const notebook = this._panel.content;
    const find = (id: string | null) =>
      id ? notebook.widgets.find(cell => cell.model.id === id) : undefined;
    find(this._linkedCellId)?.removeClass(LINKED_CELL_CLASS);
    this._linkedCellId = cellId;
    find(cellId)?.addClass(LINKED_CELL_CLASS);
  }

  private _error: Widget;
  private _host: Panel;
  private _checkpoint: Widget;
  private _rail: ChapterRail;
  private _spec: IVideoSpec | null = null;
  private _player: IVideoPlayer | null = null;
  private _creating = false;
  private _generation = 0;
  private _visible = false;
  private _observer: IntersectionObserver | null = null;
  private _resumeAt = 0;
  private _previousTime: number | null = null;
  private _waiting = -1;
  private _done = new Set<number>();
  private _linkedCellId: string | null = null;
}

/**
 * Follows every notebook: each markdown cell with `metadata.classlab.video` gets a `VideoCellView`, which goes
 * when the cell stops being a video cell, is removed, or the notebook closes.
 */
export class VideoCells {
  constructor(
    tracker: INotebookTracker,
    private readonly _services: IVideoCellServices,
    private readonly _trans: TranslationBundle
  ) {
    tracker.forEach(panel => this._follow(panel));
    tracker.widgetAdded.connect(this._onPanelAdded, this);
  }

  /** The view of a cell, if it is a video cell with a view. */
  viewOf(cell: Cell): VideoCellView | undefined {
    return this._views.get(cell);
  }

  private _onPanelAdded(_: INotebookTracker, panel: NotebookPanel): void {
    this._follow(panel);
  }

  private _follow(panel: NotebookPanel): void {
    const refresh = () => {
      if (panel.isDisposed) {
        return;
      }
      const present = new Set<Cell>(panel.content.widgets);
      for (const cell of [...this._views.keys()]) {
        if (
          cell.isDisposed ||
          (this._panels.get(cell) === panel && !present.has(cell))
        ) {
          this._drop(cell);
        }
      }
      for (const cell of panel.content.widgets) {
        this._check(panel, cell);
        // Connecting twice is a no-op in Lumino, so cells already followed stay followed once.
        cell.model.metadataChanged.connect(this._onMetadataChanged, this);
      }
    };
    this._followed.add(panel);
    void panel.context.ready.then(() => {
      refresh();
      // The notebook made the new cells' widgets in its own earlier connection to this signal.
      panel.content.model?.cells.changed.connect(refresh);
      panel.disposed.connect(() => {
        this._followed.delete(panel);
        panel.content.model?.cells.changed.disconnect(refresh);
        for (const cell of [...this._views.keys()]) {
          if (this._panels.get(cell) === panel) {
            this._drop(cell);
          }
        }
      });
    });
  }

  private _onMetadataChanged(model: ICellModel, change: { key: string }): void {
    if (change.key !== 'classlab') {
      return;
    }
    for (const [cell, view] of this._views) {
      if (cell.model === model) {
        if (rawVideoSpec(model) === undefined) {
          this._drop(cell);
        } else {
          view.refresh();
        }
        return;
      }
    }
    // A cell that just became a video cell.
    for (const panel of this._followed) {
      const cell = panel.content.widgets.find(each => each.model === model);
      if (cell) {
        this._check(panel, cell);
        return;
      }
    }
  }

  private _check(panel: NotebookPanel, cell: Cell): void {
    if (
      this._views.has(cell) ||
      !(cell instanceof MarkdownCell) ||
      rawVideoSpec(cell.model) === undefined
    ) {
      return;
    }
    const attach = () => {
      if (
        cell.isDisposed ||
        this._views.has(cell) ||
        rawVideoSpec(cell.model) === undefined
      ) {
        return;
      }
      const view = new VideoCellView(panel, cell, this._services, this._trans);
      this._views.set(cell, view);
      this._panels.set(cell, panel);
      cell.addClass(VIDEO_CELL_CLASS);
      const layout = cell.layout as PanelLayout;
      // Under the input, above the footer.
      layout.insertWidget(Math.max(layout.widgets.length - 1, 0), view);
      view.setRendered(cell.rendered);
      cell.renderedChanged.connect(this._onRendered, this);
      cell.disposed.connect(this._onCellDisposed, this);
    };
    // Placeholder cells (notebook windowing) get their parts when they first come into view.
    void cell.ready.then(attach);
  }

  private _onRendered(cell: MarkdownCell, rendered: boolean): void {
    const view = this._views.get(cell);
    if (!view) {
      return;
    }
    view.setRendered(rendered);
  }

  private _onCellDisposed(cell: Cell): void {
    this._drop(cell);
  }

  private _drop(cell: Cell): void {
    const view = this._views.get(cell);
    this._views.delete(cell);
    this._panels.delete(cell);
    if (!cell.isDisposed) {
      cell.removeClass(VIDEO_CELL_CLASS);
      if (cell instanceof MarkdownCell) {
        cell.renderedChanged.disconnect(this._onRendered, this);
      }
      cell.disposed.disconnect(this._onCellDisposed, this);
    }
    view?.dispose();
  }

  private _views = new Map<Cell, VideoCellView>();
  private _panels = new Map<Cell, NotebookPanel>();
  private _followed = new Set<NotebookPanel>();
}
