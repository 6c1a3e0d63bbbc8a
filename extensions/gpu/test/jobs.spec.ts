import { Notification } from '@jupyterlab/apputils';
import { ICodeCellModel } from '@jupyterlab/cells';
import { NotebookModel, NotebookPanel } from '@jupyterlab/notebook';
import { ServerConnection } from '@jupyterlab/services';
import { nullTranslator } from '@jupyterlab/translation';

import { GpuApi } from '../src/api';
import { cellLine } from '../src/cells';
import { GpuJobs } from '../src/jobs';
import { readNote, writeNote } from '../src/outputs';
import { runOnGpu } from '../src/submit';
import type { IGpuJob } from '../src/tokens';

import { fakeJob } from './fakeJob';

const trans = nullTranslator.load('classlab_gpu');

/** A WebSocket that never opens (the store's runs need one). */
class QuietSocket {
  static sockets: QuietSocket[] = [];
  onopen: any = null;
  onclose: any = null;
  onmessage: any = null;
  constructor(readonly url: string) {
    QuietSocket.sockets.push(this);
  }
  close(): void {
    /* nothing */
  }
}

function job(more: Partial<IGpuJob> = {}): IGpuJob {
  return fakeJob({ targets: ['train'], position: 1, ...more });
}

type Reply = [number, unknown];
type Route = (method: string, body: any) => Reply | Promise<Reply>;

/** A bridge stand-in: one handler per API path (after `classlab/api/gpu/`), the calls recorded. */
function server(routes: { [path: string]: Route }) {
  const calls: { method: string; path: string; body: any }[] = [];
  const fetch = async (input: RequestInfo, init?: RequestInit) => {
    const request = new Request(input, init);
    const path = new URL(request.url).pathname.replace(
      /^.*classlab\/api\/gpu\//,
      ''
    );
    const text = await request.text();
    const body = text ? JSON.parse(text) : undefined;
    calls.push({ method: request.method, path, body });
    const route = routes[path];
    if (!route) {
      // Tornado's own 404 page: the bridge has no such API.
      return new Response('<html>404</html>', { status: 404 });
    }
    const [status, reply] = await route(request.method, body);
    return new Response(JSON.stringify(reply), { status });
  };
  const api = new GpuApi(
    ServerConnection.makeSettings({
      baseUrl: 'http://h/',
      wsUrl: 'ws://h/',
      fetch: fetch as any,
      WebSocket: QuietSocket as any
    })
  );
  return { api, calls };
}

const info = {
  backend: 'local',
  device: 'cuda',
  gpus: [{ index: 0, name: 'GPU' }],
  slots: 1,
  time_limit_seconds: 1800,
  max_time_limit_seconds: 3600,
  context: 'above',
  max_bundle_bytes: 1,
  reachable: true
};
const quota = (remaining: number) => ({
  used_seconds: 36000 - remaining,
  limit_seconds: 36000,
  remaining_seconds: remaining,
  period: 'none',
  resets: null,
  running_seconds: 0
});

/** Enough of a notebook panel for a submit: its model, path and kernel. */
function panel(): NotebookPanel {
  const model = new NotebookModel();
  model.sharedModel.insertCells(0, [
    { cell_type: 'code', id: 'setup', source: 'import torch', metadata: {} },
    { cell_type: 'markdown', id: 'md', source: '# Train' },
    {
      cell_type: 'code',
      id: 'data',
      source: 'x = 1',
      metadata: { tags: ['gpu-setup'] }
    },
    { cell_type: 'code', id: 'empty', source: '' },
    { cell_type: 'code', id: 'train', source: 'print(x)' }
  ]);
  model.setMetadata('kernelspec', { name: 'torch-gpu', display_name: 'T' });
  return {
    model,
    context: { path: 'lessons/lesson.ipynb' },
    sessionContext: {}
  } as unknown as NotebookPanel;
}

function cell(p: NotebookPanel, id: string): ICodeCellModel {
  return [...p.model!.cells].find(c => c.id === id) as ICodeCellModel;
}

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) {
    await new Promise(resolve =>
      jest.requireActual('timers').setImmediate(resolve)
    );
  }
}

