/**
 * The helper's "Help: <student>" tab: the room's code in a real CodeMirror editor bound to the room's `source`
 * (read-only for observers), other people's cursors, the latest output as text, the read-only context cells,
 * who is present (names stamped by the relay), a one-line chat, and Leave. Loaded lazily with the room.
 */
import {
  IEditorServices,
  CodeEditor,
  CodeEditorWrapper
} from '@jupyterlab/codeeditor';
import { EditorView } from '@codemirror/view';
import type { TranslationBundle } from '@jupyterlab/translation';
import { Panel, Widget } from '@lumino/widgets';
import * as Y from 'yjs';

import { HelpApi } from './api';
import { remoteCursors } from './cursors';
import { RoomConnection, RoomState } from './room';
import { RoomText } from './roomText';
import {
  IChatMessage,
  IContextCell,
  IHelpRequest,
  IRoomTicket,
  JoinRole,
  RoomSchema
} from './tokens';

/** How many chat lines the tab keeps. */
const MAX_CHAT_LINES = 200;

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text?: string
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

export interface IHelpSessionOptions {
  api: HelpApi;
  request: IHelpRequest;
  role: JoinRole;
  ticket: IRoomTicket;
  editorServices: IEditorServices | null;
  trans: TranslationBundle;
}

export class HelpSession extends Panel {
  readonly request: IHelpRequest;
  readonly role: JoinRole;
  readonly connection: RoomConnection;

  constructor(options: IHelpSessionOptions) {
    super();
    const { api, request, role, trans } = options;
    this.request = request;
    this.role = role;
    this._trans = trans;
    this.addClass('jp-classlab-help-session');
    this.title.label = trans.__('Help: %1', request.owner.display_name);
    this.title.closable = true;

    const ydoc = new Y.Doc();
    this._text = new RoomText(ydoc);
    this.connection = new RoomConnection({
      ticket: options.ticket,
      wsBase: api.settings.wsUrl,
      renew: () => api.join(request.id, role),
      doc: ydoc,
      awareness: this._text.awareness
    });

    // Header: whose cell, the state, who is here, Leave.
    const header = new Widget({
      node: element('div', 'jp-classlab-help-sessionHeader')
    });
    const title = element(
      'span',
      'jp-classlab-help-sessionTitle',
      role === 'observer'
        ? trans.__('Observing %1', request.owner.display_name)
        : trans.__('Helping %1', request.owner.display_name)
    );
    this._stateNode = element('span', 'jp-classlab-help-sessionState');
    this._peopleNode = element('span', 'jp-classlab-help-people');
    const leave = element(
      'button',
      'jp-Button jp-mod-styled jp-mod-reject jp-classlab-help-leave',
      trans.__('Leave')
    );
    leave.addEventListener('click', () => this.close());
    header.node.append(title, this._stateNode, this._peopleNode, leave);
    if (request.error) {
      header.node.appendChild(
        element(
          'div',
          'jp-classlab-help-sessionError',
          request.error.split('\n')[0]
        )
      );
    }
    if (request.message) {
      header.node.appendChild(
        element('div', 'jp-classlab-help-sessionMessage', request.message)
      );
    }
    this.addWidget(header);

    // The code, live.
    const model = new CodeEditor.Model({ sharedModel: this._text });
    const meta = ydoc.getMap<string>(RoomSchema.meta);
    const setMime = () => {
      const language = meta.get('language') ?? 'python';
      const mime =
        options.editorServices?.mimeTypeService.getMimeTypeByLanguage({
          name: language
        });
      if (mime) {
        model.mimeType = mime;
      }
    };
    setMime();
    meta.observe(setMime);
    this._model = model;
    if (options.editorServices) {
      this._editor = new CodeEditorWrapper({
        factory: options.editorServices.factoryService.newInlineEditor,
        model,
        editorOptions: {
          config: { readOnly: role === 'observer', lineNumbers: true },
          extensions: [
            // The editor's name for screen readers (#9).
            EditorView.contentAttributes.of({
              'aria-label': trans.__('Code of %1', request.owner.display_name)
            }),
            remoteCursors({
              awareness: this._text.awareness,
              ytext: this._text.ysource
            })
          ]
        }
      });
      this._editor.addClass('jp-classlab-help-editor');
      this.addWidget(this._editor);
    }

    // Output, context, chat.
    const lower = new Widget({
      node: element('div', 'jp-classlab-help-sessionBody')
    });
    lower.node.appendChild(
      element('h3', 'jp-classlab-help-heading', trans.__('Output'))
    );
    this._outputNode = element('pre', 'jp-classlab-help-output');
    lower.node.appendChild(this._outputNode);
    this._contextNode = element('details', 'jp-classlab-help-context');
    this._contextNode.appendChild(
      element('summary', '', trans.__('Cells above (read-only)'))
    );
    this._contextNode.hidden = true;
    lower.node.appendChild(this._contextNode);
    lower.node.appendChild(
      element('h3', 'jp-classlab-help-heading', trans.__('Chat'))
    );
    this._chatLog = element('div', 'jp-classlab-help-chatLog');
    this._chatLog.setAttribute('role', 'log');
    this._chatLog.setAttribute('aria-label', trans.__('Chat'));
    lower.node.appendChild(this._chatLog);
    const input = element('input', 'jp-mod-styled jp-classlab-help-chatInput');
    input.type = 'text';
    input.maxLength = 500;
    input.placeholder = trans.__('Write a message and press Enter');
    input.setAttribute('aria-label', trans.__('Chat message'));
    input.addEventListener('keydown', event => {
      event.stopPropagation();
      if (event.key === 'Enter' && input.value.trim()) {
        if (this.connection.sendChat(input.value)) {
          input.value = '';
        }
      }
    });
    lower.node.appendChild(input);
    this.addWidget(lower);

    const output = ydoc.getText(RoomSchema.output);
    const showOutput = () => {
      const text = output.toString();
      this._outputNode.textContent = text || trans.__('(no output yet)');
    };
    output.observe(showOutput);
    showOutput();
    const context = ydoc.getArray<IContextCell>(RoomSchema.context);
    const showContext = () => this._showContext(context.toArray());
    context.observe(showContext);

    this.connection.stateChanged.connect(this._onState, this);
    this.connection.chatReceived.connect(this._onChat, this);
    this._text.awareness.on('change', this._showPeople);
    this._onState(this.connection, this.connection.state);
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._text.awareness.off('change', this._showPeople);
    this.connection.dispose();
    this._editor?.dispose();
    this._model.dispose();
    super.dispose();
    this._text.dispose();
  }

