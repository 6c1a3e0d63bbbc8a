import { readAssignment } from '../src/assignment';
import type { ISubmission } from '../src/tokens';
import {
  checkStatus,
  formatPoints,
  gradescopeExport,
  gradescopeJson,
  hasInSandboxTests,
  latestRepairs,
  passRates,
  questionView,
  releaseLines,
  repairTexts,
  SessionView,
  STATUS_MARKS,
  statusLabel,
  totalScore
} from '../src/view';

import {
  checkDone,
  released,
  submitDone,
  submission,
  testResult,
  trans
} from './fixtures';

const [q1, q2] = readAssignment(released(), 'en')!.questions;

function session(
  more: {
    lastSubmit?: ISubmission | null;
    checks?: ISubmission[];
    pending?: SessionView['pending'];
  } = {}
): SessionView {
  const checks = more.checks ?? [];
  return {
    pending: more.pending ?? null,
    lastSubmit: more.lastSubmit ?? null,
    lastCheck: (question: string) =>
      checks.find(sub => sub.question === question) ?? null
  };
}

describe('questionView', () => {
  it('before any grading: no status, the hidden checks still to run', () => {
    const view = questionView(q1, session(), 'en');
    expect(view).toMatchObject({
      status: 'none',
      from: null,
      rows: [],
      hiddenToRun: 1,
      hidden: null
    });
  });

  it('after a check: the visible checks with output and hint, hidden ones still to run', () => {
    const view = questionView(q1, session({ checks: [checkDone()] }), 'en');
    expect(view.status).toBe('failed');
    expect(view.from).toBe('check');
    expect(view.rows).toEqual([
      {
        id: 'q1-total',
        number: 1,
        passed: false,
        score: 0,
        maxScore: 1,
        output: 'q1-total is not right yet.',
        hint: 'Add the numbers from 1 to 10.',
        trust: 'isolated'
      }
    ]);
    expect(view.hiddenToRun).toBe(1);
    // Another question's check does not cover q2.
    expect(
      questionView(q2, session({ checks: [checkDone()] }), 'en').status
    ).toBe('none');
  });

  it('the hint comes in the user’s language', () => {
    const view = questionView(q1, session({ checks: [checkDone()] }), 'zh_CN');
    expect(view.rows[0].hint).toBe('把 1 到 10 加起来。');
  });

  it('after a submit: points of the question, hidden checks as counts, partial when not all passed', () => {
    const view = questionView(q1, session({ lastSubmit: submitDone() }), 'en');
    expect(view).toMatchObject({
      status: 'partial',
      from: 'submit',
      score: 2,
      maxScore: 3,
      hiddenToRun: 0,
      hidden: { passed: 1, total: 2 }
    });
    const full = questionView(q2, session({ lastSubmit: submitDone() }), 'en');
    expect(full.status).toBe('passed');
    expect(full.hidden).toBeNull();
  });

  it('shows the newer of a check and a submit', () => {
    const submit = submitDone();
    const later = checkDone();
    expect(
      questionView(q1, session({ lastSubmit: submit, checks: [later] }), 'en')
        .from
    ).toBe('check');
    const earlier = checkDone({ created: '2020-01-01T00:00:00Z' });
    expect(
      questionView(q1, session({ lastSubmit: submit, checks: [earlier] }), 'en')
        .from
    ).toBe('submit');
  });

  it('is "grading" while a submit, or a check of this question, is under way', () => {
    expect(
      questionView(
        q1,
        session({ pending: { mode: 'submit', question: null } }),
        'en'
      ).status
    ).toBe('grading');
    expect(
      questionView(
        q2,
        session({ pending: { mode: 'check', question: 'q1' } }),
        'en'
      ).status
    ).toBe('none');
  });

  it('leaves hidden tests out of the rows (a teacher’s own copy has them)', () => {
    const sub = submitDone();
    sub.results!.tests.push(
      testResult('q1-h1', 'q1', false, { visibility: 'hidden' })
    );
    const view = questionView(q1, session({ lastSubmit: sub }), 'en');
    expect(view.rows.map(row => row.id)).toEqual(['q1-total']);
  });
});

describe('status marks', () => {
  it('tell all, some and none of the points apart, in marks and in words', () => {
    expect(STATUS_MARKS.passed).toBe('✓');
    expect(STATUS_MARKS.partial).toBe('◐');
    expect(STATUS_MARKS.failed).toBe('✗');
    expect(statusLabel('partial', trans)).toBe('partly passed');
    expect(statusLabel('failed', trans)).toBe('not passed yet');
    expect(checkStatus({ passed: true, score: 1, maxScore: 1 })).toBe('passed');
    // A check with partial credit (an ML score under its threshold, an nbgrader float).
    expect(checkStatus({ passed: false, score: 0.5, maxScore: 1 })).toBe(
      'partial'
    );
    expect(checkStatus({ passed: false, score: 0, maxScore: 1 })).toBe(
      'failed'
    );
  });
});

