/**
 * The "Help requests" side panel: open requests this user may help with, polled every 5 s while the panel is
 * visible, newest first or by wait time, with Join (and Observe, for teachers). Text only, never HTML.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import { HelpApi } from './api';
import { firstLine, RequestOrder, sortRequests, waitMinutes } from './requests';
import type { IHelpRequest, JoinRole } from './tokens';

/** How often the panel asks for the list while it is visible. */
export const POLL_MS = 5000;

export interface IHelpPanelOptions {
  api: HelpApi;
  trans: TranslationBundle;
  /** Open a session on a request (the plugin joins and opens the tab). */
  join: (request: IHelpRequest, role: JoinRole) => Promise<void>;
}

export class HelpPanel extends Widget {
  constructor(options: IHelpPanelOptions) {
    super();
    this._options = options;
    const { trans } = options;
    this.id = 'classlab-help-requests';
    this.addClass('jp-classlab-help-panel');
    this.title.caption = trans.__('Help requests');

    const header = document.createElement('div');
    header.className = 'jp-classlab-help-panelHeader';
    const title = document.createElement('h2');
    title.textContent = trans.__('Help requests');
    const order = document.createElement('select');
    order.className = 'jp-mod-styled jp-classlab-help-order';
    order.setAttribute('aria-label', trans.__('Order'));
    for (const [value, label] of [
      ['newest', trans.__('Newest first')],
      ['waiting', trans.__('Longest wait first')]
    ] as const) {
      const option = document.createElement('option');
      option.value = value;
      option.textContent = label;
      order.appendChild(option);
    }
    order.addEventListener('change', () => {
      this._order = order.value as RequestOrder;
      this._render();
    });
    header.append(title, order);
    this._status = document.createElement('div');
    this._status.className = 'jp-classlab-help-panelStatus';
    this._list = document.createElement('ul');
    this._list.className = 'jp-classlab-help-requests';
    this.node.append(header, this._status, this._list);
  }

  /** The requests last fetched, in the panel's order. */
  get requests(): IHelpRequest[] {
    return sortRequests(this._requests, this._order);
  }

  /** Fetch the list now. */
  async refresh(): Promise<void> {
    try {
      const reply = await this._options.api.listWithViewer();
      this._requests = reply.requests;
      this._teacher = reply.teacher;
      this._error = '';
    } catch (reason: any) {
      this._error = this._options.trans.__(
        'Help requests could not be loaded: %1',
        String(reason?.message ?? reason)
      );
    }
    this._render();
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._startPolling();
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (this.isVisible) {
      this._startPolling();
    }
  }

  protected onBeforeHide(msg: Message): void {
    super.onBeforeHide(msg);
    this._stopPolling();
  }

  protected onBeforeDetach(msg: Message): void {
    this._stopPolling();
    super.onBeforeDetach(msg);
  }

  dispose(): void {
    this._stopPolling();
    super.dispose();
  }

  private _startPolling(): void {
    if (this._timer !== undefined) {
      return;
    }
    void this.refresh();
    this._timer = setInterval(() => void this.refresh(), POLL_MS);
  }

  private _stopPolling(): void {
    if (this._timer !== undefined) {
      clearInterval(this._timer);
      this._timer = undefined;
    }
  }

  private _render(): void {
    const { trans } = this._options;
    const requests = this.requests;
    this._status.textContent =
      this._error ||
      (requests.length === 0 ? trans.__('Nobody is waiting for help.') : '');
    this._list.replaceChildren();
    const now = Date.now();
    for (const request of requests) {
      const item = document.createElement('li');
      item.className = 'jp-classlab-help-request';
      item.dataset.requestId = request.id;
      item.dataset.state = request.state;

      const who = document.createElement('div');
      who.className = 'jp-classlab-help-requestWho';
      const name = document.createElement('b');
      name.textContent = request.owner.display_name || request.owner.name;
      const wait = document.createElement('span');
      wait.className = 'jp-classlab-help-wait';
      const minutes = waitMinutes(request.created, now);
      wait.textContent =
        minutes < 1
          ? trans.__('just now')
          : trans._n('waiting %1 min', 'waiting %1 min', minutes);
      who.append(name, wait);
      item.appendChild(who);

      const error = firstLine(request.error);
      if (error) {
        const node = document.createElement('div');
        node.className = 'jp-classlab-help-requestError';
        node.textContent = error;
        item.appendChild(node);
      }
      if (request.message) {
        const node = document.createElement('div');
        node.className = 'jp-classlab-help-requestMessage';
        node.textContent = request.message;
        item.appendChild(node);
      }
      if (request.helpers.length > 0) {
        const node = document.createElement('div');
        node.className = 'jp-classlab-help-requestHelpers';
        node.textContent = trans.__('Helping: %1', request.helpers.join(', '));
        item.appendChild(node);
      }

      const actions = document.createElement('div');
      actions.className = 'jp-classlab-help-requestActions';
      const join = document.createElement('button');
      join.className = 'jp-Button jp-mod-styled jp-mod-accept';
      join.textContent = trans.__('Join');
      join.addEventListener('click', () => this._join(request, 'helper', join));
      actions.appendChild(join);
      if (this._teacher !== false) {
        const observe = document.createElement('button');
        observe.className = 'jp-Button jp-mod-styled';
        observe.textContent = trans.__('Observe');
        observe.addEventListener('click', () =>
          this._join(request, 'observer', observe)
        );
        actions.appendChild(observe);
      }
      item.appendChild(actions);
      this._list.appendChild(item);
    }
  }

  private async _join(
    request: IHelpRequest,
    role: JoinRole,
    button: HTMLButtonElement
  ): Promise<void> {
    button.disabled = true;
    try {
      await this._options.join(request, role);
    } finally {
      button.disabled = false;
    }
    void this.refresh();
  }

  private _options: IHelpPanelOptions;
  private _order: RequestOrder = 'newest';
  private _requests: IHelpRequest[] = [];
  private _teacher: boolean | null = null;
  private _error = '';
  private _timer: ReturnType<typeof setInterval> | undefined;
  private _status: HTMLElement;
  private _list: HTMLUListElement;
}
