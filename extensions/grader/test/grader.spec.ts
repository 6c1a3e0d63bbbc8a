import {
  checkDone,
  FakeNotebook,
  grader,
  released,
  Route,
  settle,
  submission,
  submitDone,
  until
} from './fixtures';

import type { ISubmission } from '../src/tokens';

/** A bridge whose submission is graded after `polls` long polls. */
function gradingServer(
  final: ISubmission,
  polls = 1,
  more: { [path: string]: Route } = {}
) {
  let seen = 0;
  const queued = { ...final, state: 'queued', results: null } as ISubmission;
  return grader({
    'POST submissions': () => [202, { submission: queued }],
    'submissions/*': () => {
      seen++;
      if (seen < polls) {
        return [200, { submission: { ...queued, state: 'running' } }];
      }
      return [200, { submission: final }];
    },
    'GET submissions': () => [200, { submissions: [] }],
    ...more
  });
}

describe('a grading session', () => {
  it('saves the notebook, posts a check with the language, long-polls until done and keeps the result', async () => {
    const done = checkDone();
    const { store, calls } = gradingServer(done, 2);
    const watch = store.watch();
    const notebook = new FakeNotebook('week1/ps1.ipynb', released());
    const session = store.session(notebook.path);
    const phases: string[] = [];
    session.changed.connect(() => phases.push(session.phase));
    await session.check('q1', () => notebook.save());
    await until(() => session.pending === null, 'the check to end');
    expect(notebook.saves).toBe(1);
    const post = calls.find(call => call.method === 'POST')!;
    expect(post.body).toEqual({
      notebook: 'week1/ps1.ipynb',
      mode: 'check',
      question: 'q1',
      lang: 'en'
    });
    const polls = calls.filter(call => call.path.startsWith('submissions/'));
    expect(polls).toHaveLength(2);
    expect(polls[0].query.get('wait')).toBe('25');
    expect(phases).toEqual(
      expect.arrayContaining(['saving', 'sending', 'queued', 'running', 'idle'])
    );
    expect(phases.indexOf('saving')).toBeLessThan(phases.indexOf('sending'));
    expect(session.lastCheck('q1')).toEqual(done);
    expect(session.lastSubmit).toBeNull();
    expect(session.attempts).toEqual([]);
    expect(session.error).toBe('');
    watch.dispose();
  });

  it('a submit becomes the newest attempt and the newest graded submit', async () => {
    const done = submitDone();
    const { store } = gradingServer(done);
    const watch = store.watch();
    const session = store.session('ps1.ipynb');
    const seen: unknown[] = [];
    session.changed.connect(() =>
      seen.push([session.attempts.length, session.pending])
    );
    await session.submit(async () => undefined);
    // The attempt is listed as soon as the server has it, while it is graded.
    expect(seen).toContainEqual([1, { mode: 'submit', question: null }]);
    await until(() => session.pending === null, 'the submit to end');
    expect(session.lastSubmit).toEqual(done);
    expect(session.attempts).toEqual([done]);
    watch.dispose();
  });

  it('does not poll while nobody watches, and goes on when the panel shows again', async () => {
    const done = checkDone();
    const { store, calls } = gradingServer(done);
    const session = store.session('ps1.ipynb');
    await session.check('q1', async () => undefined);
    await settle();
    expect(calls.filter(call => call.method === 'GET')).toHaveLength(0);
    expect(session.phase).toBe('queued');
    const watch = store.watch();
    await until(() => session.pending === null, 'the check to end');
    expect(session.lastCheck('q1')).toEqual(done);
    watch.dispose();
  });

  it('runs one grading at a time per notebook', async () => {
    const { store, calls } = gradingServer(checkDone());
    const session = store.session('ps1.ipynb');
    await session.check('q1', async () => undefined);
    await session.submit(async () => undefined);
    await session.check('q2', async () => undefined);
    expect(calls.filter(call => call.method === 'POST')).toHaveLength(1);
  });

  it('says why the server refused, in plain words, and can be tried again', async () => {
    const refusals: [number, string, string][] = [
      [429, 'too_many_attempts', 'Take a break'],
      [503, 'sandbox_unavailable', 'cannot run your code safely'],
      [404, 'no_such_assignment', 'not been opened for grading'],
      [400, 'bad_notebook', 'This notebook is not a graded assignment.']
    ];
    for (const [status, code, words] of refusals) {
      const { store } = grader({
        'POST submissions': () => [
          status,
          { error: { code, message: 'English' } }
        ]
      });
      const session = store.session('ps1.ipynb');
      await session.submit(async () => undefined);
      expect(session.error).toContain(words);
      expect(session.pending).toBeNull();
      expect(session.phase).toBe('idle');
    }
  });

  it('sends nothing when the notebook cannot be saved', async () => {
    const { store, calls } = gradingServer(checkDone());
    const session = store.session('ps1.ipynb');
    await session.check('q1', async () => {
      throw new Error('disk full');
    });
    expect(calls).toHaveLength(0);
    expect(session.error).toContain('could not be saved');
    expect(session.error).toContain('disk full');
  });

  it('a submission that failed to grade says so and keeps the last score', async () => {
    const failed = submission({
      mode: 'submit',
      question: null,
      state: 'failed',
      error: { code: 'grading_failed', message: 'Grading could not finish.' }
    });
    const { store } = gradingServer(failed);
    const watch = store.watch();
    const session = store.session('ps1.ipynb');
    await session.submit(async () => undefined);
    await until(() => session.pending === null, 'the submit to end');
    expect(session.error).toContain('Grading could not finish');
    expect(session.lastSubmit).toBeNull();
    expect(session.attempts[0].state).toBe('failed');
    watch.dispose();
  });

  it('reads the attempts and newest results from the history, and follows one still being graded', async () => {
    const oldSubmit = submitDone({ created: '2025-01-01T09:00:00Z' });
    const check = checkDone({ created: '2025-01-01T09:30:00Z' });
    const going = submission({
      mode: 'submit',
      question: null,
      state: 'running',
      created: '2025-01-01T10:00:00Z'
    });
    const graded = { ...submitDone(), id: going.id };
    const { store, calls } = grader({
      'GET submissions': () => [
        200,
        { submissions: [going, check, oldSubmit] }
      ],
      'submissions/*': () => [200, { submission: graded }]
    });
    const session = store.session('ps1.ipynb');
    await session.refresh();
    expect(calls[0].query.get('notebook')).toBe('ps1.ipynb');
    expect(session.loaded).toBe(true);
    expect(session.attempts.map(s => s.id)).toEqual([going.id, oldSubmit.id]);
    expect(session.lastSubmit).toEqual(oldSubmit);
    expect(session.lastCheck('q1')).toEqual(check);
    expect(session.pending).toEqual({ mode: 'submit', question: null });
    const watch = store.watch();
    await until(() => session.pending === null, 'the submit to end');
    expect(session.lastSubmit).toEqual(graded);
    expect(session.attempts[0]).toEqual(graded);
    watch.dispose();
  });

  it('stops following a submission the server no longer has', async () => {
    const { store } = grader({
      'POST submissions': () => [202, { submission: submission() }],
      'submissions/*': () => [
        404,
        { error: { code: 'not_found', message: 'No such submission.' } }
      ]
    });
    const watch = store.watch();
    const session = store.session('ps1.ipynb');
    await session.check('q1', async () => undefined);
    await until(() => session.pending === null, 'the check to end');
    expect(session.error).toContain('could not find');
    watch.dispose();
  });
});

