/**
 * The job store: the caller's jobs (`GET jobs`), GPU time (`GET quota`) and the queue's info (`GET info`), and the
 * jobs this browser follows live. It polls only while someone watches (a visible panel) or a job is active, since
 * students' servers are small; a followed job's state comes from its events, not from polling. When a followed job
 * starts or ends, the GPU time is asked for again at once (at most once a second), not at the next poll.
 */
import type { INotebookModel, NotebookPanel } from '@jupyterlab/notebook';
import type { TranslationBundle } from '@jupyterlab/translation';
import { ISignal, Signal } from '@lumino/signaling';

import { GpuApi, GpuApiError } from './api';
import { gpuErrorText } from './errorText';
import { readNote, writeNote } from './outputs';
import { JobRun } from './run';
import type {
  IGpuInfo,
  IGpuJob,
  IGpuJobs,
  IGpuQuota,
  IJobRun,
  ISubmitBody
} from './tokens';
import { isActive, isTerminal, refusal } from './tokens';

/** The default time between two polls. */
export const POLL_MS = 5000;
/** The least time between two `GET quota` asked for because a job started or ended. */
export const QUOTA_GAP_MS = 1000;

export interface IGpuJobsOptions {
  api: GpuApi;
  trans: TranslationBundle;
  /** The open notebook at a path, so active jobs of open notebooks write into their cells. */
  findNotebook?: (path: string) => INotebookModel | null;
  pollMs?: number;
}

export class GpuJobs implements IGpuJobs {
  constructor(options: IGpuJobsOptions) {
    this.api = options.api;
    this._trans = options.trans;
    this._findNotebook = options.findNotebook ?? (() => null);
    this._pollMs = options.pollMs ?? POLL_MS;
  }

  readonly api: GpuApi;

  get info(): IGpuInfo | null {
    return this._info;
  }

  get quota(): IGpuQuota | null {
    return this._quota;
  }

  get jobs(): readonly IGpuJob[] {
    return this._jobs;
  }

  get error(): string {
    return this._error;
  }

  /** Whether the list has been fetched at least once. */
  get loaded(): boolean {
    return this._loaded;
  }

  get changed(): ISignal<IGpuJobs, void> {
    return this._changed;
  }

  /** The time between polls, in ms. */
  get pollMs(): number {
    return this._pollMs;
  }

  set pollMs(value: number) {
    const ms = Math.max(2000, Number(value) || POLL_MS);
    if (ms !== this._pollMs) {
      this._pollMs = ms;
      this._stopPolling();
      this._updatePolling();
    }
  }

  /** Whether the store polls now. */
  get polling(): boolean {
    return this._timer !== undefined;
  }

  run(jobId: string): IJobRun | undefined {
    return this._runs.get(jobId);
  }

  detachCell(jobId: string, cellId: string): void {
    this._runs.get(jobId)?.detachCell(cellId);
  }

  async refresh(): Promise<void> {
    if (this._refreshing) {
      return this._refreshing;
    }
    this._refreshing = this._refresh().finally(() => {
      this._refreshing = null;
    });
    return this._refreshing;
  }

  /** Info and fresh quota for a submit (errors as thrown by the API). */
  async beforeSubmit(): Promise<{ info: IGpuInfo; quota: IGpuQuota }> {
    const info = await this._fetchInfo();
    if (info.reachable === false) {
      throw new GpuApiError(
        502,
        'gpu_service_unavailable',
        String(info.message ?? '')
      );
    }
    const refused = refusal(info);
    if (refused) {
      // What `POST jobs` would answer: nothing is sent.
      throw new GpuApiError(503, 'isolation_unavailable', refused);
    }
    const quota = await this._getQuota();
    this._changed.emit();
    return { info, quota };
  }

  watch(): { dispose(): void } {
    this._watchers++;
    this._updatePolling();
    if (this._watchers === 1) {
      void this.refresh();
    }
    let done = false;
    return {
      dispose: () => {
        if (!done) {
          done = true;
          this._watchers--;
          this._updatePolling();
          this._followForLog();
        }
      }
    };
  }

