import { Gettext, nullTranslator } from '@jupyterlab/translation';

import {
  endedText,
  formatDuration,
  formatWait,
  noteText,
  quotaExhaustedText,
  quotaFraction,
  quotaPeriodText,
  quotaPlusRunning,
  quotaUsedText,
  queuedText,
  runningText
} from '../src/format';
import { statusText } from '../src/statusItem';
import catalog from '../classlab_gpu/locale/zh_CN/LC_MESSAGES/classlab_gpu.json';
import type { IGpuJob, IGpuQuota } from '../src/tokens';

const trans = nullTranslator.load('classlab_gpu');

/** The Chinese bundle, from the catalog the wheel ships. */
function chinese() {
  const header = (catalog as any)[''];
  const gettext = new Gettext({
    domain: 'classlab_gpu',
    locale: header.language
  });
  // (The server hands the catalog over with the header key JupyterLab reads.)
  gettext.loadJSON(
    { ...catalog, '': { ...header, pluralForms: header.plural_forms } } as any,
    'classlab_gpu'
  );
  return gettext;
}

function quota(used: number, more: Partial<IGpuQuota> = {}): IGpuQuota {
  return {
    used_seconds: used,
    limit_seconds: 36000,
    remaining_seconds: 36000 - used,
    period: 'none',
    resets: null,
    running_seconds: 0,
    ...more
  };
}

function job(more: Partial<IGpuJob>): IGpuJob {
  return {
    id: 'j',
    user: 'ann',
    notebook: 'a.ipynb',
    kernel: 'python3',
    targets: ['c'],
    state: 'succeeded',
    position: 0,
    estimate_seconds: null,
    reason: null,
    created: '2026-11-23T21:40:00Z',
    started: null,
    ended: null,
    elapsed_seconds: 42,
    time_limit_seconds: 1800,
    device: 'cuda:0',
    error: null,
    output_truncated: false,
    backend: 'local',
    backend_job_id: null,
    ...more
  };
}

describe('durations', () => {
  it('says seconds, minutes, hours and minutes, hours', () => {
    expect(formatDuration(0, trans)).toBe('0 s');
    expect(formatDuration(42.4, trans)).toBe('42 s');
    expect(formatDuration(60, trans)).toBe('1 min');
    expect(formatDuration(59 * 60 + 59, trans)).toBe('59 min');
    expect(formatDuration(3 * 3600 + 20 * 60 + 5, trans)).toBe('3 h 20 min');
    expect(formatDuration(36000, trans)).toBe('10 h');
    expect(formatDuration(-5, trans)).toBe('0 s');
    expect(formatDuration(NaN, trans)).toBe('0 s');
  });

  it('rounds a wait to words', () => {
    expect(formatWait(null, trans)).toBe('');
    expect(formatWait(20, trans)).toBe('less than a minute');
    expect(formatWait(60, trans)).toBe('about 1 minute');
    expect(formatWait(61, trans)).toBe('about 2 minutes');
    expect(formatWait(3 * 3600, trans)).toBe('about 3 hours');
  });
});

describe('GPU time', () => {
  it('shows used of limit, and how it comes back', () => {
    const q = quota(3 * 3600 + 20 * 60);
    expect(quotaUsedText(q, trans)).toBe('3 h 20 min of 10 h used');
    expect(quotaFraction(q)).toBeCloseTo(1 / 3);
    expect(quotaPeriodText(q, trans)).toBe(
      'This is your GPU time for the whole term.'
    );
    expect(quotaPeriodText(quota(0, { period: 'week' }), trans)).toBe(
      'Your GPU time starts again every week.'
    );
    expect(
      quotaPeriodText(quota(0, { resets: '2026-12-01T08:00:00Z' }), trans)
    ).toMatch(/^Your GPU time starts again .+\.$/);
    expect(quotaFraction(quota(50000))).toBe(1);
  });

  it('adds the seconds jobs ran since it was fetched, never past what was left', () => {
    const q = quota(100, { running_seconds: 4 });
    expect(quotaPlusRunning(q, 0)).toBe(q);
    expect(quotaPlusRunning(q, -3)).toBe(q);
    expect(quotaPlusRunning(q, 5)).toEqual({
      ...q,
      used_seconds: 105,
      remaining_seconds: 35895,
      running_seconds: 9
    });
    expect(quotaPlusRunning(quota(35990), 60)).toMatchObject({
      used_seconds: 36000,
      remaining_seconds: 0,
      running_seconds: 10
    });
    expect(quotaPlusRunning(quota(36000), 60).used_seconds).toBe(36000);
  });

  it('explains an empty quota', () => {
    expect(quotaExhaustedText(quota(36000), trans)).toBe(
      'You have used all your GPU time (10 h of 10 h). Ask your teacher if you need more.'
    );
    expect(quotaExhaustedText(null, trans)).toBe(
      'You have used all your GPU time. Ask your teacher if you need more.'
    );
  });
});

