import { nullTranslator } from '@jupyterlab/translation';
import { Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import { GpuPanel } from '../src/panel';
import type {
  IGpuInfo,
  IGpuJob,
  IGpuJobs,
  IGpuQuota,
  IJobRun
} from '../src/tokens';

import { fakeJob } from './fakeJob';

const trans = nullTranslator.load('classlab_gpu');

function job(id: string, more: Partial<IGpuJob> = {}): IGpuJob {
  return fakeJob({ id, notebook: 'lessons/mnist.ipynb', ...more });
}

/** A store the test fills by hand. */
class FakeJobs implements IGpuJobs {
  info: IGpuInfo | null = null;
  quota: IGpuQuota | null = null;
  jobs: IGpuJob[] = [];
  error = '';
  runs = new Map<string, IJobRun>();
  changed: Signal<IGpuJobs, void> = new Signal<IGpuJobs, void>(this);
  watchers = 0;
  cancelled: string[] = [];
  run(id: string) {
    return this.runs.get(id);
  }
  async refresh() {
    /* nothing */
  }
  watch() {
    this.watchers++;
    return { dispose: () => this.watchers-- };
  }
  async beforeSubmit(): Promise<any> {
    return {};
  }
  async cancel(id: string) {
    this.cancelled.push(id);
  }
  async submit(): Promise<IGpuJob> {
    throw new Error('not here');
  }
  attach() {
    /* nothing */
  }
  detachCell() {
    /* nothing */
  }
}

function text(item: HTMLElement, selector: string): string {
  return item.querySelector(selector)?.textContent ?? '';
}

function visible(item: HTMLElement, selector: string): boolean {
  const node = item.querySelector<HTMLElement>(selector);
  return !!node && !node.hidden;
}

describe('GPU panel', () => {
  let jobs: FakeJobs;
  let panel: GpuPanel;
  let reruns: string[];

  beforeEach(() => {
    jobs = new FakeJobs();
    reruns = [];
    panel = new GpuPanel({
      jobs,
      trans,
      rerunBlocked: job =>
        job.notebook === 'closed.ipynb'
          ? 'Open closed.ipynb to run it again'
          : null,
      rerun: async job => {
        reruns.push(job.id);
      },
      goTo: async () => undefined,
      cellNumber: () => 3
    });
    Widget.attach(panel, document.body);
  });

  afterEach(() => {
    panel.dispose();
  });

  it('keeps the list fresh only while it is visible', () => {
    expect(jobs.watchers).toBe(1);
    panel.hide();
    expect(jobs.watchers).toBe(0);
    panel.show();
    expect(jobs.watchers).toBe(1);
  });

  it('says when there are no jobs yet, and shows no quota before it is known', () => {
    expect(panel.node.textContent).toContain('No GPU jobs yet.');
    expect(
      panel.node.querySelector<HTMLElement>('.jp-classlab-gpu-quota')!.hidden
    ).toBe(true);
    expect(
      panel.node.querySelector<HTMLElement>('.jp-classlab-gpu-cpu')!.hidden
    ).toBe(true);
  });

  it('shows GPU time used as a bar, and the CPU banner on a server without GPU', () => {
    jobs.quota = {
      used_seconds: 3 * 3600 + 20 * 60,
      limit_seconds: 36000,
      remaining_seconds: 36000 - 12000,
      period: 'none',
      resets: null,
      running_seconds: 0
    };
    jobs.info = { device: 'cpu' } as IGpuInfo;
    jobs.changed.emit();
    expect(text(panel.node, '.jp-classlab-gpu-quotaText')).toBe(
      '3 h 20 min of 10 h used'
    );
    expect(text(panel.node, '.jp-classlab-gpu-quotaPeriod')).toBe(
      '6 h 40 min left. This is your GPU time for the whole term.'
    );
    const meter = panel.node.querySelector<HTMLElement>(
      '.jp-classlab-gpu-meter'
    )!;
    expect(meter.getAttribute('aria-valuenow')).toBe('33');
    expect(visible(panel.node, '.jp-classlab-gpu-cpu')).toBe(true);
    expect(text(panel.node, '.jp-classlab-gpu-cpu')).toBe(
      'No GPU on this server: jobs run on the CPU.'
    );
    jobs.quota = { ...jobs.quota, used_seconds: 36000, remaining_seconds: 0 };
    jobs.changed.emit();
    expect(meter.dataset.level).toBe('empty');
    expect(text(panel.node, '.jp-classlab-gpu-quotaPeriod')).toMatch(
      /^No GPU time left\./
    );
  });

  it('renders each state in plain words, newest first, with the right buttons', () => {
    const error = {
      cell_id: 'c1',
      ename: 'ValueError',
      evalue: 'bad shape',
      traceback: [],
      in_context: false
    };
    jobs.jobs = [
      job('q', { state: 'queued', position: 2, estimate_seconds: 60 }),
      job('r', { state: 'running', device: 'cuda:0', elapsed_seconds: 12 }),
      job('s', { state: 'succeeded', device: 'cuda:0', elapsed_seconds: 42 }),
      job('f', { state: 'failed', error, device: 'cuda:0' }),
      job('c', { state: 'cancelled' }),
      job('t', { state: 'timed_out', notebook: 'closed.ipynb' }),
      job('x', { state: 'quota_exhausted' }),
      job('i', { state: 'interrupted', targets: ['a', 'b', 'c'] }),
      job('z', { state: 'succeeded', backend: 'slurm', backend_job_id: '4711' })
    ];
    jobs.changed.emit();
    const items = panel.items;
    expect(items.map(item => item.dataset.jobId)).toEqual([
      'q',
      'r',
      's',
      'f',
      'c',
      't',
      'x',
      'i',
      'z'
    ]);
    const [q, r, s, f, c, t, x, i, z] = items;
    expect(text(q, '.jp-classlab-gpu-jobName')).toBe('mnist.ipynb');
    expect(text(q, '.jp-classlab-gpu-jobState')).toBe('Waiting');
    expect(text(q, '.jp-classlab-gpu-jobWhat')).toMatch(
      /^cell \[3\] · sent at /
    );
    expect(text(q, '.jp-classlab-gpu-jobText')).toBe(
      'Waiting for a free GPU — you are number 2 in line, about 1 minute'
    );
    expect(text(r, '.jp-classlab-gpu-jobText')).toMatch(
      /^Running on the GPU · 1\d s$/
    );
    expect(text(s, '.jp-classlab-gpu-jobText')).toBe(
      'Finished on the GPU · 42 s'
    );
    expect(text(f, '.jp-classlab-gpu-jobText')).toBe(
      'Stopped with an error: ValueError: bad shape'
    );
    expect(text(c, '.jp-classlab-gpu-jobText')).toBe('Cancelled.');
    expect(text(t, '.jp-classlab-gpu-jobText')).toBe(
      'Stopped: it reached its time limit of 30 min.'
    );
    expect(text(x, '.jp-classlab-gpu-jobText')).toBe(
      'Stopped: your GPU time ran out.'
    );
    expect(text(i, '.jp-classlab-gpu-jobText')).toMatch(/^Interrupted: /);
    expect(text(i, '.jp-classlab-gpu-jobWhat')).toMatch(/^3 cells · /);
    // On Slurm the cluster's job number, for the admin.
    expect(text(z, '.jp-classlab-gpu-jobWhat')).toMatch(/ · Slurm job 4711$/);
    expect(text(s, '.jp-classlab-gpu-jobWhat')).not.toMatch(/Slurm/);

    // Cancel while waiting or running; Run again afterwards; Go to cell always.
    for (const item of [q, r]) {
      expect(visible(item, '.jp-classlab-gpu-cancel')).toBe(true);
      expect(visible(item, '.jp-classlab-gpu-rerun')).toBe(false);
    }
    for (const item of [s, f, c, t, x, i]) {
      expect(visible(item, '.jp-classlab-gpu-cancel')).toBe(false);
      expect(visible(item, '.jp-classlab-gpu-rerun')).toBe(true);
      expect(visible(item, '.jp-classlab-gpu-goto')).toBe(true);
    }
    const blocked = t.querySelector<HTMLButtonElement>(
      '.jp-classlab-gpu-rerun'
    )!;
    expect(blocked.disabled).toBe(true);
    expect(blocked.title).toBe('Open closed.ipynb to run it again');
    expect(
      s.querySelector<HTMLButtonElement>('.jp-classlab-gpu-rerun')!.disabled
    ).toBe(false);
  });

  it('shows a running job’s last lines', () => {
    const running = job('r', { state: 'running', device: 'cuda:0' });
    jobs.jobs = [running];
    jobs.runs.set('r', {
      job: running,
      log: ['epoch 1 loss 0.9', 'epoch 2 loss 0.5'],
      receivedAt: Date.now(),
      connected: true,
      changed: new Signal<IJobRun, void>({} as IJobRun)
    });
    jobs.changed.emit();
    const item = panel.items[0];
    expect(visible(item, '.jp-classlab-gpu-jobLog')).toBe(true);
    expect(text(item, '.jp-classlab-gpu-jobLog')).toBe(
      'epoch 1 loss 0.9\nepoch 2 loss 0.5'
    );
  });

  it('cancels and runs again from the buttons, keeping each item in place', async () => {
    jobs.jobs = [job('q'), job('s', { state: 'succeeded' })];
    jobs.changed.emit();
    const [q, s] = panel.items;
    q.querySelector<HTMLButtonElement>('.jp-classlab-gpu-cancel')!.click();
    s.querySelector<HTMLButtonElement>('.jp-classlab-gpu-rerun')!.click();
    await Promise.resolve();
    await Promise.resolve();
    expect(jobs.cancelled).toEqual(['q']);
    expect(reruns).toEqual(['s']);
    jobs.jobs = [job('new'), ...jobs.jobs];
    jobs.changed.emit();
    expect(panel.items[1]).toBe(q);
    expect(panel.items[2]).toBe(s);
  });

  it('says when the queue refuses every job, with the server’s reason, before anything is sent', () => {
    const refused = panel.node.querySelector<HTMLElement>(
      '.jp-classlab-gpu-refused'
    )!;
    expect(refused.hidden).toBe(true);
    jobs.info = { device: 'cuda', reachable: true, isolated: true } as IGpuInfo;
    jobs.changed.emit();
    expect(refused.hidden).toBe(true);
    const why =
      'GPU jobs are switched off: they must run under accounts of their own, but setuid is not allowed.';
    jobs.info = {
      device: 'cuda',
      reachable: true,
      isolated: false,
      message: why
    } as IGpuInfo;
    jobs.changed.emit();
    expect(refused.hidden).toBe(false);
    expect(refused.textContent).toBe(
      'GPU jobs are switched off on this server for now, so nothing can be sent to the GPU. Ask your teacher.' +
        why
    );
    expect(text(panel.node, '.jp-classlab-gpu-refusedWhy')).toBe(why);
    // Unreachable: its own banner says so (the message is why it cannot be reached).
    jobs.info = {
      device: 'cuda',
      reachable: false,
      message: 'down'
    } as IGpuInfo;
    jobs.changed.emit();
    expect(refused.hidden).toBe(true);
    expect(visible(panel.node, '.jp-classlab-gpu-offline')).toBe(true);
  });

  it('gives a job’s whole notebook path on hover, its name cut to fit', () => {
    const long =
      'course/week-07/lessons/a-very-long-notebook-name-about-convolutional-networks.ipynb';
    jobs.jobs = [job('q', { notebook: long })];
    jobs.changed.emit();
    const name = panel.items[0].querySelector<HTMLElement>(
      '.jp-classlab-gpu-jobName'
    )!;
    expect(name.textContent).toBe(
      'a-very-long-notebook-name-about-convolutional-networks.ipynb'
    );
    expect(name.title).toBe(long);
  });

  describe('GPU time while jobs run', () => {
    const used = (): string => text(panel.node, '.jp-classlab-gpu-quotaText');

    beforeEach(() => {
      jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
    });

    afterEach(() => {
      panel.dispose();
      jest.useRealTimers();
    });

    function quota(usedSeconds: number, limit = 36000): IGpuQuota {
      return {
        used_seconds: usedSeconds,
        limit_seconds: limit,
        remaining_seconds: limit - usedSeconds,
        period: 'none',
        resets: null,
        running_seconds: 0
      };
    }

    it('ticks each second while a job runs, from each fresh figure, and stops when none runs', () => {
      jobs.quota = quota(10);
      jobs.jobs = [job('r', { state: 'running', device: 'cuda:0' })];
      jobs.changed.emit();
      expect(used()).toBe('10 s of 10 h used');
      jest.advanceTimersByTime(3000);
      expect(used()).toBe('13 s of 10 h used');
      // Two jobs running: twice as fast.
      jobs.jobs = [...jobs.jobs, job('r2', { state: 'running' })];
      jobs.changed.emit();
      jest.advanceTimersByTime(2000);
      expect(used()).toBe('17 s of 10 h used');
      // A fresh figure from the server replaces what was counted here.
      jobs.quota = quota(20);
      jobs.changed.emit();
      expect(used()).toBe('20 s of 10 h used');
      // The jobs ended: nothing more is counted.
      jobs.jobs = [
        job('r', { state: 'succeeded' }),
        job('r2', { state: 'succeeded' })
      ];
      jobs.changed.emit();
      jest.advanceTimersByTime(5000);
      jobs.changed.emit();
      expect(used()).toBe('20 s of 10 h used');
    });

    it('counts nothing while hidden, and never more than was left', () => {
      jobs.quota = quota(35990);
      jobs.jobs = [job('r', { state: 'running', device: 'cuda:0' })];
      jobs.changed.emit();
      panel.hide();
      jest.advanceTimersByTime(4000);
      jobs.changed.emit();
      panel.show();
      const meter = panel.node.querySelector<HTMLElement>(
        '.jp-classlab-gpu-meter'
      )!;
      expect(text(panel.node, '.jp-classlab-gpu-quotaPeriod')).toMatch(
        /^10 s left\./
      );
      jest.advanceTimersByTime(3000);
      expect(text(panel.node, '.jp-classlab-gpu-quotaPeriod')).toMatch(
        /^7 s left\./
      );
      jest.advanceTimersByTime(60_000);
      expect(used()).toBe('10 h of 10 h used');
      expect(meter.dataset.level).toBe('empty');
      expect(text(panel.node, '.jp-classlab-gpu-quotaPeriod')).toMatch(
        /^No GPU time left\./
      );
    });
  });

  it('says when the GPU queue cannot be reached', () => {
    jobs.info = { device: 'cuda', reachable: false } as IGpuInfo;
    jobs.error =
      'The GPU queue cannot be reached right now. Try again in a minute.';
    jobs.changed.emit();
    expect(visible(panel.node, '.jp-classlab-gpu-offline')).toBe(true);
    expect(text(panel.node, '.jp-classlab-gpu-panelStatus')).toBe('');
  });

  it('shows why the list could not be loaded', () => {
    jobs.error = 'Running on a GPU is not set up on this server.';
    jobs.changed.emit();
    expect(text(panel.node, '.jp-classlab-gpu-panelStatus')).toBe(
      'Running on a GPU is not set up on this server.'
    );
  });
});
