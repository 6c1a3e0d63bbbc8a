/**
 * The GPU side panel: how much GPU time is used and left (ticking while a job runs), a plain banner when the server
 * has no GPU or refuses every job (the server's reason under it), and the user's jobs, newest first — waiting (place
 * in line, expected wait), running (time so far, the last lines it printed), or how it ended, in plain words — with
 * Cancel, Run again and Go to cell. It keeps the list fresh only while it is visible. Text only, never HTML.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import { gpuErrorText } from './errorText';
import {
  endedText,
  formatDuration,
  onCpu,
  quotaExhausted,
  quotaFraction,
  quotaPeriodText,
  quotaPlusRunning,
  quotaUsedText,
  queuedText,
  runningText,
  stateLabel
} from './format';
import type { IGpuJob, IGpuJobs, IGpuQuota } from './tokens';
import { isActive, refusal } from './tokens';

export interface IGpuPanelOptions {
  jobs: IGpuJobs;
  trans: TranslationBundle;
  /** Why a job cannot be run again now (its notebook is not open…), or null when it can. */
  rerunBlocked?: (job: IGpuJob) => string | null;
  /** Send the job's cells again. */
  rerun?: (job: IGpuJob) => Promise<void>;
  /** Open the notebook at the job's (first) cell. */
  goTo?: (job: IGpuJob) => Promise<void>;
  /** The number of the job's cell in its open notebook ([1]-based), or null. */
  cellNumber?: (job: IGpuJob) => number | null;
}

/** The panel's id (also its side-bar tab). */
export const PANEL_ID = 'classlab-gpu-panel';

/** The last part of a path. */
function baseName(path: string): string {
  return path.split('/').pop() || path;
}

export class GpuPanel extends Widget {
  constructor(options: IGpuPanelOptions) {
    super();
    this._options = options;
    const { trans } = options;
    this.id = PANEL_ID;
    this.addClass('jp-classlab-gpu-panel');
    this.title.caption = trans.__('GPU jobs');

    const title = document.createElement('h2');
    title.textContent = trans.__('GPU jobs');

    this._banner = document.createElement('div');
    this._banner.className = 'jp-classlab-gpu-banner jp-classlab-gpu-cpu';
    this._banner.textContent = trans.__(
      'No GPU on this server: jobs run on the CPU.'
    );
    this._banner.hidden = true;
    this._offline = document.createElement('div');
    this._offline.className = 'jp-classlab-gpu-banner jp-classlab-gpu-offline';
    this._offline.textContent = trans.__(
      'The GPU queue cannot be reached right now. Your jobs are kept there; try again in a minute.'
    );
    this._offline.hidden = true;
    // `isolate_jobs = on` without isolation: every job is refused; said before anyone presses Run on GPU.
    this._refused = document.createElement('div');
    this._refused.className = 'jp-classlab-gpu-banner jp-classlab-gpu-refused';
    const refusedText = document.createElement('div');
    refusedText.textContent = trans.__(
      'GPU jobs are switched off on this server for now, so nothing can be sent to the GPU. Ask your teacher.'
    );
    this._refusedWhy = document.createElement('div');
    this._refusedWhy.className = 'jp-classlab-gpu-refusedWhy';
    this._refused.append(refusedText, this._refusedWhy);
    this._refused.hidden = true;

    this._quota = document.createElement('div');
    this._quota.className = 'jp-classlab-gpu-quota';
    this._quota.hidden = true;
    const quotaTitle = document.createElement('div');
    quotaTitle.className = 'jp-classlab-gpu-quotaTitle';
    quotaTitle.textContent = trans.__('Your GPU time');
    const meter = document.createElement('div');
    meter.className = 'jp-classlab-gpu-meter';
    meter.setAttribute('role', 'meter');
    meter.setAttribute('aria-valuemin', '0');
    meter.setAttribute('aria-valuemax', '100');
    meter.setAttribute('aria-label', trans.__('Your GPU time'));
    this._meterFill = document.createElement('div');
    this._meterFill.className = 'jp-classlab-gpu-meterFill';
    meter.appendChild(this._meterFill);
    this._meter = meter;
    this._quotaText = document.createElement('div');
    this._quotaText.className = 'jp-classlab-gpu-quotaText';
    this._quotaPeriod = document.createElement('div');
    this._quotaPeriod.className = 'jp-classlab-gpu-quotaPeriod';
    this._quota.append(quotaTitle, meter, this._quotaText, this._quotaPeriod);

    this._status = document.createElement('div');
    this._status.className = 'jp-classlab-gpu-panelStatus';
    this._list = document.createElement('ul');
    this._list.className = 'jp-classlab-gpu-jobs';
    this.node.append(
      title,
      this._offline,
      this._refused,
      this._banner,
      this._quota,
      this._status,
      this._list
    );
    options.jobs.changed.connect(this._onChanged, this);
    this._render();
  }

