/**
 * The grader side panel. It follows the current notebook: for a released assignment it lists the questions with
 * their points and ✓/✗, a Check button per question and one Submit (both save the notebook first, then follow the
 * grading with a progress line), each check's plain-words feedback with a Hint button, hidden checks only as counts,
 * the total score, the repairs made to the graded copy and the attempts. A click on a question's title jumps to its
 * cell. Teachers also see the class's results (classView.ts), and on a source notebook a Release button. It fetches
 * only while it is visible. Text only, never HTML.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import { isSourceNotebook, readAssignment } from './assignment';
import { ClassView } from './classView';
import { graderErrorText } from './errorText';
import type {
  IAssignment,
  IClassResults,
  IGradedNotebook,
  IGrader,
  IGradingSession,
  IQuestion,
  ISubmission
} from './tokens';
import { isGrading } from './tokens';
import {
  checkStatus,
  formatPoints,
  formatWhen,
  IQuestionView,
  latestRepairs,
  questionView,
  releaseLines,
  repairTexts,
  STATUS_MARKS,
  statusLabel,
  totalScore
} from './view';

/** The panel's id (also its side-bar tab). */
export const PANEL_ID = 'classlab-grader-panel';

export { STATUS_MARKS } from './view';

export interface IGraderPanelOptions {
  grader: IGrader;
  trans: TranslationBundle;
  /** Jump to a cell of the notebook. */
  goToCell?: (notebook: IGradedNotebook, cellId: string) => void;
  /** Release a source notebook (teachers); throws with the reason. */
  release?: (notebook: IGradedNotebook) => Promise<void>;
  /** Save a text as a downloaded file. */
  download?: (name: string, text: string) => void;
  /** Ask before something that cannot be undone (`accept`: the label of the button that goes ahead). */
  confirm?: (title: string, body: string, accept: string) => Promise<boolean>;
}

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text?: string
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

function button(className: string, label: string): HTMLButtonElement {
  const node = element('button', `jp-Button jp-mod-styled ${className}`);
  node.type = 'button';
  node.textContent = label;
  return node;
}

function setText(node: HTMLElement, text: string): void {
  if (node.textContent !== text) {
    node.textContent = text;
  }
}

/** The last part of a path. */
function baseName(path: string): string {
  return path.split('/').pop() || path;
}

