/**
 * Plain words for durations, GPU time, waiting and job states, for students (11–18) and teachers: "3 h 20 min of
 * 10 h used", "you are number 2 in line, about 1 minute". Counts go through `_n`, so every language can pluralise.
 */
import type { TranslationBundle } from '@jupyterlab/translation';

import type { IGpuCellNote, IGpuJob, IGpuQuota, JobState } from './tokens';

/** A duration, short: "42 s", "5 min", "3 h 20 min", "10 h". */
export function formatDuration(
  seconds: number,
  trans: TranslationBundle
): string {
  const total = Math.max(0, Math.round(Number.isFinite(seconds) ? seconds : 0));
  if (total < 60) {
    return trans._n('%1 s', '%1 s', total);
  }
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  if (hours === 0) {
    return trans._n('%1 min', '%1 min', minutes);
  }
  const h = trans._n('%1 h', '%1 h', hours);
  if (minutes === 0) {
    return h;
  }
  return trans._p(
    'a duration: hours, then minutes',
    '%1 %2',
    h,
    trans._n('%1 min', '%1 min', minutes)
  );
}

/** An expected wait, rounded: "less than a minute", "about 3 minutes", "about 2 hours"; '' when unknown. */
export function formatWait(
  seconds: number | null | undefined,
  trans: TranslationBundle
): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) {
    return '';
  }
  if (seconds < 60) {
    return trans.__('less than a minute');
  }
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 90) {
    return trans._n('about %1 minute', 'about %1 minutes', minutes);
  }
  const hours = Math.round(seconds / 3600);
  return trans._n('about %1 hour', 'about %1 hours', hours);
}

/** A date and time the way the browser's language writes it. */
export function formatWhen(iso: string): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) {
    return iso;
  }
  return new Date(time).toLocaleString(undefined, {
    weekday: 'short',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit'
  });
}

/** "3 h 20 min of 10 h used". */
export function quotaUsedText(
  quota: IGpuQuota,
  trans: TranslationBundle
): string {
  return trans.__(
    '%1 of %2 used',
    formatDuration(quota.used_seconds, trans),
    formatDuration(quota.limit_seconds, trans)
  );
}

/** When the GPU time comes back: "Your GPU time for the whole term." / "It starts again on Mon 2 Dec, 08:00." */
export function quotaPeriodText(
  quota: IGpuQuota,
  trans: TranslationBundle
): string {
  if (quota.resets) {
    return trans.__('Your GPU time starts again %1.', formatWhen(quota.resets));
  }
  switch (quota.period) {
    case 'day':
      return trans.__('Your GPU time starts again every day.');
    case 'week':
      return trans.__('Your GPU time starts again every week.');
    case 'month':
      return trans.__('Your GPU time starts again every month.');
  }
  return trans.__('This is your GPU time for the whole term.');
}

/**
 * The GPU time after `seconds` more of running jobs than `quota` counted when it was fetched (the panel ticks it
 * between two fetches); never more than was left.
 */
export function quotaPlusRunning(quota: IGpuQuota, seconds: number): IGpuQuota {
  const more = Math.min(
    Math.max(0, Number.isFinite(seconds) ? seconds : 0),
    Math.max(0, quota.remaining_seconds)
  );
  if (more === 0) {
    return quota;
  }
  return {
    ...quota,
    used_seconds: quota.used_seconds + more,
    remaining_seconds: quota.remaining_seconds - more,
    running_seconds: (quota.running_seconds ?? 0) + more
  };
}

/** The share of GPU time used, 0…1. */
export function quotaFraction(quota: IGpuQuota): number {
  if (!(quota.limit_seconds > 0)) {
    return 1;
  }
  return Math.min(1, Math.max(0, quota.used_seconds / quota.limit_seconds));
}

/** Whether no GPU time is left. */
export function quotaExhausted(quota: IGpuQuota | null): boolean {
  return quota != null && quota.remaining_seconds <= 0;
}

/** What to say when the GPU time is used up (before a submit, or on the server's 403 `quota_exhausted`). */
export function quotaExhaustedText(
  quota: IGpuQuota | null,
  trans: TranslationBundle
): string {
  const used = quota
    ? trans.__(
        'You have used all your GPU time (%1 of %2).',
        formatDuration(quota.used_seconds, trans),
        formatDuration(quota.limit_seconds, trans)
      )
    : trans.__('You have used all your GPU time.');
  const when = quota?.resets
    ? trans.__('It comes back %1.', formatWhen(quota.resets))
    : trans.__('Ask your teacher if you need more.');
  return trans._p('two sentences', '%1 %2', used, when);
}

