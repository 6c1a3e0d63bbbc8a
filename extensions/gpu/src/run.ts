/**
 * One job followed live: its events socket (`WS jobs/{id}/events?after=N`), reconnected with the last `seq` when it
 * drops, the events written into the notebook's cells, the job's state kept, the last lines of its stream output
 * kept for the panel, and each target cell's record (`metadata.classlab.gpu`) updated when the state changes.
 * When the socket cannot be had, the job is fetched once (`GET jobs/{id}`): a finished job's outputs come from there.
 */
import type * as nbformat from '@jupyterlab/nbformat';
import type { INotebookModel } from '@jupyterlab/notebook';
import { ISignal, Signal } from '@lumino/signaling';

import { GpuApi } from './api';
import { OutputSink, readNote, writeNote } from './outputs';
import { GpuEvent, IGpuJob, IJobRun, isTerminal } from './tokens';

/** How many lines of stream output the live log keeps. */
export const LOG_LINES = 8;
/** How much stream text the live log looks at. */
const LOG_CHARS = 4000;
/** Reconnect delays: the first, and the most. */
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 30000;
/** After this many failed connections in a row, ask the REST API how the job is. */
const FAILURES_BEFORE_FETCH = 3;

export interface IJobRunOptions {
  api: GpuApi;
  /** The job as last known (from the submit reply or the list). */
  job: IGpuJob;
  /** Where its outputs go; null to follow the job for its state and log only. */
  notebook: INotebookModel | null;
  /** Called once, when the job has ended (or is gone). */
  ended?: (run: JobRun) => void;
}

export class JobRun implements IJobRun {
  constructor(options: IJobRunOptions) {
    this._api = options.api;
    this._job = options.job;
    this._endedCallback = options.ended;
    if (this._job.state === 'running') {
      this._noteRunning(this._job, this._receivedAt);
    }
    if (options.notebook) {
      this._sink = new OutputSink(options.notebook);
      this._sink.reset(this._job.targets);
      this._writeNotes();
    }
    this._connect();
  }

  get job(): IGpuJob {
    return this._job;
  }

  get log(): readonly string[] {
    return this._log;
  }

  get receivedAt(): number {
    return this._receivedAt;
  }

  get connected(): boolean {
    return this._connected;
  }

  get changed(): ISignal<IJobRun, void> {
    return this._changed;
  }

  /** Whether the job has ended (or is gone) and the socket is closed for good. */
  get ended(): boolean {
    return this._ended;
  }

  /** The notebook its outputs go to, if any. */
  get notebook(): INotebookModel | null {
    return this._sink?.notebook ?? null;
  }

