import { ServerConnection } from '@jupyterlab/services';
import { nullTranslator } from '@jupyterlab/translation';

import { GpuApi, GpuApiError } from '../src/api';
import { gpuErrorText } from '../src/errorText';

/** A fetch that answers every call with one reply, and records the calls. */
function fakeFetch(status: number, body: unknown) {
  const calls: { url: string; method: string; body: string }[] = [];
  const fetch = async (input: RequestInfo, init?: RequestInit) => {
    const request = new Request(input, init);
    calls.push({
      // (JupyterLab adds a cache-busting query.)
      url: request.url.replace(/\?\d+$/, ''),
      method: request.method,
      body: await request.text()
    });
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    return new Response(text, { status });
  };
  return { calls, fetch };
}

function api(status: number, body: unknown, extra = {}) {
  const { calls, fetch } = fakeFetch(status, body);
  const settings = ServerConnection.makeSettings({
    baseUrl: 'http://h/user/ann/',
    wsUrl: 'ws://h/user/ann/',
    fetch: fetch as any,
    ...extra
  });
  return { api: new GpuApi(settings), calls };
}

const job = {
  id: 'j_1',
  state: 'queued',
  targets: ['c1'],
  notebook: 'a.ipynb'
};

describe('GpuApi', () => {
  it('posts a job and returns it', async () => {
    const { api: client, calls } = api(201, { job });
    const reply = await client.submit({
      notebook: 'a.ipynb',
      kernel: 'python3',
      cells: [{ id: 'c1', source: 'print(1)', target: true }]
    });
    expect(reply).toEqual(job);
    expect(calls[0].url).toBe('http://h/user/ann/classlab/api/gpu/jobs');
    expect(calls[0].method).toBe('POST');
    expect(JSON.parse(calls[0].body).kernel).toBe('python3');
  });

  it('lists, cancels and reads jobs under the GPU path', async () => {
    const { api: client, calls } = api(200, { jobs: [job], job });
    expect(await client.jobs()).toEqual([job]);
    await client.cancel('j 1');
    expect(calls[1].url).toBe('http://h/user/ann/classlab/api/gpu/jobs/j%201');
    expect(calls[1].method).toBe('DELETE');
    expect((await client.job('j_1')).outputs).toEqual({});
  });

  it('turns error replies into coded errors', async () => {
    const { api: client } = api(403, {
      error: { code: 'quota_exhausted', message: 'used 10 h of 10 h' }
    });
    const error = await client.quota().catch(e => e);
    expect(error).toBeInstanceOf(GpuApiError);
    expect(error.status).toBe(403);
    expect(error.code).toBe('quota_exhausted');
    expect(error.message).toBe('used 10 h of 10 h');
  });

  it('calls a bare 404 "no GPU API", any other bare error by its status', async () => {
    expect(
      (
        await api(404, '<html>')
          .api.info()
          .catch(e => e)
      ).code
    ).toBe('no_gpu_api');
    expect(
      (
        await api(500, '')
          .api.info()
          .catch(e => e)
      ).code
    ).toBe('500');
  });

  it('calls a failed connection "network"', async () => {
    const settings = ServerConnection.makeSettings({
      baseUrl: 'http://h/',
      fetch: (() => Promise.reject(new TypeError('Failed to fetch'))) as any
    });
    const error = await new GpuApi(settings).jobs().catch(e => e);
    expect(error.code).toBe('network');
  });

  it('addresses the events socket with the last seq, and the token when the server wants it', () => {
    const plain = api(200, {}).api;
    expect(plain.eventsUrl('j_1', 7)).toBe(
      'ws://h/user/ann/classlab/api/gpu/jobs/j_1/events?after=7'
    );
    const withToken = api(200, {}, { token: 'sec ret', appendToken: true }).api;
    expect(withToken.eventsUrl('j_1', 0)).toBe(
      'ws://h/user/ann/classlab/api/gpu/jobs/j_1/events?after=0&token=sec%20ret'
    );
  });
});

describe('gpuErrorText', () => {
  const trans = nullTranslator.load('classlab_gpu');
  const text = (status: number, code: string, message = 'server words') =>
    gpuErrorText(new GpuApiError(status, code, message), trans);

  it('says what each queue error code means, in the translator’s words', () => {
    expect(text(400, 'syntax_error', 'cell 2, line 3: invalid syntax')).toBe(
      'Python cannot read this code, so it was not sent to the GPU: cell 2, line 3: invalid syntax'
    );
    expect(text(404, 'no_such_kernel')).toBe(
      'The GPU machine does not have the kernel this notebook uses. Pick another kernel, or ask your teacher.'
    );
    expect(text(403, 'quota_exhausted')).toBe(
      'You have used all your GPU time. Ask your teacher if you need more.'
    );
    expect(text(413, 'too_big')).toContain('too big to send to the GPU');
    expect(text(429, 'too_many_jobs')).toContain(
      'You already have jobs waiting or running'
    );
    expect(text(502, 'unreachable')).toBe(
      'The GPU queue cannot be reached right now. Try again in a minute.'
    );
    expect(text(400, 'bad_request', 'no target cell')).toBe(
      'The GPU queue did not take this job: no target cell'
    );
    expect(text(404, 'no_gpu_api')).toBe(
      'Running on a GPU is not set up on this server.'
    );
    expect(text(0, 'network')).toContain('cannot be reached');
    expect(text(502, 'gpu_service_unavailable')).toBe(
      'The GPU queue cannot be reached right now. Try again in a minute.'
    );
    expect(text(501, 'not_available')).toBe(
      'Running on a GPU is not available on this server yet.'
    );
    expect(text(403, 'forbidden')).toBe(
      'Only the owner of this Jupyter server can use its GPU queue.'
    );
  });

  it('wraps unknown server failures, passes other errors on', () => {
    expect(text(500, '500', 'Internal Server Error')).toBe(
      'The GPU queue had a problem (Internal Server Error). Try again in a minute.'
    );
    expect(gpuErrorText(new Error('odd'), trans)).toBe('odd');
    expect(gpuErrorText('plain', trans)).toBe('plain');
  });
});
