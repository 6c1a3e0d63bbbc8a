/**
 * The student's side: an "Ask for help" chip on a cell whose run failed, the ask flow, and the live session on
 * that cell — the room's `source` mirrored both ways into the real cell, the cell's outputs written into the
 * room as text after each run, the helpers' cursors in the cell, and the request's state with Cancel and Revoke.
 * The room (y-websocket) loads only when the student first asks.
 */
import { Compartment } from '@codemirror/state';
import type { EditorView } from '@codemirror/view';
import { Notification } from '@jupyterlab/apputils';
import { Cell, CodeCell, ICodeCellModel } from '@jupyterlab/cells';
import type { CodeMirrorEditor } from '@jupyterlab/codemirror';
import type * as nbformat from '@jupyterlab/nbformat';
import { NotebookPanel } from '@jupyterlab/notebook';
import type { TranslationBundle } from '@jupyterlab/translation';
import type * as Y from 'yjs';

import { HelpApi } from './api';
import { askForHelpDialog } from './askDialog';
import { helpErrorText } from './errorText';
import { errorSummary, outputsToText, stripAnsi } from './outputText';
import { TextMirror } from './mirror';
import type { RoomConnection, RoomState } from './room';
import {
  IChatMessage,
  IContextCell,
  IHelpRequest,
  IRoomTicket,
  RoomSchema
} from './tokens';

/** How often an open request's state is fetched. */
export const REQUEST_POLL_MS = 5000;
/** The most cells above shared as context, and their total size. */
const MAX_CONTEXT_CELLS = 20;
const MAX_CONTEXT_CHARS = 50000;
/** How much of a traceback goes with a request (the relay keeps 2000 characters). */
const MAX_ERROR_CHARS = 2000;

/** The error a cell's run ended with. */
export interface ICellError {
  summary: string;
  traceback: string;
}

/** The error output of a code cell's outputs, if any. */
export function findError(
  outputs: readonly nbformat.IOutput[]
): ICellError | null {
  for (const output of outputs) {
    if (output.output_type === 'error') {
      const error = output as nbformat.IError;
      return {
        summary: errorSummary(String(error.ename), String(error.evalue)),
        traceback: stripAnsi((error.traceback ?? []).join('\n'))
      };
    }
  }
  return null;
}

/** Whether nbgrader marks a cell as part of a graded assignment. */
export function isGraded(cell: Cell): boolean {
  const nbgrader = cell.model.getMetadata('nbgrader') as any;
  return Boolean(
    nbgrader && (nbgrader.grade || nbgrader.solution || nbgrader.locked)
  );
}

/** The bar under a cell: the chip, then the session's state and controls. */
function barOf(cell: Cell): HTMLElement {
  let bar = cell.node.querySelector<HTMLElement>(
    ':scope > .jp-classlab-help-cellBar'
  );
  if (!bar) {
    bar = document.createElement('div');
    bar.className = 'jp-classlab-help-cellBar';
    cell.node.appendChild(bar);
  }
  return bar;
}

/** One live help session on one cell. */
class CellSession {
  constructor(
    readonly owner: StudentHelp,
    readonly panel: NotebookPanel,
    readonly cell: CodeCell,
    public request: IHelpRequest,
    readonly connection: RoomConnection
  ) {
    this._bar = barOf(cell);
    this._status = document.createElement('div');
    this._status.className = 'jp-classlab-help-cellStatus';
    this._bar.appendChild(this._status);
    this._chat = this._buildChat();
    this._bar.appendChild(this._chat);
    cell.addClass('jp-classlab-help-mod-shared');
    connection.chatReceived.connect(this._onChat, this);
    connection.stateChanged.connect(this._onState, this);
    connection.awareness.on('change', this._render);
    cell.model.outputs.changed.connect(this._scheduleOutput, this);
    cell.disposed.connect(() => void this.cancel());
    void this._start();
    this._poll = setInterval(() => void this._refresh(), REQUEST_POLL_MS);
    this._render();
  }

  get ended(): boolean {
    return this._ended;
  }

  /** Write the cell's outputs into the room as text. */
  writeOutput(): void {
    if (this._ended || !this._started) {
      return;
    }
    const text = outputsToText(this.cell.model.outputs.toJSON());
    const output = this.connection.doc.getText(RoomSchema.output);
    if (output.toString() !== text) {
      this.connection.doc.transact(() => {
        output.delete(0, output.length);
        output.insert(0, text);
      }, this);
    }
  }