/** Save a text as a file through a temporary link. */
function browserDownload(name: string, text: string): void {
  const type = name.endsWith('.json') ? 'application/json' : 'text/csv';
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export class GraderPanel extends Widget {
  constructor(options: IGraderPanelOptions) {
    super();
    this._options = options;
    const { trans } = options;
    this.id = PANEL_ID;
    this.addClass('jp-classlab-grader-panel');
    this.title.caption = trans.__('Grader: check your answers');

    const title = element('h2', 'jp-classlab-grader-title', trans.__('Grader'));
    this._name = element('div', 'jp-classlab-grader-notebook');
    this._message = element('div', 'jp-classlab-grader-message');

    // A teacher's source notebook: release it.
    this._releaseBox = element('div', 'jp-classlab-grader-release');
    const releaseText = element(
      'div',
      'jp-classlab-grader-releaseText',
      trans.__(
        'This is a teacher’s notebook with grader cells. Release it to make the students’ copy: answers and hidden tests are taken out.'
      )
    );
    this._releaseButton = button(
      'jp-mod-accept jp-classlab-grader-releaseButton',
      trans.__('Release to Students')
    );
    this._releaseButton.addEventListener('click', () => void this._release());
    this._releaseError = element('div', 'jp-classlab-grader-error');
    this._releaseError.setAttribute('role', 'alert');
    this._releaseBox.append(
      releaseText,
      this._releaseButton,
      this._releaseError
    );
    this._summary = element('div', 'jp-classlab-grader-releaseSummary');

    // A student's assignment.
    this._student = element('div', 'jp-classlab-grader-student');
    const head = element('div', 'jp-classlab-grader-summary');
    this._total = element('div', 'jp-classlab-grader-total');
    this._submit = button(
      'jp-mod-accept jp-classlab-grader-submit',
      trans.__('Submit')
    );
    this._submit.title = trans.__(
      'Save the notebook and grade every question, hidden checks too. This counts as an attempt.'
    );
    this._submit.addEventListener('click', () => void this._grade(null));
    head.append(this._total, this._submit);
    this._intro = element(
      'div',
      'jp-classlab-grader-intro',
      trans.__(
        'Press Check under a question to test your answer. Submit grades everything and counts as an attempt.'
      )
    );
    this._progress = element('div', 'jp-classlab-grader-progress');
    this._progress.setAttribute('role', 'status');
    this._progressText = element('span', 'jp-classlab-grader-progressText');
    const bar = element('div', 'jp-classlab-grader-progressBar');
    bar.appendChild(element('div', 'jp-classlab-grader-progressFill'));
    this._progress.append(this._progressText, bar);
    this._error = element('div', 'jp-classlab-grader-error');
    this._error.setAttribute('role', 'alert');
    this._repairs = element('div', 'jp-classlab-grader-repairs');
    this._questions = element('ul', 'jp-classlab-grader-questions');
    this._history = element('details', 'jp-classlab-grader-history');
    this._historySummary = element(
      'summary',
      'jp-classlab-grader-historyTitle'
    );
    this._historyList = element('ol', 'jp-classlab-grader-attempts');
    this._history.append(this._historySummary, this._historyList);
    this._student.append(
      head,
      this._intro,
      this._progress,
      this._error,
      this._repairs,
      this._questions,
      this._history
    );

    this._classView = new ClassView({
      trans,
      download: options.download ?? browserDownload,
      confirm: options.confirm ?? (async () => true)
    });

    this.node.append(
      title,
      this._name,
      this._message,
      this._summary,
      this._releaseBox,
      this._student,
      this._classView.node
    );
    options.grader.changed.connect(this._onChanged, this);
    this._render();
  }

  /** The notebook the panel follows. */
  get notebook(): IGradedNotebook | null {
    return this._notebook;
  }

  /** The question items, for tests: one per question. */
  get items(): HTMLLIElement[] {
    return [...this._questions.querySelectorAll<HTMLLIElement>(':scope > li')];
  }

  /** Follow another notebook (null: none is open). */
  setNotebook(notebook: IGradedNotebook | null): void {
    if (notebook === this._notebook) {
      return;
    }
    this._notebook?.changed.disconnect(this._onChanged, this);
    this._notebook = notebook;
    notebook?.changed.connect(this._onChanged, this);
    this._releaseError.textContent = '';
    this._openHints.clear();
    this._items.forEach(item => item.remove());
    this._items.clear();
    this._render();
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._unwatch();
    this._notebook?.changed.disconnect(this._onChanged, this);
    this._follow(null, null);
    this._options.grader.changed.disconnect(this._onChanged, this);
    super.dispose();
  }

  /** Draw the panel now (also called on every change). */
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
      this._watching = this._options.grader.watch();
      // Shown again: what could not be fetched before is asked for once more.
      this._asked = new WeakSet<object>();
    }
    this._render();
  }

  private _unwatch(): void {
    this._watching?.dispose();
    this._watching = null;
  }

  private _onChanged(): void {
    this._render();
  }

  /** Listen to the session and class results of the notebook shown (and only those). */
  private _follow(
    session: IGradingSession | null,
    results: IClassResults | null
  ): void {
    if (session !== this._session) {
      this._session?.changed.disconnect(this._onChanged, this);
      this._session = session;
      session?.changed.connect(this._onChanged, this);
    }
    if (results !== this._results) {
      this._results?.changed.disconnect(this._onChanged, this);
      this._results = results;
      results?.changed.connect(this._onChanged, this);
    }
  }

  private _render(): void {
    if (this.isDisposed) {
      return;
    }
    const { grader, trans } = this._options;
    const notebook = this._notebook;
    const visible = this._watching !== null;
    const content = notebook?.read() ?? null;
    const assignment =
      notebook && content ? readAssignment(content, grader.lang) : null;
    const session =
      assignment && notebook ? grader.session(notebook.path) : null;
    const teacher = grader.teacher === true;
    const results =
      assignment && teacher ? grader.classResults(assignment.id) : null;
    this._follow(session, results);

    if (visible && notebook && grader.teacher === null) {
      void grader.probeTeacher();
    }
    if (visible && session && !session.loaded && !this._asked.has(session)) {
      this._asked.add(session);
      void session.refresh();
    }
    if (visible && results && !results.loaded && !results.loading) {
      if (!this._asked.has(results)) {
        this._asked.add(results);
        void results.refresh();
      }
    }

    setText(this._name, notebook ? baseName(notebook.path) : '');
    this._name.title = notebook?.path ?? '';
    // A source that names its assignment also gets the questions: a teacher can check the solutions against the
    // last release.
    const source = !!content && isSourceNotebook(content);
    let message = '';
    if (!notebook) {
      message = trans.__(
        'Open an assignment notebook to check your answers here.'
      );
    } else if (!assignment) {
      message = source
        ? teacher
          ? ''
          : trans.__(
              'This notebook has grader cells but is not a released assignment yet.'
            )
        : trans.__('This notebook is not a graded assignment.');
    } else if (assignment.questions.length === 0) {
      message = trans.__('This assignment has no questions to check.');
    }
    setText(this._message, message);
    this._message.hidden = message === '';

    const reply = notebook ? grader.releaseOf(notebook.path) : null;
    this._summary.hidden = !reply;
    if (reply) {
      setText(this._summary, '');
      for (const line of releaseLines(reply, trans)) {
        this._summary.appendChild(
          element('div', 'jp-classlab-grader-releaseLine', line)
        );
      }
    }
    this._releaseBox.hidden = !(source && teacher && this._options.release);
    this._releaseButton.disabled = this._releasing;
    setText(
      this._releaseButton,
      this._releasing ? trans.__('Releasing…') : trans.__('Release to Students')
    );
    this._releaseError.hidden = this._releaseError.textContent === '';

    this._student.hidden = !assignment || !session;
    if (assignment && session) {
      this._renderStudent(assignment, session);
    }

    this._classView.node.hidden = !results || !assignment;
    if (results && assignment) {
      this._classView.render(results, assignment.questions);
    }
  }

  private _renderStudent(
    assignment: IAssignment,
    session: IGradingSession
  ): void {
    const { grader, trans } = this._options;
    const busy = session.pending !== null;
    const total = totalScore(session);
    setText(
      this._total,
      total
        ? trans.__(
            'Score: %1 / %2',
            formatPoints(total.score),
            formatPoints(total.maxScore)
          )
        : trans._n(
            'Not submitted yet · %1 point in all',
            'Not submitted yet · %1 points in all',
            Math.round(assignment.points * 100) / 100
          )
    );
    this._total.dataset.graded = total ? 'true' : 'false';
    this._submit.disabled = busy || assignment.questions.length === 0;

    const views = assignment.questions.map(question =>
      questionView(question, session, grader.lang)
    );
    this._intro.hidden = views.some(view => view.from !== null);

    this._progress.hidden = !busy;
    this._progress.dataset.phase = session.phase;
    setText(this._progressText, busy ? this._progressLabel(session) : '');

    setText(this._error, session.error);
    this._error.hidden = session.error === '';

    const repairs = repairTexts(
      latestRepairs(session, assignment.questions),
      trans
    );
    this._repairs.hidden = repairs.length === 0;
    this._repairs.textContent = '';
    if (repairs.length > 0) {
      this._repairs.append(
        ...repairs.map(text =>
          element('div', 'jp-classlab-grader-repair', text)
        ),
        element(
          'div',
          'jp-classlab-grader-repairNote',
          trans.__(
            'This was done only in the copy that was graded; your notebook is as you left it.'
          )
        )
      );
    }

    const seen = new Set<string>();
    let previous: HTMLLIElement | null = null;
    for (const view of views) {
      const id = view.question.id;
      seen.add(id);
      let item = this._items.get(id);
      if (!item) {
        item = this._createItem(view.question);
        this._items.set(id, item);
      }
      this._fillItem(item, view, busy);
      const next: ChildNode | null = previous
        ? previous.nextSibling
        : this._questions.firstChild;
      if (next !== item) {
        this._questions.insertBefore(item, next);
      }
      previous = item;
    }
    for (const [id, item] of this._items) {
      if (!seen.has(id)) {
        item.remove();
        this._items.delete(id);
      }
    }
    this._renderHistory(session);
  }

  private _progressLabel(session: IGradingSession): string {
    const { trans } = this._options;
    const pending = session.pending;
    switch (session.phase) {
      case 'saving':
        return trans.__('Saving your notebook…');
      case 'sending':
        return trans.__('Sending it to the grader…');
      case 'queued':
        return trans.__('Waiting for the grader…');
      default:
        return pending?.mode === 'check' && pending.question
          ? trans.__('Checking question %1…', pending.question)
          : trans.__('Grading your notebook…');
    }
  }

  private _createItem(question: IQuestion): HTMLLIElement {
    const { trans } = this._options;
    const item = element('li', 'jp-classlab-grader-question');
    item.dataset.question = question.id;
    const head = element('div', 'jp-classlab-grader-questionHead');
    const mark = element('span', 'jp-classlab-grader-questionStatus');
    const title = element('button', 'jp-classlab-grader-questionTitle');
    title.type = 'button';
    title.title = trans.__('Go to this question in the notebook');
    title.addEventListener('click', () => {
      const cellId = item.dataset.cellId;
      if (this._notebook && cellId) {
        this._options.goToCell?.(this._notebook, cellId);
      }
    });
    const points = element('span', 'jp-classlab-grader-questionPoints');
    head.append(mark, title, points);
    const body = element('div', 'jp-classlab-grader-questionBody');
    const actions = element('div', 'jp-classlab-grader-questionActions');
    const check = button('jp-classlab-grader-check', trans.__('Check'));
    check.addEventListener('click', () => void this._grade(question.id));
    actions.append(check);
    item.append(head, body, actions);
    return item;
  }

  private _fillItem(
    item: HTMLLIElement,
    view: IQuestionView,
    busy: boolean
  ): void {
    const { trans } = this._options;
    const { question } = view;
    item.dataset.status = view.status;
    item.dataset.cellId = question.cellId;
    const mark = item.querySelector<HTMLElement>(
      '.jp-classlab-grader-questionStatus'
    )!;
    setText(mark, STATUS_MARKS[view.status] ?? '');
    mark.setAttribute('aria-label', this._statusLabel(view.status));
    mark.title = this._statusLabel(view.status);
    setText(
      item.querySelector<HTMLElement>('.jp-classlab-grader-questionTitle')!,
      question.title ? `${question.id} · ${question.title}` : question.id
    );
    const points =
      view.from === 'submit' && view.score !== null
        ? trans._n(
            '%2 / %1 point',
            '%2 / %1 points',
            Math.round((view.maxScore ?? 0) * 100) / 100,
            formatPoints(view.score)
          )
        : trans._n(
            '%1 point',
            '%1 points',
            Math.round(question.points * 100) / 100
          );
    setText(
      item.querySelector<HTMLElement>('.jp-classlab-grader-questionPoints')!,
      points
    );
    const check = item.querySelector<HTMLButtonElement>(
      '.jp-classlab-grader-check'
    )!;
    check.disabled = busy || question.checks.length === 0;
    check.title =
      question.checks.length === 0
        ? trans.__('This question has only checks that run when you submit.')
        : trans.__('Save the notebook and run this question’s checks');

    const body = item.querySelector<HTMLElement>(
      '.jp-classlab-grader-questionBody'
    )!;
    body.textContent = '';
    if (view.rows.length > 0) {
      const list = element('ul', 'jp-classlab-grader-checks');
      for (const row of view.rows) {
        list.appendChild(this._checkRow(question, row));
      }
      body.appendChild(list);
      if (view.from === 'check') {
        body.appendChild(
          element(
            'div',
            'jp-classlab-grader-practice',
            trans.__('Checked: not your grade until you submit.')
          )
        );
      }
    } else if (view.status !== 'grading') {
      body.appendChild(
        element(
          'div',
          'jp-classlab-grader-notChecked',
          question.checks.length > 0
            ? trans._n(
                'Not checked yet: %1 check runs when you press Check.',
                'Not checked yet: %1 checks run when you press Check.',
                question.checks.length
              )
            : trans.__('Not graded yet.')
        )
      );
    }
    if (view.hidden) {
      body.appendChild(
        element(
          'div',
          'jp-classlab-grader-hidden',
          trans.__(
            'Hidden checks: %1 of %2 passed',
            view.hidden.passed,
            view.hidden.total
          )
        )
      );
    } else if (view.hiddenToRun > 0) {
      body.appendChild(
        element(
          'div',
          'jp-classlab-grader-hidden',
          trans._n(
            '%1 more check runs when you submit',
            '%1 more checks run when you submit',
            view.hiddenToRun
          )
        )
      );
    }
  }

  private _checkRow(
    question: IQuestion,
    row: IQuestionView['rows'][number]
  ): HTMLLIElement {
    const { trans } = this._options;
    const item = element('li', 'jp-classlab-grader-checkRow');
    const status = checkStatus(row);
    item.dataset.check = row.id;
    item.dataset.status = status;
    const head = element('div', 'jp-classlab-grader-checkHead');
    const mark = element(
      'span',
      'jp-classlab-grader-checkMark',
      STATUS_MARKS[status]
    );
    mark.setAttribute('aria-label', this._statusLabel(status));
    const name = element(
      'span',
      'jp-classlab-grader-checkName',
      trans.__('Check %1', row.number)
    );
    const points = element(
      'span',
      'jp-classlab-grader-checkPoints',
      trans._n(
        '%2 / %1 point',
        '%2 / %1 points',
        Math.round(row.maxScore * 100) / 100,
        formatPoints(row.score)
      )
    );
    head.append(mark, name, points);
    item.appendChild(head);
    if (row.output) {
      item.appendChild(
        element('div', 'jp-classlab-grader-checkOutput', row.output)
      );
    }
    if (row.hint && !row.passed) {
      const key = `${question.id}\u0000${row.id}`;
      const hintButton = button(
        'jp-classlab-grader-hintButton',
        trans.__('Hint')
      );
      const hint = element('div', 'jp-classlab-grader-hint', row.hint);
      const open = this._openHints.has(key);
      hint.hidden = !open;
      hintButton.setAttribute('aria-expanded', String(open));
      hintButton.addEventListener('click', () => {
        const show = hint.hidden;
        hint.hidden = !show;
        hintButton.setAttribute('aria-expanded', String(show));
        if (show) {
          this._openHints.add(key);
        } else {
          this._openHints.delete(key);
        }
      });
      item.append(hintButton, hint);
    }
    if (row.trust === 'in-sandbox') {
      item.dataset.trust = 'in-sandbox';
    }
    return item;
  }

  private _statusLabel(status: string): string {
    return statusLabel(status, this._options.trans);
  }

  private _renderHistory(session: IGradingSession): void {
    const { trans } = this._options;
    const attempts = session.attempts;
    this._history.hidden = attempts.length === 0;
    setText(
      this._historySummary,
      trans.__('Your attempts (%1)', attempts.length)
    );
    this._historyList.textContent = '';
    attempts.forEach((sub: ISubmission, index: number) => {
      const item = element('li', 'jp-classlab-grader-attempt');
      item.dataset.state = sub.state;
      item.dataset.submission = sub.id;
      const number =
        sub.attempt ??
        sub.results?.extra_data?.attempt ??
        attempts.length - index;
      const when = formatWhen(sub.created);
      let what: string;
      if (isGrading(sub)) {
        what = trans.__('being graded…');
      } else if (sub.state === 'failed') {
        what = trans.__('could not be graded');
        item.title = graderErrorText(
          sub.error ?? { code: 'grading_failed' },
          trans
        );
      } else {
        const score = sub.results ? sub.results.score : sub.score;
        const max = sub.results ? sub.results.max_score : sub.max_score;
        what =
          score != null && max != null
            ? trans.__('%1 / %2 points', formatPoints(score), formatPoints(max))
            : '';
      }
      item.textContent = [trans.__('Attempt %1', number), what, when]
        .filter(Boolean)
        .join(' · ');
      this._historyList.appendChild(item);
    });
  }

  private async _grade(question: string | null): Promise<void> {
    const notebook = this._notebook;
    if (!notebook) {
      return;
    }
    const session = this._options.grader.session(notebook.path);
    const save = () => notebook.save();
    if (question === null) {
      await session.submit(save);
    } else {
      await session.check(question, save);
    }
  }

  private async _release(): Promise<void> {
    const notebook = this._notebook;
    const release = this._options.release;
    if (!notebook || !release || this._releasing) {
      return;
    }
    this._releasing = true;
    this._releaseError.textContent = '';
    this._render();
    try {
      await release(notebook);
    } catch (reason) {
      this._releaseError.textContent = graderErrorText(
        reason,
        this._options.trans
      );
    }
    this._releasing = false;
    this._render();
  }

  private _options: IGraderPanelOptions;
  private _notebook: IGradedNotebook | null = null;
  private _session: IGradingSession | null = null;
  private _results: IClassResults | null = null;
  private _watching: { dispose(): void } | null = null;
  private _asked = new WeakSet<object>();
  private _items = new Map<string, HTMLLIElement>();
  private _openHints = new Set<string>();
  private _releasing = false;
  private _name: HTMLElement;
  private _message: HTMLElement;
  private _summary: HTMLElement;
  private _releaseBox: HTMLElement;
  private _releaseButton: HTMLButtonElement;
  private _releaseError: HTMLElement;
  private _student: HTMLElement;
  private _total: HTMLElement;
  private _submit: HTMLButtonElement;
  private _intro: HTMLElement;
  private _progress: HTMLElement;
  private _progressText: HTMLElement;
  private _error: HTMLElement;
  private _repairs: HTMLElement;
  private _questions: HTMLUListElement;
  private _history: HTMLDetailsElement;
  private _historySummary: HTMLElement;
  private _historyList: HTMLOListElement;
  private _classView: ClassView;
}