describe('job states in plain words', () => {
  it('says where a queued job is and how long it may wait', () => {
    expect(
      queuedText({ position: 2, estimate_seconds: 50 }, false, trans)
    ).toBe(
      'Waiting for a free GPU — you are number 2 in line, less than a minute'
    );
    expect(
      queuedText({ position: 2, estimate_seconds: 90 }, false, trans)
    ).toBe(
      'Waiting for a free GPU — you are number 2 in line, about 2 minutes'
    );
    expect(
      queuedText({ position: 1, estimate_seconds: null }, true, trans)
    ).toBe('Waiting for your turn — you are number 1 in line');
    expect(
      queuedText({ position: 0, estimate_seconds: null }, false, trans)
    ).toBe('Waiting for a free GPU…');
  });

  it('says how long a job runs, and where', () => {
    expect(runningText(12, 'cuda:0', trans)).toBe('Running on the GPU · 12 s');
    expect(runningText(75, 'cpu', trans)).toBe(
      'Running on the CPU (no GPU here) · 1 min'
    );
  });

  it('says how each job ended', () => {
    expect(endedText(job({}), trans)).toBe('Finished on the GPU · 42 s');
    expect(endedText(job({ device: 'cpu' }), trans)).toBe(
      'Finished on the CPU (no GPU here) · 42 s'
    );
    const error = {
      cell_id: 'c',
      ename: 'NameError',
      evalue: "name 'x' is not defined",
      traceback: [],
      in_context: false
    };
    expect(endedText(job({ state: 'failed', error }), trans)).toBe(
      "Stopped with an error: NameError: name 'x' is not defined"
    );
    expect(
      endedText(
        job({ state: 'failed', error: { ...error, in_context: true } }),
        trans
      )
    ).toBe(
      "A setup cell above failed, so this cell did not run: NameError: name 'x' is not defined"
    );
    expect(endedText(job({ state: 'cancelled' }), trans)).toBe('Cancelled.');
    expect(endedText(job({ state: 'timed_out' }), trans)).toBe(
      'Stopped: it reached its time limit of 30 min.'
    );
    expect(endedText(job({ state: 'quota_exhausted' }), trans)).toBe(
      'Stopped: your GPU time ran out.'
    );
    expect(endedText(job({ state: 'interrupted' }), trans)).toMatch(
      /^Interrupted: /
    );
  });

  it('leaves a small note in the cell', () => {
    const note = (state: any, device: string | null = 'cuda:0') =>
      noteText({ job: 'j', state, device, seconds: 42 }, trans);
    expect(note('succeeded')).toBe('ran on GPU · 42 s');
    expect(note('succeeded', 'cpu')).toBe('ran on CPU (no GPU here) · 42 s');
    expect(note('failed')).toBe('ran on GPU · 42 s · ended with an error');
    expect(note('cancelled')).toBe('cancelled');
    expect(note('timed_out')).toBe('stopped: time limit');
    expect(note('quota_exhausted')).toBe('stopped: your GPU time ran out');
    expect(note('interrupted')).toBe('interrupted');
  });

  it('counts jobs in the status bar', () => {
    expect(statusText([], trans)).toBe('GPU free');
    expect(statusText([{ state: 'succeeded' }], trans)).toBe('GPU free');
    expect(
      statusText(
        [{ state: 'queued' }, { state: 'queued' }, { state: 'running' }],
        trans
      )
    ).toBe('GPU: 2 queued · 1 running');
    expect(statusText([{ state: 'running' }], trans)).toBe('GPU: 1 running');
  });
});

describe('in Chinese (one plural form; every count through the catalog)', () => {
  const zh = chinese();

  it('formats durations, waits and GPU time', () => {
    expect(formatDuration(1, zh)).toBe('1 秒');
    expect(formatDuration(42, zh)).toBe('42 秒');
    expect(formatDuration(3 * 3600 + 20 * 60, zh)).toBe('3 小时 20 分钟');
    expect(formatWait(120, zh)).toBe('大约 2 分钟');
    expect(quotaUsedText(quota(3 * 3600 + 20 * 60), zh)).toBe(
      '已用 3 小时 20 分钟，共 10 小时'
    );
    expect(quotaExhaustedText(quota(36000), zh)).toBe(
      '你的 GPU 时间已经用完了（已用 10 小时，共 10 小时）。如果还需要，请问问老师。'
    );
  });

  it('says queue places, notes and counts', () => {
    expect(queuedText({ position: 2, estimate_seconds: 60 }, false, zh)).toBe(
      '正在等待空闲的 GPU —— 你排在第 2 位，大约 1 分钟'
    );
    expect(
      noteText(
        { job: 'j', state: 'succeeded', device: 'cuda:0', seconds: 42 },
        zh
      )
    ).toBe('已在 GPU 上运行 · 42 秒');
    expect(
      statusText(
        [{ state: 'queued' }, { state: 'running' }, { state: 'running' }],
        zh
      )
    ).toBe('GPU：1 个排队中 · 2 个运行中');
  });
});
