/**
 * What the panel shows, worked out from the notebook's questions and the grading so far, without the DOM: each
 * question's status (✓/✗), points and checks from the newest result that covers it (a check of that question, or
 * a submit), the hidden checks as counts, the total, the repairs in plain words, and the class's pass rates.
 */
import type { TranslationBundle } from '@jupyterlab/translation';

import { localText } from './assignment';
import type {
  IGradingSession,
  IQuestion,
  IQuestionScore,
  IReleaseReply,
  IRepair,
  IResults,
  IResultTest,
  ISubmission
} from './tokens';

/** A question's state in the panel. */
export type QuestionStatus =
  'none' | 'grading' | 'passed' | 'partial' | 'failed';

/** The mark of a question's or a check's status: ✓ passed, ◐ some points, ✗ none yet. */
export const STATUS_MARKS: { [status: string]: string } = {
  passed: '✓',
  partial: '◐',
  failed: '✗',
  grading: '…',
  none: '○'
};

/** A status in words (for screen readers and tooltips). */
export function statusLabel(status: string, trans: TranslationBundle): string {
  switch (status) {
    case 'passed':
      return trans.__('passed');
    case 'partial':
      return trans.__('partly passed');
    case 'failed':
      return trans.__('not passed yet');
    case 'grading':
      return trans.__('being graded');
    default:
      return trans.__('not checked yet');
  }
}

/** A check's status: passed, some of its points (partial credit), or none. */
export function checkStatus(row: {
  passed: boolean;
  score: number;
  maxScore: number;
}): 'passed' | 'partial' | 'failed' {
  return row.passed ? 'passed' : row.score > 0 ? 'partial' : 'failed';
}

/** One visible check of a result. */
export interface ICheckRow {
  id: string;
  /** 1-based, within its question. */
  number: number;
  passed: boolean;
  score: number;
  maxScore: number;
  /** Plain words from the grader ('' when it said nothing). */
  output: string;
  /** The hint in the user's language ('' when there is none). */
  hint: string;
  /** "in-sandbox" for an nbgrader test (forgeable), "isolated", "unsandboxed", or ''. */
  trust: string;
}

export interface IQuestionView {
  question: IQuestion;
  status: QuestionStatus;
  /** Which kind of result is shown (null: none yet). */
  from: 'check' | 'submit' | null;
  /** The points of the result shown (a check: its visible checks only). */
  score: number | null;
  maxScore: number | null;
  rows: ICheckRow[];
  /** Hidden checks that did not run in the result shown (they run on Submit). */
  hiddenToRun: number;
  /** The hidden checks of a submit, as counts. */
  hidden: { passed: number; total: number } | null;
}

/** The parts of a session the view reads. */
export type SessionView = Pick<
  IGradingSession,
  'pending' | 'lastSubmit' | 'lastCheck'
>;

function time(iso: string | null | undefined): number {
  const ms = Date.parse(iso ?? '');
  return Number.isNaN(ms) ? 0 : ms;
}

function num(value: unknown): number {
  const number = Number(value);
  return Number.isFinite(number) ? number : 0;
}

/** Points as the panel writes them: at most two decimals ("2.5", "3"). */
export function formatPoints(value: number | null | undefined): string {
  return String(Math.round(num(value) * 100) / 100);
}

/** A question's entry in `extra_data.questions`. */
export function questionScore(
  results: IResults | null | undefined,
  id: string
): IQuestionScore | null {
  const list = results?.extra_data?.questions;
  if (!Array.isArray(list)) {
    return null;
  }
  return list.find(entry => entry && entry.id === id) ?? null;
}

function testsOf(results: IResults, question: IQuestion): IResultTest[] {
  const ids = new Set(question.checks.map(check => check.id));
  return (Array.isArray(results.tests) ? results.tests : []).filter(
    test =>
      test &&
      test.visibility !== 'hidden' &&
      (test.extra_data?.question !== undefined
        ? test.extra_data.question === question.id
        : ids.has(test.name))
  );
}

function statusOf(
  score: number,
  maxScore: number,
  passed: number,
  total: number
): QuestionStatus {
  if (maxScore > 0) {
    return score >= maxScore ? 'passed' : score > 0 ? 'partial' : 'failed';
  }
  if (total > 0) {
    return passed >= total ? 'passed' : passed > 0 ? 'partial' : 'failed';
  }
  return 'none';
}

