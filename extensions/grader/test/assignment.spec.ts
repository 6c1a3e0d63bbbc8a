import { NotebookModel } from '@jupyterlab/notebook';

import {
  assignmentId,
  graderLang,
  isSourceNotebook,
  localText,
  modelContent,
  questionAt,
  readAssignment
} from '../src/assignment';

import { released } from './fixtures';

describe('graderLang', () => {
  it('writes the translator’s code as the grader does', () => {
    expect(graderLang('zh-CN')).toBe('zh_CN');
    expect(graderLang('en')).toBe('en');
    expect(graderLang('default')).toBe('en');
    expect(graderLang(undefined)).toBe('en');
  });
});

describe('localText', () => {
  const title = { en: 'Count the digits', zh_CN: '数一数数字' };

  it('picks the language, its base, English, then any', () => {
    expect(localText(title, 'zh_CN')).toBe('数一数数字');
    expect(localText(title, 'zh-CN')).toBe('数一数数字');
    expect(localText(title, 'zh_TW')).toBe('数一数数字');
    expect(localText(title, 'fr')).toBe('Count the digits');
    expect(localText({ de: 'Zähle' }, 'fr')).toBe('Zähle');
  });

  it('takes a plain string, and nothing else', () => {
    expect(localText('Square it', 'zh_CN')).toBe('Square it');
    expect(localText(42, 'en')).toBe('');
    expect(localText(['a'], 'en')).toBe('');
    expect(localText(null, 'en')).toBe('');
  });
});

describe('readAssignment', () => {
  it('lists the questions in notebook order with points, visible checks and hidden counts', () => {
    const assignment = readAssignment(released(), 'zh_CN')!;
    expect(assignment.id).toBe('ps1');
    expect(assignment.points).toBe(5);
    expect(assignment.questions.map(q => q.id)).toEqual(['q1', 'q2']);
    const [q1, q2] = assignment.questions;
    expect(q1).toMatchObject({
      title: '数一数数字',
      points: 3,
      cellId: 'c-q1',
      hidden: 1,
      hiddenPoints: 2
    });
    expect(q1.checks.map(c => c.id)).toEqual(['q1-total']);
    expect(q2).toMatchObject({ title: 'Square it', points: 2, hidden: 0 });
  });

  it('is null for a notebook that is not a released assignment', () => {
    const content = released();
    content.metadata = {};
    expect(readAssignment(content, 'en')).toBeNull();
    expect(assignmentId(content)).toBeNull();
    expect(
      readAssignment(
        { metadata: { classlab: { grader: { assignment: 7 } } }, cells: [] },
        'en'
      )
    ).toBeNull();
  });

  it('sums the checks when a question has no points, and ignores broken metadata', () => {
    const content = released();
    const meta = (content.cells[3].metadata as any).classlab.grader;
    delete meta.points;
    meta.checks.push(
      { id: 'q2-more', visibility: 'hidden', points: '3' },
      { visibility: 'visible', points: 1 },
      'nonsense',
      { id: 'q2-bad', points: -4 }
    );
    content.cells.push({
      id: 'odd',
      metadata: { classlab: { grader: { question: 5 } } }
    });
    const q2 = readAssignment(content, 'en')!.questions[1];
    expect(q2.points).toBe(5);
    expect(q2.hidden).toBe(1);
    expect(q2.checks.map(c => c.id)).toEqual(['q2-square', 'q2-bad']);
    expect(q2.checks[1].points).toBe(0);
    expect(readAssignment(content, 'en')!.questions).toHaveLength(2);
  });

  it('merges a question spread over two cells, jumping to the first', () => {
    const content = released();
    content.cells.push({
      id: 'c-q1-more',
      metadata: {
        classlab: {
          grader: {
            question: 'q1',
            checks: [{ id: 'q1-x', visibility: 'visible', points: 1 }]
          }
        }
      }
    });
    const q1 = readAssignment(content, 'en')!.questions[0];
    expect(q1.cellId).toBe('c-q1');
    expect(q1.checks.map(c => c.id)).toEqual(['q1-total', 'q1-x']);
  });
});

describe('isSourceNotebook and questionAt', () => {
  it('tells a teacher’s source notebook (grader cells, no assignment) from others', () => {
    const content = released();
    expect(isSourceNotebook(content)).toBe(false);
    content.metadata = {};
    expect(isSourceNotebook(content)).toBe(true);
    // A source may name its assignment itself; only a release writes spec_version.
    content.metadata = { classlab: { grader: { assignment: 'ps1' } } };
    expect(isSourceNotebook(content)).toBe(true);
    expect(
      isSourceNotebook({ metadata: {}, cells: [{ id: 'a', metadata: {} }] })
    ).toBe(false);
  });

  it('finds the question of a cell or of the nearest question cell above it', () => {
    const content = released();
    expect(questionAt(content, 0)).toBeNull();
    expect(questionAt(content, 1)).toBe('q1');
    expect(questionAt(content, 2)).toBe('q1');
    expect(questionAt(content, 3)).toBe('q2');
    expect(questionAt(content, 99)).toBe('q2');
  });
});

describe('modelContent', () => {
  it('reads the grader metadata of an open notebook’s model', () => {
    const content = released();
    const model = new NotebookModel();
    model.fromJSON({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: content.metadata as any,
      cells: content.cells.map(cell => ({
        id: cell.id,
        cell_type: 'code',
        source: '',
        metadata: cell.metadata as any,
        outputs: [],
        execution_count: null
      }))
    });
    const read = modelContent(model);
    expect(read.cells.map(cell => cell.id)).toEqual([
      'intro',
      'c-q1',
      'c-q1-test',
      'c-q2'
    ]);
    expect(readAssignment(read, 'en')).toEqual(readAssignment(content, 'en'));
    expect(isSourceNotebook(read)).toBe(false);
    model.dispose();
    expect(modelContent(null)).toEqual({ metadata: {}, cells: [] });
  });
});
