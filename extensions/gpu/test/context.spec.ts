import { ICellInfo, resolveContext, selectJobCells } from '../src/context';

function cell(
  id: string,
  source: string,
  type = 'code',
  tags: string[] = []
): ICellInfo {
  return { id, type, source, tags };
}

describe('job cells', () => {
  const cells = [
    cell('m', '# Title', 'markdown'),
    cell('imports', 'import torch', 'code', ['gpu-setup']),
    cell('blank', '   \n'),
    cell('plot', 'plot(x)'),
    cell('data', 'x = load()', 'code', ['gpu-setup', 'other']),
    cell('train', 'train(x)'),
    cell('after', 'print(1)', 'code', ['gpu-setup'])
  ];

  it('"above" with gpu-setup cells above the target: those, then the target', () => {
    expect(selectJobCells(cells, ['train'], 'above')).toEqual({
      cells: [
        { id: 'imports', source: 'import torch', target: false },
        { id: 'data', source: 'x = load()', target: false },
        { id: 'train', source: 'train(x)', target: true }
      ]
    });
  });

  it('"tagged": only the gpu-setup cells above the target', () => {
    expect(selectJobCells(cells, ['train'], 'tagged').cells).toEqual([
      { id: 'imports', source: 'import torch', target: false },
      { id: 'data', source: 'x = load()', target: false },
      { id: 'train', source: 'train(x)', target: true }
    ]);
  });

  it('"above" in a notebook without gpu-setup tags: every code cell above', () => {
    const untagged = cells.map(c => ({ ...c, tags: [] }));
    expect(
      selectJobCells(untagged, ['train'], 'above').cells!.map(c => c.id)
    ).toEqual(['imports', 'plot', 'data', 'train']);
  });

  it('"above" where cells above are tagged gpu-setup: only those (an unfinished exercise in between stays out)', () => {
    const lesson = [
      cell('setup', 'import torch', 'code', ['gpu-setup']),
      cell('exercise', 'raise NotImplementedError()'),
      cell('train', 'train()')
    ];
    expect(
      selectJobCells(lesson, ['train'], 'above').cells!.map(c => c.id)
    ).toEqual(['setup', 'train']);
    // A tag below the target does not count.
    const taggedBelow = [
      cell('a', 'x = 1'),
      cell('t', 'f(x)'),
      cell('b', 'y = 2', 'code', ['gpu-setup'])
    ];
    expect(
      selectJobCells(taggedBelow, ['t'], 'above').cells!.map(c => c.id)
    ).toEqual(['a', 't']);
  });

  it('the first cell has no context; a tagged target is a target, not context', () => {
    expect(selectJobCells(cells, ['imports'], 'tagged').cells).toEqual([
      { id: 'imports', source: 'import torch', target: true }
    ]);
  });

  it('the whole notebook: every non-empty code cell is a target, in order', () => {
    const selection = selectJobCells(cells, 'all', 'above');
    expect(selection.cells!.map(c => [c.id, c.target])).toEqual([
      ['imports', true],
      ['plot', true],
      ['data', true],
      ['train', true],
      ['after', true]
    ]);
  });

  it('says why there is nothing to send', () => {
    expect(selectJobCells(cells, ['blank'], 'above')).toEqual({
      problem: 'empty'
    });
    expect(selectJobCells(cells, ['m'], 'above')).toEqual({
      problem: 'not_code'
    });
    expect(selectJobCells(cells, ['gone'], 'above')).toEqual({
      problem: 'missing'
    });
    expect(
      selectJobCells(
        [cell('m', 'text', 'markdown'), cell('e', '')],
        'all',
        'above'
      )
    ).toEqual({ problem: 'empty' });
  });

  it('follows the server when the setting says "server"', () => {
    expect(resolveContext('server', { context: 'tagged' })).toBe('tagged');
    expect(resolveContext('server', { context: 'above' })).toBe('above');
    expect(resolveContext('server', null)).toBe('above');
    expect(resolveContext('tagged', { context: 'above' })).toBe('tagged');
    expect(resolveContext('above', { context: 'tagged' })).toBe('above');
  });
});