/** What the panel shows for one question. */
export function questionView(
  question: IQuestion,
  session: SessionView,
  lang: string
): IQuestionView {
  const check = session.lastCheck(question.id);
  const submit = session.lastSubmit;
  const shown: ISubmission | null =
    check && (!submit || time(check.created) > time(submit.created))
      ? check
      : submit;
  const view: IQuestionView = {
    question,
    status: 'none',
    from: null,
    score: null,
    maxScore: null,
    rows: [],
    hiddenToRun: question.hidden,
    hidden: null
  };
  const results = shown?.results;
  if (shown && results) {
    const tests = testsOf(results, question);
    view.rows = tests.map((test, index) => {
      const meta = question.checks.find(each => each.id === test.name);
      return {
        id: String(test.name),
        number: index + 1,
        passed: test.status === 'passed',
        score: num(test.score),
        maxScore: num(test.max_score),
        output: typeof test.output === 'string' ? test.output : '',
        hint: localText(meta?.hint ?? test.extra_data?.hint, lang),
        trust: String(test.extra_data?.trust ?? '')
      };
    });
    const visiblePassed = view.rows.filter(row => row.passed).length;
    const entry =
      shown.mode === 'submit' ? questionScore(results, question.id) : null;
    if (shown.mode === 'submit' && (entry || tests.length > 0)) {
      view.from = 'submit';
      view.hiddenToRun = 0;
      const hiddenTotal = num(entry?.hidden_total);
      if (hiddenTotal > 0) {
        view.hidden = {
          passed: num(entry?.hidden_passed),
          total: hiddenTotal
        };
      }
      view.score = entry
        ? num(entry.score)
        : view.rows.reduce((sum, row) => sum + row.score, 0);
      view.maxScore = entry
        ? num(entry.max_score)
        : view.rows.reduce((sum, row) => sum + row.maxScore, 0);
      view.status = statusOf(
        view.score,
        view.maxScore,
        visiblePassed + (view.hidden?.passed ?? 0),
        view.rows.length + (view.hidden?.total ?? 0)
      );
    } else if (shown.mode === 'check' && tests.length > 0) {
      view.from = 'check';
      view.score = view.rows.reduce((sum, row) => sum + row.score, 0);
      view.maxScore = view.rows.reduce((sum, row) => sum + row.maxScore, 0);
      view.status = statusOf(
        view.score,
        view.maxScore,
        visiblePassed,
        view.rows.length
      );
    }
  }
  const pending = session.pending;
  if (
    pending &&
    (pending.mode === 'submit' || pending.question === question.id)
  ) {
    view.status = 'grading';
  }
  return view;
}

/** The total of the newest graded submit, or null before the first. */
export function totalScore(
  session: Pick<IGradingSession, 'lastSubmit'>
): { score: number; maxScore: number } | null {
  const submit = session.lastSubmit;
  if (!submit) {
    return null;
  }
  const results = submit.results;
  const score = results ? results.score : submit.score;
  const maxScore = results ? results.max_score : submit.max_score;
  if (score == null || maxScore == null) {
    return null;
  }
  return { score: num(score), maxScore: num(maxScore) };
}

