/**
 * The teacher's view of an assignment in the grader panel: the class's latest submits (student, attempt, score, the
 * points of each question), a small bar chart of each question's pass rate (plain SVG, no chart library), and
 * Refresh, Download CSV, Download Gradescope JSON and Regrade All. Text only, never HTML.
 */
import type { TranslationBundle } from '@jupyterlab/translation';

import { graderErrorText } from './errorText';
import type { IClassResults, IQuestion, ISubmission } from './tokens';
import { isGrading } from './tokens';
import {
  formatPoints,
  hasInSandboxTests,
  passRates,
  rowQuestionScore
} from './view';

const SVG = 'http://www.w3.org/2000/svg';

export interface IClassViewOptions {
  trans: TranslationBundle;
  /** Save a text as a downloaded file. */
  download: (name: string, text: string) => void;
  /** Ask before something that cannot be undone (`accept`: the label of the button that goes ahead). */
  confirm: (title: string, body: string, accept: string) => Promise<boolean>;
}

function button(className: string, label: string): HTMLButtonElement {
  const node = document.createElement('button');
  node.type = 'button';
  node.className = `jp-Button jp-mod-styled ${className}`;
  node.textContent = label;
  return node;
}

export class ClassView {
  constructor(private readonly _options: IClassViewOptions) {
    const { trans } = _options;
    const node = document.createElement('section');
    node.className = 'jp-classlab-grader-teacher';
    const title = document.createElement('h3');
    title.textContent = trans.__('Class results');
    const actions = document.createElement('div');
    actions.className = 'jp-classlab-grader-teacherActions';
    this._refresh = button('jp-classlab-grader-refresh', trans.__('Refresh'));
    this._refresh.title = trans.__('Fetch the class’s results again');
    this._csv = button('jp-classlab-grader-csv', trans.__('Download CSV'));
    this._csv.title = trans.__(
      'Download every student’s latest submission as a spreadsheet (CSV)'
    );
    this._gradescope = button(
      'jp-classlab-grader-gradescope',
      trans.__('Download Gradescope JSON')
    );
    this._gradescope.title = trans.__(
      'Download every student’s latest graded results in Gradescope’s results.json format (JSON)'
    );
    this._regrade = button(
      'jp-classlab-grader-regrade jp-mod-warn',
      trans.__('Regrade All')
    );
    this._regrade.title = trans.__(
      'Grade every student’s latest submission again (after you fixed a check)'
    );
    this._refresh.addEventListener('click', () => void this._act('refresh'));
    this._csv.addEventListener('click', () => void this._act('csv'));
    this._gradescope.addEventListener(
      'click',
      () => void this._act('gradescope')
    );
    this._regrade.addEventListener('click', () => void this._act('regrade'));
    actions.append(this._refresh, this._csv, this._gradescope, this._regrade);
    this._status = document.createElement('div');
    this._status.className = 'jp-classlab-grader-teacherStatus';
    this._status.setAttribute('role', 'status');
    this._chart = document.createElement('div');
    this._chart.className = 'jp-classlab-grader-chartBox';
    this._trust = document.createElement('div');
    this._trust.className = 'jp-classlab-grader-trust';
    this._trust.textContent = trans.__(
      'Some checks are nbgrader test cells that ran beside the students’ code: a student could fake passing those.'
    );
    this._trust.hidden = true;
    this._table = document.createElement('div');
    this._table.className = 'jp-classlab-grader-tableBox';
    node.append(
      title,
      actions,
      this._status,
      this._chart,
      this._trust,
      this._table
    );
    this.node = node;
  }

  readonly node: HTMLElement;

