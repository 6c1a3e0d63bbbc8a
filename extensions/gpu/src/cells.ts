/**
 * The GPU side of every open notebook: a line under each cell sent to the GPU — while it waits or runs, where it is
 * in line or how long it has run, with Cancel; afterwards a small note ("ran on GPU · 42 s") read from the cell's
 * saved record, so it is there again after a reload. A notebook opened while one of its jobs is still going (or
 * ended while it was closed) is re-attached to it. A cell run in the kernel again loses its GPU note.
 */
import { Notification } from '@jupyterlab/apputils';
import type { Cell, ICellModel } from '@jupyterlab/cells';
import {
  INotebookTracker,
  NotebookActions,
  NotebookPanel
} from '@jupyterlab/notebook';
import type { TranslationBundle } from '@jupyterlab/translation';

import { gpuErrorText } from './errorText';
import { noteText, onCpu, queuedText, runningText } from './format';
import { CLASSLAB_KEY, readNote, writeNote } from './outputs';
import { IGpuJob, IGpuJobs, isActive, isTerminal } from './tokens';

/** The class of the line under a cell. */
export const CELL_BAR_CLASS = 'jp-classlab-gpu-cellBar';

/** What the line under a cell says, and whether it offers Cancel. */
export interface ICellLine {
  text: string;
  state: string;
  cancel: boolean;
}

/** The line for a cell's record and the job's live state (when followed). Null: no line. */
export function cellLine(
  cell: ICellModel,
  jobs: Pick<IGpuJobs, 'run' | 'info'>,
  trans: TranslationBundle,
  now = Date.now()
): ICellLine | null {
  if (cell.type !== 'code') {
    return null;
  }
  const note = readNote(cell);
  if (!note) {
    return null;
  }
  const run = jobs.run(note.job);
  const job: IGpuJob | undefined =
    run && run.job.id === note.job ? run.job : undefined;
  if (job && !isTerminal(note.state)) {
    if (job.state === 'queued') {
      return {
        text: queuedText(job, onCpu(jobs.info?.device), trans),
        state: 'queued',
        cancel: true
      };
    }
    if (job.state === 'running') {
      const elapsed =
        (job.elapsed_seconds ?? 0) + Math.max(0, now - run!.receivedAt) / 1000;
      return {
        text: runningText(elapsed, job.device, trans),
        state: 'running',
        cancel: true
      };
    }
  }
  if (!isTerminal(note.state)) {
    return {
      text: trans.__('Connecting to the GPU queue…'),
      state: 'connecting',
      cancel: true
    };
  }
  return { text: noteText(note, trans), state: note.state, cancel: false };
}

export class GpuCells {
  constructor(
    tracker: INotebookTracker,
    private readonly _jobs: IGpuJobs,
    private readonly _trans: TranslationBundle
  ) {
    this._tracker = tracker;
    tracker.forEach(panel => this._follow(panel));
    tracker.widgetAdded.connect(this._onPanelAdded, this);
    _jobs.changed.connect(this._onJobsChanged, this);
    NotebookActions.executionScheduled.connect(
      this._onExecutionScheduled,
      this
    );
  }

  dispose(): void {
    this._tracker.widgetAdded.disconnect(this._onPanelAdded, this);
    this._jobs.changed.disconnect(this._onJobsChanged, this);
    NotebookActions.executionScheduled.disconnect(
      this._onExecutionScheduled,
      this
    );
    clearInterval(this._ticker);
  }

  private _onPanelAdded(_: INotebookTracker, panel: NotebookPanel): void {
    this._follow(panel);
  }

  private _follow(panel: NotebookPanel): void {
    const refresh = () => {
      if (panel.isDisposed) {
        return;
      }
      for (const cell of panel.content.widgets) {
        // Connecting twice is a no-op in Lumino, so cells already followed stay followed once.
        cell.model.metadataChanged.connect(this._onMetadataChanged, this);
        this._render(cell);
      }
    };
    void panel.context.ready.then(() => {
      if (panel.isDisposed) {
        return;
      }
      this._panels.add(panel);
      refresh();
      // The notebook made the new cells' widgets in its own earlier connection to this signal.
      panel.content.model?.cells.changed.connect(refresh);
      panel.disposed.connect(() => {
        this._panels.delete(panel);
        panel.content.model?.cells.changed.disconnect(refresh);
      });
      this._reattach(panel);
    });
  }