/** The repairs of a result in plain words, one sentence each (the graded copy only; the notebook is unchanged). */
export function repairTexts(
  repairs: readonly IRepair[] | null | undefined,
  trans: TranslationBundle
): string[] {
  if (!Array.isArray(repairs) || repairs.length === 0) {
    return [];
  }
  const counts = new Map<string, number>();
  for (const repair of repairs) {
    const what = String(repair?.what ?? '');
    const key = [
      'reinserted',
      'restored',
      'duplicate_dropped',
      'retyped'
    ].includes(what)
      ? what
      : 'other';
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const texts: string[] = [];
  for (const [what, n] of counts) {
    switch (what) {
      case 'reinserted':
        texts.push(
          trans._n(
            'We put back %1 test cell you deleted.',
            'We put back %1 test cells you deleted.',
            n
          )
        );
        break;
      case 'restored':
        texts.push(
          trans._n(
            'We undid your changes to %1 locked cell.',
            'We undid your changes to %1 locked cells.',
            n
          )
        );
        break;
      case 'duplicate_dropped':
        texts.push(
          trans._n(
            'We left out %1 copied test cell.',
            'We left out %1 copied test cells.',
            n
          )
        );
        break;
      case 'retyped':
        texts.push(
          trans._n(
            'We changed %1 cell back to the type it must have.',
            'We changed %1 cells back to the type they must have.',
            n
          )
        );
        break;
      default:
        texts.push(
          trans._n('We fixed %1 other cell.', 'We fixed %1 other cells.', n)
        );
    }
  }
  return texts;
}

/** The repairs shown: those of the newest graded result (a check or a submit). */
export function latestRepairs(
  session: SessionView,
  questions: readonly IQuestion[]
): IRepair[] {
  let newest: ISubmission | null = session.lastSubmit;
  for (const question of questions) {
    const check = session.lastCheck(question.id);
    if (check && (!newest || time(check.created) > time(newest.created))) {
      newest = check;
    }
  }
  const repairs = newest?.results?.extra_data?.repairs;
  return Array.isArray(repairs) ? repairs : [];
}

/** A class row's score of one question, or null when its results do not have it. */
export function rowQuestionScore(
  row: ISubmission,
  id: string
): { score: number; maxScore: number } | null {
  const entry = questionScore(row.results, id);
  return entry
    ? { score: num(entry.score), maxScore: num(entry.max_score) }
    : null;
}

/** The class's pass rate of each question: the students with full points among those graded on it. */
export function passRates(
  questionIds: readonly string[],
  rows: readonly ISubmission[]
): { id: string; passed: number; total: number; rate: number }[] {
  return questionIds.map(id => {
    let passed = 0;
    let total = 0;
    for (const row of rows) {
      const score = row.state === 'done' ? rowQuestionScore(row, id) : null;
      if (!score) {
        continue;
      }
      total++;
      if (score.maxScore > 0 ? score.score >= score.maxScore : true) {
        passed++;
      }
    }
    return { id, passed, total, rate: total > 0 ? passed / total : 0 };
  });
}

/** One student's entry of the Gradescope export: who, which submission, and its results.json. */
export interface IGradescopeEntry {
  student: string;
  submission: string;
  attempt: number | null;
  submitted: string | null;
  /** Gradescope's results.json (score, max_score, tests[], …; ClassLab's extras under extra_data). */
  results: IResults;
}

/**
 * The class's latest graded submits as Gradescope expects a submission's results.json, one per student (sorted by
 * name); submissions still being graded or that could not be graded are left out. PROTOCOL.md, "Exports".
 */
export function gradescopeExport(
  rows: readonly ISubmission[]
): IGradescopeEntry[] {
  return rows
    .filter(
      row =>
        row &&
        row.state === 'done' &&
        row.results !== null &&
        typeof row.results === 'object'
    )
    .map(row => ({
      student: String(row.user),
      submission: String(row.id),
      attempt: row.attempt ?? row.results?.extra_data?.attempt ?? null,
      submitted: row.created ?? null,
      results: row.results as IResults
    }))
    .sort((a, b) => a.student.localeCompare(b.student));
}

/** The Gradescope export as the text of a .json file. */
export function gradescopeJson(rows: readonly ISubmission[]): string {
  return JSON.stringify(gradescopeExport(rows), null, 2) + '\n';
}

/** Whether any row has a test that ran beside the student's code (nbgrader asserts: forgeable). */
export function hasInSandboxTests(rows: readonly ISubmission[]): boolean {
  return rows.some(row =>
    (row.results?.tests ?? []).some(
      test => test?.extra_data?.trust === 'in-sandbox'
    )
  );
}

/** A date and time, short ("3 Dec, 10:42"), or '' for none. */
export function formatWhen(iso: string | null | undefined): string {
  const ms = Date.parse(iso ?? '');
  if (Number.isNaN(ms)) {
    return '';
  }
  return new Date(ms).toLocaleString(undefined, {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit'
  });
}

/** What a release made, in plain words, one line each. */
export function releaseLines(
  reply: IReleaseReply,
  trans: TranslationBundle
): string[] {
  const questions = Array.isArray(reply.assignment?.questions)
    ? reply.assignment.questions
    : [];
  const points = questions.reduce((sum, q) => sum + num(q?.points), 0);
  const hidden = questions.reduce((sum, q) => sum + num(q?.hidden), 0);
  const visible = questions.reduce((sum, q) => sum + num(q?.visible), 0);
  return [
    trans.__('Released “%1” for grading.', String(reply.assignment?.id ?? '')),
    trans._p(
      'a list: questions · points · checks',
      '%1 · %2 · %3',
      trans._n('%1 question', '%1 questions', questions.length),
      trans._n('%1 point', '%1 points', Math.round(points * 100) / 100),
      trans._n(
        '%1 check students can run, %2 hidden',
        '%1 checks students can run, %2 hidden',
        visible,
        hidden
      )
    ),
    trans.__('Students’ notebook: %1', String(reply.student_notebook ?? ''))
  ];
}
