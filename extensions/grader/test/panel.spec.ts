import { Widget } from '@lumino/widgets';

import { GraderPanel } from '../src/panel';
import type { IGradedNotebook } from '../src/tokens';

import {
  checkDone,
  FakeNotebook,
  grader,
  released,
  Route,
  settle,
  submitDone,
  until
} from './fixtures';

function text(root: HTMLElement, selector: string): string {
  return root.querySelector(selector)?.textContent ?? '';
}

function shown(root: HTMLElement, selector: string): boolean {
  const node = root.querySelector<HTMLElement>(selector);
  if (!node) {
    return false;
  }
  for (let at: HTMLElement | null = node; at; at = at.parentElement) {
    if (at.hidden) {
      return false;
    }
  }
  return true;
}

const student: { [path: string]: Route } = {
  'GET results': () => [
    403,
    { error: { code: 'forbidden', message: 'Only teachers.' } }
  ],
  'GET submissions': () => [200, { submissions: [] }]
};

function setup(
  routes: { [path: string]: Route } = {},
  more: Partial<ConstructorParameters<typeof GraderPanel>[0]> = {}
) {
  const { store, calls } = grader({ ...student, ...routes });
  const jumps: string[] = [];
  const panel = new GraderPanel({
    grader: store,
    trans: store.trans,
    goToCell: (_: IGradedNotebook, cellId: string) => jumps.push(cellId),
    ...more
  });
  Widget.attach(panel, document.body);
  const notebook = new FakeNotebook('week1/ps1.ipynb', released());
  return { store, calls, panel, notebook, jumps };
}