  /** Draw the class's results of an assignment with these questions. */
  render(results: IClassResults, questions: readonly IQuestion[]): void {
    const { trans } = this._options;
    this._results = results;
    this._lastQuestions = [...questions];
    const rows = results.rows;
    const busy = this._busy || results.loading;
    this._refresh.disabled = busy;
    this._csv.disabled = busy || rows.length === 0;
    this._gradescope.disabled = busy || rows.length === 0;
    this._regrade.disabled = busy || rows.length === 0;
    const grading = rows.filter(row => isGrading(row)).length;
    const status =
      this._error ||
      results.error ||
      (!results.loaded
        ? trans.__('Loading the class’s results…')
        : rows.length === 0
          ? trans.__('No student has submitted this assignment yet.')
          : [
              results.note,
              grading > 0
                ? trans._n(
                    '%1 submission is still being graded.',
                    '%1 submissions are still being graded.',
                    grading
                  )
                : ''
            ]
              .filter(Boolean)
              .join(' '));
    if (this._status.textContent !== status) {
      this._status.textContent = status;
    }
    this._status.dataset.error =
      this._error || results.error ? 'true' : 'false';
    this._trust.hidden = !hasInSandboxTests(rows);
    this._drawChart(questions, rows);
    this._drawTable(questions, rows);
  }

  /** The bars: one per question, its pass rate. */
  private _drawChart(
    questions: readonly IQuestion[],
    rows: readonly ISubmission[]
  ): void {
    const { trans } = this._options;
    this._chart.textContent = '';
    const rates = passRates(
      questions.map(q => q.id),
      rows
    );
    if (rows.length === 0 || rates.every(rate => rate.total === 0)) {
      return;
    }
    const caption = document.createElement('div');
    caption.className = 'jp-classlab-grader-chartTitle';
    caption.textContent = trans.__('Students with full points, per question');
    const barHeight = 16;
    const gap = 6;
    const labelWidth = 50;
    const barWidth = 120;
    const width = labelWidth + barWidth + 100;
    const height = rates.length * (barHeight + gap);
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('class', 'jp-classlab-grader-chart');
    svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    svg.setAttribute('width', String(width));
    svg.setAttribute('height', String(height));
    svg.setAttribute('role', 'img');
    const described: string[] = [];
    rates.forEach((rate, index) => {
      const y = index * (barHeight + gap);
      const percent = Math.round(rate.rate * 100);
      const label = document.createElementNS(SVG, 'text');
      label.setAttribute('class', 'jp-classlab-grader-chartLabel');
      label.setAttribute('x', '0');
      label.setAttribute('y', String(y + barHeight - 4));
      label.textContent = rate.id;
      const track = document.createElementNS(SVG, 'rect');
      track.setAttribute('class', 'jp-classlab-grader-chartTrack');
      track.setAttribute('x', String(labelWidth));
      track.setAttribute('y', String(y));
      track.setAttribute('width', String(barWidth));
      track.setAttribute('height', String(barHeight));
      const bar = document.createElementNS(SVG, 'rect');
      bar.setAttribute('class', 'jp-classlab-grader-chartBar');
      bar.setAttribute('data-question', rate.id);
      bar.setAttribute('x', String(labelWidth));
      bar.setAttribute('y', String(y));
      bar.setAttribute('width', String(Math.round(rate.rate * barWidth)));
      bar.setAttribute('height', String(barHeight));
      const value = document.createElementNS(SVG, 'text');
      value.setAttribute('class', 'jp-classlab-grader-chartValue');
      value.setAttribute('x', String(labelWidth + barWidth + 6));
      value.setAttribute('y', String(y + barHeight - 4));
      const text = trans.__('%1% (%2 of %3)', percent, rate.passed, rate.total);
      value.textContent = text;
      svg.append(label, track, bar, value);
      described.push(`${rate.id}: ${text}`);
    });
    svg.setAttribute('aria-label', described.join('; '));
    this._chart.append(caption, svg);
  }

