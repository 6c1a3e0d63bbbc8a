/**
 * The shapes @classlab/gpu shares between its modules and with the bridge (`classlab/api/gpu/`, see the bridge's
 * gpu/PROTOCOL.md), and the job store the plugins share. Everything the server sends is shown as text
 * (`textContent`), never as HTML; job outputs go into cells as ordinary nbformat outputs.
 */
import type * as nbformat from '@jupyterlab/nbformat';
import type { INotebookModel, NotebookPanel } from '@jupyterlab/notebook';
import { Token } from '@lumino/coreutils';
import type { ISignal } from '@lumino/signaling';

/** A job's state; the last six never change again. */
export type JobState =
  | 'queued'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'cancelled'
  | 'timed_out'
  | 'quota_exhausted'
  | 'interrupted';

/** The states a job ends in. */
export const TERMINAL_STATES: ReadonlySet<string> = new Set([
  'succeeded',
  'failed',
  'cancelled',
  'timed_out',
  'quota_exhausted',
  'interrupted'
]);

/** Whether a state is final. */
export function isTerminal(state: string | null | undefined): boolean {
  return state != null && TERMINAL_STATES.has(state);
}

/** Whether a job is still waiting or running. */
export function isActive(job: { state: string }): boolean {
  return job.state === 'queued' || job.state === 'running';
}

/**
 * Why the queue refuses every job although it can be reached (`info.message`: `isolate_jobs = on` without isolation),
 * or null. (An unreachable service's message says why it cannot be reached; that is another banner.)
 */
export function refusal(
  info: Pick<IGpuInfo, 'reachable' | 'message'> | null
): string | null {
  if (!info || info.reachable === false || !info.message) {
    return null;
  }
  return String(info.message);
}

/** The error a job ended with (a cell raised). */
export interface IJobError {
  cell_id: string;
  ename: string;
  evalue: string;
  traceback: string[];
  /** True when a context cell (above the target) failed, so the target did not run. */
  in_context: boolean;
}

/** A job (`J` in PROTOCOL.md). */
export interface IGpuJob {
  id: string;
  user: string;
  /** Notebook path relative to the server root, as sent. */
  notebook: string;
  kernel: string;
  /** Target cell ids, in run order. */
  targets: string[];
  state: JobState;
  /** 1-based place in the queue while queued, else 0. */
  position: number;
  /** Expected wait until start while queued (null when unknown). */
  estimate_seconds: number | null;
  /** Plain-words (English) reason why it waits or why it ended; null when running fine. */
  reason: string | null;
  created: string;
  started: string | null;
  ended: string | null;
  /** Running: so far; ended: total charged. */
  elapsed_seconds: number;
  time_limit_seconds: number;
  /** "cuda:<n>" or "cpu"; null while queued. */
  device: string | null;
  error: IJobError | null;
  output_truncated: boolean;
  backend: string;
  backend_job_id: string | null;
}

/** `GET info`. */
export interface IGpuInfo {
  backend: string;
  /** "cpu": no GPU was found; jobs run on the CPU. */
  device: 'cuda' | 'cpu';
  gpus: { index: number; name: string }[];
  slots: number;
  time_limit_seconds: number;
  max_time_limit_seconds: number;
  context: 'above' | 'tagged';
  max_bundle_bytes: number;
  /** False when the JupyterHub GPU service cannot be reached (jobs are kept there). */
  reachable: boolean;
  /** Whether jobs run under accounts of their own (PROTOCOL.md "Trust"); absent from an unreachable service. */
  isolated?: boolean;
  /**
   * Why jobs cannot run now (the server's English): the service cannot be reached (`reachable: false`), or
   * `isolate_jobs = on` while jobs cannot run under accounts of their own (every submit is refused).
   */
  message?: string;
}

/** `GET quota`: the caller's GPU time this period. */
export interface IGpuQuota {
  used_seconds: number;
  limit_seconds: number;
  remaining_seconds: number;
  period: 'none' | 'day' | 'week' | 'month';
  /** When the period restarts (ISO), null for one budget for the term. */
  resets: string | null;
  running_seconds: number;
}