function lastNotification(): string {
  const all = Notification.manager.notifications;
  return all.length ? all[0].message : '';
}

describe('the job store', () => {
  beforeEach(() => {
    QuietSocket.sockets = [];
    Notification.manager.dismiss();
  });

  it('polls only while watched or while a job it does not follow is active', async () => {
    const { api } = server({
      info: () => [200, info],
      quota: () => [200, quota(100)],
      jobs: () => [200, { jobs: [job({ state: 'succeeded' })] }]
    });
    const jobs = new GpuJobs({ api, trans });
    await jobs.refresh();
    expect(jobs.polling).toBe(false);
    expect(jobs.info?.device).toBe('cuda');
    const watching = jobs.watch();
    expect(jobs.polling).toBe(true);
    watching.dispose();
    expect(jobs.polling).toBe(false);
    jobs.dispose();
  });

  it('follows active jobs of open notebooks found in the list', async () => {
    const p = panel();
    const { api } = server({
      info: () => [200, info],
      quota: () => [200, quota(100)],
      jobs: () => [
        200,
        { jobs: [job({ notebook: 'lessons/lesson.ipynb', state: 'running' })] }
      ]
    });
    const jobs = new GpuJobs({
      api,
      trans,
      findNotebook: path => (path === 'lessons/lesson.ipynb' ? p.model : null)
    });
    await jobs.refresh();
    expect(jobs.run('j_1')).toBeDefined();
    expect(QuietSocket.sockets[0].url).toMatch(/jobs\/j_1\/events\?after=0$/);
    expect(readNote(cell(p, 'train'))).toMatchObject({ state: 'running' });
    jobs.dispose();
  });

  it('says in words why the list could not be loaded', async () => {
    const { api } = server({});
    const jobs = new GpuJobs({ api, trans });
    await jobs.refresh();
    expect(jobs.error).toBe('Running on a GPU is not set up on this server.');
    jobs.dispose();
  });
});