  async cancel(jobId: string): Promise<void> {
    const job = await this.api.cancel(jobId);
    this._merge(job);
    const run = this._runs.get(jobId);
    // The socket's last event will say the same; the cells need not wait for it.
    run?.settle(job);
    this._quotaChanged();
    this._changed.emit();
    void this.refresh();
  }

  async submit(panel: NotebookPanel, body: ISubmitBody): Promise<IGpuJob> {
    const job = await this.api.submit(body);
    this._merge(job, true);
    this._follow(job, panel.model);
    this._updatePolling();
    this._changed.emit();
    return job;
  }

  attach(jobId: string, notebook: INotebookModel | null): void {
    const run = this._runs.get(jobId);
    if (run) {
      if (notebook) {
        run.setNotebook(notebook);
      }
      return;
    }
    const known = this._jobs.find(job => job.id === jobId);
    if (known) {
      this._follow(known, notebook);
      return;
    }
    void this.api
      .job(jobId)
      .then(detail => {
        if (!this._runs.has(jobId)) {
          this._merge(detail.job);
          this._follow(detail.job, notebook);
          this._changed.emit();
        }
      })
      .catch(reason => {
        if (reason?.code === 'not_found' && notebook) {
          // The queue forgot this job: its cells say it ended.
          for (let i = 0; i < notebook.cells.length; i++) {
            const cell = notebook.cells.get(i);
            const note = readNote(cell);
            if (note?.job === jobId && !isTerminal(note.state)) {
              writeNote(cell, { ...note, state: 'interrupted' });
            }
          }
        }
      });
  }

  /** Stop every socket and timer. */
  dispose(): void {
    this._disposed = true;
    this._stopPolling();
    clearTimeout(this._quotaTimer);
    this._quotaTimer = undefined;
    for (const run of this._runs.values()) {
      run.dispose();
    }
    this._runs.clear();
    Signal.clearData(this);
  }

  private async _refresh(): Promise<void> {
    try {
      const info = await this._fetchInfo();
      if (info.reachable === false) {
        throw new GpuApiError(
          502,
          'gpu_service_unavailable',
          String(info.message ?? '')
        );
      }
      const [jobs] = await Promise.all([this.api.jobs(), this._getQuota()]);
      // A followed job's own events are newer than the list.
      this._jobs = jobs.map(job => {
        const run = this._runs.get(job.id);
        return run && !isTerminal(job.state) ? run.job : job;
      });
      this._error = '';
    } catch (reason) {
      this._error = gpuErrorText(reason, this._trans);
    }
    this._loaded = true;
    for (const job of this._jobs) {
      if (isActive(job) && !this._runs.has(job.id)) {
        const notebook = this._findNotebook(job.notebook);
        if (notebook) {
          this._follow(job, notebook);
        }
      }
    }
    this._followForLog();
    this._updatePolling();
    this._changed.emit();
  }

  /** The queue's info: fetched once, and again while the GPU service cannot be reached or refuses every job. */
  private async _fetchInfo(): Promise<IGpuInfo> {
    if (!this._info || this._info.reachable === false || this._info.message) {
      this._info = await this.api.info();
    }
    return this._info;
  }

  /** `GET quota`, kept unless a later answer came first. */
  private async _getQuota(): Promise<IGpuQuota> {
    const asked = ++this._quotaAsked;
    this._quotaStale = false;
    this._quotaAskedAt = Date.now();
    this._quotaFetching++;
    try {
      const quota = await this.api.quota();
      if (asked > this._quotaApplied) {
        this._quotaApplied = asked;
        this._quota = quota;
      }
      return quota;
    } finally {
      this._quotaFetching--;
      this._scheduleQuota();
    }
  }

  /**
   * A job of the user started or ended, so its GPU time changed: ask again now, or a second after the last ask, and
   * once more after an answer still on its way (it may have been asked before the change).
   */
  private _quotaChanged(): void {
    this._quotaStale = true;
    this._scheduleQuota();
  }

