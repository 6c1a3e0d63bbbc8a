/**
 * Two-way mirror between two Y.Texts in different Y.Docs: the notebook cell's own text and the help room's
 * `source`. Each side's changes are applied to the other as deltas, in a transaction whose origin is the mirror,
 * and changes carrying that origin are not sent back (no echo). Both texts are observed synchronously, so after
 * every transaction on either side they hold the same string.
 */
import type * as Y from 'yjs';

/** A Y.Text delta (what `YTextEvent.delta` holds). */
export type TextDelta = Array<{
  insert?: string | object;
  retain?: number;
  delete?: number;
}>;

/** Apply a delta computed against `text`'s previous state to `text` (which must hold that same state). */
export function applyDelta(text: Y.Text, delta: TextDelta): void {
  let index = 0;
  for (const op of delta) {
    if (op.retain !== undefined) {
      index += op.retain;
    } else if (op.insert !== undefined) {
      const value = typeof op.insert === 'string' ? op.insert : '';
      if (value) {
        text.insert(index, value);
        index += value.length;
      }
    } else if (op.delete !== undefined) {
      text.delete(index, op.delete);
    }
  }
}

/**
 * Replace `text`'s content by `value` with one minimal edit (common prefix and suffix kept), so cursors and
 * concurrent edits elsewhere in the text survive.
 */
export function replaceText(text: Y.Text, value: string): void {
  const old = text.toString();
  if (old === value) {
    return;
  }
  let start = 0;
  const shorter = Math.min(old.length, value.length);
  while (start < shorter && old[start] === value[start]) {
    start++;
  }
  let end = 0;
  while (
    end < shorter - start &&
    old[old.length - 1 - end] === value[value.length - 1 - end]
  ) {
    end++;
  }
  const removed = old.length - start - end;
  const inserted = value.slice(start, value.length - end);
  const edit = () => {
    // Insert first, then delete: a cursor at the end of the replaced range stays after the new text.
    if (inserted) {
      text.insert(start, inserted);
    }
    if (removed > 0) {
      text.delete(start + inserted.length, removed);
    }
  };
  if (text.doc) {
    text.doc.transact(edit);
  } else {
    edit();
  }
}

/** Which text wins when the mirror starts and the two differ. */
export type InitialSync = 'local' | 'room' | 'local-if-room-empty';

export class TextMirror {
  /**
   * Start mirroring `local` (the cell) and `room`. At the start, `initial` says which text is copied onto the
   * other: by default the cell's text when the room is empty, else the room's text.
   */
  constructor(
    readonly local: Y.Text,
    readonly room: Y.Text,
    initial: InitialSync = 'local-if-room-empty'
  ) {
    const localWins =
      initial === 'local' ||
      (initial === 'local-if-room-empty' && room.length === 0);
    if (localWins) {
      this._transact(room, () => replaceText(room, local.toString()));
    } else {
      this._transact(local, () => replaceText(local, room.toString()));
    }
    local.observe(this._onLocal);
    room.observe(this._onRoom);
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /** Stop mirroring; both texts keep what they hold. */
  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this.local.unobserve(this._onLocal);
    this.room.unobserve(this._onRoom);
  }

  private _transact(text: Y.Text, f: () => void): void {
    if (text.doc) {
      text.doc.transact(f, this);
    } else {
      f();
    }
  }

  private _forward(target: Y.Text, event: Y.YTextEvent): void {
    if (event.transaction.origin === this) {
      return;
    }
    const delta = event.delta as TextDelta;
    this._transact(target, () => applyDelta(target, delta));
  }

  private _onLocal = (event: Y.YTextEvent): void =>
    this._forward(this.room, event);

  private _onRoom = (event: Y.YTextEvent): void =>
    this._forward(this.local, event);

  private _disposed = false;
}