describe('the grader panel', () => {
  let panel: GraderPanel | null = null;

  afterEach(() => {
    panel?.dispose();
    panel = null;
  });

  it('says when no notebook is open, or the notebook is not an assignment', () => {
    const made = setup();
    panel = made.panel;
    expect(text(panel.node, '.jp-classlab-grader-message')).toBe(
      'Open an assignment notebook to check your answers here.'
    );
    made.notebook.content = { metadata: {}, cells: [] };
    panel.setNotebook(made.notebook);
    expect(text(panel.node, '.jp-classlab-grader-message')).toBe(
      'This notebook is not a graded assignment.'
    );
    expect(shown(panel.node, '.jp-classlab-grader-student')).toBe(false);
    expect(text(panel.node, '.jp-classlab-grader-notebook')).toBe('ps1.ipynb');
  });

  it('lists the questions with points, checks to run and hidden counts, and fetches the attempts once', async () => {
    const made = setup();
    panel = made.panel;
    panel.setNotebook(made.notebook);
    await settle();
    const [q1, q2] = panel.items;
    expect(panel.items).toHaveLength(2);
    expect(q1.dataset.question).toBe('q1');
    expect(q1.dataset.status).toBe('none');
    expect(text(q1, '.jp-classlab-grader-questionTitle')).toBe(
      'q1 · Count the digits'
    );
    expect(text(q1, '.jp-classlab-grader-questionPoints')).toBe('3 points');
    expect(text(q1, '.jp-classlab-grader-notChecked')).toBe(
      'Not checked yet: 1 check runs when you press Check.'
    );
    expect(text(q1, '.jp-classlab-grader-hidden')).toBe(
      '1 more check runs when you submit'
    );
    expect(q2.querySelector('.jp-classlab-grader-hidden')).toBeNull();
    expect(text(panel.node, '.jp-classlab-grader-total')).toBe(
      'Not submitted yet · 5 points in all'
    );
    expect(shown(panel.node, '.jp-classlab-grader-progress')).toBe(false);
    expect(shown(panel.node, '.jp-classlab-grader-history')).toBe(false);
    const history = made.calls.filter(call => call.path === 'submissions');
    expect(history).toHaveLength(1);
    expect(history[0].query.get('notebook')).toBe('week1/ps1.ipynb');
    panel.render();
    await settle();
    expect(made.calls.filter(call => call.path === 'submissions')).toHaveLength(
      1
    );
  });

  it('Check saves, shows progress, then each check with its words and a hint', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>(resolve => (release = resolve));
    const done = checkDone();
    const made = setup({
      'POST submissions': () => [
        202,
        { submission: { ...done, state: 'queued', results: null } }
      ],
      'submissions/*': async () => {
        await held;
        return [200, { submission: done }];
      }
    });
    panel = made.panel;
    panel.setNotebook(made.notebook);
    await settle();
    panel.items[0]
      .querySelector<HTMLButtonElement>('.jp-classlab-grader-check')!
      .click();
    await until(
      () =>
        text(panel!.node, '.jp-classlab-grader-progressText') ===
        'Waiting for the grader…',
      'the progress line'
    );
    expect(made.notebook.saves).toBe(1);
    expect(shown(panel.node, '.jp-classlab-grader-progress')).toBe(true);
    expect(panel.items[0].dataset.status).toBe('grading');
    expect(
      panel.node.querySelector<HTMLButtonElement>('.jp-classlab-grader-submit')!
        .disabled
    ).toBe(true);
    release();
    await until(() => panel!.items[0].dataset.status === 'failed', 'results');
    const q1 = panel.items[0];
    expect(shown(panel.node, '.jp-classlab-grader-progress')).toBe(false);
    const row = q1.querySelector<HTMLElement>('.jp-classlab-grader-checkRow')!;
    expect(row.dataset.status).toBe('failed');
    expect(text(row, '.jp-classlab-grader-checkMark')).toBe('✗');
    expect(text(row, '.jp-classlab-grader-checkOutput')).toBe(
      'q1-total is not right yet.'
    );
    expect(text(row, '.jp-classlab-grader-checkPoints')).toBe('0 / 1 point');
    const hint = row.querySelector<HTMLElement>('.jp-classlab-grader-hint')!;
    expect(hint.hidden).toBe(true);
    row
      .querySelector<HTMLButtonElement>('.jp-classlab-grader-hintButton')!
      .click();
    expect(hint.hidden).toBe(false);
    expect(hint.textContent).toBe('Add the numbers from 1 to 10.');
    expect(text(q1, '.jp-classlab-grader-practice')).toBe(
      'Checked: not your grade until you submit.'
    );
    expect(text(q1, '.jp-classlab-grader-hidden')).toBe(
      '1 more check runs when you submit'
    );
    // The hint stays open when the panel draws again.
    panel.render();
    expect(
      panel.items[0].querySelector<HTMLElement>('.jp-classlab-grader-hint')!
        .hidden
    ).toBe(false);
  });

  it('Submit shows the score, hidden checks as counts, repairs and the attempt', async () => {
    const done = submitDone();
    const made = setup({
      'POST submissions': () => [
        202,
        { submission: { ...done, state: 'queued', results: null } }
      ],
      'submissions/*': () => [200, { submission: done }]
    });
    panel = made.panel;
    panel.setNotebook(made.notebook);
    await settle();
    panel.node
      .querySelector<HTMLButtonElement>('.jp-classlab-grader-submit')!
      .click();
    await until(
      () => panel!.items[1].dataset.status === 'passed',
      'the submit results'
    );
    const [q1, q2] = panel.items;
    expect(text(panel.node, '.jp-classlab-grader-total')).toBe('Score: 4 / 5');
    expect(q1.dataset.status).toBe('partial');
    expect(text(q1, '.jp-classlab-grader-questionStatus')).toBe('◐');
    expect(
      q1
        .querySelector('.jp-classlab-grader-questionStatus')!
        .getAttribute('aria-label')
    ).toBe('partly passed');
    expect(text(q1, '.jp-classlab-grader-questionPoints')).toBe('2 / 3 points');
    expect(text(q1, '.jp-classlab-grader-hidden')).toBe(
      'Hidden checks: 1 of 2 passed'
    );
    expect(text(q2, '.jp-classlab-grader-questionStatus')).toBe('✓');
    expect(text(panel.node, '.jp-classlab-grader-repair')).toBe(
      'We put back 1 test cell you deleted.'
    );
    expect(shown(panel.node, '.jp-classlab-grader-history')).toBe(true);
    expect(text(panel.node, '.jp-classlab-grader-attempt')).toMatch(
      /^Attempt 1 · 4 \/ 5 points · /
    );
    expect(text(panel.node, '.jp-classlab-grader-historyTitle')).toBe(
      'Your attempts (1)'
    );
  });

  it('says a refusal in plain words', async () => {
    const made = setup({
      'POST submissions': () => [
        429,
        { error: { code: 'too_many_attempts', message: 'English.' } }
      ]
    });
    panel = made.panel;
    panel.setNotebook(made.notebook);
    await settle();
    panel.node
      .querySelector<HTMLButtonElement>('.jp-classlab-grader-submit')!
      .click();
    await until(
      () =>
        shown(
          panel!.node,
          '.jp-classlab-grader-student > .jp-classlab-grader-error'
        ),
      'the error'
    );
    expect(
      text(
        panel.node,
        '.jp-classlab-grader-student > .jp-classlab-grader-error'
      )
    ).toContain('Take a break');
  });

  it('jumps to a question’s cell', async () => {
    const made = setup();
    panel = made.panel;
    panel.setNotebook(made.notebook);
    panel.items[1]
      .querySelector<HTMLButtonElement>('.jp-classlab-grader-questionTitle')!
      .click();
    expect(made.jumps).toEqual(['c-q2']);
  });

  it('lets grading be followed only while it is visible', () => {
    const made = setup();
    panel = made.panel;
    expect(made.store.watched).toBe(true);
    panel.hide();
    expect(made.store.watched).toBe(false);
    panel.show();
    expect(made.store.watched).toBe(true);
  });

  it('follows the notebook’s changes (a question added)', () => {
    const made = setup();
    panel = made.panel;
    panel.setNotebook(made.notebook);
    const content = released();
    content.cells.push({
      id: 'c-q3',
      metadata: { classlab: { grader: { question: 'q3', points: 1 } } }
    });
    made.notebook.content = content;
    made.notebook.changed.emit();
    expect(panel.items.map(item => item.dataset.question)).toEqual([
      'q1',
      'q2',
      'q3'
    ]);
  });
});