describe('Run on GPU', () => {
  beforeEach(() => {
    QuietSocket.sockets = [];
    Notification.manager.dismiss();
  });

  const ok = () =>
    server({
      info: () => [200, info],
      quota: () => [200, quota(100)],
      jobs: (method, body) => [
        201,
        {
          job: job({
            targets: body?.cells
              ?.filter((c: any) => c.target)
              .map((c: any) => c.id)
          })
        }
      ]
    });

  it('sends the context cells above, the target, kernel, path and time limit', async () => {
    const { api, calls } = ok();
    const jobs = new GpuJobs({ api, trans });
    const p = panel();
    cell(p, 'train').outputs.add({
      output_type: 'stream',
      name: 'stdout',
      text: 'old'
    } as any);
    const sent = await runOnGpu({
      jobs,
      panel: p,
      targets: ['train'],
      context: 'server',
      timeLimitMinutes: 120,
      trans
    });
    expect(sent?.id).toBe('j_1');
    const post = calls.find(c => c.method === 'POST')!;
    expect(post.body).toEqual({
      notebook: 'lessons/lesson.ipynb',
      kernel: 'torch-gpu',
      // 'data' is tagged gpu-setup, so the untagged cell above it stays out (context.spec.ts: "above").
      cells: [
        { id: 'data', source: 'x = 1', target: false },
        { id: 'train', source: 'print(x)', target: true }
      ],
      // 120 min asked, the server allows 60.
      time_limit_seconds: 3600
    });
    // The run starts: old outputs gone, the cell says it is queued, its events are followed.
    expect(cell(p, 'train').outputs.length).toBe(0);
    expect(readNote(cell(p, 'train'))).toMatchObject({
      job: 'j_1',
      state: 'queued'
    });
    expect(jobs.run('j_1')).toBeDefined();
    expect(cellLine(cell(p, 'train'), jobs, trans)?.text).toBe(
      'Waiting for a free GPU — you are number 1 in line'
    );
    jobs.dispose();
  });

  it('"tagged" sends only gpu-setup cells as context; the whole notebook has no context', async () => {
    const { api, calls } = ok();
    const jobs = new GpuJobs({ api, trans });
    await runOnGpu({
      jobs,
      panel: panel(),
      targets: ['train'],
      context: 'tagged',
      timeLimitMinutes: null,
      trans
    });
    const body = calls.find(c => c.method === 'POST')!.body;
    expect(body.cells.map((c: any) => c.id)).toEqual(['data', 'train']);
    expect(body.time_limit_seconds).toBeUndefined();
    await runOnGpu({
      jobs,
      panel: panel(),
      targets: 'all',
      context: 'above',
      timeLimitMinutes: null,
      trans
    });
    const all = calls.filter(c => c.method === 'POST')[1].body;
    expect(all.cells.map((c: any) => [c.id, c.target])).toEqual([
      ['setup', true],
      ['data', true],
      ['train', true]
    ]);
    jobs.dispose();
  });

  it('says an empty cell is empty, and sends nothing', async () => {
    const { api, calls } = ok();
    const jobs = new GpuJobs({ api, trans });
    const sent = await runOnGpu({
      jobs,
      panel: panel(),
      targets: ['empty'],
      context: 'above',
      timeLimitMinutes: null,
      trans
    });
    expect(sent).toBeNull();
    expect(calls.some(c => c.method === 'POST')).toBe(false);
    expect(lastNotification()).toBe(
      'This cell is empty: write some code in it first.'
    );
    jobs.dispose();
  });

  it('does not send a cell that is already on the GPU', async () => {
    const { api, calls } = ok();
    const jobs = new GpuJobs({ api, trans });
    const p = panel();
    await runOnGpu({
      jobs,
      panel: p,
      targets: ['train'],
      context: 'above',
      timeLimitMinutes: null,
      trans
    });
    const again = await runOnGpu({
      jobs,
      panel: p,
      targets: ['train'],
      context: 'above',
      timeLimitMinutes: null,
      trans
    });
    expect(again).toBeNull();
    expect(calls.filter(c => c.method === 'POST').length).toBe(1);
    expect(lastNotification()).toMatch(/already on the GPU/);
    jobs.dispose();
  });

  it('shows a dialog instead of sending when no GPU time is left', async () => {
    const { api, calls } = server({
      info: () => [200, info],
      quota: () => [200, quota(0)]
    });
    const jobs = new GpuJobs({ api, trans });
    const done = runOnGpu({
      jobs,
      panel: panel(),
      targets: ['train'],
      context: 'above',
      timeLimitMinutes: null,
      trans
    });
    await settle();
    const dialog = document.querySelector('.jp-Dialog')!;
    expect(dialog.textContent).toContain('No GPU time left');
    expect(dialog.textContent).toContain(
      'You have used all your GPU time (10 h of 10 h). Ask your teacher if you need more.'
    );
    dialog.querySelector<HTMLButtonElement>('.jp-mod-accept')!.click();
    expect(await done).toBeNull();
    expect(calls.some(c => c.method === 'POST')).toBe(false);
    jobs.dispose();
  });

  it('shows the same dialog when the server refuses with quota_exhausted', async () => {
    const { api } = server({
      info: () => [200, info],
      quota: () => [200, quota(5)],
      jobs: () => [
        403,
        { error: { code: 'quota_exhausted', message: 'used 10 h of 10 h' } }
      ]
    });
    const jobs = new GpuJobs({ api, trans });
    const done = runOnGpu({
      jobs,
      panel: panel(),
      targets: ['train'],
      context: 'above',
      timeLimitMinutes: null,
      trans
    });
    await settle();
    const dialog = document.querySelector('.jp-Dialog')!;
    expect(dialog.textContent).toContain('No GPU time left');
    dialog.querySelector<HTMLButtonElement>('.jp-mod-accept')!.click();
    expect(await done).toBeNull();
    jobs.dispose();
  });

  it('tells a refused job’s reason in plain words', async () => {
    const refuse = (status: number, code: string, message: string) =>
      server({
        info: () => [200, info],
        quota: () => [200, quota(100)],
        jobs: () => [status, { error: { code, message } }]
      });
    const cases: [number, string, string, string][] = [
      [
        400,
        'syntax_error',
        'cell 5, line 1: invalid syntax',
        'Python cannot read this code, so it was not sent to the GPU: cell 5, line 1: invalid syntax'
      ],
      [
        404,
        'no_such_kernel',
        'x',
        'The GPU machine does not have the kernel this notebook uses. Pick another kernel, or ask your teacher.'
      ],
      [413, 'too_big', 'x', 'The files in this notebook’s folder are too big'],
      [429, 'too_many_jobs', 'x', 'You already have jobs waiting or running'],
      [502, 'unreachable', 'x', 'The GPU queue cannot be reached right now.'],
      [
        503,
        'isolation_unavailable',
        'no job accounts',
        'GPU jobs are switched off on this server for now, so this was not sent. Ask your teacher. (no job accounts)'
      ]
    ];
    for (const [status, code, message, expected] of cases) {
      Notification.manager.dismiss();
      const { api } = refuse(status, code, message);
      const jobs = new GpuJobs({ api, trans });
      const sent = await runOnGpu({
        jobs,
        panel: panel(),
        targets: ['train'],
        context: 'above',
        timeLimitMinutes: null,
        trans
      });
      expect(sent).toBeNull();
      expect(lastNotification()).toContain(expected);
      jobs.dispose();
    }
  });
});

