/**
 * A job's events into a notebook's cells, as ordinary outputs: `output` appends (consecutive streams merge, as in
 * a kernel run), `clear` clears (at the next output when `wait`), `update` replaces the outputs shown under a
 * display id. And the small record a cell keeps of its last GPU run, `cell.metadata.classlab.gpu`.
 */
import type { ICellModel, ICodeCellModel } from '@jupyterlab/cells';
import type * as nbformat from '@jupyterlab/nbformat';
import type { INotebookModel } from '@jupyterlab/notebook';

import type { GpuEvent, IGpuCellNote, JobState } from './tokens';

/** The metadata key all of ClassLab's per-cell data lives under. */
export const CLASSLAB_KEY = 'classlab';

const STATES: ReadonlySet<string> = new Set([
  'queued',
  'running',
  'succeeded',
  'failed',
  'cancelled',
  'timed_out',
  'quota_exhausted',
  'interrupted'
]);

/** The cell's record of its last GPU run, when it has a valid one. */
export function readNote(cell: ICellModel): IGpuCellNote | null {
  const classlab = cell.getMetadata(CLASSLAB_KEY) as any;
  const gpu = classlab?.gpu;
  if (
    !gpu ||
    typeof gpu !== 'object' ||
    typeof gpu.job !== 'string' ||
    !STATES.has(gpu.state)
  ) {
    return null;
  }
  return {
    job: gpu.job,
    state: gpu.state as JobState,
    device: typeof gpu.device === 'string' ? gpu.device : null,
    seconds: Number.isFinite(gpu.seconds) ? Number(gpu.seconds) : 0
  };
}

/** Write (or, with null, remove) the cell's record, keeping the other ClassLab keys (video…) as they are. */
export function writeNote(cell: ICellModel, note: IGpuCellNote | null): void {
  const current = cell.getMetadata(CLASSLAB_KEY);
  const classlab: Record<string, unknown> =
    current && typeof current === 'object' && !Array.isArray(current)
      ? { ...(current as Record<string, unknown>) }
      : {};
  if (note) {
    const old = classlab.gpu as any;
    if (
      old &&
      old.job === note.job &&
      old.state === note.state &&
      old.device === note.device &&
      old.seconds === note.seconds
    ) {
      return;
    }
    classlab.gpu = { ...note };
  } else {
    if (!('gpu' in classlab)) {
      return;
    }
    delete classlab.gpu;
  }
  if (Object.keys(classlab).length === 0) {
    cell.deleteMetadata(CLASSLAB_KEY);
  } else {
    cell.setMetadata(CLASSLAB_KEY, classlab);
  }
}

/** The display id of an output event, if any (the event's own field, or the output's `transient`). */
function displayIdOf(event: {
  output: nbformat.IOutput;
  display_id?: string;
}): string | null {
  if (typeof event.display_id === 'string' && event.display_id) {
    return event.display_id;
  }
  const transient = (event.output as any)?.transient;
  const id = transient?.display_id;
  return typeof id === 'string' && id ? id : null;
}

/** An output as nbformat stores it: no `transient`, and `update_display_data` becomes what it updates. */
function storable(
  output: nbformat.IOutput,
  replacing?: nbformat.IOutput
): nbformat.IOutput {
  const copy: any = { ...output };
  delete copy.transient;
  if (copy.output_type === 'update_display_data') {
    copy.output_type = 'display_data';
  }
  if (replacing && replacing.output_type === 'execute_result') {
    copy.output_type = 'execute_result';
    copy.execution_count = replacing.execution_count ?? null;
  }
  if (
    (copy.output_type === 'display_data' ||
      copy.output_type === 'execute_result') &&
    copy.metadata === undefined
  ) {
    copy.metadata = {};
  }
  if (copy.output_type === 'display_data') {
    delete copy.execution_count;
  }
  return copy as nbformat.IOutput;
}

