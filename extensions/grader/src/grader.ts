/**
 * The grader store: one grading session per notebook (Check and Submit, the submission being graded, the newest
 * results, the attempts), the class's results for teachers, and releases. A student's server has a quarter of a CPU,
 * so nothing is fetched on a timer: a submission being graded is followed with a long poll
 * (`GET submissions/{id}?wait=25`, answered as soon as the grade is there), and only while someone watches (a
 * visible panel); the attempts are fetched when the panel shows a notebook and after each grading.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import { ISignal, Signal } from '@lumino/signaling';

import { GraderApi, GraderApiError, WAIT_SECONDS } from './api';
import { graderErrorText } from './errorText';
import type {
  GradingMode,
  GradingPhase,
  IClassResults,
  IGrader,
  IGradingSession,
  IReleaseReply,
  ISubmission
} from './tokens';
import { isGrading } from './tokens';
import { gradescopeJson } from './view';

/** The least time between two polls of a submission when the server answers at once (it ignores `wait`). */
export const POLL_GAP_MS = 1500;
/** The time between two fetches of the class's results while some are being (re)graded. */
export const CLASS_POLL_MS = 5000;
/** How long the teacher flag is not asked for again after the server could not answer. */
export const PROBE_RETRY_MS = 60000;
/** The longest wait before asking again after the server could not be reached. */
export const MAX_BACKOFF_MS = 30000;

export interface IGraderOptions {
  api: GraderApi;
  trans: TranslationBundle;
  /** The language sent with submissions (`en`, `zh_CN`). */
  lang: string;
  pollGapMs?: number;
  classPollMs?: number;
}

function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}

export class GradingSession implements IGradingSession {
  constructor(
    readonly path: string,
    private readonly _grader: Grader
  ) {}

  get phase(): GradingPhase {
    if (this._active && isGrading(this._active)) {
      return this._active.state === 'running' ? 'running' : 'queued';
    }
    return this._pending ? this._phase : 'idle';
  }

  get pending(): { mode: GradingMode; question: string | null } | null {
    return this._pending;
  }

  get active(): ISubmission | null {
    return this._active;
  }

  get lastSubmit(): ISubmission | null {
    return this._lastSubmit;
  }

  lastCheck(question: string): ISubmission | null {
    return this._lastChecks.get(question) ?? null;
  }

  get attempts(): readonly ISubmission[] {
    return this._attempts;
  }

  get error(): string {
    return this._error;
  }

  get loaded(): boolean {
    return this._loaded;
  }