  private _scheduleQuota(): void {
    if (
      this._disposed ||
      !this._quotaStale ||
      this._quotaFetching > 0 ||
      this._quotaTimer !== undefined
    ) {
      return;
    }
    const wait = Math.max(0, this._quotaAskedAt + QUOTA_GAP_MS - Date.now());
    this._quotaTimer = setTimeout(() => {
      this._quotaTimer = undefined;
      if (this._disposed || !this._quotaStale || this._quotaFetching > 0) {
        return;
      }
      this._getQuota().then(
        () => this._changed.emit(),
        () => {
          // The next poll (or the next start or end) asks again.
        }
      );
    }, wait);
  }

  /** While watched, running jobs are followed for their live log even when their notebook is not open. */
  private _followForLog(): void {
    if (this._watchers === 0) {
      return;
    }
    for (const job of this._jobs) {
      if (job.state === 'running' && !this._runs.has(job.id)) {
        this._follow(job, null);
      }
    }
  }

  private _follow(job: IGpuJob, notebook: INotebookModel | null): JobRun {
    const run = new JobRun({
      api: this.api,
      job,
      notebook,
      ended: () => {
        this._merge(run.job);
        this._updatePolling();
        // The GPU time used changed.
        this._quotaChanged();
      }
    });
    this._runStates.set(job.id, job.state);
    run.changed.connect(this._onRunChanged, this);
    this._runs.set(job.id, run);
    return run;
  }

  private _onRunChanged(run: IJobRun): void {
    const state = run.job.state;
    if (this._runStates.get(run.job.id) !== state) {
      this._runStates.set(run.job.id, state);
      if (state === 'running' || isTerminal(state)) {
        // It started or ended: its GPU time starts or stops counting.
        this._quotaChanged();
      }
    }
    this._merge(run.job);
    this._updatePolling();
    this._changed.emit();
  }

  /** Put a job into the list (replacing the one with its id), newest first when new. */
  private _merge(job: IGpuJob, isNew = false): void {
    if (!job || !job.id) {
      return;
    }
    const index = this._jobs.findIndex(each => each.id === job.id);
    if (index >= 0) {
      const jobs = [...this._jobs];
      jobs[index] = job;
      this._jobs = jobs;
    } else if (isNew || job.created) {
      this._jobs = [job, ...this._jobs];
    }
  }

  private _updatePolling(): void {
    const needed =
      this._watchers > 0 ||
      this._jobs.some(
        job => isActive(job) && !this._runs.get(job.id)?.connected
      );
    if (needed && this._timer === undefined) {
      this._timer = setInterval(() => void this.refresh(), this._pollMs);
    } else if (!needed) {
      this._stopPolling();
    }
  }

  private _stopPolling(): void {
    if (this._timer !== undefined) {
      clearInterval(this._timer);
      this._timer = undefined;
    }
  }

  private _trans: TranslationBundle;
  private _findNotebook: (path: string) => INotebookModel | null;
  private _pollMs: number;
  private _info: IGpuInfo | null = null;
  private _quota: IGpuQuota | null = null;
  private _jobs: IGpuJob[] = [];
  private _error = '';
  private _loaded = false;
  private _watchers = 0;
  private _timer: ReturnType<typeof setInterval> | undefined;
  private _refreshing: Promise<void> | null = null;
  private _runs = new Map<string, JobRun>();
  /** The last state seen of each followed job, to tell when one starts or ends. */
  private _runStates = new Map<string, string>();
  /** `GET quota`: how many were asked for, the latest one kept, how many are on their way, when the last was asked. */
  private _quotaAsked = 0;
  private _quotaApplied = 0;
  private _quotaFetching = 0;
  private _quotaAskedAt = 0;
  /** Whether the GPU time changed since the last `GET quota` was asked for. */
  private _quotaStale = false;
  private _quotaTimer: ReturnType<typeof setTimeout> | undefined;
  private _disposed = false;
  private _changed = new Signal<IGpuJobs, void>(this);
}
