/**
 * Other people's cursors and selections in a CodeMirror 6 editor, from a help room's awareness (`cursor`:
 * anchor and head as Yjs relative positions in the room's `source`), and this editor's own cursor published
 * there. Works for the helper's editor (bound to the room text) and for the student's real cell (whose text the
 * mirror keeps equal to the room's, so the same offsets apply). Names come from the relay-stamped `user`.
 */
import { Extension } from '@codemirror/state';
import {
  Decoration,
  DecorationSet,
  EditorView,
  ViewPlugin,
  ViewUpdate,
  WidgetType
} from '@codemirror/view';
import type { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';

/** A stable colour for a name (the relay stamps no colour). */
export function colorFor(name: string): string {
  let hash = 0;
  for (let i = 0; i < name.length; i++) {
    hash = (hash * 31 + name.charCodeAt(i)) | 0;
  }
  return `hsl(${Math.abs(hash) % 360}, 70%, 40%)`;
}

/** The colour, see-through, for a selection. */
function tint(color: string): string {
  return color.replace('hsl(', 'hsla(').replace(')', ', 0.25)');
}

class CaretWidget extends WidgetType {
  constructor(
    readonly name: string,
    readonly color: string
  ) {
    super();
  }

  eq(other: CaretWidget): boolean {
    return other.name === this.name && other.color === this.color;
  }

  toDOM(): HTMLElement {
    const caret = document.createElement('span');
    caret.className = 'jp-classlab-help-caret';
    caret.style.borderColor = this.color;
    // The name is drawn by CSS from an attribute, so it never becomes part of the editor's text (copy, innerText).
    const label = document.createElement('span');
    label.className = 'jp-classlab-help-caretName';
    label.style.backgroundColor = this.color;
    label.dataset.name = this.name;
    caret.appendChild(label);
    return caret;
  }

  ignoreEvent(): boolean {
    return true;
  }
}

function absolute(doc: Y.Doc, json: unknown): number | null {
  if (!json) {
    return null;
  }
  try {
    const position = Y.createAbsolutePositionFromRelativePosition(
      Y.createRelativePositionFromJSON(json),
      doc
    );
    return position ? position.index : null;
  } catch {
    return null;
  }
}

/** The CM6 extension: draw remote cursors, publish the local one while the editor has the focus. */
export function remoteCursors(options: {
  awareness: Awareness;
  ytext: Y.Text;
}): Extension {
  const { awareness, ytext } = options;
  const doc = ytext.doc!;

  return ViewPlugin.fromClass(
    class {
      decorations: DecorationSet;

      constructor(readonly view: EditorView) {
        this.decorations = this._build();
        awareness.on('change', this._onAwareness);
      }

      update(update: ViewUpdate): void {
        if (update.selectionSet || update.focusChanged || update.docChanged) {
          this._publish(update.view);
        }
        this.decorations = this._build();
      }

      destroy(): void {
        awareness.off('change', this._onAwareness);
        cancelAnimationFrame(this._frame);
      }

      private _onAwareness = (change: {
        added: number[];
        updated: number[];
        removed: number[];
      }): void => {
        const others = [
          ...change.added,
          ...change.updated,
          ...change.removed
        ].some(id => id !== doc.clientID);
        if (others) {
          cancelAnimationFrame(this._frame);
          // Redraw outside any editor update in progress.
          this._frame = requestAnimationFrame(() => {
            this.decorations = this._build();
            this.view.dispatch({});
          });
        }
      };

      private _publish(view: EditorView): void {
        const state = awareness.getLocalState();
        if (state === null) {
          return;
        }
        if (!view.hasFocus) {
          if (state.cursor) {
            awareness.setLocalStateField('cursor', null);
          }
          return;
        }
        const { anchor, head } = view.state.selection.main;
        const length = ytext.length;
        const clamp = (n: number) => Math.max(0, Math.min(n, length));
        const cursor = {
          anchor: Y.relativePositionToJSON(
            Y.createRelativePositionFromTypeIndex(ytext, clamp(anchor))
          ),
          head: Y.relativePositionToJSON(
            Y.createRelativePositionFromTypeIndex(ytext, clamp(head))
          )
        };
        awareness.setLocalStateField('cursor', cursor);
      }

      private _build(): DecorationSet {
        const length = this.view.state.doc.length;
        const marks: Array<{ from: number; to: number; deco: Decoration }> = [];
        awareness.getStates().forEach((state, clientId) => {
          if (clientId === doc.clientID || !state?.cursor) {
            return;
          }
          const anchor = absolute(doc, state.cursor.anchor);
          const head = absolute(doc, state.cursor.head);
          if (anchor === null || head === null) {
            return;
          }
          const name = String(
            state.user?.display_name ?? state.user?.name ?? ''
          );
          const color = colorFor(String(state.user?.name ?? clientId));
          const from = Math.min(anchor, head, length);
          const to = Math.min(Math.max(anchor, head), length);
          if (from < to) {
            marks.push({
              from,
              to,
              deco: Decoration.mark({
                class: 'jp-classlab-help-selection',
                attributes: { style: `background-color: ${tint(color)}` }
              })
            });
          }
          const at = Math.min(head, length);
          marks.push({
            from: at,
            to: at,
            deco: Decoration.widget({
              widget: new CaretWidget(name, color),
              side: 1
            })
          });
        });
        return Decoration.set(
          marks.map(mark => mark.deco.range(mark.from, mark.to)),
          true
        );
      }

      private _frame = 0;
    },
    { decorations: plugin => plugin.decorations }
  );
}