  /** The list items, for tests: one per job. */
  get items(): HTMLLIElement[] {
    return [...this._list.querySelectorAll('li')];
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._unwatch();
    this._options.jobs.changed.disconnect(this._onChanged, this);
    super.dispose();
  }

  /** Draw the panel from the store now (also called by its signal). */
  render(): void {
    this._render();
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._watch();
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (this.isVisible) {
      this._watch();
    }
  }

  protected onBeforeHide(msg: Message): void {
    super.onBeforeHide(msg);
    this._unwatch();
  }

  protected onBeforeDetach(msg: Message): void {
    this._unwatch();
    super.onBeforeDetach(msg);
  }

  private _watch(): void {
    if (!this._watching) {
      this._watching = this._options.jobs.watch();
    }
    this._render();
  }

  private _unwatch(): void {
    this._watching?.dispose();
    this._watching = null;
    this._quotaTickAt = null;
    this._updateTicker(false);
  }

  private _onChanged(): void {
    this._render();
  }

  private _render(): void {
    const { jobs, trans } = this._options;
    this._banner.hidden = !onCpu(jobs.info?.device);
    this._offline.hidden = jobs.info?.reachable !== false;
    const refused = refusal(jobs.info);
    this._refused.hidden = refused === null;
    if (this._refusedWhy.textContent !== (refused ?? '')) {
      this._refusedWhy.textContent = refused ?? '';
    }

    const quota = jobs.quota ? this._liveQuota(jobs.quota) : null;
    this._quota.hidden = !quota;
    if (quota) {
      const percent = Math.round(quotaFraction(quota) * 100);
      this._meterFill.style.width = `${percent}%`;
      this._meter.setAttribute('aria-valuenow', String(percent));
      this._meter.dataset.level =
        percent >= 100 ? 'empty' : percent >= 80 ? 'low' : 'ok';
      this._quotaText.textContent = quotaUsedText(quota, trans);
      this._meter.setAttribute('aria-valuetext', this._quotaText.textContent);
      const left = quotaExhausted(quota)
        ? trans.__('No GPU time left.')
        : trans.__(
            '%1 left.',
            formatDuration(Math.max(0, quota.remaining_seconds), trans)
          );
      this._quotaPeriod.textContent = trans._p(
        'two sentences',
        '%1 %2',
        left,
        quotaPeriodText(quota, trans)
      );
    }

    const list = jobs.jobs;
    this._status.textContent =
      this._actionError ||
      // (The banner above says the queue cannot be reached.)
      (this._offline.hidden ? jobs.error : '') ||
      (list.length === 0 && this._offline.hidden
        ? trans.__(
            'No GPU jobs yet. To run a code cell on the GPU, click the chip button in the cell’s toolbar (“Run Cell on GPU”).'
          )
        : '');

    const seen = new Set<string>();
    let previous: HTMLLIElement | null = null;
    for (const job of list) {
      seen.add(job.id);
      let item = this._items.get(job.id);
      if (!item) {
        item = this._createItem(job.id);
        this._items.set(job.id, item);
      }
      this._fillItem(item, job);
      const next: ChildNode | null = previous
        ? previous.nextSibling
        : this._list.firstChild;
      if (next !== item) {
        this._list.insertBefore(item, next);
      }
      previous = item;
    }
    for (const [id, item] of this._items) {
      if (!seen.has(id)) {
        item.remove();
        this._items.delete(id);
      }
    }
    this._updateTicker(
      this._watching !== null && list.some(job => job.state === 'running')
    );
  }