  /** Cancel the request (DELETE) and end the session. */
  async cancel(): Promise<void> {
    if (this._ended) {
      return;
    }
    this._end(this.owner.trans.__('You ended the help session.'));
    try {
      await this.owner.api.cancel(this.request.id);
    } catch (reason) {
      console.warn('ClassLab Help: cancel failed', reason);
    }
  }

  /** Send a helper away. */
  async revoke(helper: string): Promise<void> {
    try {
      await this.owner.api.revoke(this.request.id, helper);
      this.request = {
        ...this.request,
        helpers: this.request.helpers.filter(name => name !== helper)
      };
      this._render();
    } catch (reason: any) {
      Notification.error(helpErrorText(reason, this.owner.trans), {
        autoClose: 5000
      });
    }
  }

  /** A one-line chat under the cell: the last few lines and an input. */
  private _buildChat(): HTMLElement {
    const trans = this.owner.trans;
    const chat = document.createElement('div');
    chat.className = 'jp-classlab-help-cellChat';
    const log = document.createElement('div');
    log.className = 'jp-classlab-help-chatLog';
    log.setAttribute('role', 'log');
    log.setAttribute('aria-label', trans.__('Chat'));
    const input = document.createElement('input');
    input.type = 'text';
    input.maxLength = 500;
    input.className = 'jp-mod-styled jp-classlab-help-chatInput';
    input.placeholder = trans.__('Write a message and press Enter');
    input.setAttribute('aria-label', trans.__('Chat message'));
    input.addEventListener('keydown', event => {
      // Keep JupyterLab's notebook shortcuts out of the chat box.
      event.stopPropagation();
      if (event.key === 'Enter' && this.connection.sendChat(input.value)) {
        input.value = '';
      }
    });
    chat.append(log, input);
    return chat;
  }

  private _onChat(_: RoomConnection, message: IChatMessage): void {
    const log = this._chat.querySelector('.jp-classlab-help-chatLog');
    if (!log) {
      return;
    }
    const line = document.createElement('div');
    line.className = 'jp-classlab-help-chatLine';
    const who = document.createElement('b');
    who.textContent = message.display_name || message.from;
    line.append(who, document.createTextNode(': ' + message.text));
    log.appendChild(line);
    while (log.childNodes.length > 5) {
      log.removeChild(log.firstChild!);
    }
  }

  private async _start(): Promise<void> {
    await this.connection.synced;
    if (this._ended) {
      return;
    }
    const doc = this.connection.doc;
    const panel = this.panel;
    const cell = this.cell;
    doc.transact(() => {
      const meta = doc.getMap<string>(RoomSchema.meta);
      meta.set('cellId', cell.model.id);
      meta.set('cellType', cell.model.type);
      meta.set(
        'language',
        String(
          (panel.model?.getMetadata('language_info') as any)?.name ?? 'python'
        )
      );
      meta.set('ownerName', this.request.owner.display_name);
      const context = doc.getArray<IContextCell>(RoomSchema.context);
      if (
        this.owner.shareContext.get(this.request.id) &&
        context.length === 0
      ) {
        context.push(contextAbove(panel, cell));
      }
    }, this);
    // The room is new: the cell's text goes in. (A room that has text, after a reconnect, wins.)
    const ysource = (cell.model.sharedModel as any).ysource as Y.Text;
    this._mirror = new TextMirror(
      ysource,
      doc.getText(RoomSchema.source),
      'local-if-room-empty'
    );
    this._started = true;
    this.writeOutput();
    this._showCursors();
    this._render();
  }

  /** Helpers' cursors in the real cell (removed when the session ends). */
  private _showCursors(): void {
    const editor = this.cell.editor as CodeMirrorEditor | null;
    const view = (editor as any)?.editor as EditorView | undefined;
    if (!editor || !view) {
      return;
    }
    void import('./cursors').then(({ remoteCursors }) => {
      if (this._ended) {
        return;
      }
      this._cursorView = view;
      editor.injectExtension(
        this._cursors.of(
          remoteCursors({
            awareness: this.connection.awareness,
            ytext: this.connection.doc.getText(RoomSchema.source)
          })
        )
      );
    });
  }

