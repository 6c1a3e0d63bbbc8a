/**
 * An open notebook as the grader sees it (`IGradedNotebook`): its path on the server (without a drive prefix), its
 * grader metadata read from the model, saving it before grading, and a signal when its cells or metadata change.
 */
import type { NotebookPanel } from '@jupyterlab/notebook';
import { ISignal, Signal } from '@lumino/signaling';

import { modelContent } from './assignment';
import type { IGradedNotebook, INotebookContent } from './tokens';

export class OpenNotebook implements IGradedNotebook {
  constructor(readonly panel: NotebookPanel) {
    const emit = () => this._changed.emit();
    this._emit = emit;
    panel.context.pathChanged.connect(emit);
    void panel.context.ready.then(() => {
      if (this._disposed) {
        return;
      }
      panel.content.model?.metadataChanged.connect(emit);
      panel.content.model?.cells.changed.connect(emit);
      emit();
    });
  }

  /** The notebook's path relative to the server's root (what the bridge reads from disk). */
  get path(): string {
    return this.panel.context.localPath;
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  read(): INotebookContent {
    return this.panel.context.isReady
      ? modelContent(this.panel.content.model)
      : { metadata: {}, cells: [] };
  }

  async save(): Promise<void> {
    const { context } = this.panel;
    await context.ready;
    // Nothing changed since the last save: the file on disk is what the grader reads already.
    if (context.model.dirty) {
      await context.save();
    }
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    const emit = this._emit;
    this.panel.context.pathChanged.disconnect(emit);
    this.panel.content.model?.metadataChanged.disconnect(emit);
    this.panel.content.model?.cells.changed.disconnect(emit);
    Signal.clearData(this);
  }

  private _emit: () => void;
  private _disposed = false;
  private _changed = new Signal<this, void>(this);
}