  /** Follow the jobs of this notebook that are still going, or ended while it was closed. */
  private _reattach(panel: NotebookPanel): void {
    const model = panel.model;
    if (!model) {
      return;
    }
    const ids = new Set<string>();
    for (const cell of model.cells) {
      const note = readNote(cell);
      if (note && !isTerminal(note.state)) {
        ids.add(note.job);
      }
    }
    for (const job of this._jobs.jobs) {
      if (isActive(job) && job.notebook === panel.context.path) {
        ids.add(job.id);
      }
    }
    for (const id of ids) {
      this._jobs.attach(id, model);
    }
  }

  private _onMetadataChanged(model: ICellModel, change: { key: string }): void {
    if (change.key !== CLASSLAB_KEY) {
      return;
    }
    for (const panel of this._panels) {
      const cell = panel.content.widgets.find(each => each.model === model);
      if (cell) {
        this._render(cell);
      }
    }
  }

  private _onJobsChanged(): void {
    this._renderAll();
  }

  private _renderAll(): void {
    for (const panel of this._panels) {
      for (const cell of panel.content.widgets) {
        if (this._bars.has(cell) || readNote(cell.model)) {
          this._render(cell);
        }
      }
    }
  }

  /** A cell run in the kernel: its outputs are the kernel's now, so the GPU note goes. */
  private _onExecutionScheduled(
    _: unknown,
    args: { cell: Cell; notebook: unknown }
  ): void {
    const model = args.cell.model;
    const note = readNote(model);
    if (!note) {
      return;
    }
    if (!isTerminal(note.state)) {
      this._jobs.detachCell(note.job, model.id);
    }
    writeNote(model, null);
  }

  private _render(cell: Cell): void {
    const line = cell.isDisposed
      ? null
      : cellLine(cell.model, this._jobs, this._trans);
    let bar = this._bars.get(cell);
    if (!line) {
      bar?.remove();
      this._bars.delete(cell);
      this._updateTicker();
      return;
    }
    if (!bar || !bar.isConnected) {
      bar?.remove();
      bar = document.createElement('div');
      bar.className = CELL_BAR_CLASS;
      cell.node.appendChild(bar);
      this._bars.set(cell, bar);
      cell.disposed.connect(this._onCellDisposed, this);
    }
    bar.dataset.state = line.state;
    let text = bar.querySelector<HTMLElement>('.jp-classlab-gpu-cellText');
    if (!text) {
      text = document.createElement('span');
      text.className = 'jp-classlab-gpu-cellText';
      bar.appendChild(text);
    }
    if (text.textContent !== line.text) {
      text.textContent = line.text;
    }
    let cancel = bar.querySelector<HTMLButtonElement>(
      '.jp-classlab-gpu-cancel'
    );
    if (line.cancel && !cancel) {
      cancel = document.createElement('button');
      cancel.type = 'button';
      cancel.className =
        'jp-Button jp-mod-styled jp-mod-reject jp-classlab-gpu-cancel';
      cancel.textContent = this._trans.__('Cancel');
      cancel.title = this._trans.__('Stop this GPU job');
      cancel.addEventListener('click', () => void this._cancel(cell, cancel!));
      bar.appendChild(cancel);
    } else if (!line.cancel && cancel) {
      cancel.remove();
    }
    this._updateTicker();
  }

  private async _cancel(cell: Cell, button: HTMLButtonElement): Promise<void> {
    const note = readNote(cell.model);
    if (!note) {
      return;
    }
    button.disabled = true;
    try {
      await this._jobs.cancel(note.job);
    } catch (reason) {
      Notification.error(gpuErrorText(reason, this._trans), {
        autoClose: 8000
      });
    } finally {
      button.disabled = false;
    }
  }

  private _onCellDisposed(cell: Cell): void {
    this._bars.get(cell)?.remove();
    this._bars.delete(cell);
    this._updateTicker();
  }

  /** A running job's elapsed time ticks once a second; nothing ticks when nothing runs. */
  private _updateTicker(): void {
    const running = [...this._bars.values()].some(
      bar => bar.dataset.state === 'running'
    );
    if (running && this._ticker === undefined) {
      this._ticker = setInterval(() => {
        for (const [cell, bar] of this._bars) {
          if (bar.dataset.state === 'running') {
            this._render(cell);
          }
        }
      }, 1000);
    } else if (!running && this._ticker !== undefined) {
      clearInterval(this._ticker);
      this._ticker = undefined;
    }
  }

  private _tracker: INotebookTracker;
  private _panels = new Set<NotebookPanel>();
  private _bars = new Map<Cell, HTMLElement>();
  private _ticker: ReturnType<typeof setInterval> | undefined;
}