describe('the teacher flag, the class results and releases', () => {
  it('is a teacher when results can be read, a student on 403', async () => {
    const teacher = grader({ 'GET results': () => [200, { results: [] }] });
    expect(teacher.store.teacher).toBeNull();
    expect(await teacher.store.probeTeacher()).toBe(true);
    expect(teacher.store.teacher).toBe(true);
    await teacher.store.probeTeacher();
    expect(teacher.calls).toHaveLength(1);
    expect(teacher.calls[0].query.get('assignment')).toBe('');

    const student = grader({
      'GET results': () => [
        403,
        { error: { code: 'forbidden', message: 'Only teachers.' } }
      ]
    });
    expect(await student.store.probeTeacher()).toBe(false);
    expect(student.store.teacher).toBe(false);

    const offline = grader({
      'GET results': () => [502, { error: { code: 'x', message: 'down' } }]
    });
    expect(await offline.store.probeTeacher()).toBe(false);
    expect(offline.store.teacher).toBeNull();
    // Not asked again at once (each render of the panel would).
    await offline.store.probeTeacher();
    expect(offline.calls).toHaveLength(1);
  });

  it('fetches the class again while some are regraded, only while watched', async () => {
    let regraded = false;
    let fetches = 0;
    const { store, calls } = grader({
      'GET results': () => {
        fetches++;
        const row = submitDone({ user: 'bob' });
        return [
          200,
          {
            results: [
              regraded && fetches < 4 ? { ...row, state: 'queued' } : row
            ]
          }
        ];
      },
      'POST results/regrade': () => {
        regraded = true;
        return [202, { queued: 1 }];
      }
    });
    const results = store.classResults('ps1');
    const watch = store.watch();
    await results.refresh();
    expect(results.rows).toHaveLength(1);
    await results.regrade();
    expect(results.note).toBe('1 submission is being graded again.');
    await until(() => fetches >= 4, 'the regrade to end');
    await settle();
    expect(results.rows[0].state).toBe('done');
    expect(results.note).toBe(
      'Regrading is done: the table shows the new scores.'
    );
    const before = calls.length;
    await settle(20);
    expect(calls.length).toBe(before);
    watch.dispose();
  });

  it('fetches the class again when a teacher’s own submit is graded', async () => {
    const done = submitDone();
    const { store, calls } = gradingServer(done, 1, {
      'GET results': () => [200, { results: [] }]
    });
    const watch = store.watch();
    await store.classResults('ps1').refresh();
    const session = store.session('ps1.ipynb');
    await session.submit(async () => undefined);
    await until(() => session.pending === null, 'the submit to end');
    await settle();
    expect(calls.filter(call => call.path === 'results')).toHaveLength(2);
    watch.dispose();
  });

  it('remembers a release by the source and the students’ notebook', async () => {
    const reply = {
      assignment: {
        id: 'ps1',
        notebook: 'release/ps1.ipynb',
        questions: [],
        released: ''
      },
      student_notebook: 'week1/release/ps1.ipynb'
    };
    const { store, calls } = grader({
      'POST assignments': () => [201, reply]
    });
    expect(await store.release('week1/ps1.ipynb')).toEqual(reply);
    expect(calls[0].body).toEqual({ notebook: 'week1/ps1.ipynb' });
    expect(store.releaseOf('week1/ps1.ipynb')).toEqual(reply);
    expect(store.releaseOf('week1/release/ps1.ipynb')).toEqual(reply);
    expect(store.releaseOf('other.ipynb')).toBeNull();
  });
});