  /** The last event applied. */
  get lastSeq(): number {
    return this._lastSeq;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /**
   * Write into this notebook from now on. Events seen so far went nowhere (or elsewhere), so the target cells start
   * over and every event is replayed from the first.
   */
  setNotebook(notebook: INotebookModel): void {
    if (this._sink?.notebook === notebook || this._disposed) {
      return;
    }
    this._sink = new OutputSink(notebook);
    this._sink.reset(this._job.targets);
    this._writeNotes();
    if (this._lastSeq > 0) {
      this._lastSeq = 0;
      this._log = [];
      this._logText = '';
      if (this._ended) {
        // The socket is closed for good: the outputs come from the REST API.
        void this._fetch();
      } else {
        this._reconnectNow();
      }
    }
  }

  /** Stop writing into a cell (the user ran it in the kernel since). */
  detachCell(cellId: string): void {
    this._sink?.detach(cellId);
  }

  /** A final state known from elsewhere (the cancel reply): applied now, unless the run has ended already. */
  settle(job: IGpuJob): void {
    if (this._disposed || this._ended || !isTerminal(job.state)) {
      return;
    }
    this._setJob(job);
    this._changed.emit();
  }

  /** Apply one event (the socket's, or a test's). */
  apply(event: GpuEvent): void {
    if (this._disposed || !(event.seq > this._lastSeq)) {
      return;
    }
    this._lastSeq = event.seq;
    if (event.type === 'state') {
      this._setJob(event.job);
    } else {
      if (event.type === 'output') {
        this._addLog(event.output);
      } else if (event.type === 'clear' && !event.wait) {
        this._log = [];
        this._logText = '';
      }
      this._sink?.apply(event);
    }
    this._changed.emit();
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    clearTimeout(this._retry);
    this._closeSocket();
    Signal.clearData(this);
  }

  private _setJob(job: IGpuJob): void {
    const before = this._job;
    const now = Date.now();
    this._job = { ...job };
    if (job.state === 'running') {
      this._noteRunning(job, now);
      this._job.elapsed_seconds = (now - this._runningSince!) / 1000;
    }
    this._receivedAt = now;
    if (
      before.state !== job.state ||
      before.device !== job.device ||
      isTerminal(job.state)
    ) {
      this._writeNotes();
    }
    if (isTerminal(job.state)) {
      this._end();
    }
  }

  /**
   * When (by this browser's clock) the job started running: the earliest any event says. Replayed events (a
   * re-attach) carry the time of their day, so the time so far never counts back.
   */
  private _noteRunning(job: IGpuJob, now: number): void {
    const since = now - (job.elapsed_seconds ?? 0) * 1000;
    this._runningSince =
      this._runningSince === null ? since : Math.min(this._runningSince, since);
  }

  /** Each target cell's record of this job. */
  private _writeNotes(): void {
    const sink = this._sink;
    if (!sink) {
      return;
    }
    const job = this._job;
    for (const id of job.targets) {
      const cell = sink.cell(id);
      if (!cell) {
        continue;
      }
      const old = readNote(cell);
      // A newer run of the cell owns its record.
      if (old && old.job !== job.id && !isTerminal(old.state)) {
        continue;
      }
      writeNote(cell, {
        job: job.id,
        state: job.state,
        device: job.device,
        seconds: Math.round(job.elapsed_seconds ?? 0)
      });
    }
  }

  private _addLog(output: nbformat.IOutput): void {
    let text = '';
    if (output.output_type === 'stream') {
      const value = (output as nbformat.IStream).text;
      text = Array.isArray(value) ? value.join('') : String(value ?? '');
    } else if (output.output_type === 'error') {
      const error = output as nbformat.IError;
      text = `${error.ename}: ${error.evalue}\n`;
    } else {
      return;
    }
    // Keep the tail of the text; carriage returns (progress bars) keep only the last state of a line.
    this._logText = (this._logText + text).slice(-LOG_CHARS);
    const lines = this._logText
      .split('\n')
      .map(line => line.split('\r').pop() ?? '');
    if (lines.length > 0 && lines[lines.length - 1] === '') {
      lines.pop();
    }
    this._log = lines.slice(-LOG_LINES);
  }

  private _connect(): void {
    if (this._disposed || this._ended) {
      return;
    }
    const Socket = this._api.settings.WebSocket;
    let socket: WebSocket;
    try {
      socket = new Socket(this._api.eventsUrl(this._job.id, this._lastSeq));
    } catch {
      this._scheduleRetry();
      return;
    }
    this._socket = socket;
    socket.onopen = () => {
      if (this._socket !== socket) {
        return;
      }
      this._connected = true;
      this._failures = 0;
      this._changed.emit();
    };
    socket.onmessage = (message: MessageEvent) => {
      if (this._socket !== socket) {
        return;
      }
      this._failures = 0;
      let event: GpuEvent;
      try {
        event = JSON.parse(String(message.data));
      } catch {
        return;
      }
      if (event && typeof event.seq === 'number') {
        this.apply(event);
      }
    };
    socket.onclose = () => {
      if (this._socket !== socket) {
        return;
      }
      this._socket = null;
      const wasConnected = this._connected;
      this._connected = false;
      if (this._disposed || this._ended) {
        return;
      }
      if (!wasConnected) {
        this._failures++;
      }
      this._changed.emit();
      this._scheduleRetry();
    };
  }

  private _scheduleRetry(): void {
    if (this._disposed || this._ended) {
      return;
    }
    if (this._failures >= FAILURES_BEFORE_FETCH) {
      this._failures = 0;
      void this._fetch().then(() => this._scheduleRetry());
      return;
    }
    const delay = Math.min(
      RETRY_MAX_MS,
      RETRY_FIRST_MS * 2 ** Math.max(0, this._attempt++)
    );
    clearTimeout(this._retry);
    this._retry = setTimeout(() => this._connect(), delay);
  }

  private _reconnectNow(): void {
    clearTimeout(this._retry);
    this._closeSocket();
    this._attempt = 0;
    this._connect();
  }

  /** Ask the REST API: a finished job's outputs and state come from there; a job that is gone ends the run. */
  private async _fetch(): Promise<void> {
    if (this._disposed) {
      return;
    }
    try {
      const detail = await this._api.job(this._job.id);
      if (this._disposed) {
        return;
      }
      if (isTerminal(detail.job.state) || this._ended) {
        if (this._sink) {
          for (const id of detail.job.targets) {
            this._sink.setOutputs(id, detail.outputs[id] ?? []);
          }
        }
        this._setJob(detail.job);
        this._changed.emit();
      }
    } catch (reason: any) {
      if (reason?.code === 'not_found') {
        // The queue forgot it: say so in the cells, and stop.
        this._setJob({
          ...this._job,
          state: 'interrupted',
          position: 0,
          estimate_seconds: null
        });
        this._changed.emit();
      }
    }
  }

  private _end(): void {
    if (this._ended) {
      return;
    }
    this._ended = true;
    clearTimeout(this._retry);
    this._closeSocket();
    this._endedCallback?.(this);
  }

  private _closeSocket(): void {
    const socket = this._socket;
    this._socket = null;
    this._connected = false;
    if (socket) {
      socket.onopen = null;
      socket.onmessage = null;
      socket.onclose = null;
      try {
        socket.close();
      } catch {
        // Already closed.
      }
    }
  }

  private _api: GpuApi;
  private _job: IGpuJob;
  private _sink: OutputSink | null = null;
  private _socket: WebSocket | null = null;
  private _connected = false;
  private _ended = false;
  private _disposed = false;
  private _lastSeq = 0;
  private _failures = 0;
  private _attempt = 0;
  private _retry: ReturnType<typeof setTimeout> | undefined;
  private _log: string[] = [];
  private _logText = '';
  private _receivedAt = Date.now();
  private _runningSince: number | null = null;
  private _endedCallback?: (run: JobRun) => void;
  private _changed = new Signal<IJobRun, void>(this);
}