  private _createItem(jobId: string): HTMLLIElement {
    const { trans } = this._options;
    const item = document.createElement('li');
    item.className = 'jp-classlab-gpu-job';
    item.dataset.jobId = jobId;
    const head = document.createElement('div');
    head.className = 'jp-classlab-gpu-jobHead';
    const name = document.createElement('span');
    name.className = 'jp-classlab-gpu-jobName';
    const badge = document.createElement('span');
    badge.className = 'jp-classlab-gpu-jobState';
    head.append(name, badge);
    const what = document.createElement('div');
    what.className = 'jp-classlab-gpu-jobWhat';
    const text = document.createElement('div');
    text.className = 'jp-classlab-gpu-jobText';
    const log = document.createElement('pre');
    log.className = 'jp-classlab-gpu-jobLog';
    log.hidden = true;
    const actions = document.createElement('div');
    actions.className = 'jp-classlab-gpu-jobActions';
    const cancel = this._button(
      'jp-classlab-gpu-cancel jp-mod-reject',
      trans.__('Cancel')
    );
    const rerun = this._button('jp-classlab-gpu-rerun', trans.__('Run again'));
    const goTo = this._button('jp-classlab-gpu-goto', trans.__('Go to cell'));
    cancel.addEventListener('click', () => void this._act(jobId, 'cancel'));
    rerun.addEventListener('click', () => void this._act(jobId, 'rerun'));
    goTo.addEventListener('click', () => void this._act(jobId, 'goTo'));
    actions.append(cancel, rerun, goTo);
    item.append(head, what, text, log, actions);
    return item;
  }

  private _button(className: string, label: string): HTMLButtonElement {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = `jp-Button jp-mod-styled ${className}`;
    button.textContent = label;
    return button;
  }

  private _fillItem(item: HTMLLIElement, job: IGpuJob): void {
    const { jobs, trans } = this._options;
    item.dataset.state = job.state;
    const set = (selector: string, value: string) => {
      const node = item.querySelector<HTMLElement>(selector)!;
      if (node.textContent !== value) {
        node.textContent = value;
      }
    };
    set('.jp-classlab-gpu-jobName', baseName(job.notebook));
    // The name is cut with an ellipsis when the panel is narrow: the whole path on hover.
    const name = item.querySelector<HTMLElement>('.jp-classlab-gpu-jobName')!;
    if (name.title !== job.notebook) {
      name.title = job.notebook;
    }
    set('.jp-classlab-gpu-jobState', stateLabel(job.state, trans));
    const number =
      job.targets.length === 1
        ? (this._options.cellNumber?.(job) ?? null)
        : null;
    const created = Date.parse(job.created);
    const when = Number.isNaN(created)
      ? ''
      : new Date(created).toLocaleTimeString(undefined, {
          hour: '2-digit',
          minute: '2-digit'
        });
    const cells =
      number !== null
        ? trans.__('cell [%1]', number)
        : trans._n('%1 cell', '%1 cells', job.targets.length);
    const what = when ? trans.__('%1 · sent at %2', cells, when) : cells;
    // On a cluster the scheduler's own job number is what an admin asks for.
    set(
      '.jp-classlab-gpu-jobWhat',
      job.backend === 'slurm' && job.backend_job_id
        ? trans.__('%1 · Slurm job %2', what, job.backend_job_id)
        : what
    );

    const run = jobs.run(job.id);
    let text: string;
    if (job.state === 'queued') {
      text = queuedText(job, onCpu(jobs.info?.device), trans);
    } else if (job.state === 'running') {
      const since = run ? Math.max(0, Date.now() - run.receivedAt) / 1000 : 0;
      text = runningText((job.elapsed_seconds ?? 0) + since, job.device, trans);
    } else {
      text = endedText(job, trans);
    }
    set('.jp-classlab-gpu-jobText', text);

    const log = item.querySelector<HTMLPreElement>('.jp-classlab-gpu-jobLog')!;
    const lines = job.state === 'running' && run ? run.log : [];
    log.hidden = lines.length === 0;
    const logText = lines.join('\n');
    if (log.textContent !== logText) {
      log.textContent = logText;
    }

    const active = isActive(job);
    const cancel = item.querySelector<HTMLButtonElement>(
      '.jp-classlab-gpu-cancel'
    )!;
    cancel.hidden = !active;
    const rerun = item.querySelector<HTMLButtonElement>(
      '.jp-classlab-gpu-rerun'
    )!;
    rerun.hidden = active || !this._options.rerun;
    const blocked = this._options.rerunBlocked?.(job) ?? null;
    rerun.disabled = blocked !== null || this._busy.has(job.id);
    rerun.title = blocked ?? trans.__('Send the same cells to the GPU again');
    const goTo = item.querySelector<HTMLButtonElement>(
      '.jp-classlab-gpu-goto'
    )!;
    goTo.hidden = !this._options.goTo || job.targets.length === 0;
    goTo.title = trans.__('Open %1 at this cell', baseName(job.notebook));
    cancel.disabled = this._busy.has(job.id);
  }