describe('an unreachable GPU service', () => {
  it('is asked again, and its answer said in words, instead of sending', async () => {
    Notification.manager.dismiss();
    let infos = 0;
    const { api, calls } = server({
      info: () => {
        infos++;
        return [200, { backend: 'remote', reachable: false, message: 'down' }];
      },
      quota: () => [200, quota(100)]
    });
    const jobs = new GpuJobs({ api, trans });
    await jobs.refresh();
    expect(jobs.info?.reachable).toBe(false);
    const sent = await runOnGpu({
      jobs,
      panel: panel(),
      targets: ['train'],
      context: 'above',
      timeLimitMinutes: null,
      trans
    });
    expect(sent).toBeNull();
    expect(infos).toBe(2);
    expect(calls.some(c => c.method === 'POST')).toBe(false);
    expect(lastNotification()).toBe(
      'The GPU queue cannot be reached right now. Try again in a minute.'
    );
    jobs.dispose();
  });
});

describe('the line under a cell', () => {
  it('is the saved note once the job has ended, and nothing without one', () => {
    const p = panel();
    const jobs = { run: () => undefined, info: null };
    expect(cellLine(cell(p, 'train'), jobs, trans)).toBeNull();
    writeNote(cell(p, 'train'), {
      job: 'j',
      state: 'succeeded',
      device: 'cpu',
      seconds: 42
    });
    expect(cellLine(cell(p, 'train'), jobs, trans)).toEqual({
      text: 'ran on CPU (no GPU here) · 42 s',
      state: 'succeeded',
      cancel: false
    });
  });

  it('offers Cancel while the job waits or runs, ticking the time so far', () => {
    const p = panel();
    writeNote(cell(p, 'train'), {
      job: 'j_1',
      state: 'running',
      device: 'cuda:0',
      seconds: 0
    });
    const running = job({
      state: 'running',
      device: 'cuda:0',
      elapsed_seconds: 10
    });
    const jobs = {
      run: () => ({ job: running, receivedAt: 1000 }) as any,
      info: null
    };
    expect(cellLine(cell(p, 'train'), jobs, trans, 6000)).toEqual({
      text: 'Running on the GPU · 15 s',
      state: 'running',
      cancel: true
    });
    // Reloaded, not re-attached yet.
    expect(
      cellLine(cell(p, 'train'), { run: () => undefined, info: null }, trans)
    ).toEqual({
      text: 'Connecting to the GPU queue…',
      state: 'connecting',
      cancel: true
    });
  });
});