  private _scheduleOutput(): void {
    clearTimeout(this._outputTimer);
    this._outputTimer = setTimeout(() => this.writeOutput(), 200);
  }

  private async _refresh(): Promise<void> {
    if (this._ended) {
      return;
    }
    try {
      const requests = await this.owner.api.list();
      const mine = requests.find(r => r.id === this.request.id);
      if (!mine || mine.state === 'closed') {
        this._end(this.owner.trans.__('The help session has ended.'));
        return;
      }
      this.request = mine;
      this._render();
    } catch {
      // Try again at the next poll.
    }
  }

  private _onState(_: RoomConnection, state: RoomState): void {
    if (state === 'ended') {
      const reason = this.connection.endReason;
      this._end(
        reason === 'closed'
          ? this.owner.trans.__('The help session has ended.')
          : this.owner.trans.__('The connection to the help room was refused.')
      );
    } else {
      this._render();
    }
  }

  private _end(message: string): void {
    if (this._ended) {
      return;
    }
    this._ended = true;
    this._endMessage = message;
    clearInterval(this._poll);
    clearTimeout(this._outputTimer);
    this._mirror?.dispose();
    this._cursorView?.dispatch({ effects: this._cursors.reconfigure([]) });
    this.connection.awareness.off('change', this._render);
    this.cell.model.outputs.changed.disconnect(this._scheduleOutput, this);
    this.cell.removeClass('jp-classlab-help-mod-shared');
    this.connection.dispose();
    this.connection.doc.destroy();
    this._chat.remove();
    this.owner.sessionEnded(this);
    this._render();
    setTimeout(() => this._status.remove(), 10000);
  }

  private _render = (): void => {
    const trans = this.owner.trans;
    const status = this._status;
    status.replaceChildren();
    const text = document.createElement('span');
    text.className = 'jp-classlab-help-cellState';
    status.appendChild(text);
    if (this._ended) {
      status.dataset.state = 'ended';
      text.textContent = this._endMessage;
      return;
    }
    const helpers = this.request.helpers ?? [];
    const present = this.connection
      .people()
      .filter(p => !p.local && p.user.role !== 'owner');
    if (this.connection.state !== 'connected') {
      status.dataset.state = 'connecting';
      text.textContent = trans.__('Connecting to the help room…');
    } else if (helpers.length === 0 && present.length === 0) {
      status.dataset.state = 'waiting';
      const position = this.request.position;
      text.textContent = position
        ? trans.__('Waiting for help (number %1 in the queue)', position)
        : trans.__('Waiting for help…');
    } else {
      status.dataset.state = 'joined';
      const names = new Map<string, string>();
      for (const person of present) {
        names.set(person.user.name, person.user.display_name);
      }
      for (const name of helpers) {
        if (!names.has(name)) {
          names.set(name, name);
        }
      }
      text.textContent = trans.__(
        'Helping you: %1',
        [...names.values()].join(', ')
      );
      for (const [name, display] of names) {
        const revoke = document.createElement('button');
        revoke.className = 'jp-Button jp-mod-styled jp-classlab-help-revoke';
        revoke.textContent = trans.__('Remove %1', display);
        revoke.title = trans.__(
          'Stop %1 from seeing and changing this cell',
          display
        );
        revoke.addEventListener('click', () => void this.revoke(name));
        status.appendChild(revoke);
      }
    }
    const cancel = document.createElement('button');
    cancel.className =
      'jp-Button jp-mod-styled jp-mod-reject jp-classlab-help-cancel';
    cancel.textContent =
      status.dataset.state === 'joined'
        ? trans.__('End help')
        : trans.__('Cancel request');
    cancel.addEventListener('click', () => void this.cancel());
    status.appendChild(cancel);
  };

  private _bar: HTMLElement;
  private _status: HTMLElement;
  private _chat: HTMLElement;
  private _mirror: TextMirror | null = null;
  private _cursors = new Compartment();
  private _cursorView: EditorView | null = null;
  private _started = false;
  private _ended = false;
  private _endMessage = '';
  private _poll: ReturnType<typeof setInterval>;
  private _outputTimer: ReturnType<typeof setTimeout> | undefined;
}