describe('the teacher’s view', () => {
  let panel: GraderPanel | null = null;

  afterEach(() => {
    panel?.dispose();
    panel = null;
  });

  const bob = () => submitDone({ user: 'bob', attempt: 2 });
  const ann = () => {
    const row = submitDone({ user: 'ann', attempt: 1 });
    row.results!.extra_data!.questions![0].score = 3;
    row.results!.score = 5;
    return row;
  };

  it('shows the class per question, a pass-rate chart, CSV, Gradescope JSON and Regrade All', async () => {
    const downloads: [string, string][] = [];
    const asked: string[] = [];
    let regrades = 0;
    const made = setup(
      {
        'GET results': (_, __, query) =>
          query.get('format') === 'csv'
            ? [200, 'user,score\n']
            : [
                200,
                {
                  results: [
                    regrades > 0 ? { ...bob(), state: 'queued' } : bob(),
                    ann()
                  ]
                }
              ],
        'POST results/regrade': () => {
          regrades++;
          return [202, { queued: 2 }];
        }
      },
      {
        download: (name, body) => downloads.push([name, body]),
        confirm: async (title, body) => {
          asked.push(body);
          return true;
        }
      }
    );
    panel = made.panel;
    panel.setNotebook(made.notebook);
    await until(
      () => !!panel!.node.querySelector('.jp-classlab-grader-table'),
      'the class table'
    );
    expect(made.store.teacher).toBe(true);
    const view = panel.node.querySelector<HTMLElement>(
      '.jp-classlab-grader-teacher'
    )!;
    expect(view.hidden).toBe(false);
    const rows = [
      ...view.querySelectorAll<HTMLElement>('.jp-classlab-grader-tableRow')
    ];
    expect(rows.map(row => row.dataset.user)).toEqual(['ann', 'bob']);
    expect(
      [...rows[1].querySelectorAll('td')].map(td => td.textContent)
    ).toEqual(['bob', '2', '4 / 5', '2 / 3', '2 / 2']);
    const bars = [
      ...view.querySelectorAll<SVGElement>('.jp-classlab-grader-chartBar')
    ];
    expect(bars.map(bar => bar.getAttribute('data-question'))).toEqual([
      'q1',
      'q2'
    ]);
    expect(bars[0].getAttribute('width')).toBe('60');
    expect(bars[1].getAttribute('width')).toBe('120');
    expect(
      view
        .querySelector('.jp-classlab-grader-chart')!
        .getAttribute('aria-label')
    ).toBe('q1: 50% (1 of 2); q2: 100% (2 of 2)');

    view.querySelector<HTMLButtonElement>('.jp-classlab-grader-csv')!.click();
    await until(() => downloads.length === 1, 'the download');
    expect(downloads[0]).toEqual(['ps1.csv', 'user,score\n']);

    const gradescope = view.querySelector<HTMLButtonElement>(
      '.jp-classlab-grader-gradescope'
    )!;
    expect(gradescope.textContent).toBe('Download Gradescope JSON');
    gradescope.click();
    await until(() => downloads.length === 2, 'the Gradescope download');
    expect(downloads[1][0]).toBe('ps1-gradescope.json');
    const exported = JSON.parse(downloads[1][1]);
    expect(exported.map((entry: any) => entry.student)).toEqual(['ann', 'bob']);
    expect(exported[1].attempt).toBe(2);
    expect(exported[1].results.score).toBe(4);
    expect(exported[1].results.max_score).toBe(5);
    expect(Array.isArray(exported[1].results.tests)).toBe(true);

    view
      .querySelector<HTMLButtonElement>('.jp-classlab-grader-regrade')!
      .click();
    await until(() => regrades === 1, 'the regrade');
    expect(asked[0]).toContain('2 students');
    await until(
      () =>
        text(view, '.jp-classlab-grader-teacherStatus') ===
        '2 submissions are being graded again. 1 submission is still being graded.',
      'the note'
    );
    expect(
      view.querySelector<HTMLElement>('[data-user="bob"]')!.dataset.state
    ).toBe('queued');
    expect(text(view, '[data-user="bob"] .jp-classlab-grader-tableScore')).toBe(
      'grading…'
    );
  });

  it('offers to release a source notebook, and shows what was released', async () => {
    const released_: string[] = [];
    const made = setup(
      {
        'GET results': () => [200, { results: [] }],
        'POST assignments': () => [
          201,
          {
            assignment: {
              id: 'ps1',
              notebook: 'week1/release/ps1.ipynb',
              released: '',
              questions: [
                { id: 'q1', title: 'A', points: 3, visible: 1, hidden: 1 }
              ]
            },
            student_notebook: 'week1/release/ps1.ipynb'
          }
        ]
      },
      {
        release: async notebook => {
          released_.push(notebook.path);
          await made.store.release(notebook.path);
        }
      }
    );
    panel = made.panel;
    made.notebook.content = released();
    made.notebook.content.metadata = {};
    panel.setNotebook(made.notebook);
    await until(() => made.store.teacher === true, 'the teacher flag');
    expect(shown(panel.node, '.jp-classlab-grader-release')).toBe(true);
    expect(shown(panel.node, '.jp-classlab-grader-message')).toBe(false);
    panel.node
      .querySelector<HTMLButtonElement>('.jp-classlab-grader-releaseButton')!
      .click();
    await until(
      () => shown(panel!.node, '.jp-classlab-grader-releaseSummary'),
      'the summary'
    );
    expect(released_).toEqual(['week1/ps1.ipynb']);
    expect(text(panel.node, '.jp-classlab-grader-releaseSummary')).toContain(
      'Released “ps1” for grading.'
    );
  });

  it('on a source that names its assignment: Release, and the questions to check the solutions', async () => {
    const made = setup(
      { 'GET results': () => [200, { results: [] }] },
      { release: async () => undefined }
    );
    panel = made.panel;
    made.notebook.content.metadata = {
      classlab: { grader: { assignment: 'ps1' } }
    };
    panel.setNotebook(made.notebook);
    await until(() => made.store.teacher === true, 'the teacher flag');
    expect(shown(panel.node, '.jp-classlab-grader-release')).toBe(true);
    expect(panel.items).toHaveLength(2);
    expect(shown(panel.node, '.jp-classlab-grader-student')).toBe(true);
  });

  it('says why a release was refused', async () => {
    const made = setup(
      { 'GET results': () => [200, { results: [] }] },
      {
        release: async () => {
          throw { code: 'bad_assignment', message: 'q1 has no expected value' };
        }
      }
    );
    panel = made.panel;
    made.notebook.content.metadata = {};
    panel.setNotebook(made.notebook);
    await until(() => made.store.teacher === true, 'the teacher flag');
    panel.node
      .querySelector<HTMLButtonElement>('.jp-classlab-grader-releaseButton')!
      .click();
    await until(
      () =>
        shown(
          panel!.node,
          '.jp-classlab-grader-release .jp-classlab-grader-error'
        ),
      'the error'
    );
    expect(
      text(panel.node, '.jp-classlab-grader-release .jp-classlab-grader-error')
    ).toBe('This notebook cannot be released yet: q1 has no expected value');
  });

  it('a student sees no class view and no release button', async () => {
    const made = setup({}, { release: async () => undefined });
    panel = made.panel;
    made.notebook.content.metadata = {};
    panel.setNotebook(made.notebook);
    await until(() => made.store.teacher === false, 'the teacher flag');
    expect(shown(panel.node, '.jp-classlab-grader-release')).toBe(false);
    expect(shown(panel.node, '.jp-classlab-grader-teacher')).toBe(false);
    expect(text(panel.node, '.jp-classlab-grader-message')).toBe(
      'This notebook has grader cells but is not a released assignment yet.'
    );
  });
});