/** Whether a job ran (or runs) on the CPU because the queue has no GPU. */
export function onCpu(device: string | null | undefined): boolean {
  return device === 'cpu';
}

/**
 * Why a queued job waits: "Waiting for a free GPU — you are number 2 in line, about 1 minute". `cpu`: the queue
 * has no GPU, so it waits for its turn.
 */
export function queuedText(
  job: Pick<IGpuJob, 'position' | 'estimate_seconds'>,
  cpu: boolean,
  trans: TranslationBundle
): string {
  let text: string;
  if (job.position > 0) {
    text = cpu
      ? trans.__(
          'Waiting for your turn — you are number %1 in line',
          job.position
        )
      : trans.__(
          'Waiting for a free GPU — you are number %1 in line',
          job.position
        );
  } else {
    text = cpu
      ? trans.__('Waiting for your turn…')
      : trans.__('Waiting for a free GPU…');
  }
  const wait = formatWait(job.estimate_seconds, trans);
  return wait
    ? trans._p('waiting: where in line, then how long', '%1, %2', text, wait)
    : text;
}

/** A running job: "Running on the GPU · 12 s". */
export function runningText(
  elapsedSeconds: number,
  device: string | null,
  trans: TranslationBundle
): string {
  const elapsed = formatDuration(elapsedSeconds, trans);
  return onCpu(device)
    ? trans.__('Running on the CPU (no GPU here) · %1', elapsed)
    : trans.__('Running on the GPU · %1', elapsed);
}

/** The first line of an error: "NameError: name 'x' is not defined". */
export function errorLine(error: IGpuJob['error']): string {
  if (!error) {
    return '';
  }
  const evalue = String(error.evalue ?? '').split('\n')[0];
  return evalue ? `${error.ename}: ${evalue}` : String(error.ename ?? '');
}

/** How a finished job ended, in plain words (the panel). */
export function endedText(job: IGpuJob, trans: TranslationBundle): string {
  const took = formatDuration(job.elapsed_seconds, trans);
  switch (job.state) {
    case 'succeeded':
      return onCpu(job.device)
        ? trans.__('Finished on the CPU (no GPU here) · %1', took)
        : trans.__('Finished on the GPU · %1', took);
    case 'failed': {
      const line = errorLine(job.error);
      if (job.error?.in_context) {
        return trans.__(
          'A setup cell above failed, so this cell did not run: %1',
          line
        );
      }
      return line
        ? trans.__('Stopped with an error: %1', line)
        : trans.__('Stopped with an error.');
    }
    case 'cancelled':
      return trans.__('Cancelled.');
    case 'timed_out':
      return trans.__(
        'Stopped: it reached its time limit of %1.',
        formatDuration(job.time_limit_seconds, trans)
      );
    case 'quota_exhausted':
      return trans.__('Stopped: your GPU time ran out.');
    case 'interrupted':
      return trans.__(
        'Interrupted: the GPU queue restarted while it ran. The output so far is kept.'
      );
  }
  return '';
}

/** A job's state in one or two words (panel badges). */
export function stateLabel(state: JobState, trans: TranslationBundle): string {
  switch (state) {
    case 'queued':
      return trans.__('Waiting');
    case 'running':
      return trans.__('Running');
    case 'succeeded':
      return trans.__('Done');
    case 'failed':
      return trans.__('Error');
    case 'cancelled':
      return trans.__('Cancelled');
    case 'timed_out':
      return trans.__('Time limit');
    case 'quota_exhausted':
      return trans.__('Out of GPU time');
    case 'interrupted':
      return trans.__('Interrupted');
  }
  return String(state);
}

/** The small note under a cell after its GPU run: "ran on GPU · 42 s", "cancelled", "stopped: time limit"… */
export function noteText(note: IGpuCellNote, trans: TranslationBundle): string {
  const took = formatDuration(note.seconds, trans);
  const cpu = onCpu(note.device);
  switch (note.state) {
    case 'succeeded':
      return cpu
        ? trans.__('ran on CPU (no GPU here) · %1', took)
        : trans.__('ran on GPU · %1', took);
    case 'failed':
      return cpu
        ? trans.__('ran on CPU (no GPU here) · %1 · ended with an error', took)
        : trans.__('ran on GPU · %1 · ended with an error', took);
    case 'cancelled':
      return trans.__('cancelled');
    case 'timed_out':
      return trans.__('stopped: time limit');
    case 'quota_exhausted':
      return trans.__('stopped: your GPU time ran out');
    case 'interrupted':
      return trans.__('interrupted');
    case 'queued':
      return trans.__('sent to the GPU queue');
    case 'running':
      return trans.__('running on the GPU');
  }
  return '';
}