  private _onState(_: RoomConnection, state: RoomState): void {
    const trans = this._trans;
    const reason = this.connection.endReason;
    let text: string;
    if (state === 'connected') {
      text = trans.__('Connected');
    } else if (state === 'connecting') {
      text = trans.__('Connecting…');
    } else if (reason === 'revoked') {
      text = trans.__('The student ended your help');
    } else if (reason === 'closed') {
      text = trans.__('The session has ended');
    } else {
      text = trans.__('Disconnected');
    }
    this._stateNode.textContent = text;
    this._stateNode.dataset.state = state;
    this.toggleClass('jp-mod-ended', state === 'ended');
    if (state === 'ended') {
      this._editor?.editor.setOption('readOnly', true);
      this._showPeople();
    }
  }

  private _showPeople = (): void => {
    const people =
      this.connection.state === 'ended' ? [] : this.connection.people();
    this._peopleNode.replaceChildren();
    if (this.connection.state !== 'ended') {
      // Our own state never comes back stamped: we are "you".
      const me = element(
        'span',
        'jp-classlab-help-person jp-mod-self',
        this._trans.__('You')
      );
      this._peopleNode.appendChild(me);
    }
    const seen = new Set<string>();
    for (const person of people) {
      if (person.local || seen.has(person.user.name)) {
        continue;
      }
      seen.add(person.user.name);
      const chip = element(
        'span',
        'jp-classlab-help-person',
        person.user.display_name
      );
      chip.dataset.role = person.user.role;
      chip.title = person.user.role
        ? `${person.user.display_name} (${person.user.role})`
        : person.user.display_name;
      this._peopleNode.appendChild(chip);
    }
  };

  private _showContext(cells: IContextCell[]): void {
    this._contextNode.hidden = cells.length === 0;
    while (this._contextNode.childNodes.length > 1) {
      this._contextNode.removeChild(this._contextNode.lastChild!);
    }
    for (const cell of cells) {
      const pre = element(
        'pre',
        'jp-classlab-help-contextCell',
        String(cell?.source ?? '')
      );
      pre.dataset.cellType = String(cell?.cellType ?? 'code');
      this._contextNode.appendChild(pre);
    }
  }

  private _onChat(_: RoomConnection, message: IChatMessage): void {
    const line = element('div', 'jp-classlab-help-chatLine');
    line.appendChild(element('b', '', message.display_name || message.from));
    line.appendChild(document.createTextNode(': ' + message.text));
    this._chatLog.appendChild(line);
    while (this._chatLog.childNodes.length > MAX_CHAT_LINES) {
      this._chatLog.removeChild(this._chatLog.firstChild!);
    }
    this._chatLog.scrollTop = this._chatLog.scrollHeight;
  }

  private _trans: TranslationBundle;
  private _text: RoomText;
  private _model: CodeEditor.Model;
  private _editor: CodeEditorWrapper | null = null;
  private _stateNode: HTMLElement;
  private _peopleNode: HTMLElement;
  private _outputNode: HTMLElement;
  private _contextNode: HTMLDetailsElement;
  private _chatLog: HTMLElement;
}