describe('a queue that refuses every job (isolate_jobs = on without isolation)', () => {
  it('is asked again, and says why instead of sending', async () => {
    Notification.manager.dismiss();
    let infos = 0;
    const why =
      'GPU jobs are switched off: they must run under accounts of their own, but setuid is not allowed.';
    const { api, calls } = server({
      info: () => {
        infos++;
        return [200, { ...info, isolated: false, message: why }];
      },
      quota: () => [200, quota(100)],
      jobs: () => [200, { jobs: [] }]
    });
    const jobs = new GpuJobs({ api, trans });
    await jobs.refresh();
    // The list still loads: the panel shows the reason.
    expect(jobs.error).toBe('');
    expect(jobs.info?.message).toBe(why);
    const sent = await runOnGpu({
      jobs,
      panel: panel(),
      targets: ['train'],
      context: 'above',
      timeLimitMinutes: null,
      trans
    });
    expect(sent).toBeNull();
    expect(infos).toBe(2);
    expect(calls.some(c => c.method === 'POST')).toBe(false);
    expect(lastNotification()).toBe(
      `GPU jobs are switched off on this server for now, so this was not sent. Ask your teacher. (${why})`
    );
    jobs.dispose();
  });

  it('is asked once when it takes jobs', async () => {
    let infos = 0;
    const { api } = server({
      info: () => {
        infos++;
        return [200, { ...info, isolated: true }];
      },
      quota: () => [200, quota(100)],
      jobs: () => [200, { jobs: [] }]
    });
    const jobs = new GpuJobs({ api, trans });
    await jobs.refresh();
    await jobs.refresh();
    await jobs.beforeSubmit();
    expect(infos).toBe(1);
    jobs.dispose();
  });
});

describe('the GPU time while a job starts and ends', () => {
  let quotaCalls: number;
  let used: number;
  let gate: Promise<void> | null;

  beforeEach(() => {
    QuietSocket.sockets = [];
    quotaCalls = 0;
    used = 100;
    gate = null;
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  function store(): GpuJobs {
    const { api } = server({
      info: () => [200, info],
      quota: async () => {
        quotaCalls++;
        const answer = quota(36000 - used);
        await gate;
        return [200, answer];
      },
      jobs: (method: string) =>
        method === 'POST' ? [201, { job: job() }] : [200, { jobs: [] }]
    });
    return new GpuJobs({ api, trans });
  }

  /** The followed job's socket says `state`. */
  function say(state: IGpuJob['state'], seq: number): void {
    const socket = QuietSocket.sockets[QuietSocket.sockets.length - 1];
    socket.onmessage?.({
      data: JSON.stringify({
        seq,
        type: 'state',
        job: job({ state, device: state === 'queued' ? null : 'cuda:0' })
      })
    });
  }

  async function after(ms: number): Promise<void> {
    jest.advanceTimersByTime(ms);
    await settle();
  }

  it('is asked for at once when a followed job starts and when it ends, at most once a second, and not while idle', async () => {
    const jobs = store();
    await jobs.submit(panel(), { notebook: 'a', kernel: 'k', cells: [] });
    expect(quotaCalls).toBe(0);

    say('running', 1);
    await after(0);
    expect(quotaCalls).toBe(1);
    used = 160;
    // An output or a repeated state is no start and no end.
    say('running', 2);
    await after(0);
    expect(quotaCalls).toBe(1);

    say('succeeded', 3);
    // Right after the last ask: a second after it, not sooner.
    await after(0);
    expect(quotaCalls).toBe(1);
    await after(1000);
    expect(quotaCalls).toBe(2);
    expect(jobs.quota?.used_seconds).toBe(160);

    // Nothing runs, nobody watches: no more asks.
    await after(60_000);
    expect(quotaCalls).toBe(2);
    expect(jobs.polling).toBe(false);
    jobs.dispose();
  });

  it('asks again after an answer that was on its way when the job ended', async () => {
    const jobs = store();
    await jobs.submit(panel(), { notebook: 'a', kernel: 'k', cells: [] });
    say('running', 1);
    await after(0);
    expect(quotaCalls).toBe(1);
    let open = () => {
      /* set below */
    };
    gate = new Promise<void>(resolve => (open = resolve));
    // A poll asks (the old figure is on its way) …
    const polled = jobs.refresh();
    await after(0);
    expect(quotaCalls).toBe(2);
    // … when the job ends: no other ask while that one is out …
    say('succeeded', 2);
    await after(5000);
    expect(quotaCalls).toBe(2);
    gate = null;
    used = 200;
    open();
    await polled;
    // … then one more, for the figure after the end.
    await after(0);
    expect(quotaCalls).toBe(3);
    expect(jobs.quota?.used_seconds).toBe(200);
    jobs.dispose();
  });
});
