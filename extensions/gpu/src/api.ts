/**
 * The GPU queue's REST API under `{baseUrl}classlab/api/gpu/`, with the server's own auth (token/cookie + XSRF),
 * and the address of a job's events socket.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import type {
  IGpuInfo,
  IGpuJob,
  IGpuQuota,
  IJobDetail,
  ISubmitBody
} from './tokens';

/** The path of the GPU API under the server's base URL. */
export const GPU_API_PATH = 'classlab/api/gpu';

/** An error reply of the GPU API (`{"error": {"code", "message"}}`), or `network` when the server was not reached. */
export class GpuApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string
  ) {
    super(message);
  }
}

export class GpuApi {
  constructor(readonly settings: ServerConnection.ISettings) {}

  /** `GET info`. */
  info(): Promise<IGpuInfo> {
    return this._request('info', 'GET');
  }

  /** `GET quota`. */
  quota(): Promise<IGpuQuota> {
    return this._request('quota', 'GET');
  }

  /** `GET jobs`: the caller's jobs, newest first. */
  async jobs(): Promise<IGpuJob[]> {
    const reply = await this._request<{ jobs?: IGpuJob[] }>('jobs', 'GET');
    return reply.jobs ?? [];
  }

  /** `GET jobs/{id}`: the job and its outputs so far. */
  async job(id: string): Promise<IJobDetail> {
    const reply = await this._request<Partial<IJobDetail>>(
      `jobs/${encodeURIComponent(id)}`,
      'GET'
    );
    return { job: reply.job as IGpuJob, outputs: reply.outputs ?? {} };
  }

  /** `POST jobs`. */
  async submit(body: ISubmitBody): Promise<IGpuJob> {
    const reply = await this._request<{ job: IGpuJob }>('jobs', 'POST', body);
    return reply.job;
  }

  /** `DELETE jobs/{id}`: cancel a queued or running job. */
  async cancel(id: string): Promise<IGpuJob> {
    const reply = await this._request<{ job: IGpuJob }>(
      `jobs/${encodeURIComponent(id)}`,
      'DELETE'
    );
    return reply.job;
  }

  /** The ws:// or wss:// address of a job's events, replaying those after `after`. */
  eventsUrl(id: string, after: number): string {
    let url =
      URLExt.join(
        this.settings.wsUrl,
        GPU_API_PATH,
        'jobs',
        encodeURIComponent(id),
        'events'
      ) + `?after=${Math.max(0, Math.floor(after))}`;
    if (this.settings.appendToken && this.settings.token) {
      url += `&token=${encodeURIComponent(this.settings.token)}`;
    }
    return url;
  }

  private async _request<T>(
    path: string,
    method: string,
    body?: unknown
  ): Promise<T> {
    const url = URLExt.join(this.settings.baseUrl, GPU_API_PATH, path);
    const init: RequestInit = { method };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { 'Content-Type': 'application/json' };
    }
    let response: Response;
    try {
      response = await ServerConnection.makeRequest(url, init, this.settings);
    } catch (reason: any) {
      throw new GpuApiError(0, 'network', String(reason?.message ?? reason));
    }
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
      // A 404 without our error body: the bridge has no GPU API here.
      const code =
        error.code ??
        (response.status === 404 ? 'no_gpu_api' : String(response.status));
      throw new GpuApiError(
        response.status,
        String(code),
        String(error.message ?? response.statusText)
      );
    }
    return data as T;
  }
}