describe('totals, repairs and texts', () => {
  it('the total is the newest graded submit’s', () => {
    expect(totalScore(session())).toBeNull();
    expect(totalScore(session({ lastSubmit: submitDone() }))).toEqual({
      score: 4,
      maxScore: 5
    });
    expect(formatPoints(2.3333)).toBe('2.33');
    expect(formatPoints(3)).toBe('3');
  });

  it('says the repairs in plain words', () => {
    expect(
      repairTexts([{ grade_id: 'q1-test', what: 'reinserted' }], trans)
    ).toEqual(['We put back 1 test cell you deleted.']);
    expect(
      repairTexts(
        [
          { grade_id: 'a', what: 'reinserted' },
          { grade_id: 'b', what: 'reinserted' },
          { grade_id: 'c', what: 'restored' },
          { grade_id: 'd', what: 'duplicate_dropped' },
          { grade_id: 'e', what: 'retyped' },
          { grade_id: 'f', what: 'something new' }
        ],
        trans
      )
    ).toEqual([
      'We put back 2 test cells you deleted.',
      'We undid your changes to 1 locked cell.',
      'We left out 1 copied test cell.',
      'We changed 1 cell back to the type it must have.',
      'We fixed 1 other cell.'
    ]);
    expect(repairTexts(undefined, trans)).toEqual([]);
  });

  it('shows the repairs of the newest result', () => {
    const questions = readAssignment(released(), 'en')!.questions;
    const submit = submitDone();
    expect(latestRepairs(session({ lastSubmit: submit }), questions)).toEqual([
      { grade_id: 'q1-test', what: 'reinserted' }
    ]);
    expect(
      latestRepairs(
        session({ lastSubmit: submit, checks: [checkDone()] }),
        questions
      )
    ).toEqual([]);
  });

  it('sums up a release', () => {
    expect(
      releaseLines(
        {
          assignment: {
            id: 'ps1',
            notebook: 'release/ps1.ipynb',
            released: '2025-01-01T00:00:00Z',
            questions: [
              { id: 'q1', title: 'A', points: 3, visible: 1, hidden: 1 },
              { id: 'q2', title: 'B', points: 2, visible: 1, hidden: 0 }
            ]
          },
          student_notebook: 'release/ps1.ipynb'
        },
        trans
      )
    ).toEqual([
      'Released “ps1” for grading.',
      '2 questions · 5 points · 2 checks students can run, 1 hidden',
      'Students’ notebook: release/ps1.ipynb'
    ]);
  });
});

describe('the Gradescope export', () => {
  it('is one results.json per student’s latest graded submit, by name; ungraded ones left out', () => {
    const rows = [
      submitDone({ user: 'zoe', id: 's_z', attempt: 3 }),
      submitDone({ user: 'ann', id: 's_a', attempt: 1 }),
      submission({ user: 'max', mode: 'submit', state: 'queued' }),
      submission({ user: 'lee', mode: 'submit', state: 'failed' })
    ];
    const entries = gradescopeExport(rows);
    expect(entries.map(entry => entry.student)).toEqual(['ann', 'zoe']);
    expect(entries[1]).toEqual({
      student: 'zoe',
      submission: 's_z',
      attempt: 3,
      submitted: rows[0].created,
      results: rows[0].results
    });
    // Gradescope's keys are there as they are in the results.
    const results = entries[0].results;
    expect(results.score).toBe(4);
    expect(results.max_score).toBe(5);
    expect(results.tests[0]).toEqual(
      expect.objectContaining({ name: 'q1-total', score: 1, max_score: 1 })
    );
    expect(JSON.parse(gradescopeJson(rows))).toEqual(
      JSON.parse(JSON.stringify(entries))
    );
    expect(gradescopeJson([])).toBe('[]\n');
  });
});

describe('class statistics', () => {
  it('counts the students with full points per question, among those graded', () => {
    const rows = [
      submitDone({ user: 'ann' }),
      submitDone({ user: 'bob' }),
      submission({ user: 'cy', mode: 'submit', state: 'running' })
    ];
    rows[1].results!.extra_data!.questions![0].score = 3;
    expect(passRates(['q1', 'q2', 'q3'], rows)).toEqual([
      { id: 'q1', passed: 1, total: 2, rate: 0.5 },
      { id: 'q2', passed: 2, total: 2, rate: 1 },
      { id: 'q3', passed: 0, total: 0, rate: 0 }
    ]);
  });

  it('notices nbgrader tests that ran beside the student’s code', () => {
    const row = submitDone();
    expect(hasInSandboxTests([row])).toBe(false);
    row.results!.tests[0].extra_data!.trust = 'in-sandbox';
    expect(hasInSandboxTests([row])).toBe(true);
  });
});