/** The cells above `cell` as read-only context (nearest last), within the size limits. */
function contextAbove(panel: NotebookPanel, cell: Cell): IContextCell[] {
  const widgets = panel.content.widgets;
  const index = widgets.indexOf(cell);
  const cells: IContextCell[] = [];
  let size = 0;
  for (let i = index - 1; i >= 0 && cells.length < MAX_CONTEXT_CELLS; i--) {
    const model = widgets[i].model;
    const source = model.sharedModel.getSource();
    if (size + source.length > MAX_CONTEXT_CHARS) {
      break;
    }
    size += source.length;
    cells.unshift({ source, cellType: model.type });
  }
  return cells;
}

/** The student's side for the whole app. */
export class StudentHelp {
  /** Which requests share their context (the choice made in the dialog). */
  readonly shareContext = new Map<string, boolean>();

  constructor(
    readonly api: HelpApi,
    readonly trans: TranslationBundle
  ) {}

  /** After a run: chip on failure, none on success; an active session gets the new output. */
  executed(panel: NotebookPanel | null, cell: Cell, success: boolean): void {
    if (!(cell instanceof CodeCell)) {
      return;
    }
    const session = this._sessions.get(cell.model);
    if (session && !session.ended) {
      session.writeOutput();
      return;
    }
    if (success) {
      this._removeChip(cell);
    } else if (panel) {
      this._showChip(panel, cell);
    }
  }

  /** Ask for help with `cell` (the dialog, the request, the room). */
  async ask(panel: NotebookPanel, cell: Cell): Promise<void> {
    const trans = this.trans;
    if (!(cell instanceof CodeCell)) {
      Notification.warning(trans.__('Help can be asked for code cells only.'), {
        autoClose: 5000
      });
      return;
    }
    const existing = this._sessions.get(cell.model);
    if (existing && !existing.ended) {
      Notification.info(
        trans.__('You already asked for help with this cell.'),
        {
          autoClose: 5000
        }
      );
      return;
    }
    const error = findError((cell.model as ICodeCellModel).outputs.toJSON());
    const graded = isGraded(cell);
    const choice = await askForHelpDialog(trans, error?.summary ?? '', !graded);
    if (!choice) {
      return;
    }
    let reply: { request: IHelpRequest } & IRoomTicket;
    try {
      const errorText = error
        ? `${error.summary}\n${error.traceback}`.slice(0, MAX_ERROR_CHARS)
        : '';
      reply = await this.api.ask({
        cell_id: cell.model.id,
        message: choice.message,
        audience: graded ? 'teacher' : choice.audience,
        error: errorText,
        context: choice.context,
        graded
      });
    } catch (reason: any) {
      Notification.error(
        trans.__('Asking for help failed: %1', helpErrorText(reason, trans)),
        { autoClose: 8000 }
      );
      return;
    }
    this.shareContext.set(reply.request.id, choice.context);
    this._removeChip(cell);
    const { RoomConnection } = await import('./room');
    const requestId = reply.request.id;
    const connection = new RoomConnection({
      ticket: reply,
      wsBase: this.api.settings.wsUrl,
      renew: () => this.api.rejoin(requestId)
    });
    const session = new CellSession(
      this,
      panel,
      cell,
      reply.request,
      connection
    );
    this._sessions.set(cell.model, session);
  }

  /** Called by a session when it ends. */
  sessionEnded(session: CellSession): void {
    if (this._sessions.get(session.cell.model) === session) {
      this._sessions.delete(session.cell.model);
    }
    this.shareContext.delete(session.request.id);
  }

  private _showChip(panel: NotebookPanel, cell: CodeCell): void {
    const bar = barOf(cell);
    if (bar.querySelector('.jp-classlab-help-chip')) {
      return;
    }
    const chip = document.createElement('button');
    chip.className = 'jp-Button jp-classlab-help-chip';
    chip.textContent = this.trans.__('Ask for help');
    chip.title = this.trans.__(
      'Ask your teacher or a classmate to look at this cell with you'
    );
    chip.addEventListener('click', () => void this.ask(panel, cell));
    bar.prepend(chip);
  }

  private _removeChip(cell: Cell): void {
    cell.node
      .querySelector(
        ':scope > .jp-classlab-help-cellBar .jp-classlab-help-chip'
      )
      ?.remove();
  }

  private _sessions = new WeakMap<object, CellSession>();
}
