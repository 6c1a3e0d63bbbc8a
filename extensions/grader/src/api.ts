/**
 * The grader's REST API under `{baseUrl}classlab/api/grader/` (PROTOCOL.md "REST"), with the server's own auth
 * (token/cookie + XSRF).
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import type {
  GradingMode,
  IAssignmentSummary,
  IReleaseReply,
  ISubmission
} from './tokens';

/** The path of the grader API under the server's base URL. */
export const GRADER_API_PATH = 'classlab/api/grader';

/** How long `GET submissions/{id}?wait=` may hold the request until the grade is there (the server caps it at 30). */
export const WAIT_SECONDS = 25;

/** An error reply of the grader API (`{"error": {"code", "message"}}`), or `network` when the server was not reached. */
export class GraderApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string
  ) {
    super(message);
  }
}

/** What `POST submissions` takes. */
export interface ISubmitBody {
  notebook: string;
  mode: GradingMode;
  question?: string;
  /** The language of the plain-words feedback (`en`, `zh_CN`). */
  lang: string;
}

export class GraderApi {
  constructor(readonly settings: ServerConnection.ISettings) {}

  /** `GET assignments`. */
  async assignments(): Promise<IAssignmentSummary[]> {
    const reply = await this._request<{ assignments?: IAssignmentSummary[] }>(
      'assignments',
      'GET'
    );
    return reply.assignments ?? [];
  }

  /** `POST assignments` (teachers): release a source notebook. */
  release(notebook: string): Promise<IReleaseReply> {
    return this._request('assignments', 'POST', { notebook });
  }

  /** `POST submissions`: grade the saved notebook. */
  async submit(body: ISubmitBody): Promise<ISubmission> {
    const reply = await this._request<{ submission: ISubmission }>(
      'submissions',
      'POST',
      body
    );
    return reply.submission;
  }

  /** `GET submissions/{id}`, waiting up to `wait` seconds for it to be graded. */
  async submission(id: string, wait = 0): Promise<ISubmission> {
    const query = wait > 0 ? `?wait=${Math.round(wait)}` : '';
    const reply = await this._request<{ submission: ISubmission }>(
      `submissions/${encodeURIComponent(id)}${query}`,
      'GET'
    );
    return reply.submission;
  }

  /** `GET submissions?notebook=`: the caller's submissions of a notebook, newest first. */
  async submissions(notebook: string): Promise<ISubmission[]> {
    const reply = await this._request<{ submissions?: ISubmission[] }>(
      `submissions?notebook=${encodeURIComponent(notebook)}`,
      'GET'
    );
    return reply.submissions ?? [];
  }

  /** `GET results?assignment=` (teachers): every student's latest submit. */
  async results(assignment: string): Promise<ISubmission[]> {
    const reply = await this._request<{ results?: ISubmission[] }>(
      `results?assignment=${encodeURIComponent(assignment)}`,
      'GET'
    );
    return reply.results ?? [];
  }

  /** `GET results?assignment=&format=csv` (teachers). */
  resultsCsv(assignment: string): Promise<string> {
    return this._request(
      `results?assignment=${encodeURIComponent(assignment)}&format=csv`,
      'GET',
      undefined,
      true
    );
  }

  /** `POST results/regrade` (teachers): how many submissions were queued again. */
  async regrade(assignment: string): Promise<number> {
    const reply = await this._request<{ queued?: number }>(
      'results/regrade',
      'POST',
      { assignment }
    );
    return Number(reply.queued ?? 0);
  }

  private async _request<T>(
    path: string,
    method: string,
    body?: unknown,
    asText = false
  ): Promise<T> {
    const url = URLExt.join(this.settings.baseUrl, GRADER_API_PATH, path);
    const init: RequestInit = { method };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { 'Content-Type': 'application/json' };
    }
    let response: Response;
    try {
      response = await ServerConnection.makeRequest(url, init, this.settings);
    } catch (reason: any) {
      throw new GraderApiError(0, 'network', String(reason?.message ?? reason));
    }
    const text = await response.text();
    if (response.ok && asText) {
      return text as unknown as T;
    }
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
      // A 404 without our error body: the bridge has no grader here.
      const code =
        error.code ??
        (response.status === 404 ? 'no_grader_api' : String(response.status));
      throw new GraderApiError(
        response.status,
        String(code),
        String(error.message ?? response.statusText)
      );
    }
    return data as T;
  }
}