  /** The table: one row per student (their latest submit). */
  private _drawTable(
    questions: readonly IQuestion[],
    rows: readonly ISubmission[]
  ): void {
    const { trans } = this._options;
    this._table.textContent = '';
    if (rows.length === 0) {
      return;
    }
    const table = document.createElement('table');
    table.className = 'jp-classlab-grader-table';
    const head = document.createElement('tr');
    const headings = [
      trans.__('Student'),
      trans.__('Attempt'),
      trans.__('Score')
    ];
    for (const text of headings) {
      const th = document.createElement('th');
      th.textContent = text;
      head.appendChild(th);
    }
    for (const question of questions) {
      const th = document.createElement('th');
      th.textContent = question.id;
      th.title = question.title || question.id;
      head.appendChild(th);
    }
    const thead = document.createElement('thead');
    thead.appendChild(head);
    const tbody = document.createElement('tbody');
    const sorted = [...rows].sort((a, b) =>
      String(a.user).localeCompare(String(b.user))
    );
    for (const row of sorted) {
      const tr = document.createElement('tr');
      tr.className = 'jp-classlab-grader-tableRow';
      tr.dataset.user = String(row.user);
      tr.dataset.state = row.state;
      const cell = (text: string, className = '') => {
        const td = document.createElement('td');
        td.textContent = text;
        if (className) {
          td.className = className;
        }
        tr.appendChild(td);
        return td;
      };
      cell(String(row.user));
      const attempt = row.attempt ?? row.results?.extra_data?.attempt;
      cell(attempt != null ? String(attempt) : '');
      const score = row.results ? row.results.score : row.score;
      const max = row.results ? row.results.max_score : row.max_score;
      if (isGrading(row)) {
        cell(trans.__('grading…'), 'jp-classlab-grader-tableScore');
      } else if (row.state === 'failed') {
        const td = cell(
          trans.__('not graded'),
          'jp-classlab-grader-tableScore'
        );
        td.title = row.error?.message ?? '';
      } else {
        cell(
          score != null && max != null
            ? `${formatPoints(score)} / ${formatPoints(max)}`
            : '',
          'jp-classlab-grader-tableScore'
        );
      }
      for (const question of questions) {
        const points =
          row.state === 'done' ? rowQuestionScore(row, question.id) : null;
        const td = cell(
          points
            ? `${formatPoints(points.score)} / ${formatPoints(points.maxScore)}`
            : '',
          'jp-classlab-grader-tableQuestion'
        );
        if (points) {
          td.dataset.status =
            points.maxScore > 0 && points.score >= points.maxScore
              ? 'passed'
              : points.score > 0
                ? 'partial'
                : 'failed';
        }
      }
      tbody.appendChild(tr);
    }
    table.append(thead, tbody);
    this._table.appendChild(table);
  }

  private async _act(
    action: 'refresh' | 'csv' | 'gradescope' | 'regrade'
  ): Promise<void> {
    const results = this._results;
    if (!results || this._busy) {
      return;
    }
    const { trans } = this._options;
    if (action === 'regrade') {
      const yes = await this._options.confirm(
        trans.__('Regrade all?'),
        trans._n(
          'Grade the latest submission of %1 student again? Their scores are replaced by the new ones.',
          'Grade the latest submissions of %1 students again? Their scores are replaced by the new ones.',
          results.rows.length
        ),
        trans.__('Regrade All')
      );
      if (!yes) {
        return;
      }
    }
    this._busy = true;
    this._error = '';
    this.render(results, this._questions());
    try {
      if (action === 'refresh') {
        await results.refresh();
      } else if (action === 'regrade') {
        await results.regrade();
      } else if (action === 'gradescope') {
        const text = await results.gradescope();
        this._options.download(
          `${results.assignment || 'results'}-gradescope.json`,
          text
        );
      } else {
        const text = await results.csv();
        this._options.download(`${results.assignment || 'results'}.csv`, text);
      }
    } catch (reason) {
      // (Refresh and regrade keep their errors in the store; a download that fails says why here.)
      this._error = trans.__(
        'The results could not be downloaded: %1',
        graderErrorText(reason, trans)
      );
    }
    this._busy = false;
    this.render(results, this._questions());
  }

  /** The questions last drawn (the table's columns). */
  private _questions(): IQuestion[] {
    return this._lastQuestions;
  }

  private _refresh: HTMLButtonElement;
  private _csv: HTMLButtonElement;
  private _gradescope: HTMLButtonElement;
  private _regrade: HTMLButtonElement;
  private _status: HTMLElement;
  private _chart: HTMLElement;
  private _trust: HTMLElement;
  private _table: HTMLElement;
  private _results: IClassResults | null = null;
  private _lastQuestions: IQuestion[] = [];
  private _busy = false;
  private _error = '';
}
