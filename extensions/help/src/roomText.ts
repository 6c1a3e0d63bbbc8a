/**
 * The room's `source` as an `ISharedFile` over a given Y.Doc, for `new CodeEditor.Model({sharedModel})`:
 * `YFile` always makes its own doc, so this is YFile's text part on the room's doc.
 */
import { FileChange, ISharedFile, YDocument } from '@jupyter/ydoc';
import type * as Y from 'yjs';

import { RoomSchema } from './tokens';

export class RoomText extends YDocument<FileChange> implements ISharedFile {
  readonly version = '1.0.0';
  readonly ysource: Y.Text;

  constructor(ydoc: Y.Doc) {
    super({ ydoc });
    this.ysource = ydoc.getText(RoomSchema.source);
    this.undoManager.addToScope(this.ysource);
    this.ysource.observe(this._onText);
  }

  get source(): string {
    return this.getSource();
  }

  set source(value: string) {
    this.setSource(value);
  }

  getSource(): string {
    return this.ysource.toString();
  }

  setSource(value: string): void {
    this.transact(() => {
      this.ysource.delete(0, this.ysource.length);
      this.ysource.insert(0, value);
    });
  }

  updateSource(start: number, end: number, value = ''): void {
    this.transact(() => {
      this.ysource.insert(start, value);
      this.ysource.delete(start + value.length, end - start);
    });
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.ysource.unobserve(this._onText);
    super.dispose();
  }

  private _onText = (event: Y.YTextEvent): void => {
    this._changed.emit({ sourceChange: event.changes.delta as any });
  };
}