  private async _act(
    jobId: string,
    action: 'cancel' | 'rerun' | 'goTo'
  ): Promise<void> {
    const { jobs, trans } = this._options;
    const job = jobs.jobs.find(each => each.id === jobId);
    if (!job) {
      return;
    }
    this._busy.add(jobId);
    this._render();
    try {
      if (action === 'cancel') {
        await jobs.cancel(jobId);
      } else if (action === 'rerun') {
        await this._options.rerun?.(job);
      } else {
        await this._options.goTo?.(job);
      }
      this._actionError = '';
    } catch (reason) {
      this._actionError = gpuErrorText(reason, trans);
    }
    this._busy.delete(jobId);
    this._render();
  }

  /**
   * The GPU time with the seconds the user's jobs have run since it was fetched, counted here while the panel is
   * visible (it renders every second while a job runs), so the bar moves between two fetches.
   */
  private _liveQuota(quota: IGpuQuota): IGpuQuota {
    const now = Date.now();
    if (quota !== this._quotaSeen) {
      this._quotaSeen = quota;
      this._quotaMore = 0;
    } else if (this._quotaTickAt !== null) {
      const running = this._options.jobs.jobs.filter(
        job => job.state === 'running'
      ).length;
      this._quotaMore +=
        (running * Math.max(0, now - this._quotaTickAt)) / 1000;
    }
    // Hidden, nothing is counted: the store fetches the quota again when the panel shows.
    this._quotaTickAt = this._watching ? now : null;
    return quotaPlusRunning(quota, this._quotaMore);
  }

  /** While visible and a job runs, its time so far ticks. */
  private _updateTicker(on: boolean): void {
    if (on && this._ticker === undefined) {
      this._ticker = setInterval(() => this._render(), 1000);
    } else if (!on && this._ticker !== undefined) {
      clearInterval(this._ticker);
      this._ticker = undefined;
    }
  }

  private _options: IGpuPanelOptions;
  private _banner: HTMLElement;
  private _offline: HTMLElement;
  private _refused: HTMLElement;
  private _refusedWhy: HTMLElement;
  private _quota: HTMLElement;
  private _meter: HTMLElement;
  private _meterFill: HTMLElement;
  private _quotaText: HTMLElement;
  private _quotaPeriod: HTMLElement;
  private _status: HTMLElement;
  private _list: HTMLUListElement;
  private _items = new Map<string, HTMLLIElement>();
  private _busy = new Set<string>();
  private _actionError = '';
  private _watching: { dispose(): void } | null = null;
  private _ticker: ReturnType<typeof setInterval> | undefined;
  /** The quota last drawn, the running seconds counted on it here, and when they were last counted (null: hidden). */
  private _quotaSeen: IGpuQuota | null = null;
  private _quotaMore = 0;
  private _quotaTickAt: number | null = null;
}