/**
 * Writes one job's events into the code cells of one notebook model. Cells are found by id at each event, so a
 * moved cell still gets its outputs; a cell that is gone, or detached (the user ran it in the kernel since), is
 * skipped.
 */
export class OutputSink {
  constructor(readonly notebook: INotebookModel) {}

  /** The code cell with this id, unless it is gone or detached. */
  cell(id: string): ICodeCellModel | null {
    // A closed notebook's model is gone; its cells get their outputs when it is opened again.
    if (this._detached.has(id) || this.notebook.isDisposed) {
      return null;
    }
    const cells = this.notebook.cells;
    for (let i = 0; i < cells.length; i++) {
      const cell = cells.get(i);
      if (cell.id === id) {
        return cell.type === 'code' ? (cell as ICodeCellModel) : null;
      }
    }
    return null;
  }

  /** Stop writing into a cell. */
  detach(id: string): void {
    this._detached.add(id);
  }

  /** Whether a cell is detached. */
  isDetached(id: string): boolean {
    return this._detached.has(id);
  }

  /** Start over on these cells: no outputs, no execution count (a run's start, or a replay from the first event). */
  reset(cellIds: readonly string[]): void {
    this._displays.clear();
    this._clearNext.clear();
    for (const id of cellIds) {
      const cell = this.cell(id);
      if (cell) {
        cell.clearExecution();
        // Outputs a GPU job writes are the user's own run, like a kernel's.
        cell.trusted = true;
      }
    }
  }

  /** Replace a cell's outputs with a full list (the job's outputs fetched at once). */
  setOutputs(id: string, outputs: readonly nbformat.IOutput[]): void {
    const cell = this.cell(id);
    if (!cell) {
      return;
    }
    this._dropDisplays(id);
    this._clearNext.delete(id);
    cell.outputs.clear();
    for (const output of outputs) {
      cell.outputs.add(storable(output));
    }
  }

  /** Apply an `output`, `clear` or `update` event (others are ignored). */
  apply(event: GpuEvent): void {
    switch (event.type) {
      case 'output': {
        const cell = this.cell(event.cell_id);
        if (!cell || !event.output) {
          return;
        }
        this._clearIfWaiting(event.cell_id, cell);
        const length = cell.outputs.add(storable(event.output));
        const displayId = displayIdOf(event);
        if (displayId) {
          const places = this._displays.get(displayId) ?? [];
          places.push({ cellId: event.cell_id, index: length - 1 });
          this._displays.set(displayId, places);
        }
        return;
      }
      case 'clear': {
        const cell = this.cell(event.cell_id);
        if (!cell) {
          return;
        }
        if (event.wait) {
          this._clearNext.add(event.cell_id);
        } else {
          this._clearNext.delete(event.cell_id);
          this._dropDisplays(event.cell_id);
          cell.outputs.clear();
        }
        return;
      }
      case 'update': {
        const places = this._displays.get(event.display_id);
        if (!places || !event.output) {
          return;
        }
        for (const place of places) {
          const cell = this.cell(place.cellId);
          if (!cell || place.index >= cell.outputs.length) {
            continue;
          }
          const old = cell.outputs.get(place.index).toJSON();
          cell.outputs.set(place.index, storable(event.output, old));
        }
        return;
      }
    }
  }

  private _clearIfWaiting(id: string, cell: ICodeCellModel): void {
    if (this._clearNext.delete(id)) {
      this._dropDisplays(id);
      cell.outputs.clear();
    }
  }

  private _dropDisplays(cellId: string): void {
    for (const [displayId, places] of this._displays) {
      const left = places.filter(place => place.cellId !== cellId);
      if (left.length === 0) {
        this._displays.delete(displayId);
      } else {
        this._displays.set(displayId, left);
      }
    }
  }

  private _displays = new Map<string, { cellId: string; index: number }[]>();
  private _clearNext = new Set<string>();
  private _detached = new Set<string>();
}