  get changed(): ISignal<IGradingSession, void> {
    return this._changed;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  dispose(): void {
    this._disposed = true;
    Signal.clearData(this);
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

  check(question: string, save: () => Promise<void>): Promise<void> {
    return this._grade('check', question, save);
  }

  submit(save: () => Promise<void>): Promise<void> {
    return this._grade('submit', null, save);
  }

  /** Follow the submission being graded again (someone watches again). */
  resume(): void {
    if (this._active && isGrading(this._active)) {
      void this._follow();
    }
  }

  private async _refresh(): Promise<void> {
    let subs: ISubmission[];
    try {
      subs = await this._grader.api.submissions(this.path);
    } catch (reason) {
      if (this._disposed) {
        return;
      }
      this._error = graderErrorText(reason, this._grader.trans);
      this._changed.emit();
      return;
    }
    if (this._disposed) {
      return;
    }
    const valid = subs.filter(sub => sub && typeof sub.id === 'string');
    this._attempts = valid.filter(sub => sub.mode === 'submit');
    this._lastSubmit =
      this._attempts.find(sub => sub.state === 'done') ?? this._lastSubmit;
    const checks = new Map<string, ISubmission>();
    for (const sub of valid) {
      if (
        sub.mode === 'check' &&
        sub.state === 'done' &&
        sub.question &&
        !checks.has(sub.question)
      ) {
        checks.set(sub.question, sub);
      }
    }
    for (const [question, sub] of checks) {
      const known = this._lastChecks.get(question);
      if (!known || Date.parse(sub.created) >= Date.parse(known.created)) {
        this._lastChecks.set(question, sub);
      }
    }
    this._loaded = true;
    if (this._active) {
      const again = valid.find(sub => sub.id === this._active!.id);
      if (again && !isGrading(again)) {
        this._finish(again);
        return;
      }
    } else if (!this._pending) {
      // Graded in an earlier visit (a reload while it waited): follow it.
      const going = valid.find(sub => isGrading(sub));
      if (going) {
        this._pending = { mode: going.mode, question: going.question };
        this._active = going;
        this._changed.emit();
        void this._follow();
        return;
      }
    }
    this._changed.emit();
  }

  private async _grade(
    mode: GradingMode,
    question: string | null,
    save: () => Promise<void>
  ): Promise<void> {
    if (this._pending || this._disposed) {
      return;
    }
    const { api, trans, lang } = this._grader;
    this._pending = { mode, question };
    this._phase = 'saving';
    this._error = '';
    this._changed.emit();
    try {
      await save();
    } catch (reason: any) {
      this._fail(
        graderErrorText(
          {
            code: 'save_failed',
            message: String(reason?.message ?? reason)
          },
          trans
        )
      );
      return;
    }
    this._phase = 'sending';
    this._changed.emit();
    let sub: ISubmission;
    try {
      sub = await api.submit({
        notebook: this.path,
        mode,
        ...(question !== null ? { question } : {}),
        lang
      });
    } catch (reason) {
      this._fail(graderErrorText(reason, trans));
      return;
    }
    if (this._disposed) {
      return;
    }
    this._active = sub;
    if (sub.mode === 'submit' || mode === 'submit') {
      this._attempts = [sub, ...this._attempts.filter(s => s.id !== sub.id)];
    }
    this._changed.emit();
    if (isGrading(sub)) {
      void this._follow();
    } else {
      this._finish(sub);
    }
  }

  private _fail(error: string): void {
    this._pending = null;
    this._active = null;
    this._phase = 'idle';
    this._error = error;
    this._changed.emit();
  }

  /** Long-poll the active submission until it is graded, while someone watches. */
  private async _follow(): Promise<void> {
    if (this._following) {
      return;
    }
    this._following = true;
    let failures = 0;
    try {
      while (!this._disposed) {
        const active = this._active;
        if (!active) {
          return;
        }
        if (!isGrading(active)) {
          this._finish(active);
          return;
        }
        if (!this._grader.watched) {
          return; // resume() goes on when the panel shows again
        }
        const started = Date.now();
        let sub: ISubmission;
        try {
          sub = await this._grader.api.submission(active.id, WAIT_SECONDS);
        } catch (reason) {
          if (this._disposed || this._active !== active) {
            return;
          }
          const error = reason as GraderApiError;
          if (error.status >= 400 && error.status < 500) {
            // Gone (or not the user's): nothing more to wait for.
            this._fail(graderErrorText(reason, this._grader.trans));
            return;
          }
          failures++;
          if (failures >= 2) {
            this._error = graderErrorText(reason, this._grader.trans);
            this._changed.emit();
          }
          await sleep(
            Math.min(
              MAX_BACKOFF_MS,
              Math.max(this._grader.pollGapMs, 1000) * 2 ** failures
            )
          );
          continue;
        }
        if (this._disposed || this._active !== active) {
          return;
        }
        if (failures > 0) {
          failures = 0;
          this._error = '';
        }
        this._active = sub;
        this._attempts = this._attempts.map(each =>
          each.id === sub.id ? sub : each
        );
        if (!isGrading(sub)) {
          this._finish(sub);
          return;
        }
        this._changed.emit();
        if (Date.now() - started < this._grader.pollGapMs) {
          await sleep(this._grader.pollGapMs);
        }
      }
    } finally {
      this._following = false;
    }
  }

  private _finish(sub: ISubmission): void {
    this._attempts = this._attempts.map(each =>
      each.id === sub.id ? sub : each
    );
    if (sub.state === 'done') {
      this._error = '';
      if (sub.mode === 'submit') {
        this._lastSubmit = sub;
        this._grader.submitted(sub);
      } else if (sub.question) {
        this._lastChecks.set(sub.question, sub);
      }
    } else {
      this._error = graderErrorText(
        sub.error ?? { code: 'grading_failed', message: '' },
        this._grader.trans
      );
    }
    this._active = null;
    this._pending = null;
    this._phase = 'idle';
    this._changed.emit();
  }

  private _phase: GradingPhase = 'idle';
  private _pending: { mode: GradingMode; question: string | null } | null =
    null;
  private _active: ISubmission | null = null;
  private _lastSubmit: ISubmission | null = null;
  private _lastChecks = new Map<string, ISubmission>();
  private _attempts: ISubmission[] = [];
  private _error = '';
  private _loaded = false;
  private _following = false;
  private _disposed = false;
  private _refreshing: Promise<void> | null = null;
  private _changed = new Signal<IGradingSession, void>(this);
}

export class ClassResults implements IClassResults {
  constructor(
    readonly assignment: string,
    private readonly _grader: Grader
  ) {}

  get rows(): readonly ISubmission[] {
    return this._rows;
  }

  get loaded(): boolean {
    return this._loaded;
  }

  get loading(): boolean {
    return this._refreshing !== null;
  }

  get error(): string {
    return this._error;
  }

  get note(): string {
    return this._note;
  }

  get changed(): ISignal<IClassResults, void> {
    return this._changed;
  }

  dispose(): void {
    this._disposed = true;
    clearTimeout(this._timer);
    Signal.clearData(this);
  }

  async refresh(): Promise<void> {
    if (this._refreshing) {
      return this._refreshing;
    }
    clearTimeout(this._timer);
    this._timer = undefined;
    this._refreshing = this._refresh().finally(() => {
      this._refreshing = null;
      if (!this._disposed) {
        this._changed.emit();
        this._schedule();
      }
    });
    this._changed.emit();
    return this._refreshing;
  }

  async regrade(): Promise<void> {
    const { api, trans } = this._grader;
    try {
      const queued = await api.regrade(this.assignment);
      this._note = trans._n(
        '%1 submission is being graded again.',
        '%1 submissions are being graded again.',
        queued
      );
      this._regrading = true;
      this._error = '';
    } catch (reason) {
      this._error = graderErrorText(reason, trans);
      this._changed.emit();
      return;
    }
    await this.refresh();
  }

  csv(): Promise<string> {
    return this._grader.api.resultsCsv(this.assignment);
  }

  /** Fetched afresh, as the CSV is: every student's latest graded submit. */
  async gradescope(): Promise<string> {
    return gradescopeJson(await this._grader.api.results(this.assignment));
  }

  /** Fetch again if some are still being graded (someone watches again). */
  resume(): void {
    if (this._rows.some(row => isGrading(row))) {
      void this.refresh();
    }
  }

  private async _refresh(): Promise<void> {
    try {
      const rows = await this._grader.api.results(this.assignment);
      this._rows = rows.filter(row => row && typeof row.id === 'string');
      this._loaded = true;
      this._error = '';
      if (this._regrading && !this._rows.some(row => isGrading(row))) {
        this._regrading = false;
        this._note = this._grader.trans.__(
          'Regrading is done: the table shows the new scores.'
        );
      }
    } catch (reason) {
      this._error = graderErrorText(reason, this._grader.trans);
    }
  }

  /** While some are (re)graded and someone watches, fetch again in a few seconds. */
  private _schedule(): void {
    if (
      this._timer === undefined &&
      this._grader.watched &&
      this._rows.some(row => isGrading(row))
    ) {
      this._timer = setTimeout(() => {
        this._timer = undefined;
        if (!this._disposed && this._grader.watched) {
          void this.refresh();
        }
      }, this._grader.classPollMs);
    }
  }

  private _rows: ISubmission[] = [];
  private _loaded = false;
  private _error = '';
  private _note = '';
  private _regrading = false;
  private _disposed = false;
  private _refreshing: Promise<void> | null = null;
  private _timer: ReturnType<typeof setTimeout> | undefined;
  private _changed = new Signal<IClassResults, void>(this);
}

export class Grader implements IGrader {
  constructor(options: IGraderOptions) {
    this.api = options.api;
    this.trans = options.trans;
    this.lang = options.lang;
    this.pollGapMs = options.pollGapMs ?? POLL_GAP_MS;
    this.classPollMs = options.classPollMs ?? CLASS_POLL_MS;
  }

  readonly api: GraderApi;
  readonly trans: TranslationBundle;
  readonly lang: string;
  readonly pollGapMs: number;
  readonly classPollMs: number;

  get teacher(): boolean | null {
    return this._teacher;
  }

  get watched(): boolean {
    return this._watchers > 0;
  }

  get changed(): ISignal<IGrader, void> {
    return this._changed;
  }

  session(path: string): GradingSession {
    let session = this._sessions.get(path);
    if (!session) {
      session = new GradingSession(path, this);
      this._sessions.set(path, session);
    }
    return session;
  }

  async probeTeacher(): Promise<boolean> {
    if (this._teacher !== null) {
      return this._teacher;
    }
    if (!this._probing && Date.now() - this._probeFailedAt < PROBE_RETRY_MS) {
      return false;
    }
    if (!this._probing) {
      this._probing = this.api
        .results('')
        .then(
          () => true,
          (reason: GraderApiError) => {
            // 403: a student. No grader here: not a teacher either. Unreachable: ask again later.
            if (reason?.status === 403 || reason?.code === 'no_grader_api') {
              return false;
            }
            throw reason;
          }
        )
        .then(
          teacher => {
            this._teacher = teacher;
            this._changed.emit();
            return teacher;
          },
          () => {
            this._probeFailedAt = Date.now();
            return false;
          }
        )
        .finally(() => {
          this._probing = null;
        });
    }
    return this._probing;
  }

  classResults(assignment: string): ClassResults {
    let results = this._classes.get(assignment);
    if (!results) {
      results = new ClassResults(assignment, this);
      this._classes.set(assignment, results);
    }
    return results;
  }

  /** A submit was graded: the class's results of its assignment (a teacher's own try) are fetched again if shown. */
  submitted(sub: ISubmission): void {
    const results = this._classes.get(sub.assignment);
    if (results?.loaded && this.watched) {
      void results.refresh();
    }
  }

  async release(path: string): Promise<IReleaseReply> {
    const reply = await this.api.release(path);
    this._releases.set(path, reply);
    if (reply.student_notebook) {
      this._releases.set(reply.student_notebook, reply);
    }
    this._changed.emit();
    return reply;
  }

  releaseOf(path: string): IReleaseReply | null {
    return this._releases.get(path) ?? null;
  }

  watch(): { dispose(): void } {
    this._watchers++;
    if (this._watchers === 1) {
      for (const session of this._sessions.values()) {
        session.resume();
      }
      for (const results of this._classes.values()) {
        results.resume();
      }
    }
    let done = false;
    return {
      dispose: () => {
        if (!done) {
          done = true;
          this._watchers--;
        }
      }
    };
  }

  dispose(): void {
    for (const session of this._sessions.values()) {
      session.dispose();
    }
    for (const results of this._classes.values()) {
      results.dispose();
    }
    this._sessions.clear();
    this._classes.clear();
    Signal.clearData(this);
  }

  private _teacher: boolean | null = null;
  private _probing: Promise<boolean> | null = null;
  private _probeFailedAt = -Infinity;
  private _watchers = 0;
  private _sessions = new Map<string, GradingSession>();
  private _classes = new Map<string, ClassResults>();
  private _releases = new Map<string, IReleaseReply>();
  private _changed = new Signal<IGrader, void>(this);
}