/** One cell of a job body. */
export interface IJobCell {
  id: string;
  source: string;
  /** True: run it and bring its outputs back; false: context, replayed first. */
  target: boolean;
}

/** What `POST jobs` takes. */
export interface ISubmitBody {
  notebook: string;
  kernel: string;
  cells: IJobCell[];
  time_limit_seconds?: number;
}

/** `GET jobs/{id}`. */
export interface IJobDetail {
  job: IGpuJob;
  outputs: { [cellId: string]: nbformat.IOutput[] };
}

/** Events of `WS jobs/{id}/events`, each with its `seq` (from 1). */
export type GpuEvent =
  | { seq: number; type: 'state'; job: IGpuJob }
  | {
      seq: number;
      type: 'output';
      cell_id: string;
      output: nbformat.IOutput;
      /** The display id of a display output, when the server tells it. */
      display_id?: string;
    }
  | { seq: number; type: 'clear'; cell_id: string; wait: boolean }
  | {
      seq: number;
      type: 'update';
      cell_id: string;
      display_id: string;
      output: nbformat.IOutput;
    };

/** How the context cells of a job are chosen (setting `context`; "server" follows the server's `info.context`). */
export type ContextMode = 'above' | 'tagged' | 'server';

/** The tag of setup cells replayed before a target when `context` is "tagged". */
export const SETUP_TAG = 'gpu-setup';

/** What a cell keeps about its last GPU run: `cell.metadata.classlab.gpu` (saved with the notebook). */
export interface IGpuCellNote {
  job: string;
  state: JobState;
  /** "cuda:<n>", "cpu", or null (it never started). */
  device: string | null;
  /** GPU time charged (running: so far). */
  seconds: number;
}

/** A job this browser follows live (its events socket), with what it knows so far. */
export interface IJobRun {
  readonly job: IGpuJob;
  /** The last lines of the job's stream output (for the panel's live log). */
  readonly log: readonly string[];
  /** When `job` was last received (ms since the epoch), to tick the elapsed time between events. */
  readonly receivedAt: number;
  /** Whether the events socket is connected. */
  readonly connected: boolean;
  /** Emitted on every applied event and connection change. */
  readonly changed: ISignal<IJobRun, void>;
}

/** The job store: the caller's jobs, quota and the queue's info, and the jobs followed live. */
export interface IGpuJobs {
  /** The queue's info; null until fetched (or when the GPU queue is not there). */
  readonly info: IGpuInfo | null;
  readonly quota: IGpuQuota | null;
  /** The caller's jobs, newest first (live state merged in). */
  readonly jobs: readonly IGpuJob[];
  /** The last error fetching the list (translated), or ''. */
  readonly error: string;
  /** Emitted when info, quota, jobs or a live job changes. */
  readonly changed: ISignal<IGpuJobs, void>;
  /** The live run of a job, if this browser follows it. */
  run(jobId: string): IJobRun | undefined;
  /** Fetch jobs and quota now (info too the first time). */
  refresh(): Promise<void>;
  /** Keep the list fresh while the returned handle lives (a visible panel). */
  watch(): { dispose(): void };
  /** The queue's info and a fresh quota, before a submit (errors as the API throws them). */
  beforeSubmit(): Promise<{ info: IGpuInfo; quota: IGpuQuota }>;
  /** Cancel a job. */
  cancel(jobId: string): Promise<void>;
  /** Send cells of an open notebook to the queue; the job's events go into its cells. */
  submit(panel: NotebookPanel, body: ISubmitBody): Promise<IGpuJob>;
  /** Follow a job's events into a notebook's cells (re-attach after a reload). */
  attach(jobId: string, notebook: INotebookModel | null): void;
  /** Stop writing a job's outputs into one cell (the user ran it in the kernel since). */
  detachCell(jobId: string, cellId: string): void;
}

/** The job store of @classlab/gpu, for the panel, the status bar and the cells. */
export const IGpuJobs = new Token<IGpuJobs>(
  '@classlab/gpu:IGpuJobs',
  'The GPU jobs of the current user: list, quota, live runs; submit and cancel.'
);
