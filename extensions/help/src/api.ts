/**
 * The relay's REST API under `{baseUrl}classlab/api/help/`, with the server's own auth (token/cookie + XSRF).
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import type {
  IAskBody,
  IAskReply,
  IHelpRequest,
  IJoinReply,
  JoinRole
} from './tokens';

/** An error reply of the relay, with its message (`{"error": {"code", "message"}}`). */
export class HelpApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string
  ) {
    super(message);
  }
}

export class HelpApi {
  constructor(readonly settings: ServerConnection.ISettings) {}

  /** `POST requests`: ask for help; the reply has the owner's first ticket. */
  ask(body: IAskBody): Promise<IAskReply> {
    return this._request('requests', 'POST', body);
  }

  /** `GET requests`: the open requests this user may see (their own, or those they may help with). */
  async list(): Promise<IHelpRequest[]> {
    const reply = await this._request<{ requests: IHelpRequest[] }>(
      'requests',
      'GET'
    );
    return reply.requests ?? [];
  }

  /**
   * `GET requests` with what the relay says about the viewer (`me.teacher`, when it says; null when not), so the
   * panel offers Observe only to teachers.
   */
  async listWithViewer(): Promise<{
    requests: IHelpRequest[];
    teacher: boolean | null;
  }> {
    const reply = await this._request<{
      requests: IHelpRequest[];
      me?: { teacher?: boolean; role?: string };
    }>('requests', 'GET');
    const me = reply.me;
    const teacher =
      me === undefined
        ? null
        : me.teacher !== undefined
          ? Boolean(me.teacher)
          : me.role === 'teacher';
    return { requests: reply.requests ?? [], teacher };
  }

  /** `POST requests/{id}/join`: a fresh ticket for this user's role in the room (the owner gets an owner ticket). */
  join(id: string, role: JoinRole): Promise<IJoinReply> {
    return this._request(`requests/${encodeURIComponent(id)}/join`, 'POST', {
      role
    });
  }

  /** A fresh owner ticket for the student's own request (the relay grants the owner role to the owner). */
  rejoin(id: string): Promise<IJoinReply> {
    return this.join(id, 'helper');
  }

  /** `DELETE requests/{id}`: cancel (the owner) or end (a teacher) a request. */
  async cancel(id: string): Promise<void> {
    await this._request(`requests/${encodeURIComponent(id)}`, 'DELETE');
  }

  /** `POST requests/{id}/revoke`: the owner sends a helper away. */
  async revoke(id: string, helper: string): Promise<void> {
    await this._request(`requests/${encodeURIComponent(id)}/revoke`, 'POST', {
      helper
    });
  }

  /**
   * The ws:// or wss:// URL of a room path: relative to the base URL (the in-process relay), or absolute (`/…`,
   * the JupyterHub service) on the same host.
   */
  wsUrl(roomUrl: string): string {
    const base = this.settings.wsUrl;
    if (roomUrl.startsWith('/')) {
      return base.replace(/^(wss?:\/\/[^/]*).*$/, '$1') + roomUrl;
    }
    return URLExt.join(base, roomUrl);
  }

  private async _request<T>(
    path: string,
    method: string,
    body?: unknown
  ): Promise<T> {
    const url = URLExt.join(this.settings.baseUrl, 'classlab/api/help', path);
    const init: RequestInit = { method };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { 'Content-Type': 'application/json' };
    }
    const response = await ServerConnection.makeRequest(
      url,
      init,
      this.settings
    );
    const text = await response.text();
    let data: any = {};
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = {};
      }
    }
    if (!response.ok) {
      const error = data?.error ?? {};
      throw new HelpApiError(
        response.status,
        String(error.code ?? response.status),
        String(error.message ?? response.statusText)
      );
    }
    return data as T;
  }
}
