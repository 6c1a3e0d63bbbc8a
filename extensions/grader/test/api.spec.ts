import { GraderApiError } from '../src/api';
import { graderErrorText } from '../src/errorText';

import { server, trans } from './fixtures';

describe('GraderApi', () => {
  it('posts a submission with the notebook, mode, question and language', async () => {
    const { api, calls } = server({
      'POST submissions': () => [202, { submission: { id: 's_1' } }]
    });
    const sub = await api.submit({
      notebook: 'week 1/ps1.ipynb',
      mode: 'check',
      question: 'q1',
      lang: 'zh_CN'
    });
    expect(sub.id).toBe('s_1');
    expect(calls[0]).toMatchObject({
      method: 'POST',
      path: 'submissions',
      body: {
        notebook: 'week 1/ps1.ipynb',
        mode: 'check',
        question: 'q1',
        lang: 'zh_CN'
      }
    });
  });

  it('waits on a submission, lists the attempts of a notebook, and reads the class', async () => {
    const { api, calls } = server({
      'submissions/*': () => [200, { submission: { id: 's 1' } }],
      'GET submissions': () => [200, { submissions: [{ id: 's_1' }] }],
      'GET results': (_, __, query) =>
        query.get('format') === 'csv'
          ? [200, 'user,score\nann,4\n']
          : [200, { results: [{ id: 's_9' }] }],
      'POST results/regrade': () => [202, { queued: 3 }],
      'GET assignments': () => [200, { assignments: [{ id: 'ps1' }] }],
      'POST assignments': () => [
        201,
        { assignment: { id: 'ps1' }, student_notebook: 'release/ps1.ipynb' }
      ]
    });
    await api.submission('s 1', 25);
    expect(calls[0].path).toBe('submissions/s%201');
    expect(calls[0].query.get('wait')).toBe('25');
    expect(await api.submissions('a/ps1.ipynb')).toEqual([{ id: 's_1' }]);
    expect(calls[1].query.get('notebook')).toBe('a/ps1.ipynb');
    expect(await api.results('ps1')).toEqual([{ id: 's_9' }]);
    expect(calls[2].query.get('assignment')).toBe('ps1');
    expect(await api.resultsCsv('ps1')).toBe('user,score\nann,4\n');
    expect(calls[3].query.get('format')).toBe('csv');
    expect(await api.regrade('ps1')).toBe(3);
    expect(calls[4].body).toEqual({ assignment: 'ps1' });
    expect(await api.assignments()).toEqual([{ id: 'ps1' }]);
    expect((await api.release('ps1-source.ipynb')).student_notebook).toBe(
      'release/ps1.ipynb'
    );
    expect(calls[6].body).toEqual({ notebook: 'ps1-source.ipynb' });
  });

  it('throws the server’s error code, and no_grader_api for a bare 404', async () => {
    const { api } = server({
      'POST submissions': () => [
        429,
        { error: { code: 'too_many_attempts', message: 'Slow down.' } }
      ]
    });
    await expect(
      api.submit({ notebook: 'a.ipynb', mode: 'submit', lang: 'en' })
    ).rejects.toMatchObject({ status: 429, code: 'too_many_attempts' });
    await expect(api.assignments()).rejects.toMatchObject({
      status: 404,
      code: 'no_grader_api'
    });
  });
});

describe('graderErrorText', () => {
  const text = (code: string, status = 400, message = 'why') =>
    graderErrorText(new GraderApiError(status, code, message), trans);

  it('says each refusal in plain words', () => {
    expect(text('too_many_attempts', 429)).toContain('Take a break');
    expect(text('sandbox_unavailable', 503)).toContain('Ask your teacher');
    expect(text('no_such_assignment', 404)).toContain('not been opened');
    expect(text('bad_notebook')).toBe(
      'This notebook is not a graded assignment.'
    );
    expect(text('network', 0)).toContain('cannot be reached');
    expect(text('no_grader_api', 404)).toBe(
      'Grading is not set up on this server.'
    );
  });

  it('quotes the teacher’s mistake, a save error and a server error', () => {
    expect(text('bad_assignment', 400, 'q1 has no expected value')).toBe(
      'This notebook cannot be released yet: q1 has no expected value'
    );
    expect(
      graderErrorText({ code: 'save_failed', message: 'disk full' }, trans)
    ).toContain('disk full');
    expect(text('boom', 500, 'Internal')).toContain('(Internal)');
    expect(text('odd', 418, 'I am a teapot')).toBe('I am a teapot');
  });
});
